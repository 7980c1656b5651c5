#pragma once
// TLS over one TCP connection: the content probe and the incremental parser (see README.md). The integrator
// calls tls_feed with each direction's reassembled bytes in order, split anywhere; results arrive through
// TlsSink and stay readable in TlsFlowState.
#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/applayer/common.hpp"
#include "dataplane/applayer/tls/tls_state.hpp"

namespace torwart::dataplane::applayer::tls {

// A handshake record (type 22, version 0x0300..0x0304, length 4..2^14+2048) starting a ClientHello (to the
// server) or ServerHello (to the client); to the server also an SSLv2-compatible ClientHello.
ProbeResult probe_tls(Direction direction, std::span<const uint8_t> first_bytes);

// Parses the next bytes of one direction. Never reads beyond `bytes`, never allocates, never throws.
void tls_feed(TlsFlowState& state, Direction direction, std::span<const uint8_t> bytes, TlsSink& sink,
              TlsContext& context);

// "TLS 1.2", "TLS 1.3", "TLSv1", "SSLv3", ... as Suricata's EVE prints them; "UNDETERMINED" otherwise.
std::string_view tls_version_name(uint16_t version);
std::string_view tls_anomaly_name(TlsAnomaly anomaly);

}  // namespace torwart::dataplane::applayer::tls
