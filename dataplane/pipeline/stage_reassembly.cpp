// Virtual reassembly (BSI NET.3.2.A10): fragments are held until their datagram is complete and valid, then
// released unchanged, in offset order, with the flow's ports and full flow hash, so that every later stage
// sees whole flows. The box forwards the original fragments: it never builds the datagram and never
// re-fragments.
#include <rte_byteorder.h>

#include "dataplane/core/flow_hash.hpp"
#include "dataplane/core/packet_access.hpp"
#include "dataplane/pipeline/pipeline.hpp"
#include "dataplane/pipeline/stages.hpp"

namespace torwart::dataplane {
namespace {

constexpr uint8_t kProtoIcmp = 1, kProtoTcp = 6, kProtoUdp = 17, kProtoIcmpv6 = 58;
constexpr uint32_t kMaxDatagram = 65535;  // IPv4 total length; IPv6 payload length without jumbograms

// Held fragments leave through the normal drop path (counted on their ingress port, EVE `drop` records) in
// bursts of their own: a datagram may hold more fragments than fit one burst's drop list.
class HeldDrops {
 public:
  explicit HeldDrops(WorkerContext& ctx) : ctx_(ctx) {}
  ~HeldDrops() { flush(); }
  HeldDrops(const HeldDrops&) = delete;
  HeldDrops& operator=(const HeldDrops&) = delete;

  void drop_datagram(uint32_t datagram, DropReason reason) {
    rte_mbuf* held[FragmentTable::kMaxPerDatagram];
    const uint16_t n = ctx_.fragments.take(datagram, held);
    for (uint16_t i = 0; i < n; ++i) {
      if (burst_.dropped_count == kMaxBurst) flush();
      burst_.drop(held[i], reason);
    }
  }

