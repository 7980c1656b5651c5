#pragma once
// Longest-prefix match for IPv4 and IPv6 over DPDK's rte_lpm / rte_lpm6. Values are next-hop indices.
#include <cstdint>
#include <string>

#include <rte_lpm.h>
#include <rte_lpm6.h>

#include "dataplane/core/packet_meta.hpp"

namespace torwart::dataplane {

class Fib {
 public:
  Fib() = default;
  Fib(const Fib&) = delete;
  Fib& operator=(const Fib&) = delete;
  Fib(Fib&& other) noexcept;
  Fib& operator=(Fib&& other) noexcept;
  ~Fib();

  // Sized for the prefixes it will hold; throws std::runtime_error when DPDK cannot allocate the tables.
  void create(unsigned v4_rules, unsigned v4_long_prefixes, unsigned v6_rules);
  void add_v4(uint32_t prefix_host_order, uint8_t length, uint32_t next_hop);
  void add_v6(const uint8_t* prefix, uint8_t length, uint32_t next_hop);

  uint32_t lookup_v4(uint32_t address_host_order) const {
    uint32_t next_hop = 0;
    return rte_lpm_lookup(v4_, address_host_order, &next_hop) == 0 ? next_hop : kNoNextHop;
  }
  uint32_t lookup_v6(const uint8_t* address) const {
    uint32_t next_hop = 0;
    return rte_lpm6_lookup(v6_, address, &next_hop) == 0 ? next_hop : kNoNextHop;
  }

 private:
  void release();
  rte_lpm* v4_ = nullptr;
  rte_lpm6* v6_ = nullptr;
};

}  // namespace torwart::dataplane
