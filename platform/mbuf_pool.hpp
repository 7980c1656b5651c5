#pragma once
// The packet buffer pool, sized from the configuration, with room for torwart's per-packet metadata.
#include <string>

#include <rte_mempool.h>

#include "rules/config/config.hpp"

namespace torwart::platform {

// Buffers a live run needs at least: every descriptor of every queue can hold one, every lcore caches some,
// and the rings between lcores can be full.
unsigned minimum_mbufs(const config::Config& config);

// Throws std::runtime_error when DPDK cannot allocate it.
rte_mempool* create_mbuf_pool(const std::string& name, unsigned count);

}  // namespace torwart::platform
