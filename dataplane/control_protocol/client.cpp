#include "dataplane/control_protocol/client.hpp"

#include "dataplane/control_protocol/control_protocol.hpp"

namespace torwart::control_protocol {

nlohmann::json fastpath_request(const std::string& socket_path, nlohmann::json request,
                                std::chrono::milliseconds timeout) {
  if (!request.contains("protocol")) request["protocol"] = kVersion;
  return platform::json_line_request(
      socket_path, request, timeout, "torwart run",
      "is it running, and is this the socket named by dataplane.control_socket?");
}

}  // namespace torwart::control_protocol
