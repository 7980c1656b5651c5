#include "tests/support/packet_builder.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "dataplane/core/checksum.hpp"

namespace torwart::test {
namespace {

constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr uint8_t kProtoIcmpv6 = 58;

void put16(Bytes& out, uint16_t value) {
  out.push_back(static_cast<uint8_t>(value >> 8));
  out.push_back(static_cast<uint8_t>(value));
}

void put32(Bytes& out, uint32_t value) {
  put16(out, static_cast<uint16_t>(value >> 16));
  put16(out, static_cast<uint16_t>(value));
}

void append(Bytes& out, std::span<const uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

void store16(Bytes& out, std::size_t offset, uint16_t value) {
  out[offset] = static_cast<uint8_t>(value >> 8);
  out[offset + 1] = static_cast<uint8_t>(value);
}

// Stores a checksum as computed by dataplane/core/checksum.hpp (already in packet byte order).
void store_checksum(Bytes& out, std::size_t offset, uint16_t checksum, bool corrupt) {
  if (corrupt) checksum ^= 0x5a5a;
  std::memcpy(out.data() + offset, &checksum, sizeof(checksum));
}

Bytes padded_to_four(Bytes options) {
  while (options.size() % 4 != 0) options.push_back(0);
  return options;
}

uint8_t protocol_of(const Transport& transport, bool ipv6) {
  if (std::holds_alternative<Tcp>(transport)) return kProtoTcp;
  if (std::holds_alternative<Udp>(transport)) return kProtoUdp;
  if (std::holds_alternative<Icmp>(transport)) return ipv6 ? kProtoIcmpv6 : kProtoIcmp;
  return std::get<RawTransport>(transport).protocol;
}

// The transport bytes with a zero checksum field; returns where that field is (nullopt when there is none).
std::optional<std::size_t> serialize(const Transport& transport, Bytes& out, bool& corrupt) {
  if (const auto* tcp = std::get_if<Tcp>(&transport)) {
    const Bytes options = padded_to_four(tcp->options);
    put16(out, tcp->source_port);
    put16(out, tcp->destination_port);
    put32(out, tcp->sequence);
    put32(out, tcp->acknowledgement);
    out.push_back(static_cast<uint8_t>((20 + options.size()) / 4 << 4));
    out.push_back(tcp->flags);
    put16(out, tcp->window);
    put16(out, 0);  // checksum
    put16(out, 0);  // urgent pointer
    append(out, options);
    append(out, tcp->payload);
    corrupt = tcp->corrupt_checksum;
    return 16;
  }
  if (const auto* udp = std::get_if<Udp>(&transport)) {
    put16(out, udp->source_port);
    put16(out, udp->destination_port);
    put16(out, static_cast<uint16_t>(8 + udp->payload.size()));
    put16(out, 0);
    append(out, udp->payload);
    corrupt = udp->corrupt_checksum;
    return 6;
  }
  if (const auto* icmp = std::get_if<Icmp>(&transport)) {
    out.push_back(icmp->type);
    out.push_back(icmp->code);
    put16(out, 0);
    put32(out, icmp->rest_of_header);
    append(out, icmp->body);
    corrupt = icmp->corrupt_checksum;
    return 2;
  }
  append(out, std::get<RawTransport>(transport).bytes);
  return std::nullopt;
}

Ipv6Extension options_header(uint8_t type, Bytes options) {
  // The header is 2 octets plus options, padded to a multiple of 8 with Pad1 (one zero) or PadN (1, n-2,
  // zeros).
  const std::size_t missing = (8 - (2 + options.size()) % 8) % 8;
  if (missing == 1) {
    options.push_back(0);
  } else if (missing >= 2) {
    options.push_back(1);
    options.push_back(static_cast<uint8_t>(missing - 2));
    options.insert(options.end(), missing - 2, 0);
  }
  return Ipv6Extension{type, std::move(options), std::nullopt};
}

uint8_t encoded_length(const Ipv6Extension& extension) {
  const std::size_t total = 2 + extension.body.size();
  if (extension.type == 44) return 0;                                    // fragment: fixed 8, reserved octet
  if (extension.type == 51) return static_cast<uint8_t>(total / 4 - 2);  // AH counts 4-octet units
  return static_cast<uint8_t>(total / 8 - 1);
}

Icmp icmp_with_identifier(uint8_t type, uint16_t identifier, uint16_t sequence, Bytes payload) {
  return Icmp{type, 0, static_cast<uint32_t>(identifier) << 16 | sequence, std::move(payload), false};
}

Bytes quote(const Bytes& datagram, std::size_t limit) {
  return Bytes(datagram.begin(),
               datagram.begin() + static_cast<std::ptrdiff_t>(std::min(limit, datagram.size())));
}

Bytes link_layer_option(uint8_t type, const std::string& mac) {
  Bytes option{type, 1};  // length in 8-octet units
  append(option, parse_mac(mac));
  return option;
}

}  // namespace

std::array<uint8_t, 6> parse_mac(const std::string& text) {
  std::array<uint8_t, 6> mac{};
  unsigned parts[6];
  char trailing;
  if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &parts[0], &parts[1], &parts[2], &parts[3],
                  &parts[4], &parts[5], &trailing) != 6) {
    throw std::invalid_argument("bad MAC address: " + text);
  }
  for (int i = 0; i < 6; ++i) mac[i] = static_cast<uint8_t>(parts[i]);
  return mac;
}

