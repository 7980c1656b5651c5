#pragma once
#include <string>
#include <string_view>

namespace torwart::dataplane {

// SHA-256 of the configuration text, hex: what `status` reports so that the control plane can tell
// exactly which text the fast path runs.
std::string config_digest(std::string_view text);

}  // namespace torwart::dataplane
