#include "dataplane/routing/fib.hpp"

#include <atomic>
#include <stdexcept>
#include <utility>

#include <rte_errno.h>

namespace torwart::dataplane {
namespace {

// DPDK tables live in a global namespace: every instance needs a name of its own.
std::string unique_name(const char* kind) {
  static std::atomic<unsigned> counter{0};
  return std::string(kind) + "_" + std::to_string(counter.fetch_add(1));
}

}  // namespace

Fib::Fib(Fib&& other) noexcept
    : v4_(std::exchange(other.v4_, nullptr)), v6_(std::exchange(other.v6_, nullptr)) {}

Fib& Fib::operator=(Fib&& other) noexcept {
  if (this != &other) {
    release();
    v4_ = std::exchange(other.v4_, nullptr);
    v6_ = std::exchange(other.v6_, nullptr);
  }
  return *this;
}

Fib::~Fib() {
  release();
}

void Fib::release() {
  if (v4_ != nullptr) rte_lpm_free(v4_);
  if (v6_ != nullptr) rte_lpm6_free(v6_);
  v4_ = nullptr;
  v6_ = nullptr;
}

void Fib::create(unsigned v4_rules, unsigned v4_long_prefixes, unsigned v6_rules) {
  release();
  rte_lpm_config v4_config{};
  v4_config.max_rules = v4_rules + 8;             // + the second half of a default route
  v4_config.number_tbl8s = v4_long_prefixes + 8;  // every prefix longer than /24 may need its own tbl8
  const std::string v4_name = unique_name("fib4");
  v4_ = rte_lpm_create(v4_name.c_str(), SOCKET_ID_ANY, &v4_config);
  if (v4_ == nullptr)
    throw std::runtime_error("cannot allocate the IPv4 route table: " + std::string(rte_strerror(rte_errno)));
  rte_lpm6_config v6_config{};
  v6_config.max_rules = v6_rules + 8;
  v6_config.number_tbl8s = (v6_rules + 8) * 14;  // a /128 walks up to 13 tbl8 levels below the tbl24
  const std::string v6_name = unique_name("fib6");
  v6_ = rte_lpm6_create(v6_name.c_str(), SOCKET_ID_ANY, &v6_config);
  if (v6_ == nullptr)
    throw std::runtime_error("cannot allocate the IPv6 route table: " + std::string(rte_strerror(rte_errno)));
}

void Fib::add_v4(uint32_t prefix_host_order, uint8_t length, uint32_t next_hop) {
  // rte_lpm's shortest prefix is /1: a default route is its two halves.
  if (length == 0) {
    add_v4(0, 1, next_hop);
    add_v4(0x80000000u, 1, next_hop);
    return;
  }
  if (rte_lpm_add(v4_, prefix_host_order, length, next_hop) != 0) {
    throw std::runtime_error("cannot add an IPv4 route (table full)");
  }
}

void Fib::add_v6(const uint8_t* prefix, uint8_t length, uint32_t next_hop) {
  if (length == 0) {
    uint8_t half[16] = {};
    add_v6(half, 1, next_hop);
    half[0] = 0x80;
    add_v6(half, 1, next_hop);
    return;
  }
  if (rte_lpm6_add(v6_, prefix, length, next_hop) != 0) {
    throw std::runtime_error("cannot add an IPv6 route (table full)");
  }
}

}  // namespace torwart::dataplane
