#pragma once
// The fields of a TCP header the tracker needs, read within the bytes the packet really holds.
#include <cstdint>

#include <rte_mbuf.h>

#include "dataplane/core/packet_meta.hpp"

namespace torwart::dataplane::conntrack {

namespace tcp_bits {
inline constexpr uint8_t kFin = 0x01;
inline constexpr uint8_t kSyn = 0x02;
inline constexpr uint8_t kRst = 0x04;
inline constexpr uint8_t kAck = 0x10;
}  // namespace tcp_bits

inline constexpr uint8_t kNoWindowScale = 0xff;

struct TcpSegment {
  uint32_t seq;
  uint32_t ack;
  uint32_t length;       // payload in this packet, plus one each for SYN and FIN
  uint16_t window;       // raw header field
  uint8_t flags;         // tcp_bits::*
  uint8_t window_scale;  // from a SYN's window-scale option (capped at 14), else kNoWindowScale
};

// Reads the TCP header at meta.l4_offset. Options are only read from the first segment; a header whose
// options continue beyond it reads as having none. The packet must not be a later fragment.
TcpSegment read_tcp_segment(const PacketMeta& meta, const rte_mbuf* m);

// The window-scale option among `options` (bounded by `length`), or kNoWindowScale.
uint8_t find_window_scale(const uint8_t* options, uint32_t length);

}  // namespace torwart::dataplane::conntrack
