#include "dataplane/pipeline/slow_path.hpp"

#include <rte_arp.h>

#include "dataplane/core/packet_access.hpp"
#include "dataplane/pipeline/l2_header.hpp"
#include "dataplane/pipeline/neighbour_messages.hpp"
#include "dataplane/pipeline/pipeline.hpp"
#include "dataplane/pipeline/stages.hpp"

namespace torwart::dataplane {
namespace {

constexpr uint8_t kNeighbourSolicitation = 135;

bool owns_v4(const Interface& iface, uint32_t address) {
  for (const auto& a : iface.addresses) {
    if (a.address.is_v4() && a.address.v4_host_order() == address) return true;
  }
  return false;
}

bool owns_v6(const Interface& iface, const uint8_t* address) {
  if (std::memcmp(iface.link_local_v6.data(), address, 16) == 0) return true;
  for (const auto& a : iface.addresses) {
    if (!a.address.is_v4() && std::memcmp(a.address.bytes.data(), address, 16) == 0) return true;
  }
  return false;
}

// The interface address to speak from towards `target`: one on the same network, else the first.
uint32_t source_for(const Interface& iface, uint32_t target) {
  const auto target_address = config::IpAddress::v4(target);
  for (const auto& a : iface.addresses) {
    if (a.address.is_v4() && a.network().contains(target_address)) return a.address.v4_host_order();
  }
  return iface.source_v4;
}

// Packets the slow path sends go out through the same output stage as the workers' packets.
void transmit_now(WorkerContext& ctx, Burst& out) {
  stage_output(ctx, out);
  pipeline_finish(ctx, out);
}

}  // namespace

SlowPath::SlowPath(WorkerContext& context, NeighbourTable& neighbours, const ResolutionPolicy& policy)
    : ctx_(context), neighbours_(neighbours), policy_(policy) {}

SlowPath::~SlowPath() {
  flush_pending();
}

void SlowPath::use_snapshot(const Snapshot* snapshot) {
  ctx_.snapshot = snapshot;
  neighbours_.clear_static();
  for (const auto& n : snapshot->static_neighbours()) {
    if (auto* entry = neighbours_.find_or_create(NeighbourKey::make(n.port, n.vlan_id, n.address))) {
      neighbours_.resolve(*entry, n.mac, ctx_.now_ns, true);
    }
  }
}

void SlowPath::handle(rte_mbuf* const* packets, uint16_t count, uint64_t now_ns) {
  ctx_.now_ns = now_ns;
  Burst out;
  for (uint16_t i = 0; i < count; ++i) {
    rte_mbuf* m = packets[i];
    const PacketMeta& meta = meta_of(m);
    if (meta.for_kernel) {
      if (ctx_.kernel != nullptr)
        ctx_.kernel->deliver(m);
      else
        out.drop(m, DropReason::kLocalUnhandled);
    } else if (meta.flags & meta_flag::kAwaitingResolution) {
      hold_for_resolution(m, out);
    } else if (meta.l3 == L3Kind::kArp) {
      share_with_kernel(m);
      handle_arp(m, out);
    } else if (meta.l3 == L3Kind::kIpv6) {
      share_with_kernel(m);
      handle_neighbour_message(m, out);  // ingress punts nothing else
    } else {
      out.drop(m, DropReason::kLocalUnhandled);
    }
    if (out.count + 8 >= kMaxBurst || out.dropped_count + 8 >= kMaxBurst) send(out);
  }
  send(out);
}

void SlowPath::send(Burst& out) {
  if (out.count > 0 || out.dropped_count > 0) transmit_now(ctx_, out);
}

void SlowPath::share_with_kernel(rte_mbuf* m) {
  if (ctx_.kernel == nullptr || meta_of(m).vlan_id != 0 || !ctx_.kernel->reaches(m->port)) return;
  // The control lcore may allocate; a pool too empty for the copy costs the kernel one message it will ask
  // again for.
  if (rte_mbuf* copy = rte_pktmbuf_copy(m, ctx_.pool, 0, UINT32_MAX)) ctx_.kernel->deliver(copy);
}

void SlowPath::handle_arp(rte_mbuf* m, Burst& out) {
  const Snapshot& snapshot = *ctx_.snapshot;
  const PacketMeta& meta = meta_of(m);
  const auto arp = read_arp(m, meta);
  if (!arp) {
    out.drop(m, DropReason::kMalformedArp);
    return;
  }
  const Interface& iface = snapshot.interface(meta.in_iface);
  const bool for_us = owns_v4(iface, arp->target_ip);
  if (arp->sender_ip != 0) {
    const auto key = NeighbourKey::make_v4(iface.port, iface.vlan_id, arp->sender_ip);
    // Learn from whoever asks us (RFC 826); otherwise only refresh what we already asked for (no cache
    // poisoning by unsolicited replies about addresses we never needed, even when they name us as target).
    const bool asks_us = for_us && arp->operation == RTE_ARP_OP_REQUEST;
    NeighbourTable::Entry* entry = asks_us ? neighbours_.find_or_create(key) : neighbours_.find(key);
    if (entry != nullptr) learned(*entry, arp->sender_mac, out);
  }
  if (for_us && arp->operation == RTE_ARP_OP_REQUEST) {
    if (rte_mbuf* reply = build_arp(ctx_.pool, iface, RTE_ARP_OP_REPLY, arp->sender_mac, arp->target_ip,
                                    arp->sender_mac, arp->sender_ip)) {
      meta_of(reply).out_iface = iface.index;
      out.pkts[out.count++] = reply;
    }
  }
  rte_pktmbuf_free(m);
}

void SlowPath::handle_neighbour_message(rte_mbuf* m, Burst& out) {
  const Snapshot& snapshot = *ctx_.snapshot;
  const PacketMeta& meta = meta_of(m);
  const auto message = read_neighbour_message(m, meta);
  if (!message) {
    out.drop(m, DropReason::kLocalUnhandled);  // failed RFC 4861 validation
    return;
  }
  const Interface& iface = snapshot.interface(meta.in_iface);
  static constexpr uint8_t kUnspecified[16] = {};
  const bool from_unspecified = std::memcmp(message->source, kUnspecified, 16) == 0;
  if (message->type == kNeighbourSolicitation) {
    if (!owns_v6(iface, message->target)) {
      out.drop(m, DropReason::kLocalUnhandled);
      return;
    }
    if (!from_unspecified && message->link_layer) {
      if (auto* entry =
              neighbours_.find_or_create(NeighbourKey::make_v6(iface.port, iface.vlan_id, message->source))) {
        learned(*entry, *message->link_layer, out);
      }
    }
    static constexpr uint8_t kAllNodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
    const rte_ether_addr all_nodes_mac{{0x33, 0x33, 0, 0, 0, 0x01}};
    const rte_ether_addr eth_destination =
        from_unspecified ? all_nodes_mac
                         : message->link_layer.value_or(rte_pktmbuf_mtod(m, rte_ether_hdr*)->src_addr);
    if (rte_mbuf* reply = build_neighbour_advertisement(ctx_.pool, iface, message->target,
                                                        from_unspecified ? kAllNodes : message->source,
                                                        eth_destination, !from_unspecified)) {
      meta_of(reply).out_iface = iface.index;
      out.pkts[out.count++] = reply;
    }
  } else if (message->link_layer) {
    if (auto* entry = neighbours_.find(NeighbourKey::make_v6(iface.port, iface.vlan_id, message->target))) {
      learned(*entry, *message->link_layer, out);
    }
  }
  rte_pktmbuf_free(m);
}

void SlowPath::learned(NeighbourTable::Entry& entry, const rte_ether_addr& mac, Burst& out) {
  neighbours_.resolve(entry, mac, ctx_.now_ns, false);
  auto it = pending_.find(&entry);
  if (it == pending_.end()) return;
  const Snapshot& snapshot = *ctx_.snapshot;
  for (rte_mbuf* m : it->second.packets) {
    PacketMeta& meta = meta_of(m);
    if (out.count == kMaxBurst) send(out);
    if (write_l2_header(m, meta, snapshot.interface(meta.out_iface), mac)) {
      out.pkts[out.count++] = m;
    } else {
      out.drop(m, DropReason::kTruncatedEthernet);
    }
  }
  pending_.erase(it);
}

void SlowPath::hold_for_resolution(rte_mbuf* m, Burst& out) {
  const Snapshot& snapshot = *ctx_.snapshot;
  PacketMeta& meta = meta_of(m);
  // The worker routed this packet on the snapshot it had; route again on ours, which may be newer.
  uint32_t hop = kNoNextHop;
  if (meta.l3 == L3Kind::kIpv4)
    hop = snapshot.fib().lookup_v4(rte_be_to_cpu_32(ipv4_of(m, meta)->dst_addr));
  else if (meta.l3 == L3Kind::kIpv6)
    hop = snapshot.fib().lookup_v6(ipv6_of(m, meta)->dst_addr);
  if (hop == kNoNextHop || snapshot.next_hop(hop).kind != NextHopKind::kForward) {
    out.drop(m, DropReason::kNoRoute);
    return;
  }
  meta.next_hop = hop;
  meta.out_iface = snapshot.next_hop(hop).iface;
  const Interface& iface = snapshot.interface(meta.out_iface);
  const auto key =
      NeighbourKey::make(iface.port, iface.vlan_id, resolution_target(m, meta, snapshot.next_hop(hop)));
  NeighbourTable::Entry* entry = neighbours_.find_or_create(key);
  if (entry == nullptr) {
    out.drop(m, DropReason::kNeighbourQueueFull);
    return;
  }
  rte_ether_addr mac;
  if (neighbours_.lookup(key, &mac)) {  // answered since the worker looked
    if (write_l2_header(m, meta, iface, mac))
      out.pkts[out.count++] = m;
    else
      out.drop(m, DropReason::kTruncatedEthernet);
    return;
  }
  Pending& pending = pending_[entry];
  if (pending.packets.size() >= policy_.max_queued_per_neighbour) {
    out.drop(m, DropReason::kNeighbourQueueFull);
    return;
  }
  pending.packets.push_back(m);
  if (pending.attempts == 0) {
    pending.attempts = 1;
    pending.last_request_ns = ctx_.now_ns;
    request(key, out);
  }
}

const Interface* SlowPath::interface_of(const NeighbourKey& key) const {
  const Interface* iface = nullptr;
  for (const auto& candidate : ctx_.snapshot->interfaces()) {
    if (candidate.port == key.port && candidate.vlan_id == key.vlan_id) iface = &candidate;
  }
  return iface;
}

// Unicast, to the MAC the entry holds: only the neighbour itself answers, and nobody else is disturbed.
void SlowPath::probe(const NeighbourTable::Entry& entry, Burst& out) {
  const Interface* iface = interface_of(entry.key);
  if (iface == nullptr) return;
  rte_ether_addr mac;
  const uint64_t packed = entry.resolved.load(std::memory_order_relaxed);
  for (int i = 0; i < 6; ++i) mac.addr_bytes[i] = static_cast<uint8_t>(packed >> (8 * i));
  rte_mbuf* m = nullptr;
  if (entry.key.family == 4) {
    const uint32_t target = entry.key.ip().v4_host_order();
    m = build_arp(ctx_.pool, *iface, RTE_ARP_OP_REQUEST, mac, source_for(*iface, target), rte_ether_addr{},
                  target);
  } else {
    m = build_neighbour_probe(ctx_.pool, *iface, entry.key.address, mac);
  }
  if (m == nullptr) return;
  ++aging_.probes_sent;
  meta_of(m).out_iface = iface->index;
  if (out.count == kMaxBurst) send(out);
  out.pkts[out.count++] = m;
}

void SlowPath::age_neighbours(uint64_t now_ns, Burst& out) {
  neighbours_.for_each([&](NeighbourTable::Entry& entry) {
    if (entry.is_static) return;
    switch (entry.state) {
      case NeighbourState::kIncomplete:
        return;
      case NeighbourState::kReachable:
        if (now_ns - entry.updated_ns >= policy_.reachable_time_ns) {
          neighbours_.mark_stale(entry);
          ++aging_.went_stale;
        }
        return;
      case NeighbourState::kStale:
        if (!entry.wanted.load(std::memory_order_relaxed)) return;
        entry.state = NeighbourState::kProbe;
        entry.probes = 1;
        entry.probed_ns = now_ns;
        probe(entry, out);
        return;
      case NeighbourState::kProbe:
        if (now_ns - entry.probed_ns < policy_.retry_interval_ns) return;
        if (entry.probes >= policy_.max_attempts) {
          neighbours_.forget(entry);
          ++aging_.forgotten;
          return;
        }
        ++entry.probes;
        entry.probed_ns = now_ns;
        probe(entry, out);
        return;
    }
  });
}

void SlowPath::request(const NeighbourKey& key, Burst& out) {
  const Interface* iface = interface_of(key);
  if (iface == nullptr) return;
  rte_mbuf* m = nullptr;
  if (key.family == 4) {
    const uint32_t target = key.ip().v4_host_order();
    static const rte_ether_addr kBroadcast{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
    m = build_arp(ctx_.pool, *iface, RTE_ARP_OP_REQUEST, kBroadcast, source_for(*iface, target),
                  rte_ether_addr{}, target);
  } else {
    m = build_neighbour_solicitation(ctx_.pool, *iface, key.address);
  }
  if (m == nullptr) return;
  meta_of(m).out_iface = iface->index;
  if (out.count == kMaxBurst) send(out);
  out.pkts[out.count++] = m;
}

void SlowPath::tick(uint64_t now_ns) {
  ctx_.now_ns = now_ns;
  Burst out;
  for (auto it = pending_.begin(); it != pending_.end();) {
    Pending& pending = it->second;
    if (now_ns - pending.last_request_ns < policy_.retry_interval_ns) {
      ++it;
      continue;
    }
    if (pending.attempts >= policy_.max_attempts) {
      for (rte_mbuf* m : pending.packets) {
        if (out.dropped_count == kMaxBurst) send(out);
        out.drop(m, DropReason::kNeighbourUnresolved);
      }
      it = pending_.erase(it);
      continue;
    }
    ++pending.attempts;
    pending.last_request_ns = now_ns;
    request(it->first->key, out);
    ++it;
  }
  age_neighbours(now_ns, out);
  send(out);
}

void SlowPath::flush_pending() {
  Burst out;
  for (auto& [entry, pending] : pending_) {
    for (rte_mbuf* m : pending.packets) {
      if (out.dropped_count == kMaxBurst) send(out);
      out.drop(m, DropReason::kNeighbourUnresolved);
    }
  }
  pending_.clear();
  send(out);
}

}  // namespace torwart::dataplane
