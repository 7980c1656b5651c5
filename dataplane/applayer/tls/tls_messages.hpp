#pragma once
// Internal: the handshake message body parsers. Each is started with the message's length, fed its body in
// pieces of any size, and finished at the message's end; a non-kNone answer stops the direction.
#include <cstdint>
#include <span>

#include "dataplane/applayer/tls/tls_state.hpp"

namespace torwart::dataplane::applayer::tls {

TlsAnomaly client_hello_begin(TlsFlowState& state, uint32_t length, bool sslv2);
TlsAnomaly client_hello_feed(TlsFlowState& state, std::span<const uint8_t> body);
TlsAnomaly client_hello_finish(TlsFlowState& state);

TlsAnomaly server_hello_begin(TlsFlowState& state, uint32_t length);
TlsAnomaly server_hello_feed(TlsFlowState& state, std::span<const uint8_t> body);
TlsAnomaly server_hello_finish(TlsFlowState& state);

TlsAnomaly certificate_begin(TlsFlowState& state, uint32_t length);
TlsAnomaly certificate_feed(TlsFlowState& state, std::span<const uint8_t> body);
TlsAnomaly certificate_finish(TlsFlowState& state);

// Reserves the next field of a message parser: passes `skip` bytes, gathers `want`, all before `limit`.
template <class Parser>
bool expect_field(Parser& parser, uint32_t skip, uint32_t want, uint32_t limit) {
  const uint64_t end = uint64_t{parser.field_end} + skip + want;
  if (end > limit) return false;
  parser.field_end = static_cast<uint32_t>(end);
  parser.reader.expect(skip, static_cast<uint16_t>(want));
  return true;
}

}  // namespace torwart::dataplane::applayer::tls
