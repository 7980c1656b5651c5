#include "dataplane/control_protocol/ipsec_messages.hpp"

#include <gtest/gtest.h>

namespace torwart::control_protocol {
namespace {

using nlohmann::json;

json valid_sa() {
  return json::parse(R"({"spi": 3405691582, "direction": "in", "reqid": 1,
    "source": {"address": "198.51.100.2", "port": 4500}, "destination": {"address": "203.0.113.10", "port": 4500},
    "udp_encapsulation": true, "inner_family": 6,
    "encryption": {"algorithm": 20, "key": "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"},
    "integrity_algorithm": 0, "extended_sequence_numbers": true, "replay_window": 1024,
    "limits": {"bytes": {"soft": 1000, "hard": 2000}, "packets": {"soft": 0, "hard": 0}}})");
}

// All problems of a refused request, as the reply's details would carry them.
std::vector<std::string> problems_of(const json& request) {
  try {
    (void)read_ipsec_sa_add(request);
  } catch (const IpsecMessageError& error) {
    return error.problems;
  }
  return {};
}

bool mentions(const std::vector<std::string>& problems, const std::string& text) {
  for (const auto& problem : problems) {
    if (problem.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(IpsecMessages, ReadsAValidSa) {
  const auto sa = read_ipsec_sa_add(valid_sa());
  EXPECT_EQ(sa.spi, 0xcafebabeU);
  EXPECT_EQ(sa.direction, IpsecDirection::kInbound);
  EXPECT_EQ(sa.source.address.to_string(), "198.51.100.2");
  EXPECT_EQ(sa.destination.port, 4500);
  EXPECT_TRUE(sa.udp_encapsulation);
  EXPECT_EQ(sa.inner_family, config::Family::kIpv6);
  ASSERT_EQ(sa.key.bytes().size(), 36U);
  EXPECT_EQ(sa.key.bytes()[35], 0x23);
  EXPECT_TRUE(sa.extended_sequence_numbers);
  EXPECT_EQ(sa.replay_window, 1024U);
  EXPECT_EQ(sa.bytes.soft, 1000U);
  EXPECT_EQ(sa.bytes.hard, 2000U);
}

TEST(IpsecMessages, RefusesWhatTheFastPathCannotDoAndNamesTheField) {
  auto request = valid_sa();
  request["encryption"]["algorithm"] = 12;  // AES-CBC
  EXPECT_TRUE(mentions(problems_of(request), "encryption.algorithm: transform 12"));

  request = valid_sa();
  request["encryption"]["key"] = "000102030405060708090a0b0c0d0e0f1011121314151617";  // AES-192 + salt
  EXPECT_TRUE(mentions(problems_of(request), "encryption.key: 24 bytes"));

  request = valid_sa();
  request["encryption"]["key"] = "zz";
  EXPECT_TRUE(mentions(problems_of(request), "encryption.key: not an even number of hexadecimal digits"));

  request = valid_sa();
  request["integrity_algorithm"] = 12;
  EXPECT_TRUE(mentions(problems_of(request), "integrity_algorithm: 12"));

  request = valid_sa();
  request["spi"] = 17;
  EXPECT_TRUE(mentions(problems_of(request), "spi: 17 is outside 256.."));

  request = valid_sa();
  request["replay_window"] = 32;
  EXPECT_TRUE(mentions(problems_of(request), "replay_window: 32 is below 64"));

  request = valid_sa();
  request["replay_window"] = 8192;
  EXPECT_TRUE(mentions(problems_of(request), "replay_window: 8192 is outside 0..4096"));

  request = valid_sa();
  request["destination"]["address"] = "2001:db8::1";
  EXPECT_TRUE(mentions(problems_of(request), "different families"));

  request = valid_sa();
  request["source"].erase("port");
  EXPECT_TRUE(mentions(problems_of(request), "a UDP-encapsulated SA needs both ports"));

  request = valid_sa();
  request["limits"]["bytes"] = {{"soft", 5}, {"hard", 4}};
  EXPECT_TRUE(mentions(problems_of(request), "limits.bytes: the soft limit 5 is above the hard limit 4"));

  request = valid_sa();
  request["inner_family"] = 5;
  EXPECT_TRUE(mentions(problems_of(request), "inner_family: 5 is neither 4 nor 6"));

  request = valid_sa();
  request["direction"] = "sideways";
  EXPECT_TRUE(mentions(problems_of(request), "direction: 'sideways'"));
}

TEST(IpsecMessages, ReportsEveryProblemAtOnce) {
  auto request = valid_sa();
  request.erase("reqid");
  request["spi"] = "x";
  request["source"]["address"] = "nowhere";
  const auto problems = problems_of(request);
  EXPECT_TRUE(mentions(problems, "reqid: missing"));
  EXPECT_TRUE(mentions(problems, "spi: not a non-negative integer"));
  EXPECT_TRUE(mentions(problems, "source.address: 'nowhere' is not an IPv4 or IPv6 address"));
}

TEST(IpsecMessages, RefusesNonObjects) {
  EXPECT_THROW((void)read_ipsec_sa_add(json::array()), IpsecMessageError);
  EXPECT_THROW((void)read_ipsec_policy(json(7), "ipsec_policy_add"), IpsecMessageError);
  EXPECT_THROW((void)read_ipsec_spi_request(json("x")), IpsecMessageError);
}

TEST(IpsecMessages, ReadsPoliciesAndChecksTheirRanges) {
  auto policy = json::parse(R"({"reqid": 3, "direction": "out",
    "source": {"from": "192.168.10.0", "to": "192.168.10.255", "protocol": 0, "ports": [0, 65535]},
    "destination": {"from": "10.0.0.0", "to": "10.255.255.255", "protocol": 6, "ports": [443, 443]}, "spi": 4096})");
  const auto read = read_ipsec_policy(policy, "ipsec_policy_add");
  EXPECT_EQ(read.reqid, 3U);
  EXPECT_EQ(read.direction, IpsecPolicyDirection::kOut);
  EXPECT_EQ(read.destination.protocol, 6);
  EXPECT_EQ(read.destination.from_port, 443);
  EXPECT_EQ(read.spi, 4096U);

  policy["source"]["from"] = "192.168.11.0";
  EXPECT_THROW((void)read_ipsec_policy(policy, "ipsec_policy_add"), IpsecMessageError);
  policy["source"]["from"] = "192.168.10.0";
  policy["destination"]["ports"] = {444, 443};
  EXPECT_THROW((void)read_ipsec_policy(policy, "ipsec_policy_add"), IpsecMessageError);
  policy["destination"]["ports"] = {443, 443};
  policy["destination"]["from"] = "2001:db8::";
  EXPECT_THROW((void)read_ipsec_policy(policy, "ipsec_policy_add"), IpsecMessageError);
}

TEST(IpsecMessages, ReadsUpdatesAndReferences) {
  const auto update = read_ipsec_sa_update(json::parse(R"({"spi": 4096, "destination": "203.0.113.10",
    "new_source": {"address": "198.51.100.9", "port": 4500}, "new_destination": {"address": "203.0.113.10",
    "port": 4500}, "udp_encapsulation": true})"));
  EXPECT_EQ(update.new_source.address.to_string(), "198.51.100.9");
  EXPECT_THROW((void)read_ipsec_sa_update(json::parse(R"({"spi": 4096, "destination": "203.0.113.10",
    "new_source": {"address": "198.51.100.9"}, "new_destination": {"address": "203.0.113.10"},
    "udp_encapsulation": true})")),
               IpsecMessageError);
  const auto reference = read_ipsec_sa_reference(
      json::parse(R"({"spi": 4096, "destination": "2001:db8::1"})"), "ipsec_sa_delete");
  EXPECT_EQ(reference.destination.to_string(), "2001:db8::1");
}

TEST(IpsecMessages, KeysAreWipedWhenMovedAway) {
  auto sa = read_ipsec_sa_add(valid_sa());
  SecretBytes moved = std::move(sa.key);
  EXPECT_TRUE(sa.key.bytes().empty());  // NOLINT(bugprone-use-after-move): the wipe is what is tested
  EXPECT_EQ(moved.bytes().size(), 36U);
}

}  // namespace
}  // namespace torwart::control_protocol
