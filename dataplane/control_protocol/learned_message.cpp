#include "dataplane/control_protocol/learned_message.hpp"

#include <algorithm>

namespace torwart::control_protocol {
namespace {

constexpr size_t kMaxInterfaceName = 15;  // IFNAMSIZ - 1
constexpr size_t kMaxOriginLength = 32;

[[noreturn]] void fault(const std::string& place, const std::string& reason) {
  throw LearnedMessageError(place + ": " + reason);
}

std::string place_of(const char* list, size_t index, const char* field) {
  return std::string(list) + "[" + std::to_string(index) + "]." + field;
}

const nlohmann::json& field(const nlohmann::json& entry, const char* list, size_t index, const char* name) {
  if (!entry.is_object()) fault(std::string(list) + "[" + std::to_string(index) + "]", "not an object");
  auto it = entry.find(name);
  if (it == entry.end()) fault(place_of(list, index, name), "missing");
  return *it;
}

std::string text(const nlohmann::json& value, const std::string& place, size_t max_length) {
  if (!value.is_string()) fault(place, "not a string");
  const auto& s = value.get_ref<const std::string&>();
  if (s.empty() || s.size() > max_length)
    fault(place, "must be 1 to " + std::to_string(max_length) + " characters");
  if (!std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7f; }))
    fault(place, "holds a character that is not printable ASCII");
  return s;
}

template <typename T>
T parsed(const nlohmann::json& value, const std::string& place, const char* kind) {
  const std::string s = text(value, place, 64);
  auto result = T::parse(s);
  if (!result) fault(place, "'" + s + "' is not " + kind);
  return *result;
}

const nlohmann::json& list(const nlohmann::json& message, const char* name, size_t limit) {
  static const nlohmann::json empty = nlohmann::json::array();
  auto it = message.find(name);
  if (it == message.end()) return empty;
  if (!it->is_array()) fault(name, "not a list");
  if (it->size() > limit) fault(name, "more than " + std::to_string(limit) + " entries");
  return *it;
}

}  // namespace

nlohmann::json learned_to_json(const learned::LearnedState& state) {
  nlohmann::json addresses = nlohmann::json::array();
  for (const auto& a : state.addresses)
    addresses.push_back({{"interface", a.interface}, {"address", a.address.to_string()}});
  nlohmann::json routes = nlohmann::json::array();
  for (const auto& r : state.routes) {
    nlohmann::json j = {
        {"to", r.to.to_string()}, {"interface", r.interface}, {"metric", r.metric}, {"origin", r.origin}};
    if (r.via) j["via"] = r.via->to_string();
    routes.push_back(std::move(j));
  }
  nlohmann::json neighbours = nlohmann::json::array();
  for (const auto& n : state.neighbours) {
    neighbours.push_back(
        {{"interface", n.interface}, {"address", n.address.to_string()}, {"mac", n.mac.to_string()}});
  }
  return {{"generation", state.generation},
          {"addresses", std::move(addresses)},
          {"routes", std::move(routes)},
          {"neighbours", std::move(neighbours)}};
}

learned::LearnedState learned_from_json(const nlohmann::json& message) {
  if (!message.is_object()) fault("learned", "not an object");
  learned::LearnedState state;
  auto generation = message.find("generation");
  if (generation == message.end() || !generation->is_number_unsigned() || generation->get<uint64_t>() == 0)
    fault("generation", "must be a whole number above 0");
  state.generation = generation->get<uint64_t>();

  const auto& addresses = list(message, "addresses", kMaxLearnedAddresses);
  for (size_t i = 0; i < addresses.size(); ++i) {
    const auto& e = addresses[i];
    learned::LearnedAddress a;
    a.interface =
        text(field(e, "addresses", i, "interface"), place_of("addresses", i, "interface"), kMaxInterfaceName);
    a.address = parsed<config::InterfaceAddress>(field(e, "addresses", i, "address"),
                                                 place_of("addresses", i, "address"),
                                                 "an address with prefix length");
    state.addresses.push_back(std::move(a));
  }

  const auto& routes = list(message, "routes", kMaxLearnedRoutes);
  for (size_t i = 0; i < routes.size(); ++i) {
    const auto& e = routes[i];
    learned::LearnedRoute r;
    r.to = parsed<config::IpPrefix>(field(e, "routes", i, "to"), place_of("routes", i, "to"),
                                    "a prefix with its host bits clear");
    if (e.contains("via")) {
      r.via = parsed<config::IpAddress>(e["via"], place_of("routes", i, "via"), "an address");
      if (r.via->is_v4() != r.to.address.is_v4())
        fault(place_of("routes", i, "via"), "gateway and destination are of different families");
    }
    r.interface =
        text(field(e, "routes", i, "interface"), place_of("routes", i, "interface"), kMaxInterfaceName);
    const auto& metric = field(e, "routes", i, "metric");
    if (!metric.is_number_unsigned() || metric.get<uint64_t>() > UINT32_MAX)
      fault(place_of("routes", i, "metric"), "must be a whole number from 0 to 4294967295");
    r.metric = metric.get<uint32_t>();
    r.origin = text(field(e, "routes", i, "origin"), place_of("routes", i, "origin"), kMaxOriginLength);
    state.routes.push_back(std::move(r));
  }

  const auto& neighbours = list(message, "neighbours", kMaxLearnedNeighbours);
  for (size_t i = 0; i < neighbours.size(); ++i) {
    const auto& e = neighbours[i];
    learned::LearnedNeighbour n;
    n.interface = text(field(e, "neighbours", i, "interface"), place_of("neighbours", i, "interface"),
                       kMaxInterfaceName);
    n.address = parsed<config::IpAddress>(field(e, "neighbours", i, "address"),
                                          place_of("neighbours", i, "address"), "an address");
    n.mac = parsed<config::MacAddress>(field(e, "neighbours", i, "mac"), place_of("neighbours", i, "mac"),
                                       "a MAC address");
    state.neighbours.push_back(std::move(n));
  }
  return state;
}

}  // namespace torwart::control_protocol