std::array<uint8_t, 4> parse_ipv4(const std::string& text) {
  std::array<uint8_t, 4> address{};
  if (inet_pton(AF_INET, text.c_str(), address.data()) != 1) throw std::invalid_argument("bad IPv4: " + text);
  return address;
}

std::array<uint8_t, 16> parse_ipv6(const std::string& text) {
  std::array<uint8_t, 16> address{};
  if (inet_pton(AF_INET6, text.c_str(), address.data()) != 1)
    throw std::invalid_argument("bad IPv6: " + text);
  return address;
}

Arp arp_request(const std::string& sender_mac, const std::string& sender_ip, const std::string& target_ip) {
  return Arp{1, sender_mac, sender_ip, "00:00:00:00:00:00", target_ip};
}

Arp arp_reply(const std::string& sender_mac, const std::string& sender_ip, const std::string& target_mac,
              const std::string& target_ip) {
  return Arp{2, sender_mac, sender_ip, target_mac, target_ip};
}

Ipv6Extension hop_by_hop_options(Bytes options) {
  return options_header(0, std::move(options));
}
Ipv6Extension destination_options(Bytes options) {
  return options_header(60, std::move(options));
}

Ipv6Extension routing_header(uint8_t routing_type, uint8_t segments_left,
                             const std::vector<std::string>& addresses) {
  Ipv6Extension extension{43, {routing_type, segments_left, 0, 0, 0, 0}, std::nullopt};
  for (const auto& text : addresses) append(extension.body, parse_ipv6(text));
  if (segments_left > 0 && !addresses.empty()) extension.final_destination = parse_ipv6(addresses.back());
  return extension;
}

Ipv6Extension fragment_header(uint16_t fragment_offset, bool more_fragments, uint32_t identification) {
  Ipv6Extension extension{44, {}, std::nullopt};
  put16(extension.body, static_cast<uint16_t>(fragment_offset << 3 | (more_fragments ? 1 : 0)));
  put32(extension.body, identification);
  return extension;
}

Ipv6Extension authentication_header(uint32_t spi, uint32_t sequence, Bytes icv) {
  Ipv6Extension extension{51, {0, 0}, std::nullopt};  // reserved
  put32(extension.body, spi);
  put32(extension.body, sequence);
  append(extension.body, icv);
  return extension;
}

