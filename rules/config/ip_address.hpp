#pragma once
// IPv4/IPv6 addresses and prefixes as the configuration and the fast path's tables use them.
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace torwart::config {

enum class Family : uint8_t { kIpv4 = 4, kIpv6 = 6 };

struct IpAddress {
  Family family = Family::kIpv4;
  // IPv4 uses bytes[0..3], network order; IPv6 all 16, network order.
  std::array<uint8_t, 16> bytes{};

  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress v4(uint32_t host_order);
  uint32_t v4_host_order() const;
  bool is_v4() const { return family == Family::kIpv4; }
  std::string to_string() const;
  auto operator<=>(const IpAddress&) const = default;
};

struct IpPrefix {
  IpAddress address;  // with host bits cleared
  uint8_t length = 0;

  // Accepts "a.b.c.d/len", "x::y/len"; a bare address is a host prefix.
  static std::optional<IpPrefix> parse(std::string_view text);
  bool contains(const IpAddress& other) const;
  std::string to_string() const;
  auto operator<=>(const IpPrefix&) const = default;
};

// An address configured on an interface: the address itself plus its on-link prefix length.
struct InterfaceAddress {
  IpAddress address;
  uint8_t prefix_length = 0;

  static std::optional<InterfaceAddress> parse(std::string_view text);
  IpPrefix network() const;
  std::string to_string() const;
  auto operator<=>(const InterfaceAddress&) const = default;
};

struct MacAddress {
  std::array<uint8_t, 6> bytes{};
  static std::optional<MacAddress> parse(std::string_view text);
  std::string to_string() const;
  auto operator<=>(const MacAddress&) const = default;
};

}  // namespace torwart::config
