#pragma once
// The `learned` command's body (README.md beside this file): what the control plane's kernel mirror learned
// on the twins, as JSON and back. The reading side is the fast path's edge: every field is checked and the
// first fault is named with its place ("routes[3].via: '10.0.0' is not an address").
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "rules/learned/learned_state.hpp"

namespace torwart::control_protocol {

// At most this many entries of each kind in one message (the mirror's own limits are lower).
inline constexpr size_t kMaxLearnedAddresses = 2048;
inline constexpr size_t kMaxLearnedRoutes = 65536;
inline constexpr size_t kMaxLearnedNeighbours = 16384;

struct LearnedMessageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// {"generation", "addresses": [{"interface", "address"}], "routes": [{"to", "via"?, "interface", "metric",
//  "origin"}], "neighbours": [{"interface", "address", "mac"}]}
nlohmann::json learned_to_json(const learned::LearnedState& state);
// Throws LearnedMessageError naming the place and the reason.
learned::LearnedState learned_from_json(const nlohmann::json& message);

}  // namespace torwart::control_protocol