Icmp icmp_echo_request(uint16_t identifier, uint16_t sequence, Bytes payload) {
  return icmp_with_identifier(8, identifier, sequence, std::move(payload));
}
Icmp icmp_echo_reply(uint16_t identifier, uint16_t sequence, Bytes payload) {
  return icmp_with_identifier(0, identifier, sequence, std::move(payload));
}
Icmp icmpv6_echo_request(uint16_t identifier, uint16_t sequence, Bytes payload) {
  return icmp_with_identifier(128, identifier, sequence, std::move(payload));
}
Icmp icmpv6_echo_reply(uint16_t identifier, uint16_t sequence, Bytes payload) {
  return icmp_with_identifier(129, identifier, sequence, std::move(payload));
}

Icmp icmp_error(uint8_t type, uint8_t code, const Bytes& quoted_datagram, std::size_t quote_limit) {
  return Icmp{type, code, 0, quote(quoted_datagram, quote_limit), false};
}

Icmp icmpv6_error(uint8_t type, uint8_t code, const Bytes& quoted_datagram, std::size_t quote_limit) {
  return Icmp{type, code, 0, quote(quoted_datagram, quote_limit), false};
}

Icmp neighbour_solicitation(const std::string& target, const std::optional<std::string>& source_link_layer) {
  Icmp icmp{135, 0, 0, {}, false};
  append(icmp.body, parse_ipv6(target));
  if (source_link_layer) append(icmp.body, link_layer_option(1, *source_link_layer));
  return icmp;
}

Icmp neighbour_advertisement(const std::string& target, const std::optional<std::string>& target_link_layer,
                             bool router, bool solicited, bool override_flag) {
  const uint32_t flags =
      (router ? 0x80000000u : 0) | (solicited ? 0x40000000u : 0) | (override_flag ? 0x20000000u : 0);
  Icmp icmp{136, 0, flags, {}, false};
  append(icmp.body, parse_ipv6(target));
  if (target_link_layer) append(icmp.body, link_layer_option(2, *target_link_layer));
  return icmp;
}

Bytes ipv4_datagram(const Ipv4& ip, const Transport& transport) {
  const Bytes options = padded_to_four(ip.options);
  const auto source = parse_ipv4(ip.source);
  const auto destination = parse_ipv4(ip.destination);
  bool corrupt_l4 = false;
  Bytes l4;
  const auto l4_checksum_offset = serialize(transport, l4, corrupt_l4);
  const uint8_t protocol = protocol_of(transport, false);
  if (l4_checksum_offset) {
    // ICMP has no pseudo-header in IPv4.
    const uint16_t checksum = protocol == kProtoIcmp
                                  ? dataplane::internet_checksum(l4.data(), l4.size())
                                  : dataplane::ipv4_l4_checksum(source.data(), destination.data(), protocol,
                                                                l4.data(), static_cast<uint16_t>(l4.size()));
    store_checksum(l4, *l4_checksum_offset, protocol == kProtoUdp && checksum == 0 ? 0xffff : checksum,
                   corrupt_l4);
  }

  Bytes out;
  const std::size_t header_length = 20 + options.size();
  out.push_back(static_cast<uint8_t>(0x40 | header_length / 4));
  out.push_back(ip.tos);
  put16(out, static_cast<uint16_t>(header_length + l4.size()));
  put16(out, ip.id);
  put16(out, static_cast<uint16_t>((ip.dont_fragment ? 0x4000 : 0) | (ip.more_fragments ? 0x2000 : 0) |
                                   (ip.fragment_offset & 0x1fff)));
  out.push_back(ip.ttl);
  out.push_back(protocol);
  put16(out, 0);
  append(out, source);
  append(out, destination);
  append(out, options);
  store_checksum(out, 10, dataplane::internet_checksum(out.data(), out.size()), ip.corrupt_checksum);
  append(out, l4);
  return out;
}

