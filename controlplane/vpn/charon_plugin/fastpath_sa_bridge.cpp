// The C calls of fastpath_sa_bridge.h as control-socket requests. charon calls them from its worker threads;
// each call is one connection, one request, one reply (the fast path answers from its control lcore).
#include "fastpath_sa_bridge.h"

#include <chrono>
#include <cstdio>
#include <exception>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "dataplane/control_protocol/control_protocol.hpp"
#include "platform/json_lines/json_line_client.hpp"

namespace {

using nlohmann::json;
namespace command = torwart::control_protocol::command;

// charon waits on these calls while it holds an IKE_SA; the fast path answers within milliseconds.
constexpr std::chrono::milliseconds kTimeout{3000};

void write_error(char* error, size_t error_size, const std::string& text) {
  if (error != nullptr && error_size > 0) std::snprintf(error, error_size, "%s", text.c_str());
}

// Sends one request and returns its result; -1 with the reason in `error` when it failed.
int request(const char* socket_path, std::string_view name, json fields, json& result, char* error,
            size_t error_size) {
  try {
    auto reply = torwart::platform::json_line_request(
        socket_path, torwart::control_protocol::make_request(name, std::move(fields)), kTimeout,
        "torwart run", "is torwart run running with this control socket?");
    if (!reply.value("ok", false)) {
      std::string text = reply.value("error", std::string("refused"));
      if (!text.starts_with(name)) text = std::string(name) + ": " + text;
      for (const auto& detail : reply.value("details", json::array())) {
        if (detail.is_string()) text += "; " + detail.get<std::string>();
      }
      write_error(error, error_size, text);
      return -1;
    }
    result = reply.value("result", json::object());
    return 0;
  } catch (const std::exception& failure) {
    write_error(error, error_size, std::string(name) + ": " + failure.what());
    return -1;
  }
}

int request(const char* socket_path, std::string_view name, json fields, char* error, size_t error_size) {
  json ignored;
  return request(socket_path, name, std::move(fields), ignored, error, error_size);
}

json endpoint_json(const torwart_endpoint& endpoint) {
  json value{{"address", endpoint.address}};
  if (endpoint.port != 0) value["port"] = endpoint.port;
  return value;
}

json selector_json(const torwart_selector& selector) {
  return {{"from", selector.from},
          {"to", selector.to},
          {"protocol", selector.protocol},
          {"ports", {selector.from_port, selector.to_port}}};
}

json policy_json(const torwart_policy& policy) {
  json value{{"reqid", policy.reqid},
             {"direction", policy.direction},
             {"source", selector_json(policy.source)},
             {"destination", selector_json(policy.destination)}};
  if (policy.spi != 0) value["spi"] = policy.spi;
  return value;
}

std::string hex(const uint8_t* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  text.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    text += kDigits[bytes[i] >> 4];
    text += kDigits[bytes[i] & 0x0f];
  }
  return text;
}

// The limits already handed to charon: each is reported once (charon rekeys on the soft one and deletes on
// the hard one; a second report would start a second rekey).
std::mutex reported_mutex;
std::set<std::pair<uint32_t, bool>> reported_limits;

}  // namespace

