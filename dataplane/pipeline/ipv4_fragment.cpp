#include "dataplane/pipeline/ipv4_fragment.hpp"

#include <algorithm>
#include <cstring>

#include "dataplane/core/packet_access.hpp"

namespace torwart::dataplane {
namespace {

constexpr uint16_t kEthernetLength = sizeof(rte_ether_hdr);
constexpr uint16_t kMaxFragments = 8;

// The options a non-first fragment carries: those with the "copied" bit (RFC 791), padded to 4 bytes.
uint16_t copied_options(const uint8_t* options, uint16_t length, uint8_t* out) {
  uint16_t written = 0;
  for (uint16_t i = 0; i < length;) {
    const uint8_t type = options[i];
    if (type == 0) break;  // end of option list
    if (type == 1) {       // no-operation
      ++i;
      continue;
    }
    const uint8_t option_length = options[i + 1];  // parse validated the option lengths
    if (type & 0x80) {
      std::memcpy(out + written, options + i, option_length);
      written = static_cast<uint16_t>(written + option_length);
    }
    i = static_cast<uint16_t>(i + option_length);
  }
  while (written % 4 != 0) out[written++] = 0;
  return written;
}

}  // namespace

bool fragment_ipv4(WorkerContext& ctx, Burst& burst, rte_mbuf* original, uint16_t mtu) {
  const PacketMeta& meta = meta_of(original);
  const auto* ip = ipv4_of(original, meta);
  const uint16_t header_length = static_cast<uint16_t>((ip->version_ihl & 0x0f) * 4);
  const uint16_t payload_length = static_cast<uint16_t>(meta.l3_length - header_length);
  const uint8_t* payload = reinterpret_cast<const uint8_t*>(ip) + header_length;
  uint8_t later_options[40];
  const uint16_t later_options_length = copied_options(
      reinterpret_cast<const uint8_t*>(ip + 1), static_cast<uint16_t>(header_length - 20), later_options);
  const uint16_t original_flags = rte_be_to_cpu_16(ip->fragment_offset);
  const uint16_t original_offset_units = original_flags & RTE_IPV4_HDR_OFFSET_MASK;
  const bool original_more = (original_flags & RTE_IPV4_HDR_MF_FLAG) != 0;

  rte_mbuf* fragments[kMaxFragments];
  uint16_t count = 0;
  for (uint16_t offset = 0; offset < payload_length;) {
    const uint16_t this_header =
        offset == 0 ? header_length : static_cast<uint16_t>(20 + later_options_length);
    const auto room = static_cast<uint16_t>((mtu - this_header) & ~7u);  // offsets count in 8-byte units
    const uint16_t chunk = std::min<uint16_t>(room, static_cast<uint16_t>(payload_length - offset));
    rte_mbuf* m = count < kMaxFragments && room > 0 ? rte_pktmbuf_alloc(ctx.pool) : nullptr;
    auto* frame =
        m == nullptr
            ? nullptr
            : reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, kEthernetLength + this_header + chunk));
    if (frame == nullptr) {
      if (m != nullptr) rte_pktmbuf_free(m);
      rte_pktmbuf_free_bulk(fragments, count);
      return false;
    }
    auto* header = reinterpret_cast<rte_ipv4_hdr*>(frame + kEthernetLength);
    if (offset == 0) {
      std::memcpy(header, ip, header_length);
    } else {
      std::memcpy(header, ip, 20);
      std::memcpy(header + 1, later_options, later_options_length);
      header->version_ihl = static_cast<uint8_t>(0x40 | (this_header / 4));
    }
    std::memcpy(reinterpret_cast<uint8_t*>(header) + this_header, payload + offset, chunk);
    const bool last = offset + chunk == payload_length;
    const uint16_t flags = static_cast<uint16_t>((original_offset_units + offset / 8) |
                                                 (!last || original_more ? RTE_IPV4_HDR_MF_FLAG : 0));
    header->fragment_offset = rte_cpu_to_be_16(flags);
    header->total_length = rte_cpu_to_be_16(static_cast<uint16_t>(this_header + chunk));
    header->hdr_checksum = 0;
    header->hdr_checksum = rte_ipv4_cksum(header);

    PacketMeta& out = meta_of(m);
    out = meta;
    out.l3_offset = kEthernetLength;
    out.l3_length = static_cast<uint16_t>(this_header + chunk);
    out.l4_offset = static_cast<uint16_t>(kEthernetLength + this_header);
    out.flags |= meta_flag::kFragment;
    if (offset + original_offset_units * 8 != 0) {
      out.flags |= meta_flag::kLaterFragment;
      out.l4_present = 0;
    }
    m->port = original->port;
    fragments[count++] = m;
    offset = static_cast<uint16_t>(offset + chunk);
  }
  for (uint16_t i = 0; i < count; ++i) burst.add_generated(fragments[i]);
  ctx.counters.fragments_created += count;
  ++ctx.counters.packets_fragmented;
  rte_pktmbuf_free(original);
  return true;
}

}  // namespace torwart::dataplane