Bytes ipv6_datagram(const Ipv6& ip, const Transport& transport) {
  const auto source = parse_ipv6(ip.source);
  auto final_destination = parse_ipv6(ip.destination);
  const uint8_t protocol = protocol_of(transport, true);

  Bytes extensions;
  for (std::size_t i = 0; i < ip.extensions.size(); ++i) {
    const Ipv6Extension& extension = ip.extensions[i];
    extensions.push_back(i + 1 < ip.extensions.size() ? ip.extensions[i + 1].type : protocol);
    extensions.push_back(encoded_length(extension));
    append(extensions, extension.body);
    if (extension.final_destination) final_destination = *extension.final_destination;
  }

  bool corrupt_l4 = false;
  Bytes l4;
  if (const auto l4_checksum_offset = serialize(transport, l4, corrupt_l4)) {
    const uint16_t checksum = dataplane::ipv6_l4_checksum(source.data(), final_destination.data(), protocol,
                                                          l4.data(), static_cast<uint32_t>(l4.size()));
    store_checksum(l4, *l4_checksum_offset, protocol == kProtoUdp && checksum == 0 ? 0xffff : checksum,
                   corrupt_l4);
  }

  Bytes out;
  const uint32_t first_word =
      6u << 28 | static_cast<uint32_t>(ip.traffic_class) << 20 | (ip.flow_label & 0xfffff);
  put32(out, first_word);
  put16(out, static_cast<uint16_t>(extensions.size() + l4.size()));
  out.push_back(ip.extensions.empty() ? protocol : ip.extensions.front().type);
  out.push_back(ip.hop_limit);
  append(out, source);
  append(out, parse_ipv6(ip.destination));
  append(out, extensions);
  append(out, l4);
  return out;
}

Bytes ethernet_frame(const Ethernet& ethernet, uint16_t ether_type, std::span<const uint8_t> payload) {
  Bytes out;
  append(out, parse_mac(ethernet.destination));
  append(out, parse_mac(ethernet.source));
  if (ethernet.vlan_id) {
    put16(out, 0x8100);
    put16(out, static_cast<uint16_t>(ethernet.vlan_priority << 13 | (*ethernet.vlan_id & 0x0fff)));
  }
  put16(out, ether_type);
  append(out, payload);
  if (out.size() < ethernet.pad_to) out.resize(ethernet.pad_to, 0);
  return out;
}

Bytes ipv4_frame(const Ethernet& ethernet, const Ipv4& ip, const Transport& transport) {
  return ethernet_frame(ethernet, 0x0800, ipv4_datagram(ip, transport));
}

Bytes ipv6_frame(const Ethernet& ethernet, const Ipv6& ip, const Transport& transport) {
  return ethernet_frame(ethernet, 0x86dd, ipv6_datagram(ip, transport));
}

Bytes arp_frame(const Ethernet& ethernet, const Arp& arp) {
  Bytes body;
  put16(body, 1);       // Ethernet
  put16(body, 0x0800);  // IPv4
  body.push_back(6);
  body.push_back(4);
  put16(body, arp.operation);
  append(body, parse_mac(arp.sender_mac));
  append(body, parse_ipv4(arp.sender_ip));
  append(body, parse_mac(arp.target_mac));
  append(body, parse_ipv4(arp.target_ip));
  return ethernet_frame(ethernet, 0x0806, body);
}

void refresh_ipv4_checksum(Bytes& frame, std::size_t l3_offset) {
  const std::size_t header_length = static_cast<std::size_t>(frame.at(l3_offset) & 0x0f) * 4;
  store16(frame, l3_offset + 10, 0);
  const uint16_t checksum = dataplane::internet_checksum(frame.data() + l3_offset, header_length);
  store_checksum(frame, l3_offset + 10, checksum, false);
}

rte_mbuf* to_mbuf(rte_mempool* pool, std::span<const uint8_t> frame) {
  if (frame.size() > UINT16_MAX) return nullptr;
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (m == nullptr) return nullptr;
  char* data = rte_pktmbuf_append(m, static_cast<uint16_t>(frame.size()));
  if (data == nullptr) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  std::memcpy(data, frame.data(), frame.size());
  return m;
}

}  // namespace torwart::test
