#include "dataplane/live/ipsec_registry.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <set>
#include <utility>

#include "dataplane/control_protocol/control_protocol.hpp"

namespace torwart::dataplane::live {
namespace {

using nlohmann::json;
namespace command = control_protocol::command;
using Clock = IpsecRegistry::Clock;

// Stands for the fast path's SA table (ipsec_sa_backend.hpp, tested end to end): records what the registry
// asks of it and refuses when told to.
class RecordingBackend : public IpsecSaBackend {
 public:
  std::string install(const control_protocol::IpsecSaMessage& sa) override {
    if (!refusal.empty()) return refusal;
    installed.insert({sa.spi, sa.direction});
    return "";
  }
  std::string move(const control_protocol::IpsecSaMessage& sa) override {
    moved_to = sa.destination.address.to_string();
    return refusal;
  }
  void remove(uint32_t spi, control_protocol::IpsecDirection direction) override {
    installed.erase({spi, direction});
  }
  std::optional<Usage> usage(uint32_t spi, control_protocol::IpsecDirection direction) const override {
    if (!installed.contains({spi, direction})) return std::nullopt;
    Usage usage;
    usage.packets = 7;
    usage.bytes = 700;
    usage.idle_ms = 1500;
    usage.soft_limit_reached = true;
    return usage;
  }

  std::string refusal;
  std::string moved_to;
  std::set<std::pair<uint32_t, control_protocol::IpsecDirection>> installed;
};

class IpsecRegistryTest : public ::testing::Test {
 protected:
  RecordingBackend backend_;
  // SPI candidates in the order the registry draws them.
  std::deque<uint32_t> draws_{7, 0x1000, 0x1000, 0x2000, 0x3000, 0x4000};
  IpsecRegistry registry_{[this] {
                            const uint32_t next = draws_.empty() ? 0 : draws_.front();
                            if (!draws_.empty()) draws_.pop_front();
                            return next;
                          },
                          backend_};
  Clock::time_point now_ = Clock::now();

  json call(std::string_view name, json request = json::object()) {
    return registry_.handle(std::string(name), request, now_);
  }

  uint32_t allocate() {
    return call(command::kIpsecSpi, {{"source", "198.51.100.2"}, {"destination", "203.0.113.10"}})["spi"];
  }