 private:
  void flush() {
    if (burst_.dropped_count > 0) pipeline_finish(ctx_, burst_);
  }
  WorkerContext& ctx_;
  Burst burst_;
};

uint16_t load_be16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t load_be32(const uint8_t* p) {
  return uint32_t{load_be16(p)} << 16 | load_be16(p + 2);
}

// Reads the fragment's identity and range and applies the checks that need no other fragment. Returns the
// reason to refuse it, or kNone.
DropReason describe(rte_mbuf* m, const PacketMeta& meta, FragmentInfo& out) {
  const uint8_t* frame = rte_pktmbuf_mtod(m, const uint8_t*);
  const uint8_t* ip = frame + meta.l3_offset;
  uint32_t before_fragmentable = 0;  // header bytes that count towards the 65535 limit
  uint32_t length = 0;
  uint8_t icmp = kProtoIcmp;
  if (meta.l3 == L3Kind::kIpv4) {
    const uint32_t header_length = static_cast<uint32_t>(ip[0] & 0x0f) * 4;
    const uint16_t field = load_be16(ip + 6);
    out.key.family = 4;
    out.key.protocol = meta.ip_proto;
    out.key.id = load_be16(ip + 4);
    std::memcpy(out.key.source, ip + 12, 4);
    std::memcpy(out.key.destination, ip + 16, 4);
    out.start = static_cast<uint32_t>(field & 0x1fff) * 8;
    out.last = (field & 0x2000) == 0;
    length = meta.l3_length - header_length;
    before_fragmentable = header_length;  // RFC 791: the whole datagram, header included, within 65535
  } else {
    const uint8_t* fragment_header = frame + meta.fragment_header;
    const uint16_t field = load_be16(fragment_header + 2);
    out.key.family = 6;
    out.key.id = load_be32(fragment_header + 4);
    std::memcpy(out.key.source, ip + 8, 16);
    std::memcpy(out.key.destination, ip + 24, 16);
    out.start = field & 0xfff8;  // 8-octet units in the top 13 bits: already bytes
    out.last = (field & 1) == 0;
    const uint32_t fragmentable = meta.fragment_header + 8u;
    length = meta.l3_offset + uint32_t{meta.l3_length} - fragmentable;
    before_fragmentable = fragmentable - meta.l3_offset - 40u;  // the unfragmentable extension headers
    icmp = kProtoIcmpv6;
  }
  out.end = out.start + length;
  // Mixing the id into the address hash spreads one host pair's datagrams over the buckets.
  const uint32_t mixed = (meta.flow_hash ^ out.key.id) * 0x9e3779b1u;
  out.bucket_hash = mixed ^ mixed >> 16;

  if (before_fragmentable + out.end > kMaxDatagram) return DropReason::kFragmentTooLarge;  // ping of death
  if (length == 0 || (!out.last && length % 8 != 0)) return DropReason::kFragmentTooSmall;
  // The tiny-fragment evasion (RFC 1858): a first fragment that cuts the transport header leaves ports and
  // flags to a later fragment. Parse left such a first fragment without a transport view.
  const bool known_transport =
      meta.ip_proto == kProtoTcp || meta.ip_proto == kProtoUdp || meta.ip_proto == icmp;
  if (out.start == 0 && known_transport && !meta.l4_present) return DropReason::kFragmentTooSmall;
  return DropReason::kNone;
}

// Marks a complete datagram's fragments with its flow and queues them, in offset order, for the later stages.
void release(WorkerContext& ctx, uint32_t datagram) {
  rte_mbuf* fragments[FragmentTable::kMaxPerDatagram];
  const uint16_t n = ctx.fragments.take(datagram, fragments);
  const PacketMeta& first = meta_of(fragments[0]);
  const HashPorts ports = first.l4_present ? transport_hash_ports(first) : HashPorts{};
  const uint8_t* ip = rte_pktmbuf_mtod_offset(fragments[0], const uint8_t*, first.l3_offset);
  const uint32_t hash = first.l3 == L3Kind::kIpv4 ? ipv4_flow_hash(ip, first.ip_proto, ports)
                                                  : ipv6_flow_hash(ip, first.ip_proto, ports);
  const uint16_t src_port = first.src_port, dst_port = first.dst_port;
  const uint8_t protocol = first.ip_proto;
  for (uint16_t i = 0; i < n; ++i) {
    PacketMeta& meta = meta_of(fragments[i]);
    meta.flags |= meta_flag::kReassembled;
    meta.src_port = src_port;
    meta.dst_port = dst_port;
    meta.ip_proto = protocol;  // a later IPv6 fragment names the first header of the fragmentable part
    meta.flow_hash = hash;
    ctx.fragments.push_ready(fragments[i]);
  }
  ++ctx.counters.datagrams_reassembled;
}

void reassemble(WorkerContext& ctx, Burst& burst, HeldDrops& held, rte_mbuf* m) {
  FragmentTable& table = ctx.fragments;
  const PacketMeta& meta = meta_of(m);
  FragmentInfo fragment;
  const DropReason refused = describe(m, meta, fragment);
  int32_t datagram = table.find(fragment.key, fragment.bucket_hash);
  if (datagram >= 0 && table.expired(static_cast<uint32_t>(datagram), ctx.now_ns)) {
    held.drop_datagram(static_cast<uint32_t>(datagram), DropReason::kFragmentTimeout);
    datagram = -1;  // this fragment starts the datagram afresh
  }
  if (refused != DropReason::kNone) {
    if (datagram >= 0) held.drop_datagram(static_cast<uint32_t>(datagram), refused);
    burst.drop(m, refused);
    return;
  }
  const FragmentTable::Result result = table.add(datagram, m, fragment, ctx.now_ns);
  switch (result.verdict) {
    case FragmentTable::Verdict::kHeld:
      break;
    case FragmentTable::Verdict::kComplete:
      release(ctx, result.datagram);
      break;
    case FragmentTable::Verdict::kDropNew:
      burst.drop(m, result.reason);
      break;
    case FragmentTable::Verdict::kDropDatagram:
      held.drop_datagram(result.datagram, result.reason);
      burst.drop(m, result.reason);
      break;
  }
}

}  // namespace

void stage_reassembly(WorkerContext& ctx, Burst& burst) {
  FragmentTable& table = ctx.fragments;
  HeldDrops held(ctx);
  // A bounded sweep: datagrams that never complete are dropped even if none of their fragments comes again.
  if (table.datagrams_held() != 0) {
    for (uint16_t swept = 0; swept < table.limits().sweep_per_burst; ++swept) {
      const int32_t oldest = table.oldest_expired(ctx.now_ns);
      if (oldest < 0) break;
      held.drop_datagram(static_cast<uint32_t>(oldest), DropReason::kFragmentTimeout);
    }
  }
  keep_if(burst, [&](rte_mbuf* m) {
    // Whole datagrams, and fragments released here or by another worker, pass with this one test.
    if ((meta_of(m).flags & (meta_flag::kFragment | meta_flag::kReassembled)) != meta_flag::kFragment) {
      return true;
    }
    reassemble(ctx, burst, held, m);
    return false;
  });
  ctx.counters.fragments_held = table.fragments_held();
}

}  // namespace torwart::dataplane
