#pragma once
// The literal service syntax of the policy language: "tcp/443", "udp/5000-5100", "icmp/echo-request",
// "icmpv6/1/4", "tcp" (every port), "proto/47" (a bare IP protocol). See FORMAT.md, "objects".
#include <optional>
#include <string>
#include <string_view>

#include "rules/config/config.hpp"

namespace torwart::config {

struct ServiceItemParse {
  std::optional<ServiceItem> item;  // set on success
  std::string error;                // why the literal is malformed, otherwise empty
};

// nullopt: `text` does not start like a literal (no known protocol keyword), so it may name a service
// object. Otherwise the parsed item or the reason it is malformed.
std::optional<ServiceItemParse> parse_service_item(std::string_view text);

// True for the words a literal starts with; objects must not be named like them.
bool is_service_keyword(std::string_view name);

}  // namespace torwart::config
