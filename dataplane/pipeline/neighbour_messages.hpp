#pragma once
// ARP and IPv6 neighbour discovery messages the slow path reads and writes (RFC 826, RFC 4861).
#include <cstdint>
#include <optional>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane/core/packet_meta.hpp"
#include "dataplane/snapshot/snapshot.hpp"

namespace torwart::dataplane {

struct ArpMessage {
  uint16_t operation = 0;  // 1 request, 2 reply
  rte_ether_addr sender_mac{};
  uint32_t sender_ip = 0;  // host order
  uint32_t target_ip = 0;
};

struct NeighbourMessage {
  uint8_t type = 0;  // 135 solicitation, 136 advertisement
  uint8_t source[16]{};
  uint8_t target[16]{};
  std::optional<rte_ether_addr> link_layer;  // source (NS) or target (NA) link-layer address option
  bool solicited = false;
};

std::optional<ArpMessage> read_arp(rte_mbuf* m, const PacketMeta& meta);
// nullopt when the message breaks RFC 4861 7.1 validation (hop limit, code, length, options).
std::optional<NeighbourMessage> read_neighbour_message(rte_mbuf* m, const PacketMeta& meta);

rte_mbuf* build_arp(rte_mempool* pool, const Interface& iface, uint16_t operation,
                    const rte_ether_addr& eth_destination, uint32_t sender_ip,
                    const rte_ether_addr& target_mac, uint32_t target_ip);
rte_mbuf* build_neighbour_solicitation(rte_mempool* pool, const Interface& iface, const uint8_t* target);
// A solicitation sent straight to the neighbour (reachability probe, RFC 4861 7.3.3).
rte_mbuf* build_neighbour_probe(rte_mempool* pool, const Interface& iface, const uint8_t* target,
                                const rte_ether_addr& mac);
rte_mbuf* build_neighbour_advertisement(rte_mempool* pool, const Interface& iface, const uint8_t* target,
                                        const uint8_t* destination, const rte_ether_addr& eth_destination,
                                        bool solicited);

}  // namespace torwart::dataplane
