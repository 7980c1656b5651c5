// Drives the TLS parser the way the stream layer would: the first byte picks a piece size and whether the
// input is one direction (to the server or to the client) or both alternating; the rest is the stream. For
// one direction, the same bytes in one piece must give exactly the same events and state as in pieces.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "dataplane/applayer/tls/tls_parser.hpp"

namespace tls = torwart::dataplane::applayer::tls;
using torwart::dataplane::applayer::Direction;

namespace {

// Folds every event and every field it exposes into one hash, so two runs can be compared.
class HashingSink final : public tls::TlsSink {
 public:
  void on_client_hello(const tls::TlsFlowState& s) override {
    mix(1);
    mix(s.client_hello.sni.view());
    mix(s.client_hello.alpn.view());
    mix(s.fingerprints.ja3.view());
    mix(s.fingerprints.ja3_md5.view());
    mix(s.fingerprints.ja4.view());
    mix(s.client_hello.truncated);
  }
  void on_server_hello(const tls::TlsFlowState& s) override {
    mix(2);
    mix(s.fingerprints.ja3s.view());
    mix(s.server_hello.alpn.view());
    mix(tls::tls_version_name(s.version()));
  }
  void on_certificate(const tls::TlsFlowState& s) override {
    mix(3);
    mix(s.certificate.subject.view());
    mix(s.certificate.issuer.view());
    mix(s.certificate.serial.view());
    mix(s.certificate.not_before.view());
    mix(s.certificate.not_after.view());
    mix(s.certificate.sha1.view());
    mix(s.certificate.chain_length);
    mix(s.certificate.truncated);
  }
  void on_alert(const tls::TlsFlowState& s, Direction d) override {
    mix(4);
    mix(s.side(d).last_alert_level);
    mix(s.side(d).last_alert_description);
  }
  void on_encrypted(const tls::TlsFlowState&, Direction d) override { mix(5 + static_cast<uint64_t>(d)); }
  void on_handshake_done(const tls::TlsFlowState&) override { mix(7); }
  void on_anomaly(const tls::TlsFlowState&, Direction d, tls::TlsAnomaly reason) override {
    mix(8 + static_cast<uint64_t>(d));
    mix(tls::tls_anomaly_name(reason));
  }

  void mix(uint64_t value) { hash = (hash ^ value) * 0x100000001b3ull; }
  void mix(std::string_view text) {
    mix(text.size());
    for (const char c : text) mix(static_cast<unsigned char>(c));
  }
  void mix_side(const tls::TlsDirectionState& side) {
    mix(side.records);
    mix(side.handshake_messages);
    mix(side.alerts);
    mix(side.change_cipher_specs);
    mix(side.application_data_records);
    mix(side.application_data_bytes);
    mix(side.encrypted);
    mix(side.stopped);
    mix(static_cast<uint64_t>(side.anomaly));
  }

  uint64_t hash = 0xcbf29ce484222325ull;
};

tls::TlsFlowState g_state;

uint64_t run(std::span<const uint8_t> stream, size_t piece, int mode) {
  g_state = tls::TlsFlowState{};
  tls::TlsContext context;
  HashingSink sink;
  bool to_client = mode == 1;
  for (size_t at = 0; at < stream.size(); at += piece) {
    const size_t n = stream.size() - at < piece ? stream.size() - at : piece;
    tls::tls_feed(g_state, to_client ? Direction::kToClient : Direction::kToServer, stream.subspan(at, n),
                  sink, context);
    if (mode >= 2) to_client = !to_client;
  }
  sink.mix_side(g_state.side(Direction::kToServer));
  sink.mix_side(g_state.side(Direction::kToClient));
  return sink.hash;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t control = data[0];
  const std::span<const uint8_t> stream(data + 1, size - 1);
  const size_t piece = (control & 0x3f) + 1;
  const int mode = control >> 6;  // 0: to the server, 1: to the client, 2/3: alternating per piece
  tls::probe_tls(Direction::kToServer, stream);
  tls::probe_tls(Direction::kToClient, stream);
  const uint64_t in_pieces = run(stream, piece, mode);
  if (mode < 2 && stream.size() > 0 && run(stream, stream.size(), mode) != in_pieces) {
    std::abort();  // splitting changed the result
  }
  return 0;
}
