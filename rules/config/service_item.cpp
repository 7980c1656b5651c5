#include "rules/config/service_item.hpp"

#include <array>
#include <charconv>

namespace torwart::config {
namespace {

struct IcmpName {
  std::string_view name;
  int v4_type;  // -1: no such message in ICMP for IPv4
  int v6_type;
};

// The messages a firewall policy commonly names; any other type is written as its number.
constexpr std::array<IcmpName, 6> kIcmpNames = {{
    {"echo-request", 8, 128},
    {"echo-reply", 0, 129},
    {"destination-unreachable", 3, 1},
    {"time-exceeded", 11, 3},
    {"packet-too-big", -1, 2},
    {"parameter-problem", 12, 4},
}};

std::optional<unsigned> whole_number(std::string_view text, unsigned max) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value > max)
    return std::nullopt;
  return value;
}

ServiceItemParse failure(std::string reason) {
  return {std::nullopt, std::move(reason)};
}

ServiceItemParse parse_ports(uint8_t protocol, std::string_view text) {
  ServiceItem item{protocol, std::nullopt, 0, 0xffff};
  if (text.empty()) return {item, {}};
  const size_t dash = text.find('-');
  const std::string_view first_text = text.substr(0, dash);
  const std::string_view last_text = dash == std::string_view::npos ? first_text : text.substr(dash + 1);
  const auto first = whole_number(first_text, 65535);
  const auto last = whole_number(last_text, 65535);
  if (!first || !last) {
    return failure("'" + std::string(text) + "' is not a port (0-65535) or port range such as 8000-8080");
  }
  if (*first > *last) {
    return failure("port range " + std::string(text) + " is reversed (write " + std::to_string(*last) + "-" +
                   std::to_string(*first) + ")");
  }
  item.first_port = static_cast<uint16_t>(*first);
  item.last_port = static_cast<uint16_t>(*last);
  return {item, {}};
}

// "TYPE" or "TYPE/CODE"; TYPE a name or 0-255, CODE 0-255. Without a code every code of the type matches.
ServiceItemParse parse_icmp(bool v6, std::string_view text) {
  const uint8_t protocol = v6 ? kProtoIcmpv6 : kProtoIcmp;
  ServiceItem item{protocol, v6 ? Family::kIpv6 : Family::kIpv4, 0, 0xffff};
  if (text.empty()) return {item, {}};
  const size_t slash = text.find('/');
  const std::string_view type_text = text.substr(0, slash);
  std::optional<unsigned> type = whole_number(type_text, 255);
  if (!type) {
    for (const auto& known : kIcmpNames) {
      if (known.name != type_text) continue;
      const int number = v6 ? known.v6_type : known.v4_type;
      if (number < 0) {
        return failure("'" + std::string(type_text) +
                       "' exists only in ICMPv6 (for IPv4 use destination-unreachable/4)");
      }
      type = static_cast<unsigned>(number);
    }
  }
  if (!type) {
    std::string known;
    for (const auto& k : kIcmpNames) known += (known.empty() ? "" : ", ") + std::string(k.name);
    return failure("'" + std::string(type_text) + "' is not an ICMP type (0-255 or one of " + known + ")");
  }
  item.first_port = static_cast<uint16_t>(*type << 8);
  item.last_port = static_cast<uint16_t>(*type << 8 | 0xff);
  if (slash != std::string_view::npos) {
    const auto code = whole_number(text.substr(slash + 1), 255);
    if (!code) return failure("'" + std::string(text.substr(slash + 1)) + "' is not an ICMP code (0-255)");
    item.first_port = item.last_port = static_cast<uint16_t>(*type << 8 | *code);
  }
  return {item, {}};
}

}  // namespace

bool is_service_keyword(std::string_view name) {
  return name == "tcp" || name == "udp" || name == "icmp" || name == "icmpv6" || name == "proto";
}

std::optional<ServiceItemParse> parse_service_item(std::string_view text) {
  const size_t slash = text.find('/');
  const std::string_view keyword = text.substr(0, slash);
  if (!is_service_keyword(keyword)) return std::nullopt;
  const std::string_view rest = slash == std::string_view::npos ? std::string_view{} : text.substr(slash + 1);
  if (slash != std::string_view::npos && rest.empty()) {
    return failure("'" + std::string(text) + "' ends in '/'; name a port, range or type, or drop the '/'");
  }
  if (keyword == "tcp") return parse_ports(kProtoTcp, rest);
  if (keyword == "udp") return parse_ports(kProtoUdp, rest);
  if (keyword == "icmp") return parse_icmp(false, rest);
  if (keyword == "icmpv6") return parse_icmp(true, rest);
  // proto/N: every packet of IP protocol N, whatever its ports.
  const auto number = whole_number(rest, 255);
  if (!number)
    return failure("'" + std::string(text) + "' needs an IP protocol number 0-255 (e.g. proto/47)");
  return ServiceItemParse{ServiceItem{static_cast<uint8_t>(*number), std::nullopt, 0, 0xffff}, {}};
}

}  // namespace torwart::config
