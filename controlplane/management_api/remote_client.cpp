#include "controlplane/management_api/remote_client.hpp"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "controlplane/management_api/api_routes.hpp"
#include "controlplane/management_api/listen_address.hpp"

namespace torwart::controlplane::api {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using nlohmann::json;

RemoteBox parse_remote_host(const std::string& text) {
  const HostPort split = split_host_port(text);
  RemoteBox box;
  box.host = split.host;
  if (split.port) box.port = *split.port;
  return box;
}

namespace {

struct Call {
  std::string method;
  std::string target;
  std::string if_match;
  json body;
};

Call call_of(const json& request) {
  const std::string command = request.value("command", std::string());
  const Route* route = route_of_command(command, request.contains("version") && command == "show");
  if (route == nullptr) throw std::invalid_argument("the management API has no operation '" + command + "'");
  Call c{std::string(route->method), std::string(route->path), "", json::object()};
  if (command == "show" && request.contains("version")) {
    c.target.replace(c.target.find("{version}"), 9, std::to_string(request["version"].get<uint64_t>()));
  }
  std::string query;
  for (const char* key : {"limit", "after", "from", "to"}) {
    if (!request.contains(key) || c.method != "GET") continue;
    query +=
        (query.empty() ? "?" : "&") + std::string(key) + "=" + std::to_string(request[key].get<uint64_t>());
  }
  c.target += query;
  if (route->version_use == VersionUse::kRequires) {
    // The socket protocol's optional base is If-Match; without one the change applies to whatever is current.
    c.if_match =
        request.contains("base") ? "\"v" + std::to_string(request["base"].get<uint64_t>()) + "\"" : "*";
  }
  if (c.method != "GET") {
    for (const auto& [key, value] : request.items()) {
      if (key != "command" && key != "protocol" && key != "base") c.body[key] = value;
    }
  }
  return c;
}

}  // namespace

json remote_request(const RemoteBox& box, const json& request) {
  const Call call = call_of(request);
  net::io_context io;
  net::ssl::context tls = tls::make_client_context(box.files);
  beast::ssl_stream<beast::tcp_stream> stream(io, tls);
  const std::string where = box.host + ":" + std::to_string(box.port);
  beast::error_code ec;
  net::ip::make_address(box.host, ec);
  if (ec && !SSL_set_tlsext_host_name(stream.native_handle(), box.host.c_str()))
    throw RemoteUnreachable(where + ": cannot set the TLS server name");
  stream.set_verify_callback(net::ssl::host_name_verification(box.host));
  try {
    net::ip::tcp::resolver resolver(io);
    beast::get_lowest_layer(stream).expires_after(box.timeout);
    beast::get_lowest_layer(stream).connect(resolver.resolve(box.host, std::to_string(box.port)));
    stream.handshake(net::ssl::stream_base::client);
    http::request<http::string_body> req{http::string_to_verb(call.method), call.target, 11};
    req.set(http::field::host, box.host);
    req.set(http::field::user_agent, "torwartctl");
    if (!call.if_match.empty()) req.set(http::field::if_match, call.if_match);
    if (call.method != "GET") {
      req.set(http::field::content_type, "application/json");
      req.body() = call.body.dump();
    }
    req.keep_alive(false);
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(size_t{64} << 20);  // an exported history
    http::read(stream, buffer, parser);
    const auto& res = parser.get();
    json body = json::parse(res.body(), nullptr, false);
    if (res.result_int() / 100 == 2) {
      if (body.is_discarded()) throw RemoteUnreachable(where + ": the answer is not JSON");
      return {{"ok", true}, {"result", body}};
    }
    if (body.is_discarded() || !body.is_object()) body = json{{"error", std::string(res.reason())}};
    const unsigned status = res.result_int();
    // torwartctl's exit codes: a refusal of what was asked (2) or a failure to do it (1).
    const std::string kind = status >= 500 ? "failure" : body.value("kind", std::string("bad_input"));
    return {
        {"ok", false},
        {"kind", kind == "failure" ? kind : "bad_input"},
        {"error", "HTTP " + std::to_string(status) + ": " + body.value("error", std::string(res.reason()))},
        {"details", body.value("details", json::array())}};
  } catch (const boost::system::system_error& e) {
    std::string reason = e.code().message();
    if (const long verify = SSL_get_verify_result(stream.native_handle()); verify != X509_V_OK)
      reason += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
    throw RemoteUnreachable(where + ": " + reason);
  }
}

}  // namespace torwart::controlplane::api
