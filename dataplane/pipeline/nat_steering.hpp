#pragma once
// Which worker a packet must run on when NAT rules exist. The symmetric flow hash cannot bring both
// directions of a translated flow together (the reply carries other addresses and ports), so software
// distribution asks here first:
//   - to an external address, on a port (TCP/UDP destination, echo-reply identifier, or the quoted source
//     port of an ICMP error) that a forward publishes: hash(server address) % workers;
//   - to an external address, on a port of its source-NAT range: the worker whose slice holds the port;
//   - between an inside host (its address routes into a zone some source rule translates) and any host
//     that is not inside: hash(inside address) % workers, in both directions. So all mappings of one inside
//     host live on one worker (endpoint-independent mapping needs no shared state), and flows the NAT does
//     not translate (e.g. LAN <-> KDN) still meet on one worker;
//   - anything else: the symmetric flow hash (nullopt).
// Packets from a forward's server port go to hash(server address) % workers too, so its replies take the
// same worker as its forwarded packets even when the server's zone is not one a source rule translates.
#include <cstdint>
#include <optional>

#include <rte_mbuf.h>

#include "dataplane/core/packet_meta.hpp"
#include "dataplane/snapshot/snapshot.hpp"

namespace torwart::dataplane::nat {

// The inside-host hash (also used by the tests to predict the worker).
uint32_t address_hash(uint32_t address_network_order);

// nullopt: the symmetric flow hash decides. Reads only headers parse validated (and the quote of an ICMP
// error within the first segment).
std::optional<unsigned> steering_owner(const Snapshot& snapshot, const PacketMeta& meta, const rte_mbuf* m,
                                       unsigned workers);
// The same for a packet the box's own kernel sends (from_kernel): from an external address, on a port
// (TCP/UDP source, echo-request identifier) its replies will be steered by, the owner they will reach;
// otherwise as steering_owner.
std::optional<unsigned> box_packet_owner(const Snapshot& snapshot, const PacketMeta& meta, const rte_mbuf* m,
                                         unsigned workers);

}  // namespace torwart::dataplane::nat
