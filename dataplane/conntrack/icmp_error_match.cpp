#include "dataplane/conntrack/icmp_error_match.hpp"

#include <algorithm>

namespace torwart::dataplane::conntrack {
namespace {

constexpr uint32_t kIcmpHeader = 8;
constexpr uint32_t kIpv4MinHeader = 20;
constexpr uint32_t kIpv6Header = 40;
constexpr uint32_t kQuotedTransport = 8;  // RFC 792 guarantees 64 bits of the quoted datagram's data
constexpr unsigned kMaxExtensionHeaders = 8;

uint16_t be16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

// Ports of the quoted transport header at `l4` (`available` bytes readable); false when they are cut off or
// the quote is ICMP other than echo.
bool quoted_ports(uint8_t protocol, const uint8_t* l4, uint32_t available, FlowTuple& t) {
  const bool has_ports = protocol == kProtoTcp || protocol == kProtoUdp;
  const bool icmp = protocol == kProtoIcmp || protocol == kProtoIcmpv6;
  if (!has_ports && !icmp) return true;  // other protocols are tracked without ports
  if (available < kQuotedTransport) return false;
  if (has_ports) {
    t.source_port = be16(l4);
    t.destination_port = be16(l4 + 2);
    return true;
  }
  if (!is_icmp_echo(protocol, l4[0])) return false;
  t.source_port = t.destination_port = be16(l4 + 4);
  return true;
}

bool parse_quoted_ipv4(const uint8_t* ip, uint32_t length, QuotedPacket& out) {
  if (length < kIpv4MinHeader || ip[0] >> 4 != 4) return false;
  const uint32_t header_length = static_cast<uint32_t>(ip[0] & 0x0f) * 4;
  if (header_length < kIpv4MinHeader || header_length > length) return false;
  const uint16_t fragment = be16(ip + 6);
  if ((fragment & 0x1fff) != 0) return false;  // a later fragment quotes no transport header
  out.fragment = (fragment & 0x2000) != 0;
  uint32_t source;
  uint32_t destination;
  std::memcpy(&source, ip + 12, 4);
  std::memcpy(&destination, ip + 16, 4);
  out.tuple = make_ipv4_tuple(source, destination, 0, 0, ip[9]);
  return quoted_ports(ip[9], ip + header_length, length - header_length, out.tuple);
}

bool parse_quoted_ipv6(const uint8_t* ip, uint32_t length, QuotedPacket& out) {
  if (length < kIpv6Header || ip[0] >> 4 != 6) return false;
  uint8_t next = ip[6];
  uint32_t position = kIpv6Header;
  out.fragment = false;
  for (unsigned seen = 0;; ++seen) {
    const bool extension = next == 0 || next == 43 || next == 44 || next == 51 || next == 60;
    if (!extension) break;
    if (seen == kMaxExtensionHeaders || position + 8 > length) return false;
    const uint8_t* header = ip + position;
    uint32_t header_length;
    if (next == 44) {  // fragment header
      const uint16_t field = be16(header + 2);
      if ((field >> 3) != 0) return false;
      // parse.cpp treats an atomic fragment as a whole datagram; only a real first fragment hashed portless.
      out.fragment = (field & 1) != 0;
      header_length = 8;
    } else if (next == 51) {
      header_length = (static_cast<uint32_t>(header[1]) + 2) * 4;
    } else {
      header_length = (static_cast<uint32_t>(header[1]) + 1) * 8;
    }
    if (position + header_length > length) return false;
    next = header[0];
    position += header_length;
  }
  if (next == 59) return false;  // no next header: nothing to match
  out.tuple = make_ipv6_tuple(ip + 8, ip + 24, 0, 0, next);
  return quoted_ports(next, ip + position, length - position, out.tuple);
}

}  // namespace

bool parse_quoted_packet(const uint8_t* icmp, uint32_t length, bool ipv6, QuotedPacket& out) {
  if (length < kIcmpHeader) return false;
  return ipv6 ? parse_quoted_ipv6(icmp + kIcmpHeader, length - kIcmpHeader, out)
              : parse_quoted_ipv4(icmp + kIcmpHeader, length - kIcmpHeader, out);
}

bool quoted_packet_of(const PacketMeta& meta, const rte_mbuf* m, QuotedPacket& out) {
  if (!(meta.flags & meta_flag::kIcmpError) || !meta.l4_present) return false;
  if (meta.l3 != L3Kind::kIpv4 && meta.l3 != L3Kind::kIpv6) return false;
  const uint32_t datagram_end = static_cast<uint32_t>(meta.l3_offset) + meta.l3_length;
  const uint32_t end = std::min<uint32_t>(datagram_end, rte_pktmbuf_data_len(m));
  if (end <= meta.l4_offset) return false;
  return parse_quoted_packet(rte_pktmbuf_mtod_offset(m, const uint8_t*, meta.l4_offset), end - meta.l4_offset,
                             meta.l3 == L3Kind::kIpv6, out);
}

LookupResult match_icmp_error(FlowTable& table, const PacketMeta& meta, const rte_mbuf* m, uint64_t now_ns,
                              FlowEndCallback on_end) {
  QuotedPacket quoted;
  if (!quoted_packet_of(meta, m, quoted)) return {};
  return table.lookup(mirror(quoted.tuple), now_ns, on_end);
}

uint32_t quoted_flow_hash(const QuotedPacket& quoted) {
  if (!quoted.fragment) return symmetric_flow_hash(quoted.tuple);
  FlowTuple portless = quoted.tuple;
  portless.source_port = portless.destination_port = 0;
  return symmetric_flow_hash(portless);
}

uint32_t icmp_error_flow_hash(const PacketMeta& meta, const rte_mbuf* m) {
  QuotedPacket quoted;
  if (!quoted_packet_of(meta, m, quoted)) return meta.flow_hash;
  return quoted_flow_hash(quoted);
}

}  // namespace torwart::dataplane::conntrack
