#include "dataplane/pipeline/flow_policy_query.hpp"

#include <netinet/in.h>

#include <cstring>

namespace torwart::dataplane {

policy::PolicyQuery query_of_flow(const Snapshot& snapshot, const conntrack::Flow& flow,
                                  const PacketMeta& meta) {
  const conntrack::FlowTuple& original = flow.original();
  const bool reply = (meta.flags & meta_flag::kReplyDirection) != 0;
  policy::PolicyQuery q;
  q.family = original.is_ipv6() ? config::Family::kIpv6 : config::Family::kIpv4;
  q.proto = original.protocol;
  const uint16_t from = reply ? meta.out_iface : meta.in_iface;
  const uint16_t to = reply ? meta.in_iface : meta.out_iface;
  // The box's end of a connection is the zone `local`: the packet's destination when it is for the box,
  // its source when the box's kernel sent it.
  const bool to_box = snapshot.for_the_box(meta.next_hop);
  const bool from_box = meta.from_kernel;
  const auto zone = [&](bool box, uint16_t iface) {
    return static_cast<uint8_t>(box ? config::kLocalZoneIndex : snapshot.interface(iface).zone);
  };
  q.from_zone = zone(reply ? to_box : from_box, from);
  q.to_zone = zone(reply ? from_box : to_box, to);
  q.src_port = original.source_port;
  q.dst_port = original.destination_port;
  if (original.protocol == IPPROTO_ICMP) q.dst_port = 8 << 8;  // the echo request that opened the flow
  if (original.protocol == IPPROTO_ICMPV6) q.dst_port = 128 << 8;
  std::memcpy(q.src.data(), original.source, 16);
  std::memcpy(q.dst.data(), original.destination, 16);
  return q;
}

}  // namespace torwart::dataplane
