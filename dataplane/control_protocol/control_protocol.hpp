#pragma once
// The fast path's control protocol (README.md beside this file), defined once: `torwart run` serves it, the
// `torwart` commands and torwartd speak it. Nothing here knows either side's internals.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace torwart::control_protocol {

inline constexpr int kVersion = 1;
inline constexpr size_t kMaxRequestBytes = size_t{8} << 20;

namespace command {
inline constexpr std::string_view kStatus = "status";
inline constexpr std::string_view kStats = "stats";
inline constexpr std::string_view kFlows = "flows";
inline constexpr std::string_view kReload = "reload";
inline constexpr std::string_view kLearned = "learned";
// IPsec: charon's kernel-ipsec calls, sent by its torwart plugin (controlplane/vpn/charon_plugin).
inline constexpr std::string_view kIpsecSpi = "ipsec_spi";
inline constexpr std::string_view kIpsecSaAdd = "ipsec_sa_add";
inline constexpr std::string_view kIpsecSaUpdate = "ipsec_sa_update";
inline constexpr std::string_view kIpsecSaQuery = "ipsec_sa_query";
inline constexpr std::string_view kIpsecSaDelete = "ipsec_sa_delete";
inline constexpr std::string_view kIpsecSaFlush = "ipsec_sa_flush";
inline constexpr std::string_view kIpsecPolicyAdd = "ipsec_policy_add";
inline constexpr std::string_view kIpsecPolicyDelete = "ipsec_policy_delete";
inline constexpr std::string_view kIpsecPolicyQuery = "ipsec_policy_query";
inline constexpr std::string_view kIpsecPolicyFlush = "ipsec_policy_flush";
inline constexpr std::string_view kIpsecSas = "ipsec_sas";
}  // namespace command
inline constexpr std::array kCommands{command::kStatus, command::kStats, command::kFlows, command::kReload,
                                      command::kLearned};

// A request: {"protocol": 1, "command": …} and the command's own fields.
inline nlohmann::json make_request(std::string_view name, nlohmann::json fields = nlohmann::json::object()) {
  fields["protocol"] = kVersion;
  fields["command"] = std::string(name);
  return fields;
}

// The two replies: {"protocol", "ok": true, "result"} or {"protocol", "ok": false, "error", "details"}.
inline nlohmann::json ok_reply(nlohmann::json result) {
  return {{"protocol", kVersion}, {"ok", true}, {"result", std::move(result)}};
}
inline nlohmann::json error_reply(const std::string& message,
                                  nlohmann::json details = nlohmann::json::array()) {
  return {{"protocol", kVersion}, {"ok", false}, {"error", message}, {"details", std::move(details)}};
}

// "status, stats, flows, reload, learned": for messages that list what is understood.
inline std::string known_commands() {
  std::string text;
  for (const auto name : kCommands) text += (text.empty() ? "" : ", ") + std::string(name);
  return text;
}

}  // namespace torwart::control_protocol
