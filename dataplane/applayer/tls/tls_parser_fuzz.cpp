// Drives the TLS parser the way the stream layer would: the first byte picks a piece size and whether the
// input is one direction (to the server or to the client) or both interleaved; the rest is the stream.
#include <cstddef>
#include <cstdint>
#include <span>

#include "dataplane/applayer/tls/tls_parser.hpp"

namespace tls = torwart::dataplane::applayer::tls;
using torwart::dataplane::applayer::Direction;

namespace {

// Reads every field the sink is given, so the sanitizers see any bad view.
class CheckingSink final : public tls::TlsSink {
 public:
  void on_client_hello(const tls::TlsFlowState& s) override {
    touch(s.client_hello.sni.view());
    touch(s.client_hello.alpn.view());
    touch(s.fingerprints.ja3.view());
    touch(s.fingerprints.ja4.view());
  }
  void on_server_hello(const tls::TlsFlowState& s) override {
    touch(s.fingerprints.ja3s.view());
    touch(tls::tls_version_name(s.version()));
  }
  void on_certificate(const tls::TlsFlowState& s) override {
    touch(s.certificate.subject.view());
    touch(s.certificate.issuer.view());
    touch(s.certificate.serial.view());
    touch(s.certificate.not_before.view());
    touch(s.certificate.not_after.view());
    touch(s.certificate.sha1.view());
  }
  void on_anomaly(const tls::TlsFlowState&, Direction, tls::TlsAnomaly reason) override {
    touch(tls::tls_anomaly_name(reason));
  }
  size_t sum = 0;

 private:
  void touch(std::string_view text) {
    for (const char c : text) sum += static_cast<unsigned char>(c);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t control = data[0];
  const std::span<const uint8_t> stream(data + 1, size - 1);
  const size_t piece = (control & 0x3f) + 1;
  const int mode = control >> 6;  // 0: to server, 1: to client, 2/3: alternate directions per piece
  static tls::TlsFlowState state;
  state = tls::TlsFlowState{};
  tls::TlsContext context;
  CheckingSink sink;
  tls::probe_tls(Direction::kToServer, stream);
  tls::probe_tls(Direction::kToClient, stream);
  bool to_client = mode == 1;
  for (size_t at = 0; at < stream.size(); at += piece) {
    const size_t n = stream.size() - at < piece ? stream.size() - at : piece;
    tls::tls_feed(state, to_client ? Direction::kToClient : Direction::kToServer, stream.subspan(at, n), sink,
                  context);
    if (mode >= 2) to_client = !to_client;
  }
  return static_cast<int>(sink.sum & 0);
}
