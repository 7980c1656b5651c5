#pragma once
// The kernel's packet filter on the management interface (nftables), made from the configuration: only
// `management.provider` networks reach the management API's port; replies to the box's own connections,
// the neighbour discovery the link needs and a DHCP client's answers pass; everything else arriving on that
// interface is counted and dropped, and logged at a bounded rate. Other interfaces are not touched (the data
// ports are the fast path's). One table, `inet torwart_management`, replaced as a whole in one transaction.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rules/config/ip_address.hpp"

namespace torwart::controlplane::management_filter {

inline constexpr char kTable[] = "torwart_management";
inline constexpr char kLogPrefix[] = "torwart-management-drop: ";

struct FilterInputs {
  std::string interface;                   // management.interface
  std::vector<config::IpPrefix> provider;  // management.provider; empty: the API is open on the interface
  std::optional<uint16_t> api_port;        // torwartd --api; none: no API to admit
  auto operator<=>(const FilterInputs&) const = default;
};

// The nft commands that replace the table atomically (create, delete, create with its rules).
// Throws std::invalid_argument for an interface name nft could not take as a string.
std::string management_ruleset(const FilterInputs& inputs);
// The commands that remove the table (a configuration without `management`).
std::string removal_ruleset();

}  // namespace torwart::controlplane::management_filter
