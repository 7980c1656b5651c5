#pragma once
// The fast path's `flows` result as a table for people: `torwart flows` and `torwartctl flows` print the
// same.
#include <ostream>

#include <nlohmann/json.hpp>

namespace torwart::control_protocol {

void print_flow_listing(std::ostream& out, const nlohmann::json& listing);

}  // namespace torwart::control_protocol
