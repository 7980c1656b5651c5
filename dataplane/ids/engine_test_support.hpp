#pragma once
// Rule text in, verdicts and alerts out: the ids engine tests build a Ruleset from rule text and drive a
// Detector with packets, stream pieces and application-layer events.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "dataplane/ids/detector.hpp"
#include "dataplane/ids/ruleset.hpp"

namespace torwart::dataplane::ids::testing {

inline std::span<const uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// A rule set from `rules` (one rule per line), written to a temporary file as the loader reads files.
inline std::shared_ptr<const Ruleset> ruleset_of(const std::string& rules, bool inline_mode = true) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("torwart_ids_test_" + std::to_string(::getpid()) + "_" +
                                                std::to_string(std::hash<std::string>{}(rules)));
  std::filesystem::create_directories(dir);
  const auto file = dir / "test.rules";
  std::ofstream(file) << rules;
  RulesetSources sources;
  sources.rule_files = {file.string()};
  sources.inline_mode = inline_mode;
  DatabaseCache cache("");
  auto set = Ruleset::build(sources, cache);
  std::filesystem::remove_all(dir);
  return set;
}

struct RecordingSink final : AlertSink {
  struct Alert {
    uint32_t sid;
    bool blocked;
    applayer::Direction direction;
  };
  std::vector<Alert> alerts;
  void alert(const CompiledSignature& s, bool blocked, const DetectTarget& t) override {
    alerts.push_back({s.source->sid, blocked, t.direction});
  }
  std::vector<uint32_t> sids() const {
    std::vector<uint32_t> out;
    for (const Alert& a : alerts) out.push_back(a.sid);
    return out;
  }
};

// A TCP flow 10.0.0.1:40000 -> 192.0.2.1:80 (HOME_NET is 10/8 etc.: the client is inside).
inline DetectTarget tcp_target(applayer::Direction direction = applayer::Direction::kToServer,
                               uint64_t flow_id = 1, uint32_t slot = 0) {
  DetectTarget t;
  t.flow_id = flow_id;
  t.slot = slot;
  t.ip_proto = 6;
  t.direction = direction;
  t.established = true;
  t.tcp_flags = 0x18;
  Endpoint client{*config::IpAddress::parse("10.0.0.1"), 40000};
  Endpoint server{*config::IpAddress::parse("192.0.2.1"), 80};
  t.from = direction == applayer::Direction::kToServer ? client : server;
  t.to = direction == applayer::Direction::kToServer ? server : client;
  return t;
}

}  // namespace torwart::dataplane::ids::testing
