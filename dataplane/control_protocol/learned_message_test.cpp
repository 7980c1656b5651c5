// The `learned` message: what the mirror sends comes back the same, and a bad one is named where it is bad.
#include "dataplane/control_protocol/learned_message.hpp"

#include <gtest/gtest.h>

namespace torwart::control_protocol {
namespace {

learned::LearnedState sample() {
  learned::LearnedState s;
  s.generation = 7;
  s.addresses.push_back({"inet", *config::InterfaceAddress::parse("203.0.113.7/24")});
  s.routes.push_back(
      {*config::IpPrefix::parse("0.0.0.0/0"), config::IpAddress::parse("203.0.113.1"), "inet", 0, "dhcp"});
  s.routes.push_back({*config::IpPrefix::parse("2001:db8:99::/48"), std::nullopt, "kdn", 1024, "boot"});
  s.neighbours.push_back(
      {"kdn", *config::IpAddress::parse("10.200.0.1"), *config::MacAddress::parse("02:00:00:00:02:01")});
  return s;
}

std::string fault_of(const nlohmann::json& message) {
  try {
    learned_from_json(message);
  } catch (const LearnedMessageError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(LearnedMessage, RoundTrips) {
  EXPECT_EQ(learned_from_json(learned_to_json(sample())), sample());
}

TEST(LearnedMessage, BadFieldsAreNamedWithTheirPlace) {
  nlohmann::json m = learned_to_json(sample());
  m["routes"][0]["via"] = "203.0.113";
  EXPECT_EQ(fault_of(m), "routes[0].via: '203.0.113' is not an address");
  m = learned_to_json(sample());
  m["routes"][1]["via"] = "10.0.0.1";
  EXPECT_EQ(fault_of(m), "routes[1].via: gateway and destination are of different families");
  m = learned_to_json(sample());
  m["routes"][0]["to"] = "10.1.2.3/8";
  EXPECT_EQ(fault_of(m), "routes[0].to: '10.1.2.3/8' is not a prefix with its host bits clear");
  m = learned_to_json(sample());
  m["addresses"][0].erase("interface");
  EXPECT_EQ(fault_of(m), "addresses[0].interface: missing");
  m = learned_to_json(sample());
  m["addresses"][0]["interface"] = "a-name-longer-than-ifnamsiz";
  EXPECT_EQ(fault_of(m), "addresses[0].interface: must be 1 to 15 characters");
  m = learned_to_json(sample());
  m["neighbours"][0]["mac"] = "02:00";
  EXPECT_EQ(fault_of(m), "neighbours[0].mac: '02:00' is not a MAC address");
  m = learned_to_json(sample());
  m["routes"][0]["metric"] = -1;
  EXPECT_EQ(fault_of(m), "routes[0].metric: must be a whole number from 0 to 4294967295");
  m = learned_to_json(sample());
  m["generation"] = 0;
  EXPECT_EQ(fault_of(m), "generation: must be a whole number above 0");
  m = learned_to_json(sample());
  m["routes"] = nlohmann::json::object();
  EXPECT_EQ(fault_of(m), "routes: not a list");
  m = learned_to_json(sample());
  m["routes"][0]["origin"] = "dh\ncp";
  EXPECT_EQ(fault_of(m), "routes[0].origin: holds a character that is not printable ASCII");
}

TEST(LearnedMessage, TooManyEntriesAreRefusedBeforeAnyIsRead) {
  nlohmann::json m = learned_to_json(sample());
  m["addresses"] = nlohmann::json::array();
  for (size_t i = 0; i <= kMaxLearnedAddresses; ++i) m["addresses"].push_back(nlohmann::json::object());
  EXPECT_EQ(fault_of(m), "addresses: more than 2048 entries");
}

}  // namespace
}  // namespace torwart::control_protocol
