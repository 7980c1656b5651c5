#pragma once
// The fast path's local control socket: a Unix stream socket carrying one JSON object per line in each
// direction (CONTROL_PROTOCOL.md). Served on the control lcore by polling, never by a worker.
#include <sys/types.h>

#include <functional>
#include <stdexcept>
#include <utility>
#include <memory>
#include <string>

#include <boost/asio.hpp>
#include <nlohmann/json.hpp>

namespace torwart::dataplane::live {

inline constexpr int kControlProtocolVersion = 1;
inline constexpr size_t kMaxControlRequestBytes = 8u << 20;

struct Peer {
  uid_t uid = 0;
  gid_t gid = 0;
  pid_t pid = 0;
};

// Returns the "result" object, or throws ControlError for a refused request.
using ControlHandler = std::function<nlohmann::json(const nlohmann::json& request, const Peer& peer)>;

struct ControlError : std::runtime_error {
  explicit ControlError(const std::string& message, nlohmann::json error_details = nlohmann::json::array())
      : std::runtime_error(message), details(std::move(error_details)) {}
  nlohmann::json details;
};

class ControlServer {
 public:
  // Creates the socket (mode 0660, replacing a stale one); throws when the path is unusable.
  ControlServer(boost::asio::io_context& io, const std::string& path, ControlHandler handler);
  ~ControlServer();
  uint64_t requests() const { return requests_; }
  uint64_t rejected() const { return rejected_; }

 private:
  class Session;
  void accept();

  boost::asio::io_context& io_;
  std::string path_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  ControlHandler handler_;
  uint64_t requests_ = 0;
  uint64_t rejected_ = 0;
};

}  // namespace torwart::dataplane::live
