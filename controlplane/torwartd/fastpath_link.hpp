#pragma once
// torwartd's view of `torwart run`: its running version, pushing a snapshot and waiting for the
// acknowledgement. An interface so that the service logic can be tested without a fast path.
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dataplane/control_protocol/client.hpp"

namespace torwart::controlplane {

// The fast path answered and refused the snapshot; the previous one keeps running.
struct FastPathRefused : std::runtime_error {
  FastPathRefused(const std::string& what, std::vector<std::string> details_)
      : std::runtime_error(what), details(std::move(details_)) {}
  std::vector<std::string> details;
};

struct FastPathState {
  uint64_t version = 0;
  std::string digest;
  // Every route the fast path holds with its origin, and what it took of the learned state (README.md
  // "Kernel mirror"); null when the fast path does not report them.
  nlohmann::json routes;
  nlohmann::json learned;
};

class FastPathLink {
 public:
  virtual ~FastPathLink() = default;
  // Throws control_protocol::FastPathUnreachable.
  virtual FastPathState status() = 0;
  // Pushes `text` as `version` and returns once status() reports it (the acknowledgement). Throws
  // FastPathRefused or control_protocol::FastPathUnreachable (also when no acknowledgement came in time).
  virtual void push(uint64_t version, const std::string& text, const std::string& origin) = 0;
  // The fast path's `stats` result. Throws control_protocol::FastPathUnreachable.
  virtual nlohmann::json stats() = 0;
  // The fast path's `flows` result (at most `limit` connections per worker). Throws
  // control_protocol::FastPathUnreachable, FastPathRefused for a limit it does not take.
  virtual nlohmann::json flows(unsigned limit) = 0;
};

// Over the control socket (dataplane/control_protocol/README.md).
class SocketFastPathLink : public FastPathLink {
 public:
  explicit SocketFastPathLink(std::string socket_path,
                              std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : socket_path_(std::move(socket_path)), timeout_(timeout) {}
  FastPathState status() override;
  void push(uint64_t version, const std::string& text, const std::string& origin) override;
  nlohmann::json stats() override;
  nlohmann::json flows(unsigned limit) override;
  const std::string& socket_path() const { return socket_path_; }

 private:
  nlohmann::json result_of(const nlohmann::json& request);

  std::string socket_path_;
  std::chrono::milliseconds timeout_;
};

}  // namespace torwart::controlplane
