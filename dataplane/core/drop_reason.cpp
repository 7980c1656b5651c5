#include "dataplane/core/drop_reason.hpp"

#include <array>

namespace torwart::dataplane {
namespace {

constexpr std::array<DropReasonInfo, kDropReasonCount> kInfo{{
    {"none", "not dropped"},
    {"truncated_ethernet", "frame shorter than an Ethernet header"},
    {"truncated_vlan", "802.1Q tag cut off"},
    {"unsupported_ethertype", "EtherType other than IPv4, IPv6, ARP or one 802.1Q tag"},
    {"truncated_arp", "ARP packet shorter than an Ethernet/IPv4 ARP body"},
    {"malformed_arp", "ARP with a hardware or protocol type other than Ethernet/IPv4"},
    {"truncated_ipv4", "IPv4 header cut off"},
    {"bad_ipv4_version", "IPv4 EtherType but version field is not 4"},
    {"bad_ipv4_header_length", "IHL below 5 or beyond the packet"},
    {"bad_ipv4_total_length", "total length below the header length or beyond the frame"},
    {"bad_ipv4_checksum", "IPv4 header checksum wrong"},
    {"bad_ipv4_options", "IPv4 option with a length that overruns the header"},
    {"truncated_ipv6", "IPv6 header cut off"},
    {"bad_ipv6_version", "IPv6 EtherType but version field is not 6"},
    {"bad_ipv6_payload_length", "payload length beyond the frame (jumbograms are not accepted)"},
    {"bad_ipv6_extension_header", "extension header chain cut off, too long or malformed"},
    {"truncated_tcp", "TCP header cut off"},
    {"bad_tcp_header_length", "TCP data offset below 5 or beyond the datagram"},
    {"truncated_udp", "UDP header cut off"},
    {"bad_udp_length", "UDP length below 8 or beyond the datagram"},
    {"truncated_icmp", "ICMP/ICMPv6 header cut off"},
    {"bad_source_address",
     "source is multicast, broadcast, loopback, or link-local/unspecified and would leave its link"},
    {"unknown_vlan", "802.1Q tag with no configured sub-interface"},
    {"not_for_us", "unicast frame addressed to another MAC address"},
    {"spoofed_source", "source address does not belong behind the ingress zone (reverse-path check)"},
    {"no_route", "no route to the destination"},
    {"ttl_exceeded", "TTL or hop limit reached zero (ICMP time exceeded sent)"},
    {"mtu_exceeded", "larger than the egress MTU with DF set or IPv6 (ICMP sent), or no buffers to fragment"},
    {"local_unhandled", "addressed to the box but no local service handles it"},
    {"local_rate_exceeded",
     "for the box (ARP, neighbour discovery, echo, DHCP, what the input policy accepts into the twin) above "
     "the port's local_traffic rate"},
    {"neighbour_unresolved", "next hop did not answer ARP/neighbour solicitation in time"},
    {"neighbour_queue_full", "too many packets already waiting for this next hop's resolution"},
    {"slow_path_queue_full", "the control lcore's queue was full"},
    {"tx_queue_full", "the egress port did not accept the packet"},
    {"distribution_queue_full", "the ring to the flow's worker was full"},
    {"fragment_overlap",
     "fragments of one datagram overlap or disagree on its length (the whole datagram is dropped)"},
    {"fragment_duplicate", "exact copy of a fragment already held (only the copy is dropped)"},
    {"fragment_too_large",
     "fragment ends beyond 65535 bytes of IPv4 datagram or IPv6 payload (the whole datagram is dropped)"},
    {"fragment_too_small",
     "first fragment without the complete TCP/UDP/ICMP header, an empty fragment, or a non-last fragment not "
     "a multiple of 8 bytes (the whole datagram is dropped)"},
    {"fragment_too_many", "more than 64 fragments for one datagram (the whole datagram is dropped)"},
    {"fragment_memory_full",
     "the worker's reassembly table was full (new datagrams are refused; a held one that cannot grow is "
     "dropped)"},
    {"fragment_timeout",
     "datagram still incomplete 30 s (packet time) after its first fragment arrived (held fragments "
     "dropped)"},
    {"invalid_tcp_state",
     "TCP segment the connection's state does not allow (e.g. not a SYN but no connection)"},
    {"tcp_out_of_window", "TCP sequence, acknowledgement or RST outside the window the peers announced"},
    {"flow_table_full", "no room for a new flow and no expired or unestablished flow to evict"},
    {"policy_drop", "no policy rule allowed the new connection (or a drop rule matched)"},
    {"policy_reject",
     "a reject rule matched: dropped and answered with TCP RST or ICMP administratively prohibited"},
    {"unrelated_icmp_error", "ICMP error that quotes no connection the box tracks"},
    {"syn_cookie_invalid",
     "TCP ACK without a connection whose SYN cookie is forged, belongs to another connection or has expired, "
     "while the zone is answering SYNs with cookies"},
    {"half_open_limit",
     "the zone's `half_open_limit` of connections in the TCP handshake was reached: no new state (SYN "
     "without cookie protection, or ACK with a valid cookie)"},
    {"nat_port_exhausted",
     "source NAT found no free external port (or mapping) for a new connection on this worker"},
    {"nat_unsolicited",
     "addressed to a source-NAT mapping's external port by a remote none of its connections talks to"},
    {"inspection_limit",
     "`inspection.on_limit: drop` and no session, reassembly memory or window left for the segment (the "
     "sender retransmits)"},
    {"signature_drop",
     "a drop signature matched (ids.mode: ips); this and every later packet of the flow is dropped"},
    {"signature_reject",
     "a reject signature matched (ids.mode: ips): dropped, answered with TCP RST / ICMP, the flow ended"},
    {"kernel_frame_refused",
     "sent by the box's kernel on a port's twin, but neither ARP or neighbour discovery of the box nor IP "
     "from one of the box's addresses on that port"},
    {"nat_no_address",
     "a source NAT rule matched, but its out interface has no IPv4 address to translate to yet (`addresses: "
     "dhcp` before the first lease, or after it was lost)"},
    {"nat_address_changed",
     "a connection translated to an address the box no longer has (its port got a new DHCP lease): ended at "
     "its first packet after the change, so that the application opens a new one"},
    {"esp_unknown_spi",
     "ESP (or ESP in UDP 4500) to the box with an SPI and destination no installed inbound SA has"},
    {"esp_replayed", "ESP sequence number already received inside the SA's anti-replay window"},
    {"esp_outside_window", "ESP sequence number left of the SA's anti-replay window (too old)"},
    {"esp_auth_failed", "ESP integrity check (AES-GCM tag) failed: tampered, or sent with another key"},
    {"esp_malformed",
     "ESP cut short, lengths or alignment inconsistent, bad padding, or IPv6 extension headers before ESP"},
    {"esp_wrong_inner_protocol", "decrypted ESP whose inner packet is not of the SA's IP version"},
    {"esp_fragment",
     "a fragment of an ESP packet (the box decrypts whole packets only; its tunnels' MTU keeps the peer's "
     "packets whole)"},
    {"esp_sa_expired", "the SA reached its hard byte or packet limit: charon replaces it"},
    {"esp_sequence_exhausted", "outbound SA without sequence numbers left: charon must rekey"},
    {"esp_no_buffer_room", "packet buffer without the head- or tailroom ESP needs"},
    {"esp_sa_superseded", "outbound SA replaced while the packet was in flight (a rekey with the same SPI)"},
    {"esp_selector_mismatch",
     "decrypted packet whose addresses are not in the tunnel's networks (RFC 4301 inbound policy check)"},
    {"esp_no_policy", "routed into a tunnel but its source is not in the tunnel's local_subnets"},
    {"esp_no_sa", "routed into a tunnel that has no outbound SA: the tunnel is down"},
}};

}  // namespace

const DropReasonInfo& drop_reason_info(DropReason reason) {
  const auto index = static_cast<unsigned>(reason);
  return kInfo[index < kDropReasonCount ? index : 0];
}

}  // namespace torwart::dataplane
