#pragma once
#include <string>
#include <string_view>

namespace torwart::config {

// SHA-256 of the configuration text, lower-case hex: what the fast path's `status` reports and torwartd
// stores per version, so that both can tell exactly which text runs.
std::string config_digest(std::string_view text);

// SHA-256 of any bytes, lower-case hex (cache keys and the like).
std::string sha256_hex(std::string_view bytes);

}  // namespace torwart::config
