#include "controlplane/kernel_mirror/learned_publisher.hpp"

#include <algorithm>
#include <iostream>

#include "dataplane/control_protocol/client.hpp"
#include "dataplane/control_protocol/control_protocol.hpp"
#include "dataplane/control_protocol/learned_message.hpp"

namespace torwart::controlplane {
namespace {

struct Refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

nlohmann::json result_of(const nlohmann::json& reply) {
  if (!reply.is_object()) throw control_protocol::FastPathUnreachable("torwart run answered no object");
  if (!reply.value("ok", false)) throw Refused(reply.value("error", std::string("refused without a reason")));
  if (!reply.contains("result") || !reply["result"].is_object())
    throw control_protocol::FastPathUnreachable("torwart run answered without a result");
  return reply["result"];
}

uint64_t generation_of(const nlohmann::json& status) {
  if (!status.contains("learned") || !status["learned"].is_object()) return 0;
  return status["learned"].value("generation", uint64_t{0});
}

}  // namespace

learned::LearnedState to_learned(const KernelState& state) {
  learned::LearnedState out;
  for (const auto& [key, a] : state.addresses) out.addresses.push_back({a.interface, a.address});
  for (const auto& [key, r] : state.routes)
    out.routes.push_back({r.destination, r.gateway, r.interface, r.metric, r.origin});
  for (const auto& [key, n] : state.neighbours) {
    if (n.state == NeighbourState::kPermanent && n.mac)
      out.neighbours.push_back({n.interface, n.address, *n.mac});
  }
  return out;
}

LearnedPublisher::LearnedPublisher(boost::asio::io_context& io, std::string fastpath_socket,
                                   std::chrono::milliseconds timeout)
    : io_(io), socket_(std::move(fastpath_socket)), timeout_(timeout) {}

nlohmann::json LearnedPublisher::fastpath_status() {
  return result_of(control_protocol::fastpath_request(
      socket_, control_protocol::make_request(control_protocol::command::kStatus), timeout_));
}

void LearnedPublisher::note(const std::string& message) {
  if (message == last_problem_) return;  // once per reason, not per retry
  last_problem_ = message;
  std::cerr << "torwartd: kernel mirror: " << message << "\n";
}

FastPathView LearnedPublisher::check() {
  FastPathView view;
  nlohmann::json status;
  try {
    status = fastpath_status();
  } catch (const std::exception& e) {
    note(std::string("the fast path cannot be asked: ") + e.what());
    return view;
  }
  view.reachable = true;
  const int64_t pid = status.value("pid", int64_t{0});
  view.restarted = fastpath_pid_ != 0 && pid != fastpath_pid_;
  fastpath_pid_ = pid;
  std::vector<std::string> twins;
  if (status.contains("ports") && status["ports"].is_array()) {
    for (const auto& p : status["ports"]) {
      if (!p.is_object() || !p.value("kernel_twin", false)) continue;
      twins.push_back(p.value("name", std::string()));
      if (p.value("address_by_dhcp", false)) view.dhcp_ports.push_back(twins.back());
    }
  }
  if (!mirror_ || twins != watched_) {
    watched_ = twins;
    mirror_.reset();
    sent_generation_ = 0;
    KernelMirrorOptions options;
    options.watched_interfaces = twins;
    try {
      mirror_ = std::make_unique<KernelMirror>(io_, options, [this](const KernelState& s) { publish(s); });
      mirror_->start();
    } catch (const std::exception& e) {
      mirror_.reset();
      note(std::string("cannot follow the twins: ") + e.what());
      return view;
    }
    std::cerr << "torwartd: kernel mirror: following " << twins.size() << " twins\n";
    return view;
  }
  if (generation_of(status) < sent_generation_) {
    // The fast path restarted (it starts at generation 0): everything it was told is gone. A full dump
    // rather than the state in hand, in case netlink lost something meanwhile.
    ++fastpath_resyncs_;
    sent_generation_ = 0;
    mirror_->resync();
  } else if (push_pending_) {
    publish(mirror_->state());
  }
  return view;
}

void LearnedPublisher::publish(const KernelState& state) {
  learned::LearnedState learned = to_learned(state);
  // A renewed lease or a route replaced by the same one: nothing to tell (every new snapshot makes each
  // known connection ask the policy again).
  if (sent_generation_ != 0 && !push_pending_ && learned == last_sent_) return;
  try {
    learned.generation = std::max(sent_generation_, generation_of(fastpath_status())) + 1;
    const nlohmann::json result = result_of(control_protocol::fastpath_request(
        socket_,
        control_protocol::make_request(control_protocol::command::kLearned,
                                       control_protocol::learned_to_json(learned)),
        timeout_));
    sent_generation_ = learned.generation;
    last_sent_ = learned;
    last_sent_.generation = 0;
    push_pending_ = false;
    ++pushes_;
    last_problem_.clear();
    const size_t not_taken = result.contains("not_taken") ? result["not_taken"].size() : 0;
    std::cerr << "torwartd: kernel mirror: generation " << learned.generation << " sent ("
              << learned.addresses.size() << " addresses, " << learned.routes.size() << " routes, "
              << learned.neighbours.size() << " neighbours; " << not_taken << " not taken)\n";
  } catch (const std::exception& e) {
    push_pending_ = true;  // again at the next check
    ++push_failures_;
    note(std::string("could not hand the learned state to the fast path: ") + e.what());
  }
}

nlohmann::json LearnedPublisher::status() const {
  nlohmann::json out = {{"watched", watched_},
                        {"sent_generation", sent_generation_},
                        {"pushes", pushes_},
                        {"push_failures", push_failures_},
                        {"fastpath_resyncs", fastpath_resyncs_},
                        {"push_pending", push_pending_},
                        {"problem", last_problem_}};
  if (mirror_) {
    const MirrorCounters& c = mirror_->counters();
    nlohmann::json refused = nlohmann::json::object();
    for (size_t i = 0; i < kRefusalKinds; ++i) {
      if (c.refused[i] != 0) refused[refusal_name(static_cast<Refusal>(i))] = c.refused[i];
    }
    out["counters"] = {{"dumps", c.dumps},       {"resyncs", c.resyncs},
                       {"overruns", c.overruns}, {"dump_failures", c.dump_failures},
                       {"events", c.events},     {"malformed", c.malformed},
                       {"ignored", c.ignored},   {"refused", refused}};
    nlohmann::json recent = nlohmann::json::array();
    for (const auto& r : mirror_->recent_refusals()) recent.push_back(r);
    out["recent_refusals"] = recent;
  }
  return out;
}

}  // namespace torwart::controlplane
