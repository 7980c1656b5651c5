#include "dataplane/ids/header_only_index.hpp"

#include <gtest/gtest.h>

#include <random>
#include <set>

#include "dataplane/ids/engine_test_support.hpp"

namespace torwart::dataplane::ids {
namespace {

using testing::ruleset_of;

Endpoint at(uint32_t v4, uint16_t port) {
  return {config::IpAddress::v4(v4), port};
}

TEST(HeaderOnlyIndex, EveryMatchingSignatureIsACandidateAndUnlistedAddressesGetFew) {
  std::string rules;
  std::mt19937 rng(7);
  std::vector<uint32_t> listed;
  for (int r = 0; r < 20; ++r) {
    std::string list = "[";
    for (int i = 0; i < 50; ++i) {
      const uint32_t a = 0x0b000000u + (rng() % 0x00ffffffu);  // 11.0.0.0/8
      listed.push_back(a);
      list += config::IpAddress::v4(a).to_string() + (i % 7 == 0 ? "/30," : ",");
    }
    list.back() = ']';
    const bool inbound = r % 2 == 0;
    rules += std::string("alert ip ") +
             (inbound ? list + " any -> $HOME_NET any" : "$HOME_NET any -> " + list + " any") +
             " (msg:\"list " + std::to_string(r) + "\"; flowbits:set,evil; sid:" + std::to_string(100 + r) +
             ";)\n";
  }
  rules += "alert ip 198.51.100.0/24 any <> any any (msg:\"both ways\"; sid:200;)\n";
  rules += "alert tcp any any -> any 4444 (msg:\"wide: a port only\"; sid:201;)\n";
  const auto set = ruleset_of(rules);
  ASSERT_EQ(set->ip_only().size(), 22u) << set->report().summary();
  const HeaderOnlyIndex& index = set->header_only_index();
  EXPECT_EQ(index.indexed(), 21u);

  size_t unlisted_candidates = 0, unlisted_pairs = 0;
  for (int trial = 0; trial < 4000; ++trial) {
    const uint32_t home = 0x0a000000u + (rng() % 0x00ffffffu);  // 10/8, in HOME_NET
    uint32_t other = 0x0b000000u + (rng() % 0x00ffffffu);
    if (trial % 4 == 0) other = listed[rng() % listed.size()];
    if (trial % 9 == 0) other = 0xc6336400u + (rng() % 256);  // 198.51.100.x
    const bool outbound = trial % 2 == 0;
    const Endpoint from = outbound ? at(home, 40000) : at(other, 80);
    const Endpoint to = outbound ? at(other, 4444) : at(home, 40000);
    std::set<uint32_t> candidates;
    index.candidates(from, to, [&](uint32_t i) { candidates.insert(i); });
    for (uint32_t i : set->ip_only()) {
      if (set->signature(i).header.matches(6, "", from, to)) {
        EXPECT_TRUE(candidates.contains(i)) << "sid " << set->signature(i).source->sid << " missed";
      }
    }
    if (trial % 4 != 0 && trial % 9 != 0) {
      unlisted_candidates += candidates.size();
      ++unlisted_pairs;
    }
  }
  // An address on no list costs the unindexed signature (and a rare neighbour in the same interval).
  EXPECT_LT(static_cast<double>(unlisted_candidates) / static_cast<double>(unlisted_pairs), 1.5);
  // IPv6: every header-only signature is a candidate.
  size_t v6 = 0;
  index.candidates({*config::IpAddress::parse("2001:db8::1"), 1},
                   {*config::IpAddress::parse("2001:db8::2"), 2}, [&](uint32_t) { ++v6; });
  EXPECT_EQ(v6, 22u);
}

}  // namespace
}  // namespace torwart::dataplane::ids
