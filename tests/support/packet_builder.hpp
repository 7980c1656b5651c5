#pragma once
// Builds frames for tests, replays and benchmarks. Each layer is a plain struct with sensible defaults; the
// *_frame functions put them together and fill lengths, next-header chains and checksums. Set
// `corrupt_checksum` on a layer to get a wrong (but otherwise valid) checksum. Addresses are given as text
// and throw std::invalid_argument when they do not parse (test code only).
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include <rte_mbuf.h>

namespace torwart::test {

using Bytes = std::vector<uint8_t>;

struct Ethernet {
  std::string source = "02:00:00:00:00:01";
  std::string destination = "02:00:00:00:00:02";
  std::optional<uint16_t> vlan_id;  // one 802.1Q tag when set
  uint8_t vlan_priority = 0;
  std::size_t pad_to = 0;  // pad the frame with zeros to this length (60 for the Ethernet minimum)
};

struct Arp {
  uint16_t operation = 1;  // 1 request, 2 reply
  std::string sender_mac = "02:00:00:00:00:01";
  std::string sender_ip = "192.0.2.1";
  std::string target_mac = "00:00:00:00:00:00";
  std::string target_ip = "192.0.2.2";
};
Arp arp_request(const std::string& sender_mac, const std::string& sender_ip, const std::string& target_ip);
Arp arp_reply(const std::string& sender_mac, const std::string& sender_ip, const std::string& target_mac,
              const std::string& target_ip);

struct Ipv4 {
  std::string source = "192.0.2.1";
  std::string destination = "198.51.100.1";
  uint8_t ttl = 64;
  uint8_t tos = 0;
  uint16_t id = 0;
  bool dont_fragment = false;
  bool more_fragments = false;
  uint16_t fragment_offset = 0;  // in 8-octet units, as on the wire
  Bytes options;                 // raw option bytes; padded with EOL to a multiple of 4
  bool corrupt_checksum = false;
};

// One IPv6 extension header. Build them with the helpers below; the frame builder fills next header and
// length.
struct Ipv6Extension {
  uint8_t type = 0;
  Bytes body;  // everything after the next header and length octets
  std::optional<std::array<uint8_t, 16>> final_destination;  // a routing header's last address
};
Ipv6Extension hop_by_hop_options(Bytes options = {});  // padded with Pad1/PadN to a multiple of 8
Ipv6Extension destination_options(Bytes options = {});
Ipv6Extension routing_header(uint8_t routing_type, uint8_t segments_left,
                             const std::vector<std::string>& addresses);
Ipv6Extension fragment_header(uint16_t fragment_offset, bool more_fragments, uint32_t identification);
Ipv6Extension authentication_header(uint32_t spi, uint32_t sequence, Bytes icv = Bytes(12, 0));

struct Ipv6 {
  std::string source = "2001:db8::1";
  std::string destination = "2001:db8:1::1";
  uint8_t hop_limit = 64;
  uint8_t traffic_class = 0;
  uint32_t flow_label = 0;
  std::vector<Ipv6Extension> extensions;
};

namespace tcp_flag {
inline constexpr uint8_t kFin = 0x01;
inline constexpr uint8_t kSyn = 0x02;
inline constexpr uint8_t kRst = 0x04;
inline constexpr uint8_t kPsh = 0x08;
inline constexpr uint8_t kAck = 0x10;
}  // namespace tcp_flag

struct Tcp {
  uint16_t source_port = 40000;
  uint16_t destination_port = 80;
  uint32_t sequence = 1;
  uint32_t acknowledgement = 0;
  uint8_t flags = tcp_flag::kSyn;
  uint16_t window = 65535;
  Bytes options;  // padded with EOL to a multiple of 4
  Bytes payload;
  bool corrupt_checksum = false;
};

struct Udp {
  uint16_t source_port = 40000;
  uint16_t destination_port = 53;
  Bytes payload;
  bool corrupt_checksum = false;
};

// ICMP (in IPv4) or ICMPv6 (in IPv6): type, code, the 4 bytes after the checksum, then the body.
struct Icmp {
  uint8_t type = 8;
  uint8_t code = 0;
  uint32_t rest_of_header = 0;  // host order: identifier << 16 | sequence for echo
  Bytes body;
  bool corrupt_checksum = false;
};
Icmp icmp_echo_request(uint16_t identifier, uint16_t sequence, Bytes payload = {});
Icmp icmp_echo_reply(uint16_t identifier, uint16_t sequence, Bytes payload = {});
// An ICMP error quoting `quoted_datagram` (an IP datagram, e.g. from ipv4_datagram), cut to `quote_limit`.
Icmp icmp_error(uint8_t type, uint8_t code, const Bytes& quoted_datagram, std::size_t quote_limit = 548);
Icmp icmpv6_echo_request(uint16_t identifier, uint16_t sequence, Bytes payload = {});
Icmp icmpv6_echo_reply(uint16_t identifier, uint16_t sequence, Bytes payload = {});
Icmp icmpv6_error(uint8_t type, uint8_t code, const Bytes& quoted_datagram, std::size_t quote_limit = 1232);
Icmp neighbour_solicitation(const std::string& target, const std::optional<std::string>& source_link_layer);
Icmp neighbour_advertisement(const std::string& target, const std::optional<std::string>& target_link_layer,
                             bool router, bool solicited, bool override_flag);

// A transport the builder knows nothing about, or deliberately broken bytes under a known protocol number.
struct RawTransport {
  uint8_t protocol = 0;
  Bytes bytes;
};

using Transport = std::variant<Tcp, Udp, Icmp, RawTransport>;

Bytes ipv4_datagram(const Ipv4& ip, const Transport& transport);
Bytes ipv6_datagram(const Ipv6& ip, const Transport& transport);
Bytes ethernet_frame(const Ethernet& ethernet, uint16_t ether_type, std::span<const uint8_t> payload);
Bytes ipv4_frame(const Ethernet& ethernet, const Ipv4& ip, const Transport& transport);
Bytes ipv6_frame(const Ethernet& ethernet, const Ipv6& ip, const Transport& transport);
Bytes arp_frame(const Ethernet& ethernet, const Arp& arp);

// Recomputes the IPv4 header checksum of the header at `l3_offset`, for tests that patch header fields.
void refresh_ipv4_checksum(Bytes& frame, std::size_t l3_offset);

std::array<uint8_t, 6> parse_mac(const std::string& text);
std::array<uint8_t, 4> parse_ipv4(const std::string& text);
std::array<uint8_t, 16> parse_ipv6(const std::string& text);

// Copies `frame` into a fresh single-segment mbuf from `pool`; nullptr when the pool is empty or the frame
// does not fit the data room.
rte_mbuf* to_mbuf(rte_mempool* pool, std::span<const uint8_t> frame);

}  // namespace torwart::test
