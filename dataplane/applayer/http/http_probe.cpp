#include "dataplane/applayer/http/http_probe.hpp"

#include <array>
#include <string_view>

namespace torwart::dataplane::applayer::http {
namespace {

constexpr std::array<std::string_view, 33> kMethods = {"GET",
                                                       "POST",
                                                       "HEAD",
                                                       "PUT",
                                                       "DELETE",
                                                       "OPTIONS",
                                                       "CONNECT",
                                                       "TRACE",
                                                       "PATCH",
                                                       "PROPFIND",
                                                       "PROPPATCH",
                                                       "MKCOL",
                                                       "COPY",
                                                       "MOVE",
                                                       "LOCK",
                                                       "UNLOCK",
                                                       "SEARCH",
                                                       "REPORT",
                                                       "CHECKOUT",
                                                       "CHECKIN",
                                                       "UNCHECKOUT",
                                                       "MKWORKSPACE",
                                                       "UPDATE",
                                                       "LABEL",
                                                       "MERGE",
                                                       "MKACTIVITY",
                                                       "VERSION-CONTROL",
                                                       "BASELINE-CONTROL",
                                                       "ORDERPATCH",
                                                       "ACL",
                                                       "BIND",
                                                       "UNBIND",
                                                       "REBIND"};

// Compares what we have against `expected`: kMatch if all of it is there, kNeedMore on a consistent prefix.
ProbeResult match_prefix(std::string_view have, std::string_view expected) {
  const size_t n = std::min(have.size(), expected.size());
  if (have.substr(0, n) != expected.substr(0, n)) return ProbeResult::kNoMatch;
  return have.size() >= expected.size() ? ProbeResult::kMatch : ProbeResult::kNeedMore;
}

ProbeResult probe_request(std::string_view have) {
  bool need_more = false;
  for (std::string_view method : kMethods) {
    char with_space[24] = {};
    std::copy(method.begin(), method.end(), with_space);
    with_space[method.size()] = ' ';
    const ProbeResult r = match_prefix(have, {with_space, method.size() + 1});
    if (r == ProbeResult::kMatch) return r;
    if (r == ProbeResult::kNeedMore) need_more = true;
  }
  return need_more ? ProbeResult::kNeedMore : ProbeResult::kNoMatch;
}

ProbeResult probe_response(std::string_view have) {
  constexpr std::string_view kPrefix = "HTTP/1.";
  const ProbeResult r = match_prefix(have, kPrefix);
  if (r != ProbeResult::kMatch) return r;
  if (have.size() == kPrefix.size()) return ProbeResult::kNeedMore;
  const char digit = have[kPrefix.size()];
  return digit >= '0' && digit <= '9' ? ProbeResult::kMatch : ProbeResult::kNoMatch;
}

}  // namespace

ProbeResult probe_http(Direction direction, std::span<const uint8_t> first_bytes) {
  const std::string_view have = as_text(first_bytes);
  if (have.empty()) return ProbeResult::kNeedMore;
  return direction == Direction::kToServer ? probe_request(have) : probe_response(have);
}

}  // namespace torwart::dataplane::applayer::http
