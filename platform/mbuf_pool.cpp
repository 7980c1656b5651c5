#include "platform/mbuf_pool.hpp"

#include <stdexcept>

#include <rte_errno.h>
#include <rte_mbuf.h>

namespace torwart::platform {
namespace {

constexpr unsigned kCachePerLcore = 256;
constexpr unsigned kRingSlots = 1024;

}  // namespace

unsigned minimum_mbufs(const MbufDemand& d) {
  const unsigned queues = d.workers + 1;
  unsigned total = 0;
  total += d.ports * queues * (d.rx_descriptors + d.tx_descriptors);
  total += d.kernel_twins * 2 * kTwinDescriptors;
  if (d.kernel_twins > 0) total += d.workers * kRingSlots;  // the rings from the twins to the workers
  total += (d.workers + 1) * (kCachePerLcore + 2 * 64);
  total += d.workers * d.workers * kRingSlots + kRingSlots;  // distribution rings and the punt ring
  return total;
}

rte_mempool* create_mbuf_pool(const std::string& name, unsigned count, uint16_t private_size) {
  rte_mempool* pool = rte_pktmbuf_pool_create(name.c_str(), count, kCachePerLcore, private_size,
                                              RTE_MBUF_DEFAULT_BUF_SIZE, static_cast<int>(rte_socket_id()));
  if (pool == nullptr) {
    throw std::runtime_error("cannot allocate " + std::to_string(count) +
                             " packet buffers: " + rte_strerror(rte_errno) +
                             " (raise dataplane.memory_mb or lower dataplane.mbufs)");
  }
  return pool;
}

}  // namespace torwart::platform
