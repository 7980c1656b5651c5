#include "dataplane/conntrack/tcp_segment.hpp"

#include <algorithm>

namespace torwart::dataplane::conntrack {
namespace {

uint16_t be16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t be32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}

constexpr uint32_t kTcpMinHeader = 20;
constexpr uint8_t kMaxWindowShift = 14;  // RFC 7323 2.3

}  // namespace

uint8_t find_window_scale(const uint8_t* options, uint32_t length) {
  uint32_t i = 0;
  while (i < length) {
    const uint8_t kind = options[i];
    if (kind == 0) break;  // end of options
    if (kind == 1) {       // no-operation
      ++i;
      continue;
    }
    if (i + 1 >= length) break;
    const uint8_t option_length = options[i + 1];
    if (option_length < 2 || i + option_length > length) break;
    if (kind == 3 && option_length == 3) return std::min(options[i + 2], kMaxWindowShift);
    i += option_length;
  }
  return kNoWindowScale;
}

TcpSegment read_tcp_segment(const PacketMeta& meta, const rte_mbuf* m) {
  // parse has checked that the 20-byte header lies in the first segment and that the data offset fits the
  // datagram.
  const uint8_t* tcp = rte_pktmbuf_mtod_offset(m, const uint8_t*, meta.l4_offset);
  TcpSegment s{};
  s.seq = be32(tcp + 4);
  s.ack = be32(tcp + 8);
  s.flags = tcp[13];
  s.window = be16(tcp + 14);
  const uint32_t header_length = static_cast<uint32_t>(tcp[12] >> 4) * 4;
  const uint32_t before_l4 = static_cast<uint32_t>(meta.l4_offset - meta.l3_offset);
  const uint32_t datagram_after_header =
      meta.l3_length - std::min<uint32_t>(meta.l3_length, before_l4 + header_length);
  s.length =
      datagram_after_header + ((s.flags & tcp_bits::kSyn) ? 1 : 0) + ((s.flags & tcp_bits::kFin) ? 1 : 0);
  s.window_scale = kNoWindowScale;
  if ((s.flags & tcp_bits::kSyn) && header_length > kTcpMinHeader &&
      meta.l4_offset + header_length <= rte_pktmbuf_data_len(m)) {
    s.window_scale = find_window_scale(tcp + kTcpMinHeader, header_length - kTcpMinHeader);
  }
  return s;
}

}  // namespace torwart::dataplane::conntrack
