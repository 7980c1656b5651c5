#include "dataplane/core/parse.hpp"

#include <algorithm>
#include <cstring>

#include "dataplane/core/checksum.hpp"
#include "dataplane/core/flow_hash.hpp"

namespace torwart::dataplane {
namespace {

constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeArp = 0x0806;
constexpr uint16_t kEtherTypeVlan = 0x8100;
constexpr uint16_t kEtherTypeIpv6 = 0x86dd;

constexpr uint32_t kEthernetHeaderLength = 14;
constexpr uint32_t kVlanTagLength = 4;
constexpr uint32_t kArpBodyLength = 28;
constexpr uint32_t kIpv4MinHeaderLength = 20;
constexpr uint32_t kIpv6HeaderLength = 40;
constexpr uint32_t kTcpMinHeaderLength = 20;
constexpr uint32_t kUdpHeaderLength = 8;
constexpr uint32_t kIcmpHeaderLength = 8;

constexpr uint8_t kProtoHopByHop = 0;
constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr uint8_t kProtoRouting = 43;
constexpr uint8_t kProtoFragment = 44;
constexpr uint8_t kProtoAuthentication = 51;
constexpr uint8_t kProtoIcmpv6 = 58;
constexpr uint8_t kProtoNoNextHeader = 59;
constexpr uint8_t kProtoDestinationOptions = 60;

// Enough for any sane chain (RFC 8200 recommends an order with at most ~7 headers); a longer one is an attack
// on the walk rather than traffic.
constexpr unsigned kMaxIpv6ExtensionHeaders = 8;

// The bytes we may read and the length the frame claims. They differ only for a multi-segment mbuf, whose
// first segment must hold every header we look at: length fields are checked against `length`, reads against
// `readable`.
struct Frame {
  const uint8_t* data;
  uint32_t readable;
  uint32_t length;
};

uint16_t load_be16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

// kNone when [0, end) may be read; otherwise `truncated` when the frame itself is too short, or
// truncated_ethernet when the header continues in a later segment (see parse.hpp).
DropReason require(const Frame& frame, uint32_t end, DropReason truncated) {
  if (end > frame.length) return truncated;
  if (end > frame.readable) return DropReason::kTruncatedEthernet;
  return DropReason::kNone;
}

bool is_icmpv4_error(uint8_t type) {
  return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}
bool is_icmpv4_echo(uint8_t type) {
  return type == 0 || type == 8;
}
bool is_icmpv6_error(uint8_t type) {
  return type >= 1 && type <= 4;
}
bool is_icmpv6_echo(uint8_t type) {
  return type == 128 || type == 129;
}

// Transport header at `offset`, which the IP header says extends over `datagram_remaining` bytes.
DropReason parse_l4(const Frame& frame, uint32_t offset, uint32_t datagram_remaining, bool ipv6,
                    PacketMeta& meta) {
  const uint8_t* l4 = frame.data + offset;
  const uint8_t icmp_protocol = ipv6 ? kProtoIcmpv6 : kProtoIcmp;
  // A first fragment may stop inside the transport header, and a UDP length covers the whole datagram, not
  // the fragment: such a fragment goes on without a transport view and reassembly refuses it
  // (fragment_too_small).
  const bool fragment = (meta.flags & meta_flag::kFragment) != 0;
  if (meta.ip_proto == kProtoTcp) {
    if (datagram_remaining < kTcpMinHeaderLength)
      return fragment ? DropReason::kNone : DropReason::kTruncatedTcp;
    if (auto r = require(frame, offset + kTcpMinHeaderLength, DropReason::kTruncatedTcp);
        r != DropReason::kNone) {
      return r;
    }
    const uint32_t header_length = static_cast<uint32_t>(l4[12] >> 4) * 4;
    if (header_length < kTcpMinHeaderLength) return DropReason::kBadTcpHeaderLength;
    if (header_length > datagram_remaining)
      return fragment ? DropReason::kNone : DropReason::kBadTcpHeaderLength;
    meta.src_port = load_be16(l4);
    meta.dst_port = load_be16(l4 + 2);
  } else if (meta.ip_proto == kProtoUdp) {
    if (datagram_remaining < kUdpHeaderLength)
      return fragment ? DropReason::kNone : DropReason::kTruncatedUdp;
    if (auto r = require(frame, offset + kUdpHeaderLength, DropReason::kTruncatedUdp);
        r != DropReason::kNone) {
      return r;
    }
    const uint16_t udp_length = load_be16(l4 + 4);
    if (udp_length < kUdpHeaderLength || (udp_length > datagram_remaining && !fragment)) {
      return DropReason::kBadUdpLength;
    }
    meta.src_port = load_be16(l4);
    meta.dst_port = load_be16(l4 + 2);
  } else if (meta.ip_proto == icmp_protocol) {
    if (datagram_remaining < kIcmpHeaderLength)
      return fragment ? DropReason::kNone : DropReason::kTruncatedIcmp;
    if (auto r = require(frame, offset + kIcmpHeaderLength, DropReason::kTruncatedIcmp);
        r != DropReason::kNone) {
      return r;
    }
    const uint8_t type = l4[0];
    meta.dst_port = static_cast<uint16_t>(type << 8 | l4[1]);
    if (ipv6 ? is_icmpv6_echo(type) : is_icmpv4_echo(type)) meta.src_port = load_be16(l4 + 4);
    if (ipv6 ? is_icmpv6_error(type) : is_icmpv4_error(type)) meta.flags |= meta_flag::kIcmpError;
  } else {
    return DropReason::kNone;  // carried through without a transport view
  }
  meta.l4_offset = static_cast<uint16_t>(offset);
  meta.l4_present = 1;
  return DropReason::kNone;
}

// None for fragments: every fragment of a datagram must hash alike so that they meet on one worker, and only
// the first carries the transport header (reassembly adds the ports once it has them).
HashPorts hash_ports(const PacketMeta& meta) {
  if ((meta.flags & meta_flag::kFragment) || !meta.l4_present) return {};
  return transport_hash_ports(meta);
}

bool is_impossible_ipv4_source(const uint8_t* source) {
  // 224/4 multicast, 240/4 class E and 255.255.255.255 all have the top three bits set.
  return source[0] >= 224 || source[0] == 127;
}

DropReason parse_ipv4(const Frame& frame, uint32_t offset, const ParseOptions& options, PacketMeta& meta) {
  if (auto r = require(frame, offset + kIpv4MinHeaderLength, DropReason::kTruncatedIpv4);
      r != DropReason::kNone) {
    return r;
  }
  const uint8_t* ip = frame.data + offset;
  if (ip[0] >> 4 != 4) return DropReason::kBadIpv4Version;
  const uint32_t header_length = static_cast<uint32_t>(ip[0] & 0x0f) * 4;
  const uint32_t available = frame.length - offset;
  if (header_length < kIpv4MinHeaderLength || header_length > available)
    return DropReason::kBadIpv4HeaderLength;
  if (auto r = require(frame, offset + header_length, DropReason::kBadIpv4HeaderLength);
      r != DropReason::kNone) {
    return r;
  }
  const uint16_t total_length = load_be16(ip + 2);
  // Shorter than the frame is fine: Ethernet pads small frames to 60 bytes.
  if (total_length < header_length || total_length > available) return DropReason::kBadIpv4TotalLength;
  if (options.verify_ipv4_checksum &&
      (header_length == kIpv4MinHeaderLength ? internet_checksum20(ip)
                                             : internet_checksum(ip, header_length)) != 0) {
    return DropReason::kBadIpv4Checksum;
  }

  if (header_length > kIpv4MinHeaderLength) {
    meta.flags |= meta_flag::kIpv4Options;
    uint32_t position = kIpv4MinHeaderLength;
    while (position < header_length) {
      const uint8_t type = ip[position];
      if (type == 0) break;  // end of option list; the rest is padding
      if (type == 1) {       // no-operation, a single byte
        ++position;
        continue;
      }
      if (position + 1 >= header_length) return DropReason::kBadIpv4Options;
      const uint8_t option_length = ip[position + 1];
      if (option_length < 2 || position + option_length > header_length) return DropReason::kBadIpv4Options;
      position += option_length;
    }
  }

  const uint16_t fragment_field = load_be16(ip + 6);
  const uint16_t fragment_offset = fragment_field & 0x1fff;
  if (fragment_field & 0x4000) meta.flags |= meta_flag::kDontFragment;
  if ((fragment_field & 0x2000) || fragment_offset != 0) meta.flags |= meta_flag::kFragment;
  if (fragment_offset != 0) meta.flags |= meta_flag::kLaterFragment;

  const uint8_t* source = ip + 12;
  if (options.check_source_addresses && is_impossible_ipv4_source(source))
    return DropReason::kBadSourceAddress;

  meta.l3 = L3Kind::kIpv4;
  meta.l3_offset = static_cast<uint16_t>(offset);
  meta.l3_length = total_length;
  meta.ttl = ip[8];
  meta.ip_proto = ip[9];

  if (!(meta.flags & meta_flag::kLaterFragment)) {
    if (auto r = parse_l4(frame, offset + header_length, total_length - header_length, false, meta);
        r != DropReason::kNone) {
      return r;
    }
  }

  // 0.0.0.0 only speaks for a host that has no address yet: a DHCP client.
  const bool unspecified_source = load_raw32(source) == 0;
  if (options.check_source_addresses && unspecified_source &&
      !(meta.l4_present && meta.ip_proto == kProtoUdp && meta.src_port == 68 && meta.dst_port == 67)) {
    return DropReason::kBadSourceAddress;
  }

  meta.flow_hash = ipv4_flow_hash(ip, meta.ip_proto, hash_ports(meta));
  return DropReason::kNone;
}

bool is_all_zero_but_last(const uint8_t* address, uint8_t last) {
  for (int i = 0; i < 15; ++i) {
    if (address[i] != 0) return false;
  }
  return address[15] == last;
}

DropReason parse_ipv6(const Frame& frame, uint32_t offset, const ParseOptions& options, PacketMeta& meta) {
  if (auto r = require(frame, offset + kIpv6HeaderLength, DropReason::kTruncatedIpv6);
      r != DropReason::kNone) {
    return r;
  }
  const uint8_t* ip = frame.data + offset;
  if (ip[0] >> 4 != 6) return DropReason::kBadIpv6Version;
  const uint16_t payload_length = load_be16(ip + 4);
  const uint32_t datagram_length = kIpv6HeaderLength + payload_length;
  // Zero announces a jumbogram (RFC 2675); and l3_length has 16 bits.
  if (payload_length == 0 || datagram_length > frame.length - offset || datagram_length > 0xffff) {
    return DropReason::kBadIpv6PayloadLength;
  }
  const uint8_t* source = ip + 8;
  if (options.check_source_addresses && (source[0] == 0xff || is_all_zero_but_last(source, 1)))
    return DropReason::kBadSourceAddress;

  meta.l3 = L3Kind::kIpv6;
  meta.l3_offset = static_cast<uint16_t>(offset);
  meta.l3_length = static_cast<uint16_t>(datagram_length);
  meta.ttl = ip[7];

  uint8_t next_header = ip[6];
  uint32_t position = offset + kIpv6HeaderLength;  // from the start of the frame
  const uint32_t datagram_end = offset + datagram_length;
  unsigned headers_seen = 0;
  bool upper_layer_follows = true;
  for (bool walking = true; walking;) {
    uint32_t header_length = 0;
    switch (next_header) {
      case kProtoHopByHop:
        if (headers_seen != 0) return DropReason::kBadIpv6ExtensionHeader;
        [[fallthrough]];
      case kProtoRouting:
      case kProtoDestinationOptions:
      case kProtoAuthentication:
      case kProtoFragment: {
        if (headers_seen == kMaxIpv6ExtensionHeaders || position + 8 > datagram_end) {
          return DropReason::kBadIpv6ExtensionHeader;
        }
        if (auto r = require(frame, position + 8, DropReason::kBadIpv6ExtensionHeader);
            r != DropReason::kNone) {
          return r;
        }
        const uint8_t* header = frame.data + position;
        if (next_header == kProtoFragment) {
          header_length = 8;
          const uint16_t fragment_field = load_be16(header + 2);
          const uint16_t fragment_offset = fragment_field >> 3;
          // An atomic fragment (offset 0, no more fragments) is a whole datagram (RFC 6946).
          if ((fragment_offset != 0 || (fragment_field & 1)) && !(meta.flags & meta_flag::kFragment)) {
            meta.flags |= meta_flag::kFragment;
            meta.fragment_header = static_cast<uint16_t>(position);  // reassembly reads id and offset there
          }
          if (fragment_offset != 0) {
            meta.flags |= meta_flag::kLaterFragment;
            walking = false;  // what follows is the middle of someone else's payload
            upper_layer_follows = false;
          }
        } else if (next_header == kProtoAuthentication) {
          header_length = (static_cast<uint32_t>(header[1]) + 2) * 4;
        } else {
          header_length = (static_cast<uint32_t>(header[1]) + 1) * 8;
        }
        if (position + header_length > datagram_end) return DropReason::kBadIpv6ExtensionHeader;
        if (auto r = require(frame, position + header_length, DropReason::kBadIpv6ExtensionHeader);
            r != DropReason::kNone) {
          return r;
        }
        next_header = header[0];
        position += header_length;
        ++headers_seen;
        break;
      }
      case kProtoNoNextHeader:
        upper_layer_follows = false;
        walking = false;
        break;
      default:
        walking = false;
        break;
    }
  }
  if (headers_seen != 0) meta.flags |= meta_flag::kIpv6ExtHeaders;
  meta.ip_proto = next_header;

  if (upper_layer_follows) {
    if (auto r = parse_l4(frame, position, datagram_end - position, true, meta); r != DropReason::kNone)
      return r;
  }
  // Duplicate address detection sends neighbour solicitations from ::.
  if (options.check_source_addresses && is_all_zero_but_last(source, 0) && meta.ip_proto != kProtoIcmpv6)
    return DropReason::kBadSourceAddress;

  meta.flow_hash = ipv6_flow_hash(ip, meta.ip_proto, hash_ports(meta));
  return DropReason::kNone;
}

DropReason parse_arp(const Frame& frame, uint32_t offset, PacketMeta& meta) {
  if (auto r = require(frame, offset + kArpBodyLength, DropReason::kTruncatedArp); r != DropReason::kNone) {
    return r;
  }
  const uint8_t* arp = frame.data + offset;
  const bool ethernet_ipv4 =
      load_be16(arp) == 1 && load_be16(arp + 2) == kEtherTypeIpv4 && arp[4] == 6 && arp[5] == 4;
  if (!ethernet_ipv4) return DropReason::kMalformedArp;
  meta.l3 = L3Kind::kArp;
  meta.l3_offset = static_cast<uint16_t>(offset);
  meta.l3_length = kArpBodyLength;
  FlowHasher hasher(0);
  hasher.endpoints_v4(load_raw32(arp + 14), 0, load_raw32(arp + 24), 0);
  meta.flow_hash = hasher.value();
  return DropReason::kNone;
}

DropReason parse(const Frame& frame, PacketMeta& meta, const ParseOptions& options) {
  meta = PacketMeta{};
  if (auto r = require(frame, kEthernetHeaderLength, DropReason::kTruncatedEthernet);
      r != DropReason::kNone) {
    return r;
  }
  const uint8_t* data = frame.data;
  if (data[0] & 0x01) meta.flags |= meta_flag::kL2Multicast;  // I/G bit of the destination MAC
  uint16_t ether_type = load_be16(data + 12);
  uint32_t offset = kEthernetHeaderLength;
  if (ether_type == kEtherTypeVlan) {
    if (auto r = require(frame, offset + kVlanTagLength, DropReason::kTruncatedVlan);
        r != DropReason::kNone) {
      return r;
    }
    meta.flags |= meta_flag::kVlanTagged;
    meta.vlan_id = load_be16(data + offset) & 0x0fff;
    ether_type = load_be16(data + offset + 2);
    offset += kVlanTagLength;
  }
  switch (ether_type) {
    case kEtherTypeIpv4:
      return parse_ipv4(frame, offset, options, meta);
    case kEtherTypeIpv6:
      return parse_ipv6(frame, offset, options, meta);
    case kEtherTypeArp:
      return parse_arp(frame, offset, meta);
    default:
      return DropReason::kUnsupportedEthertype;  // includes a second 802.1Q or an 802.1ad tag
  }
}

}  // namespace

DropReason parse_frame(const uint8_t* frame, uint32_t length, PacketMeta& meta, const ParseOptions& options) {
  return parse(Frame{frame, length, length}, meta, options);
}

void stage_parse(Burst& burst, const ParseOptions& options) {
  keep_if(burst, [&](rte_mbuf* m) {
    const uint32_t segment_length = rte_pktmbuf_data_len(m);
    const Frame frame{rte_pktmbuf_mtod(m, const uint8_t*),
                      std::min<uint32_t>(segment_length, rte_pktmbuf_pkt_len(m)), rte_pktmbuf_pkt_len(m)};
    const DropReason reason = parse(frame, meta_of(m), options);
    if (reason == DropReason::kNone) return true;
    burst.drop(m, reason);
    return false;
  });
}

}  // namespace torwart::dataplane
