#include "controlplane/torwartd/fastpath_link.hpp"

#include <thread>

#include "dataplane/control_protocol/control_protocol.hpp"

namespace torwart::controlplane {

nlohmann::json SocketFastPathLink::result_of(const nlohmann::json& request) {
  const nlohmann::json response = control_protocol::fastpath_request(socket_path_, request, timeout_);
  if (!response.is_object())
    throw control_protocol::FastPathUnreachable("torwart run answered something that is not an object");
  if (!response.value("ok", false)) {
    std::vector<std::string> details;
    if (response.contains("details") && response["details"].is_array()) {
      for (const auto& d : response["details"])
        details.push_back(d.is_string() ? d.get<std::string>() : d.dump());
    }
    throw FastPathRefused(response.value("error", std::string("refused without a reason")),
                          std::move(details));
  }
  if (!response.contains("result") || !response["result"].is_object()) {
    throw control_protocol::FastPathUnreachable("torwart run answered without a result");
  }
  return response["result"];
}

FastPathState SocketFastPathLink::status() {
  try {
    const auto result = result_of(control_protocol::make_request(control_protocol::command::kStatus));
    return {result.at("config_version").get<uint64_t>(), result.at("config_digest").get<std::string>(),
            result.value("routes", nlohmann::json()), result.value("learned", nlohmann::json())};
  } catch (const nlohmann::json::exception& e) {
    throw control_protocol::FastPathUnreachable(std::string("torwart run's status is not understood: ") +
                                                e.what());
  } catch (const FastPathRefused& e) {
    throw control_protocol::FastPathUnreachable(std::string("torwart run refused status: ") + e.what());
  }
}

void SocketFastPathLink::push(uint64_t version, const std::string& text, const std::string& origin) {
  result_of(
      control_protocol::make_request(control_protocol::command::kReload,
                                     {{"config", text}, {"origin", origin}, {"config_version", version}}));
  // The acknowledgement: the workers run the new version.
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (;;) {
    const FastPathState state = status();
    if (state.version == version) return;
    if (state.version > version || std::chrono::steady_clock::now() > deadline) {
      throw control_protocol::FastPathUnreachable("torwart run accepted version " + std::to_string(version) +
                                                  " but reports version " + std::to_string(state.version));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

nlohmann::json SocketFastPathLink::stats() {
  try {
    return result_of(control_protocol::make_request(control_protocol::command::kStats));
  } catch (const FastPathRefused& e) {
    throw control_protocol::FastPathUnreachable(std::string("torwart run refused stats: ") + e.what());
  }
}

nlohmann::json SocketFastPathLink::flows(unsigned limit) {
  return result_of(control_protocol::make_request(control_protocol::command::kFlows, {{"limit", limit}}));
}

}  // namespace torwart::controlplane
