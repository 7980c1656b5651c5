#pragma once
// Address and port expressions of the rule header: any, $VARIABLE, literals, [lists], nesting, '!'.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "rules/config/ip_address.hpp"
#include "rules/signatures/signature.hpp"

namespace torwart::signatures {

enum class ExpressionType { address, port };

// Throws ParseFailure naming `keyword` (source, source_port, ...) with the reason.
NetworkExpression parse_network_expression(std::string_view text, ExpressionType type,
                                           const std::string& keyword);

// "1.2.3.4", "10.0.0.0/8" (host bits masked), "10.0.0.0/255.0.0.0", "2001:db8::/32".
std::optional<config::IpPrefix> parse_address_literal(std::string_view text);

// "80", "80:90", "1024:", ":80" as an inclusive range, or nullopt if the text is none of these.
std::optional<std::pair<std::uint16_t, std::uint16_t>> parse_port_range(std::string_view text);

std::string to_string(const NetworkExpression& expression);

}  // namespace torwart::signatures
