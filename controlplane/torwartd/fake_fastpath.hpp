#pragma once
// A fast path in memory for the service tests: runs what it is given unless told to refuse.
#include <optional>
#include <string>
#include <vector>

#include "controlplane/config_store/validate.hpp"
#include "controlplane/torwartd/fastpath_link.hpp"
#include "rules/config/config_digest.hpp"

namespace torwart::controlplane {

class FakeFastPath : public FastPathLink {
 public:
  FastPathState status() override {
    if (!reachable) throw control_protocol::FastPathUnreachable("fake fast path is down");
    return running;
  }
  void push(uint64_t version, const std::string& text, const std::string&) override {
    if (!reachable) throw control_protocol::FastPathUnreachable("fake fast path is down");
    if (refuse_next) {
      const std::string reason = *refuse_next;
      refuse_next.reset();
      throw FastPathRefused(reason, {});
    }
    if (version <= running.version)
      throw FastPathRefused("config_version must be above the running version", {});
    running = {version, config::config_digest(text)};
    pushes.push_back(version);
  }
  nlohmann::json stats() override {
    if (!reachable) throw control_protocol::FastPathUnreachable("fake fast path is down");
    return {{"config_version", running.version}};
  }

  nlohmann::json flows(unsigned limit) override {
    if (!reachable) throw control_protocol::FastPathUnreachable("fake fast path is down");
    flow_limits.push_back(limit);
    return {{"active", 1}, {"listed", 1}, {"limit_per_worker", limit}, {"flows", nlohmann::json::array()}};
  }

  FastPathState running;
  std::vector<unsigned> flow_limits;
  bool reachable = true;
  std::optional<std::string> refuse_next;
  std::vector<uint64_t> pushes;
};

}  // namespace torwart::controlplane
