#pragma once
// The fast path's local control socket (dataplane/control_protocol/README.md): the shared JSON-lines server
// with the control protocol's envelope. Served on the control lcore by polling, never by a worker.
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "platform/json_lines/json_line_server.hpp"

namespace torwart::dataplane::live {

using Peer = platform::PeerCredentials;

// Returns the "result" object, or throws ControlError for a refused request.
using ControlHandler = std::function<nlohmann::json(const nlohmann::json& request, const Peer& peer)>;

struct ControlError : std::runtime_error {
  explicit ControlError(const std::string& message, nlohmann::json error_details = nlohmann::json::array())
      : std::runtime_error(message), details(std::move(error_details)) {}
  nlohmann::json details;
};

class ControlServer {
 public:
  // Creates the socket (mode 0660: root and the torwart group, replacing a stale one); throws when the path
  // is unusable.
  ControlServer(boost::asio::io_context& io, const std::string& path, ControlHandler handler);

  // Lines the shared server refused (not JSON, too long) count as rejected requests too.
  uint64_t requests() const { return server_->requests() + server_->refused(); }
  uint64_t rejected() const { return rejected_ + server_->refused(); }

 private:
  nlohmann::json answer(const nlohmann::json& request, const Peer& peer);

  ControlHandler handler_;
  uint64_t rejected_ = 0;
  std::unique_ptr<platform::JsonLineServer> server_;
};

}  // namespace torwart::dataplane::live
