#pragma once
// The packet buffer pool, with room in each buffer for the fast path's per-packet metadata.
#include <cstdint>
#include <string>

#include <rte_mempool.h>

namespace torwart::platform {

struct MbufDemand {
  unsigned ports = 0;
  unsigned workers = 1;
  unsigned rx_descriptors = 0;
  unsigned tx_descriptors = 0;
  unsigned kernel_twins = 0;  // each holds kTwinDescriptors buffers in either direction
};

// A kernel twin's queue length each way: it carries the box's own traffic, not the routed traffic.
inline constexpr unsigned kTwinDescriptors = 256;

// Buffers a live run needs at least: every descriptor of every queue can hold one, every lcore caches some,
// and the rings between lcores can be full.
unsigned minimum_mbufs(const MbufDemand& demand);
// `private_size`: the bytes of metadata each buffer carries (dataplane::kMbufPrivSize). Throws
// std::runtime_error when DPDK cannot allocate it.
rte_mempool* create_mbuf_pool(const std::string& name, unsigned count, uint16_t private_size);

}  // namespace torwart::platform
