#pragma once
// Control-plane protection (config::LocalTraffic, FORMAT.md "local_traffic"): packets for the box itself
// are admitted per port and class from token buckets before the box spends work on them, so that a flood at
// its addresses cannot starve the workers or the slow path. Each worker holds its share of the box's rate.
#include <array>
#include <cstdint>

#include "dataplane/core/token_bucket.hpp"
#include "dataplane/snapshot/snapshot.hpp"
#include "rules/config/config.hpp"

namespace torwart::dataplane {

enum class LocalClass : uint8_t { kArp, kNd, kIcmp, kDhcp, kInput, kCount };

class LocalPolicer {
 public:
  // `workers`: how many workers share the box's rate (each gets its share, rounded up).
  explicit LocalPolicer(unsigned workers = 1) : workers_(workers == 0 ? 1 : workers) {}

  // Takes the rates of a new snapshot (buckets start full again only when the rates changed).
  void follow(const Snapshot& snapshot) {
    if (snapshot.epoch() == version_) return;
    version_ = snapshot.epoch();
    if (configured_ && snapshot.source().local_traffic == rates_) return;
    rates_ = snapshot.source().local_traffic;
    configured_ = true;
    for (auto& port : buckets_) {
      port[static_cast<unsigned>(LocalClass::kArp)] = share(rates_.arp);
      port[static_cast<unsigned>(LocalClass::kNd)] = share(rates_.nd);
      port[static_cast<unsigned>(LocalClass::kIcmp)] = share(rates_.icmp);
      port[static_cast<unsigned>(LocalClass::kDhcp)] = share(rates_.dhcp);
      port[static_cast<unsigned>(LocalClass::kInput)] = share(rates_.input);
    }
    const config::LocalRate group{(rates_.input_new.per_second + kSourceGroups - 1) / kSourceGroups,
                                  (rates_.input_new.burst + kSourceGroups - 1) / kSourceGroups};
    for (auto& port : new_input_) port.fill(share(group));
  }

  // What the input policy accepted for the box's kernel: `established` when both sides of its connection
  // have spoken, else it draws on the budget of its source's group (`source_hash`: any hash of the source
  // address alone).
  bool admit_input(uint16_t port, bool established, uint32_t source_hash, uint64_t now_ns) {
    if (port >= kMaxPorts) return false;
    if (established) return admit(port, LocalClass::kInput, now_ns);
    return new_input_[port][source_hash % kSourceGroups].take(now_ns);
  }

  bool admit(uint16_t port, LocalClass local_class, uint64_t now_ns) {
    if (port >= kMaxPorts) return false;
    return buckets_[port][static_cast<unsigned>(local_class)].take(now_ns);
  }

 private:
  TokenBucket share(const config::LocalRate& rate) const {
    auto part = [&](unsigned total) { return (total + workers_ - 1) / workers_; };
    return TokenBucket(part(rate.per_second), part(rate.burst));
  }

  unsigned workers_;
  uint64_t version_ = 0;
  bool configured_ = false;
  config::LocalTraffic rates_;
  static constexpr unsigned kSourceGroups = 16;
  std::array<std::array<TokenBucket, static_cast<unsigned>(LocalClass::kCount)>, kMaxPorts> buckets_{};
  std::array<std::array<TokenBucket, kSourceGroups>, kMaxPorts> new_input_{};
};

}  // namespace torwart::dataplane
