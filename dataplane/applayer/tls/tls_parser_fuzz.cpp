// Drives the TLS parser the way the stream layer would: the first byte picks a piece size and whether the
// input is one direction (to the server or to the client) or both alternating; the rest is the stream. The
// same bytes fed in one piece per direction must give exactly the same events and state as in pieces, and
// (the directions being independent) whatever the turns between the directions.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "dataplane/applayer/tls/tls_parser.hpp"

namespace tls = torwart::dataplane::applayer::tls;
using torwart::dataplane::applayer::Direction;

namespace {

// Folds every event and every field it exposes into one hash per direction the event comes from, so two
// runs can be compared whatever order their directions took turns in.
class HashingSink final : public tls::TlsSink {
 public:
  void on_client_hello(const tls::TlsFlowState& s) override {
    from = 0;
    mix(1);
    mix(s.client_hello.sni.view());
    mix(s.client_hello.alpn.view());
    mix(s.fingerprints.ja3.view());
    mix(s.fingerprints.ja3_md5.view());
    mix(s.fingerprints.ja4.view());
    mix(s.client_hello.truncated);
  }
  void on_server_hello(const tls::TlsFlowState& s) override {
    from = 1;
    mix(2);
    mix(s.fingerprints.ja3s.view());
    mix(s.server_hello.alpn.view());
    mix(tls::tls_version_name(s.version()));
  }
  void on_certificate(const tls::TlsFlowState& s) override {
    from = 1;
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
    from = static_cast<size_t>(d);
    mix(4);
    mix(s.side(d).last_alert_level);
    mix(s.side(d).last_alert_description);
  }
  void on_encrypted(const tls::TlsFlowState&, Direction d) override {
    from = static_cast<size_t>(d);
    mix(5);
  }
  void on_handshake_done(const tls::TlsFlowState&) override { ++handshakes_done; }
  void on_anomaly(const tls::TlsFlowState&, Direction d, tls::TlsAnomaly reason) override {
    from = static_cast<size_t>(d);
    mix(8);
    mix(tls::tls_anomaly_name(reason));
  }

  void mix(uint64_t value) { hash[from] = (hash[from] ^ value) * 0x100000001b3ull; }
  void mix(std::string_view text) {
    mix(text.size());
    for (const char c : text) mix(static_cast<unsigned char>(c));
  }
  void mix_side(size_t direction, const tls::TlsDirectionState& side) {
    from = direction;
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

  uint64_t result() const { return hash[0] * 31 + hash[1] + (handshakes_done << 1); }

  uint64_t hash[2] = {0xcbf29ce484222325ull, 0xcbf29ce484222325ull};
  size_t from = 0;
  uint64_t handshakes_done = 0;
};

tls::TlsFlowState g_state;

uint8_t g_direction_bytes[2][1 << 16];

uint64_t finish(HashingSink& sink) {
  sink.mix_side(0, g_state.side(Direction::kToServer));
  sink.mix_side(1, g_state.side(Direction::kToClient));
  return sink.result();
}

// Feeds `piece`-sized pieces, alternating directions for mode 2/3; also gathers each direction's bytes.
uint64_t run_in_pieces(std::span<const uint8_t> stream, size_t piece, int mode, size_t (&gathered)[2]) {
  g_state = tls::TlsFlowState{};
  tls::TlsContext context;
  HashingSink sink;
  bool to_client = mode == 1;
  gathered[0] = gathered[1] = 0;
  for (size_t at = 0; at < stream.size(); at += piece) {
    const size_t n = stream.size() - at < piece ? stream.size() - at : piece;
    const std::span<const uint8_t> part = stream.subspan(at, n);
    const size_t d = to_client ? 1 : 0;
    std::copy(part.begin(), part.end(), g_direction_bytes[d] + gathered[d]);
    gathered[d] += n;
    tls::tls_feed(g_state, to_client ? Direction::kToClient : Direction::kToServer, part, sink, context);
    if (mode >= 2) to_client = !to_client;
  }
  return finish(sink);
}

// Each direction's bytes in one piece: all of the client's, then all of the server's.
uint64_t run_whole(const size_t (&gathered)[2]) {
  g_state = tls::TlsFlowState{};
  tls::TlsContext context;
  HashingSink sink;
  tls::tls_feed(g_state, Direction::kToServer, {g_direction_bytes[0], gathered[0]}, sink, context);
  tls::tls_feed(g_state, Direction::kToClient, {g_direction_bytes[1], gathered[1]}, sink, context);
  return finish(sink);
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
  if (stream.size() > sizeof(g_direction_bytes[0])) return 0;
  size_t gathered[2];
  const uint64_t in_pieces = run_in_pieces(stream, piece, mode, gathered);
  if (run_whole(gathered) != in_pieces) std::abort();  // splitting or taking turns changed the result
  return 0;
}
