#include "rules/config/ip_address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstdio>

namespace torwart::config {
namespace {

std::optional<unsigned> parse_decimal(std::string_view text, unsigned max) {
  unsigned value = 0;
  if (text.empty() || text.size() > 3) return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

uint8_t max_length(Family family) {
  return family == Family::kIpv4 ? 32 : 128;
}

IpAddress mask_to(const IpAddress& address, uint8_t length) {
  IpAddress masked = address;
  const unsigned total = address.is_v4() ? 4 : 16;
  for (unsigned i = 0; i < total; ++i) {
    const int bits_here = static_cast<int>(length) - static_cast<int>(i * 8);
    if (bits_here >= 8) continue;
    masked.bytes[i] &= bits_here <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - bits_here));
  }
  return masked;
}

// Splits "address/len"; a missing length means a host prefix.
template <typename Result>
std::optional<Result> parse_with_length(std::string_view text, bool require_length) {
  const auto slash = text.find('/');
  if (require_length && slash == std::string_view::npos) return std::nullopt;
  const auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  unsigned length = max_length(address->family);
  if (slash != std::string_view::npos) {
    const auto parsed = parse_decimal(text.substr(slash + 1), max_length(address->family));
    if (!parsed) return std::nullopt;
    length = *parsed;
  }
  return Result{*address, static_cast<uint8_t>(length)};
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buffer[INET6_ADDRSTRLEN] = {};
  text.copy(buffer, text.size());
  IpAddress result;
  if (text.find(':') == std::string_view::npos) {
    result.family = Family::kIpv4;
    if (inet_pton(AF_INET, buffer, result.bytes.data()) != 1) return std::nullopt;
  } else {
    result.family = Family::kIpv6;
    if (inet_pton(AF_INET6, buffer, result.bytes.data()) != 1) return std::nullopt;
  }
  return result;
}

IpAddress IpAddress::v4(uint32_t host_order) {
  IpAddress result;
  result.bytes[0] = static_cast<uint8_t>(host_order >> 24);
  result.bytes[1] = static_cast<uint8_t>(host_order >> 16);
  result.bytes[2] = static_cast<uint8_t>(host_order >> 8);
  result.bytes[3] = static_cast<uint8_t>(host_order);
  return result;
}

uint32_t IpAddress::v4_host_order() const {
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) | bytes[3];
}

std::string IpAddress::to_string() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes.data(), buffer, sizeof buffer);
  return buffer;
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
  auto parsed = parse_with_length<IpPrefix>(text, false);
  if (!parsed) return std::nullopt;
  // A prefix with host bits set is almost always a typo for an interface address: refuse it.
  if (mask_to(parsed->address, parsed->length) != parsed->address) return std::nullopt;
  return parsed;
}

bool IpPrefix::contains(const IpAddress& other) const {
  return other.family == address.family && mask_to(other, length) == address;
}

std::string IpPrefix::to_string() const {
  return address.to_string() + "/" + std::to_string(length);
}

std::optional<InterfaceAddress> InterfaceAddress::parse(std::string_view text) {
  return parse_with_length<InterfaceAddress>(text, true);
}

IpPrefix InterfaceAddress::network() const {
  return IpPrefix{mask_to(address, prefix_length), prefix_length};
}

std::string InterfaceAddress::to_string() const {
  return address.to_string() + "/" + std::to_string(prefix_length);
}

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  MacAddress result;
  for (unsigned i = 0; i < 6; ++i) {
    if (i > 0 && text[i * 3 - 1] != ':') return std::nullopt;
    unsigned value = 0;
    const char* begin = text.data() + i * 3;
    const auto [end, ec] = std::from_chars(begin, begin + 2, value, 16);
    if (ec != std::errc{} || end != begin + 2) return std::nullopt;
    result.bytes[i] = static_cast<uint8_t>(value);
  }
  return result;
}

std::string MacAddress::to_string() const {
  char buffer[18];
  std::snprintf(buffer, sizeof buffer, "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1], bytes[2],
                bytes[3], bytes[4], bytes[5]);
  return buffer;
}

}  // namespace torwart::config
