// policy_measure: compile time and classify throughput of CompiledPolicy for a few policy sizes.
// Synthetic policies: each rule names one zone pair, a /24 source, a /24 destination (v4 or v6) and one TCP
// or UDP port, roughly what a town hall's hand-written policy looks like, only longer.
// Usage: policy_measure [RULES...]   (default 10 1000 10000)
#include <rte_eal.h>
#include <rte_errno.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "rules/policy/compiled_policy.hpp"

namespace {

using torwart::config::Family;
using torwart::config::IpAddress;
using torwart::config::IpPrefix;
using namespace torwart::policy;

IpPrefix network(std::mt19937& rng, Family family) {
  IpAddress a;
  a.family = family;
  a.bytes[0] = family == Family::kIpv4 ? 10 : 0x20;
  a.bytes[1] = static_cast<uint8_t>(rng());
  a.bytes[2] = static_cast<uint8_t>(rng());
  return IpPrefix{a, static_cast<uint8_t>(family == Family::kIpv4 ? 24 : 24)};
}

torwart::config::Config synthetic(unsigned rules, std::mt19937& rng, std::vector<IpPrefix>& used) {
  torwart::config::Config config;
  config.zones = {{"lan", true}, {"kdn", true}, {"inet", true}};
  const char* zones[] = {"lan", "kdn", "inet"};
  for (unsigned i = 0; i < rules; ++i) {
    torwart::config::PolicyRule r;
    r.name = "rule-" + std::to_string(i);
    const Family family = i % 4 == 3 ? Family::kIpv6 : Family::kIpv4;
    r.from_zones = {zones[rng() % 3]};
    r.to_zones = {zones[rng() % 3]};
    r.source = {network(rng, family)};
    r.destination = {network(rng, family)};
    used.push_back(r.destination[0]);
    const auto port = static_cast<uint16_t>(1 + rng() % 10000);
    r.service = {{static_cast<uint8_t>(rng() % 2 ? 6 : 17), std::nullopt, port, port}};
    r.action = torwart::config::PolicyAction::kAccept;
    config.policy.rules.push_back(std::move(r));
  }
  return config;
}

}  // namespace

int main(int argc, char** argv) {
  const char* eal_args[] = {"policy_measure", "--no-huge", "--no-pci", "--no-shconf",
                            "--no-telemetry", "-m",        "1024",     "--log-level=*:warning"};
  std::vector<char*> eal_argv;
  for (const char* arg : eal_args) eal_argv.push_back(const_cast<char*>(arg));
  if (rte_eal_init(static_cast<int>(eal_argv.size()), eal_argv.data()) < 0) {
    std::fprintf(stderr, "rte_eal_init failed: %s\n", rte_strerror(rte_errno));
    return 1;
  }
  std::vector<unsigned> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(static_cast<unsigned>(std::atoi(argv[i])));
  if (sizes.empty()) sizes = {10, 1000, 10000};

  using Clock = std::chrono::steady_clock;
  std::printf("%8s %10s %12s %14s %12s\n", "rules", "entries", "compile_ms", "Mqueries/s", "ns/query");
  for (unsigned size : sizes) {
    std::mt19937 rng(size);
    std::vector<IpPrefix> destinations;
    const auto config = synthetic(size, rng, destinations);
    const auto t0 = Clock::now();
    auto result = CompiledPolicy::compile(config, zones_in_config_order(config));
    const auto t1 = Clock::now();
    if (auto* errors = std::get_if<std::vector<CompileError>>(&result)) {
      std::fprintf(stderr, "%s\n", (*errors)[0].to_string().c_str());
      return 1;
    }
    const auto& policy = *std::get<std::unique_ptr<CompiledPolicy>>(result);

    // Half of the queries aim at a rule's destination network, the rest are random.
    std::vector<PolicyQuery> queries(4096);
    for (auto& q : queries) {
      const IpPrefix& p = destinations[rng() % destinations.size()];
      q.family = rng() % 8 == 0 ? Family::kIpv6 : p.address.family;
      for (auto& b : q.src) b = static_cast<uint8_t>(rng());
      q.dst = p.address.bytes;
      q.dst[3] = static_cast<uint8_t>(rng());
      q.src[0] = q.family == Family::kIpv4 ? 10 : 0x20;
      q.proto = rng() % 2 ? 6 : 17;
      q.dst_port = static_cast<uint16_t>(1 + rng() % 10000);
      q.src_port = static_cast<uint16_t>(rng());
      q.from_zone = static_cast<uint8_t>(rng() % 3);
      q.to_zone = static_cast<uint8_t>(rng() % 3);
    }
    std::vector<const PolicyQuery*> pointers;
    for (const auto& q : queries) pointers.push_back(&q);
    std::vector<PolicyVerdict> verdicts(32);
    constexpr unsigned kBurst = 32;
    unsigned long done = 0;
    const auto start = Clock::now();
    auto now = start;
    while (now - start < std::chrono::milliseconds(500)) {
      for (size_t i = 0; i < queries.size(); i += kBurst) {
        policy.classify(pointers.data() + i, verdicts.data(), kBurst);
      }
      done += queries.size();
      now = Clock::now();
    }
    const double seconds = std::chrono::duration<double>(now - start).count();
    std::printf("%8u %10zu %12.1f %14.2f %12.1f\n", size, policy.acl_entries_v4() + policy.acl_entries_v6(),
                std::chrono::duration<double, std::milli>(t1 - t0).count(), done / seconds / 1e6,
                seconds * 1e9 / done);
  }
  rte_eal_cleanup();
  return 0;
}
