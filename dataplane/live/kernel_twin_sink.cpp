#include "dataplane/live/kernel_twin_sink.hpp"

#include <rte_ethdev.h>

namespace torwart::dataplane::live {

KernelTwinSink::KernelTwinSink(const std::vector<platform::OpenTwin>& twins, uint16_t port_count)
    : twin_of_(port_count, kNoTwin) {
  for (const auto& twin : twins) {
    if (twin.data_port >= port_count) continue;
    twin_of_[twin.data_port] = static_cast<uint16_t>(pending_.size());
    pending_.push_back({twin.twin_port, 0, {}});
  }
}

void KernelTwinSink::deliver(rte_mbuf* m) {
  if (!reaches(m->port)) {
    ++counters_.dropped_no_twin;
    rte_pktmbuf_free(m);
    return;
  }
  Pending& pending = pending_[twin_of_[m->port]];
  pending.packets[pending.count++] = m;
  if (pending.count == kBatch) send(pending);
}

void KernelTwinSink::flush() {
  for (auto& pending : pending_)
    if (pending.count > 0) send(pending);
}

void KernelTwinSink::send(Pending& pending) {
  const uint16_t sent = rte_eth_tx_burst(pending.twin_port, 0, pending.packets.data(), pending.count);
  counters_.delivered += sent;
  for (uint16_t i = sent; i < pending.count; ++i) {
    rte_pktmbuf_free(pending.packets[i]);
    ++counters_.dropped_queue_full;
  }
  pending.count = 0;
}

}  // namespace torwart::dataplane::live
