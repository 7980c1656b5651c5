// Fuzzing the QUIC long header reader and probe: no crash, and whatever is accepted lies inside the datagram.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "dataplane/applayer/quic/quic_long_header.hpp"
#include "dataplane/applayer/quic/quic_probe.hpp"

using namespace torwart::dataplane::applayer;
using namespace torwart::dataplane::applayer::quic;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> datagram(data, size);
  const ProbeResult to_server = probe_quic(Direction::kToServer, datagram);
  probe_quic(Direction::kToClient, datagram);
  if (to_server == ProbeResult::kNeedMore) std::abort();
  QuicLongHeader h;
  if (!quic_parse_long_header(datagram, h)) {
    if (to_server == ProbeResult::kMatch) std::abort();
    return 0;
  }
  if (h.dcid_length > kQuicMaxConnectionIdBytes || h.scid_length > kQuicMaxConnectionIdBytes) std::abort();
  if (h.packet_length > size || h.payload_offset + h.payload_length > size) std::abort();
  if (h.token_offset + h.token_length > size) std::abort();
  const bool client_first = h.type == QuicPacketType::kInitial || h.type == QuicPacketType::kReservedVersion;
  if (to_server == ProbeResult::kMatch && (!client_first || size < 1200)) std::abort();
  return 0;
}