extern "C" {

int torwart_allocate_spi(const char* socket_path, const char* source, const char* destination, uint32_t* spi,
                         char* error, size_t error_size) {
  json result;
  if (request(socket_path, command::kIpsecSpi, {{"source", source}, {"destination", destination}}, result,
              error, error_size) != 0) {
    return -1;
  }
  *spi = result.value("spi", uint32_t{0});
  if (*spi == 0) {
    write_error(error, error_size, "ipsec_spi: the fast path answered without an SPI");
    return -1;
  }
  return 0;
}

int torwart_add_sa(const char* socket_path, const torwart_sa* sa, char* error, size_t error_size) {
  json fields{
      {"spi", sa->spi},
      {"direction", sa->inbound ? "in" : "out"},
      {"reqid", sa->reqid},
      {"source", endpoint_json(sa->source)},
      {"destination", endpoint_json(sa->destination)},
      {"udp_encapsulation", sa->udp_encapsulation},
      {"inner_family", sa->inner_family},
      {"encryption",
       {{"algorithm", sa->encryption_algorithm}, {"key", hex(sa->encryption_key, sa->encryption_key_bytes)}}},
      {"integrity_algorithm", sa->integrity_algorithm},
      {"extended_sequence_numbers", sa->extended_sequence_numbers},
      {"replay_window", sa->replay_window},
      {"limits",
       {{"bytes", {{"soft", sa->bytes.soft}, {"hard", sa->bytes.hard}}},
        {"packets", {{"soft", sa->packets.soft}, {"hard", sa->packets.hard}}}}}};
  return request(socket_path, command::kIpsecSaAdd, std::move(fields), error, error_size);
}

int torwart_update_sa(const char* socket_path, uint32_t spi, const char* destination,
                      const torwart_endpoint* new_source, const torwart_endpoint* new_destination,
                      bool udp_encapsulation, char* error, size_t error_size) {
  return request(socket_path, command::kIpsecSaUpdate,
                 {{"spi", spi},
                  {"destination", destination},
                  {"new_source", endpoint_json(*new_source)},
                  {"new_destination", endpoint_json(*new_destination)},
                  {"udp_encapsulation", udp_encapsulation}},
                 error, error_size);
}

int torwart_query_sa(const char* socket_path, uint32_t spi, const char* destination, torwart_sa_usage* usage,
                     char* error, size_t error_size) {
  json result;
  if (request(socket_path, command::kIpsecSaQuery, {{"spi", spi}, {"destination", destination}}, result,
              error, error_size) != 0) {
    return -1;
  }
  usage->bytes = result.value("bytes", uint64_t{0});
  usage->packets = result.value("packets", uint64_t{0});
  usage->idle_ms = result.value("idle_ms", int64_t{-1});
  return 0;
}

int torwart_delete_sa(const char* socket_path, uint32_t spi, const char* destination, char* error,
                      size_t error_size) {
  {
    const std::scoped_lock lock(reported_mutex);
    reported_limits.erase({spi, false});
    reported_limits.erase({spi, true});
  }
  return request(socket_path, command::kIpsecSaDelete, {{"spi", spi}, {"destination", destination}}, error,
                 error_size);
}

int torwart_flush_sas(const char* socket_path, char* error, size_t error_size) {
  return request(socket_path, command::kIpsecSaFlush, json::object(), error, error_size);
}

int torwart_add_policy(const char* socket_path, const torwart_policy* policy, char* error,
                       size_t error_size) {
  return request(socket_path, command::kIpsecPolicyAdd, policy_json(*policy), error, error_size);
}

int torwart_delete_policy(const char* socket_path, const torwart_policy* policy, char* error,
                          size_t error_size) {
  return request(socket_path, command::kIpsecPolicyDelete, policy_json(*policy), error, error_size);
}

int torwart_query_policy(const char* socket_path, const torwart_policy* policy, int64_t* idle_ms, char* error,
                         size_t error_size) {
  json result;
  if (request(socket_path, command::kIpsecPolicyQuery, policy_json(*policy), result, error, error_size) !=
      0) {
    return -1;
  }
  *idle_ms = result.value("idle_ms", int64_t{-1});
  return 0;
}

int torwart_flush_policies(const char* socket_path, char* error, size_t error_size) {
  return request(socket_path, command::kIpsecPolicyFlush, json::object(), error, error_size);
}

int torwart_poll_expiries(const char* socket_path, torwart_expiry_callback callback, void* context,
                          char* error, size_t error_size) {
  json result;
  if (request(socket_path, command::kIpsecSas, json::object(), result, error, error_size) != 0) return -1;
  for (const auto& sa : result.value("sas", json::array())) {
    const auto spi = sa.value("spi", uint32_t{0});
    const auto destination = sa.value("destination", json::object()).value("address", std::string());
    for (const bool hard : {false, true}) {
      if (!sa.value(hard ? "hard_limit_reached" : "soft_limit_reached", false)) continue;
      {
        const std::scoped_lock lock(reported_mutex);
        if (!reported_limits.insert({spi, hard}).second) continue;
      }
      callback(context, spi, destination.c_str(), hard);
    }
  }
  return 0;
}

}  // extern "C"
