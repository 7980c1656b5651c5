#include "dataplane/live/kernel_twin_receiver.hpp"

#include <rte_ethdev.h>

#include "dataplane/conntrack/icmp_error_match.hpp"
#include "dataplane/pipeline/kernel_frames.hpp"
#include "dataplane/pipeline/nat_steering.hpp"
#include "dataplane/pipeline/pipeline.hpp"

namespace torwart::dataplane::live {

KernelTwinReceiver::KernelTwinReceiver(const std::vector<platform::OpenTwin>& twins, SharedState& shared,
                                       WorkerContext& control)
    : twins_(twins), shared_(shared), control_(control) {}

unsigned KernelTwinReceiver::poll() {
  const uint64_t before = traffic_.frames_read;
  for (const auto& twin : twins_) poll_twin(twin);
  return static_cast<unsigned>(traffic_.frames_read - before);
}

void KernelTwinReceiver::poll_twin(const platform::OpenTwin& twin) {
  Burst read;
  read.count = rte_eth_rx_burst(twin.twin_port, 0, read.pkts.data(), kMaxBurst);
  if (read.count == 0) return;
  traffic_.frames_read += read.count;
  const Snapshot& snapshot = *control_.snapshot;
  std::array<rte_mbuf*, kMaxBurst> to_wire;
  uint16_t wire_count = 0;
  keep_if(read, [&](rte_mbuf* m) {
    m->port = twin.data_port;  // from here on it is the box's packet on that port
    const KernelFrameRoute where = route_kernel_frame(
        snapshot, twin.data_port, rte_pktmbuf_mtod(m, const uint8_t*), rte_pktmbuf_data_len(m));
    if (where == KernelFrameRoute::kThroughPipeline) return true;
    if (where == KernelFrameRoute::kToWire) {
      to_wire[wire_count++] = m;
    } else {
      meta_of(m) = PacketMeta{};  // never parsed: the drop record names only the port
      meta_of(m).in_iface = kNoInterface;
      read.drop(m, DropReason::kKernelFrameRefused);
    }
    return false;
  });

  const uint16_t sent = control_.transmitter.transmit(twin.data_port, to_wire.data(), wire_count);
  traffic_.sent_to_wire += sent;
  control_.counters.ports[twin.data_port < kMaxPorts ? twin.data_port : 0].tx_packets += sent;
  for (uint16_t i = sent; i < wire_count; ++i) {
    meta_of(to_wire[i]) = PacketMeta{};
    meta_of(to_wire[i]).in_iface = kNoInterface;
    read.drop(to_wire[i], DropReason::kTxQueueFull);
  }

  // What parse refuses is dropped with its reason; the rest is the box's, for its flow's worker.
  stage_parse(read, ParseOptions{});
  for (uint16_t i = 0; i < read.count; ++i) {
    rte_mbuf* m = read.pkts[i];
    PacketMeta& meta = meta_of(m);
    meta.in_iface = kNoInterface;
    meta.from_kernel = true;
    if (meta.flags & meta_flag::kIcmpError) meta.flow_hash = conntrack::icmp_error_flow_hash(meta, m);
    // The worker its replies will reach: software distribution's flow hash, or NAT steering's owner.
    const unsigned owner =
        nat::box_packet_owner(snapshot, meta, m, shared_.workers).value_or(meta.flow_hash % shared_.workers);
    rte_ring* ring = shared_.from_kernel[owner];
    if (rte_ring_sp_enqueue(ring, m) == 0) {
      ++traffic_.handed_to_workers;
    } else {
      read.drop(m, DropReason::kDistributionQueueFull);
    }
  }
  read.count = 0;
  pipeline_finish(control_, read);
}

}  // namespace torwart::dataplane::live
