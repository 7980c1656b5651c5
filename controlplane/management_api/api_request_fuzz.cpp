// Any bytes as what a client sends the management API: parsed as HTTP/1.1 by Beast with the server's limits,
// then read as the API reads a request (route, query, If-Match, JSON body) and, when the body carries a
// configuration or a logging section, compared and spliced as local-admin and dpo changes are.
#include <cstddef>
#include <cstdint>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "controlplane/management_api/api_request_parsing.hpp"
#include "controlplane/management_api/api_routes.hpp"
#include "controlplane/management_api/config_sections.hpp"

namespace {

namespace http = boost::beast::http;
namespace api = torwart::controlplane::api;

constexpr char kCurrent[] =
    "format: 1\n# zones\nzones:\n  - name: lan\npolicy:\n  default: {action: drop}\n\nlogging:\n  "
    "retention_days: 30\n";

std::string_view view(boost::beast::string_view text) {
  return {text.data(), text.size()};
}

void read_as_the_api_does(const http::request<http::string_body>& request) {
  std::optional<uint64_t> parameter;
  const std::string_view target = view(request.target());
  for (const auto& route : api::kRoutes) api::parsing::path_matches(route.path, target, parameter);
  auto split = api::parsing::split_target(target);
  if (auto* target = std::get_if<api::parsing::Target>(&split)) {
    nlohmann::json call = nlohmann::json::object();
    api::parsing::take_query(*target, {"limit", "after", "from", "to"}, {"from"}, call);
  }
  if (auto it = request.find(http::field::if_match); it != request.end())
    api::parsing::if_match_version(view(it->value()), 7);
  auto fields =
      api::parsing::body_fields(request.body(), {"config", "section", "version", "comment", "history"});
  auto* body = std::get_if<nlohmann::json>(&fields);
  if (body == nullptr) return;
  try {
    if (body->contains("section") && (*body)["section"].is_string())
      api::replace_section(kCurrent, "logging", (*body)["section"].get<std::string>());
    if (body->contains("config") && (*body)["config"].is_string())
      api::changed_sections(kCurrent, (*body)["config"].get<std::string>());
  } catch (const api::SectionError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(8 * 1024);
  parser.body_limit(size_t{1} << 20);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (!ec && parser.is_done()) read_as_the_api_does(parser.get());
  return 0;
}
