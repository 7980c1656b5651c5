#include "rules/config/load_syn_flood.hpp"

namespace torwart::config::detail {
namespace {

// Per worker; the flow table holds at most 2^24 flows per worker, so a larger limit would mean nothing.
constexpr unsigned kMaxHalfOpen = 1u << 24;

}  // namespace

void read_syn_flood(Reader& reader, const YAML::Node& node, const std::string& path, SynFlood& out) {
  if (!reader.expect_map(node, path, {"cookies_above", "half_open_limit"})) return;
  bool limits_valid = true;
  if (const YAML::Node limit = node["half_open_limit"]) {
    if (auto v = reader.number(limit, path + ".half_open_limit", 1, kMaxHalfOpen)) {
      out.half_open_limit = *v;
    } else {
      limits_valid = false;
    }
  }
  if (const YAML::Node cookies = node["cookies_above"]) {
    if (cookies.IsScalar() && cookies.Scalar() == "off") {
      out.cookies = false;
    } else if (auto v = reader.number(cookies, path + ".cookies_above", 0, kMaxHalfOpen)) {
      out.cookies = true;
      out.cookies_above = *v;
    } else {
      limits_valid = false;
    }
  }
  // Cookies must start before the hard limit, or they would never be sent: the limit stops new state first.
  if (limits_valid && out.cookies && out.cookies_above >= out.half_open_limit) {
    reader.error(node["cookies_above"] ? node["cookies_above"] : node, path + ".cookies_above",
                 std::to_string(out.cookies_above) + " must be below half_open_limit (" +
                     std::to_string(out.half_open_limit) + "), or `off`");
  }
}

}  // namespace torwart::config::detail
