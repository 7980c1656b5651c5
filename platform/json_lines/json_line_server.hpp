#pragma once
// A local JSON-lines server: a Unix stream socket carrying one JSON object per line in each direction,
// answered in order on the io_context's thread. The fast path's control socket and torwartd's socket are
// both this server; each supplies what a request means and how a refusal looks in its protocol.
//
// A connection whose caller cannot be identified (SO_PEERCRED) is closed unanswered; a line that is not JSON
// or longer than the limit is answered by `refusal` (the over-long one then ends the connection).
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <nlohmann/json.hpp>

namespace torwart::platform {

struct PeerCredentials {
  uid_t uid = 0;
  gid_t gid = 0;
  pid_t pid = 0;
};

struct JsonLineHandlers {
  // The answer to one request.
  std::function<nlohmann::json(const nlohmann::json& request, const PeerCredentials& peer)> request;
  // The answer to a line that is not a request at all; `reason` says why.
  std::function<nlohmann::json(const std::string& reason)> refusal;
  // Runs after every answered request (optional).
  std::function<void()> after_request;
};

class JsonLineServer {
 public:
  // Creates the socket's directory, replaces a stale socket, binds, sets `mode` and starts accepting; throws
  // std::runtime_error naming the path when any of it fails.
  JsonLineServer(boost::asio::io_context& io, const std::string& path, unsigned mode,
                 size_t max_request_bytes, JsonLineHandlers handlers);
  ~JsonLineServer();
  JsonLineServer(const JsonLineServer&) = delete;
  JsonLineServer& operator=(const JsonLineServer&) = delete;

  uint64_t requests() const { return requests_; }
  uint64_t refused() const { return refused_; }

 private:
  class Session;
  void accept();

  std::string path_;
  size_t max_request_bytes_;
  JsonLineHandlers handlers_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  uint64_t requests_ = 0;
  uint64_t refused_ = 0;
};

// The caller of a connected Unix socket; throws std::runtime_error when the kernel cannot say.
PeerCredentials peer_credentials(int fd);

}  // namespace torwart::platform
