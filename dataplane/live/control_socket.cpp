#include "dataplane/live/control_socket.hpp"

#include "dataplane/control_protocol/control_protocol.hpp"

namespace torwart::dataplane::live {

ControlServer::ControlServer(boost::asio::io_context& io, const std::string& path, ControlHandler handler)
    : handler_(std::move(handler)) {
  platform::JsonLineHandlers handlers;
  handlers.request = [this](const nlohmann::json& request, const Peer& peer) {
    return answer(request, peer);
  };
  handlers.refusal = [](const std::string& reason) { return control_protocol::error_reply(reason); };
  server_ = std::make_unique<platform::JsonLineServer>(io, path, 0660, control_protocol::kMaxRequestBytes,
                                                       std::move(handlers));
}

nlohmann::json ControlServer::answer(const nlohmann::json& request, const Peer& peer) {
  auto refuse = [this](const std::string& message, nlohmann::json details = nlohmann::json::array()) {
    ++rejected_;
    return control_protocol::error_reply(message, std::move(details));
  };
  if (!request.is_object() || !request.contains("command") || !request["command"].is_string()) {
    return refuse("request must be an object with a string \"command\"");
  }
  if (request.contains("protocol") && request["protocol"] != control_protocol::kVersion) {
    return refuse("unsupported protocol version; this fast path speaks " +
                  std::to_string(control_protocol::kVersion));
  }
  try {
    return control_protocol::ok_reply(handler_(request, peer));
  } catch (const ControlError& e) {
    return refuse(e.what(), e.details);
  } catch (const std::exception& e) {
    return refuse(std::string("internal error: ") + e.what());
  }
}

}  // namespace torwart::dataplane::live
