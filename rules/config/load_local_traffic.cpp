#include "rules/config/load_local_traffic.hpp"

#include <string>

namespace torwart::config::detail {
namespace {

// A port at 10 Gbit/s carries about 15 million small frames a second; no class of the box's own traffic
// may claim more than that, and zero would cut the box off (no ARP: no neighbours).
constexpr unsigned kMaxRate = 15'000'000;

void read_rate(Reader& reader, const YAML::Node& node, const std::string& path, LocalRate& out) {
  if (!reader.expect_map(node, path, {"rate", "burst"})) return;
  if (node["rate"]) {
    if (auto v = reader.number(node["rate"], path + ".rate", 1, kMaxRate)) out.per_second = *v;
  }
  if (node["burst"]) {
    if (auto v = reader.number(node["burst"], path + ".burst", 1, kMaxRate)) out.burst = *v;
  }
}

}  // namespace

void read_local_traffic(Reader& reader, const YAML::Node& node, LocalTraffic& out) {
  const std::string path = "local_traffic";
  if (!reader.expect_map(node, path, {"arp", "nd", "icmp", "dhcp", "input", "input_new"})) return;
  if (node["arp"]) read_rate(reader, node["arp"], path + ".arp", out.arp);
  if (node["nd"]) read_rate(reader, node["nd"], path + ".nd", out.nd);
  if (node["icmp"]) read_rate(reader, node["icmp"], path + ".icmp", out.icmp);
  if (node["dhcp"]) read_rate(reader, node["dhcp"], path + ".dhcp", out.dhcp);
  if (node["input"]) read_rate(reader, node["input"], path + ".input", out.input);
  if (node["input_new"]) read_rate(reader, node["input_new"], path + ".input_new", out.input_new);
}

}  // namespace torwart::config::detail