  static json sa(uint32_t spi, const char* direction) {
    const bool in = std::string(direction) == "in";
    return {{"spi", spi},
            {"direction", direction},
            {"reqid", 1},
            {"source", {{"address", in ? "198.51.100.2" : "203.0.113.10"}}},
            {"destination", {{"address", in ? "203.0.113.10" : "198.51.100.2"}}},
            {"encryption", {{"algorithm", 20}, {"key", std::string(40, 'a')}}},
            {"integrity_algorithm", 0},
            {"inner_family", 4},
            {"replay_window", 1024}};
  }
};

TEST_F(IpsecRegistryTest, AllocatesFreshSpisAboveTheReservedRange) {
  const uint32_t first = allocate();
  EXPECT_EQ(first, 0x1000U);  // 7 is below 256 and skipped
  const uint32_t second = allocate();
  EXPECT_EQ(second, 0x2000U);  // 0x1000 is reserved and drawn again: skipped
  EXPECT_EQ(call(command::kIpsecSas)["reserved_spis"], 2);
}

TEST_F(IpsecRegistryTest, InboundSasTakeOnlyAllocatedSpisAndReservationsRunOut) {
  EXPECT_THROW(call(command::kIpsecSaAdd, sa(0x9999, "in")), std::invalid_argument);
  const uint32_t spi = allocate();
  call(command::kIpsecSaAdd, sa(spi, "in"));
  EXPECT_EQ(registry_.sa_count(), 1U);
  EXPECT_THROW(call(command::kIpsecSaAdd, sa(spi, "in")), std::invalid_argument);  // installed already

  const uint32_t late = allocate();
  now_ += IpsecRegistry::kReservation + std::chrono::seconds(1);
  EXPECT_THROW(call(command::kIpsecSaAdd, sa(late, "in")), std::invalid_argument);
}

TEST_F(IpsecRegistryTest, OutboundSasUseThePeersSpiAndAreListedWithoutKeys) {
  call(command::kIpsecSaAdd, sa(0xabcdef, "out"));
  const json listing = call(command::kIpsecSas);
  ASSERT_EQ(listing["sas"].size(), 1U);
  const json& entry = listing["sas"][0];
  EXPECT_EQ(entry["spi"], 0xabcdef);
  EXPECT_EQ(entry["direction"], "out");
  EXPECT_EQ(entry["cipher"], "aes-gcm-128");
  EXPECT_EQ(entry["destination"]["address"], "198.51.100.2");
  EXPECT_EQ(listing.dump().find("aaaa"), std::string::npos) << "a key must never be listed";
}

TEST_F(IpsecRegistryTest, UpdatesMoveAnSaToItsNewAddresses) {
  call(command::kIpsecSaAdd, sa(0xabcdef, "out"));
  call(command::kIpsecSaUpdate, {{"spi", 0xabcdef},
                                 {"destination", "198.51.100.2"},
                                 {"new_source", {{"address", "203.0.113.10"}, {"port", 4500}}},
                                 {"new_destination", {{"address", "198.51.100.77"}, {"port", 4500}}},
                                 {"udp_encapsulation", true}});
  EXPECT_THROW(call(command::kIpsecSaQuery, {{"spi", 0xabcdef}, {"destination", "198.51.100.2"}}),
               std::invalid_argument);
  const json usage = call(command::kIpsecSaQuery, {{"spi", 0xabcdef}, {"destination", "198.51.100.77"}});
  EXPECT_EQ(usage["packets"], 7);
  const json listing = call(command::kIpsecSas);
  EXPECT_EQ(listing["sas"][0]["udp_encapsulation"], true);
  EXPECT_EQ(listing["sas"][0]["destination"]["port"], 4500);
}

TEST_F(IpsecRegistryTest, TheFastPathsRefusalLeavesNoSaAndKeepsTheReservation) {
  const uint32_t spi = allocate();
  backend_.refusal = "no crypto device";
  try {
    call(command::kIpsecSaAdd, sa(spi, "in"));
    FAIL() << "the backend's refusal must reach charon";
  } catch (const std::invalid_argument& refused) {
    EXPECT_NE(std::string(refused.what()).find("no crypto device"), std::string::npos) << refused.what();
  }
  EXPECT_EQ(registry_.sa_count(), 0U);
  backend_.refusal.clear();
  call(command::kIpsecSaAdd, sa(spi, "in"));  // the SPI is still ours to use
  EXPECT_EQ(backend_.installed.size(), 1U);
}

TEST_F(IpsecRegistryTest, CountersComeFromTheFastPath) {
  call(command::kIpsecSaAdd, sa(0xabcdef, "out"));
  const json usage = call(command::kIpsecSaQuery, {{"spi", 0xabcdef}, {"destination", "198.51.100.2"}});
  EXPECT_EQ(usage["packets"], 7);
  EXPECT_EQ(usage["bytes"], 700);
  EXPECT_EQ(usage["idle_ms"], 1500);
  EXPECT_EQ(call(command::kIpsecSas)["sas"][0]["soft_limit_reached"], true);
}

TEST_F(IpsecRegistryTest, AMoveTheFastPathRefusesLeavesTheSaWhereItWas) {
  call(command::kIpsecSaAdd, sa(0xabcdef, "out"));
  backend_.refusal = "family changed";
  const json update{{"spi", 0xabcdef},
                    {"destination", "198.51.100.2"},
                    {"new_source", {{"address", "203.0.113.10"}}},
                    {"new_destination", {{"address", "198.51.100.77"}}},
                    {"udp_encapsulation", false}};
  EXPECT_THROW(call(command::kIpsecSaUpdate, update), std::invalid_argument);
  EXPECT_EQ(call(command::kIpsecSas)["sas"][0]["destination"]["address"], "198.51.100.2");
  backend_.refusal.clear();
  call(command::kIpsecSaUpdate, update);
  EXPECT_EQ(backend_.moved_to, "198.51.100.77");
}

TEST_F(IpsecRegistryTest, DeletesAndFlushes) {
  call(command::kIpsecSaAdd, sa(0xabcdef, "out"));
  EXPECT_THROW(call(command::kIpsecSaDelete, {{"spi", 0xabcdef}, {"destination", "192.0.2.1"}}),
               std::invalid_argument);
  call(command::kIpsecSaDelete, {{"spi", 0xabcdef}, {"destination", "198.51.100.2"}});
  EXPECT_EQ(registry_.sa_count(), 0U);
  EXPECT_TRUE(backend_.installed.empty());
  call(command::kIpsecSaAdd, sa(0xabcdef, "out"));
  call(command::kIpsecSaFlush);
  EXPECT_EQ(registry_.sa_count(), 0U);
  EXPECT_TRUE(backend_.installed.empty());
}

TEST_F(IpsecRegistryTest, EverySaChangeIsToldWithTheSaAsListed) {
  std::vector<std::pair<std::string, json>> told;
  registry_.on_change([&](std::string_view event, const json& entry) { told.emplace_back(event, entry); });
  call(command::kIpsecSaAdd, sa(0xabcdef, "out"));
  EXPECT_THROW(call(command::kIpsecSaAdd, sa(0xabcdef, "out")), std::invalid_argument);  // not told
  call(command::kIpsecSaUpdate, {{"spi", 0xabcdef},
                                 {"destination", "198.51.100.2"},
                                 {"new_source", {{"address", "203.0.113.10"}, {"port", 4500}}},
                                 {"new_destination", {{"address", "198.51.100.77"}, {"port", 4500}}},
                                 {"udp_encapsulation", true}});
  call(command::kIpsecSaDelete, {{"spi", 0xabcdef}, {"destination", "198.51.100.77"}});
  call(command::kIpsecSaAdd, sa(0x123456, "out"));
  call(command::kIpsecSaFlush);
  ASSERT_EQ(told.size(), 5U);
  EXPECT_EQ(told[0].first, "sa_installed");
  EXPECT_EQ(told[0].second["spi"], 0xabcdef);
  EXPECT_EQ(told[0].second["reqid"], 1);
  EXPECT_EQ(told[1].first, "sa_moved");
  EXPECT_EQ(told[1].second["destination"]["address"], "198.51.100.77");
  EXPECT_EQ(told[2].first, "sa_removed");
  EXPECT_EQ(told[2].second["packets"], 7) << "the final counters, read before the SA goes";
  EXPECT_EQ(told[3].first, "sa_installed");
  EXPECT_EQ(told[4].first, "sa_removed");
  EXPECT_EQ(told[4].second["spi"], 0x123456);
  for (const auto& [event, entry] : told) EXPECT_EQ(entry.dump().find("aaaa"), std::string::npos);
}

TEST_F(IpsecRegistryTest, PoliciesAreReplacedByTheirSelectorsAndDeleted) {
  json policy{{"reqid", 1},
              {"direction", "out"},
              {"source", {{"from", "192.168.10.0"}, {"to", "192.168.10.255"}}},
              {"destination", {{"from", "10.0.0.0"}, {"to", "10.255.255.255"}}},
              {"spi", 4096}};
  call(command::kIpsecPolicyAdd, policy);
  policy["spi"] = 8192;  // a rekey moves the policy to the new SA
  call(command::kIpsecPolicyAdd, policy);
  EXPECT_EQ(registry_.policy_count(), 1U);
  EXPECT_EQ(call(command::kIpsecSas)["policies"][0]["spi"], 8192);
  policy["direction"] = "in";
  EXPECT_THROW(call(command::kIpsecPolicyDelete, policy), std::invalid_argument);
  EXPECT_THROW(call(command::kIpsecPolicyQuery, policy), std::invalid_argument);
  policy["direction"] = "out";
  call(command::kIpsecPolicyDelete, policy);
  EXPECT_EQ(registry_.policy_count(), 0U);
}

TEST_F(IpsecRegistryTest, MalformedRequestsAreRefusedWithTheirProblems) {
  EXPECT_THROW(call(command::kIpsecSaAdd, json::object()), control_protocol::IpsecMessageError);
  EXPECT_THROW(call(command::kIpsecSpi, {{"source", "x"}}), control_protocol::IpsecMessageError);
  EXPECT_EQ(registry_.sa_count(), 0U);
  EXPECT_TRUE(IpsecRegistry::handles("ipsec_sas"));
  EXPECT_FALSE(IpsecRegistry::handles("status"));
}

}  // namespace
}  // namespace torwart::dataplane::live
