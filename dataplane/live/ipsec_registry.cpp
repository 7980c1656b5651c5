#include "dataplane/live/ipsec_registry.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "dataplane/control_protocol/control_protocol.hpp"

namespace torwart::dataplane::live {

namespace {

using nlohmann::json;
namespace command = control_protocol::command;
using control_protocol::IpsecDirection;
using control_protocol::IpsecPolicyMessage;
using control_protocol::IpsecSelector;

constexpr std::array kCommands{
    command::kIpsecSpi,         command::kIpsecSaAdd,        command::kIpsecSaUpdate,
    command::kIpsecSaQuery,     command::kIpsecSaDelete,     command::kIpsecSaFlush,
    command::kIpsecPolicyAdd,   command::kIpsecPolicyDelete, command::kIpsecPolicyQuery,
    command::kIpsecPolicyFlush, command::kIpsecSas};

json endpoint_json(const control_protocol::IpsecEndpoint& endpoint) {
  json value{{"address", endpoint.address.to_string()}};
  if (endpoint.port != 0) value["port"] = endpoint.port;
  return value;
}

json selector_json(const IpsecSelector& selector) {
  return {{"from", selector.from.to_string()},
          {"to", selector.to.to_string()},
          {"protocol", selector.protocol},
          {"ports", {selector.from_port, selector.to_port}}};
}

std::string sa_name(uint32_t spi, const config::IpAddress& destination) {
  char hex[9];
  std::snprintf(hex, sizeof(hex), "%08x", spi);
  return std::string("SA ") + hex + " to " + destination.to_string();
}

}  // namespace

IpsecRegistry::IpsecRegistry(std::function<uint32_t()> random, IpsecSaBackend& backend)
    : random_(std::move(random)), backend_(backend) {}

IpsecSaBackend::Usage IpsecRegistry::usage_of(const control_protocol::IpsecSaMessage& sa) const {
  return backend_.usage(sa.spi, sa.direction).value_or(IpsecSaBackend::Usage{});
}

bool IpsecRegistry::handles(const std::string& command) {
  return std::find(kCommands.begin(), kCommands.end(), command) != kCommands.end();
}

json IpsecRegistry::handle(const std::string& name, const json& request, Clock::time_point now) {
  expire_reservations(now);
  if (name == command::kIpsecSpi) return allocate_spi(request, now);
  if (name == command::kIpsecSaAdd) return add_sa(request, now);
  if (name == command::kIpsecSaUpdate) return update_sa(request, now);
  if (name == command::kIpsecSaQuery) return query_sa(request);
  if (name == command::kIpsecSaDelete) return delete_sa(request, now);
  if (name == command::kIpsecSaFlush) {
    for (const auto& [key, sa] : sas_) {
      tell("sa_removed", sa, now);
      backend_.remove(key.spi, sa.parameters.direction);
    }
    sas_.clear();
    reserved_spis_.clear();
    return json::object();
  }
  if (name == command::kIpsecPolicyAdd) return add_policy(request);
  if (name == command::kIpsecPolicyDelete) return delete_policy(request);
  if (name == command::kIpsecPolicyQuery) return query_policy(request);
  if (name == command::kIpsecPolicyFlush) {
    policies_.clear();
    return json::object();
  }
  if (name == command::kIpsecSas) return list(now);
  throw std::invalid_argument("not an IPsec command: " + name);
}

void IpsecRegistry::expire_reservations(Clock::time_point now) {
  std::erase_if(reserved_spis_, [now](const auto& entry) { return entry.second <= now; });
}

bool IpsecRegistry::spi_in_use(uint32_t spi) const {
  if (reserved_spis_.contains(spi)) return true;
  return std::any_of(sas_.begin(), sas_.end(), [spi](const auto& entry) {
    return entry.first.spi == spi && entry.second.parameters.direction == IpsecDirection::kInbound;
  });
}

json IpsecRegistry::allocate_spi(const json& request, Clock::time_point now) {
  (void)control_protocol::read_ipsec_spi_request(request);
  if (reserved_spis_.size() >= kMaxReservedSpis) {
    throw std::invalid_argument("ipsec_spi: " + std::to_string(kMaxReservedSpis) +
                                " SPIs are reserved and not yet used by an SA; try again later");
  }
  // Random SPIs: a peer (or anyone on the path) cannot guess the next one (RFC 4303 §2.1 leaves the choice
  // to the receiver); 1..255 are reserved by IANA.
  for (int attempt = 0; attempt < 64; ++attempt) {
    const uint32_t spi = random_();
    if (spi < 256 || spi_in_use(spi)) continue;
    reserved_spis_[spi] = now + kReservation;
    return {{"spi", spi}};
  }
  throw std::invalid_argument("ipsec_spi: no free SPI found in 64 draws");
}

json IpsecRegistry::add_sa(const json& request, Clock::time_point now) {
  auto parameters = control_protocol::read_ipsec_sa_add(request);
  const SaKey key{parameters.spi, parameters.destination.address};
  if (sas_.contains(key)) {
    throw std::invalid_argument("ipsec_sa_add: " + sa_name(key.spi, key.destination) +
                                " is already installed");
  }
  if (sas_.size() >= kMaxSas) {
    throw std::invalid_argument("ipsec_sa_add: the fast path holds " + std::to_string(kMaxSas) +
                                " SAs, its limit");
  }  // An inbound SPI is ours to give (ipsec_spi); one we did not give could collide with another tunnel's.
  if (parameters.direction == IpsecDirection::kInbound && !reserved_spis_.contains(parameters.spi)) {
    throw std::invalid_argument("ipsec_sa_add: inbound " + sa_name(key.spi, key.destination) +
                                " uses an SPI the fast path did not allocate (or whose reservation ran out)");
  }
  if (const std::string refused = backend_.install(parameters); !refused.empty()) {
    throw std::invalid_argument("ipsec_sa_add: " + sa_name(key.spi, key.destination) + ": " + refused);
  }
  reserved_spis_.erase(parameters.spi);
  const auto added = sas_.emplace(key, Sa{std::move(parameters), now}).first;
  tell("sa_installed", added->second, now);
  return json::object();
}

json IpsecRegistry::update_sa(const json& request, Clock::time_point now) {
  auto update = control_protocol::read_ipsec_sa_update(request);
  const auto found = sas_.find({update.sa.spi, update.sa.destination});
  if (found == sas_.end()) {
    throw std::invalid_argument("ipsec_sa_update: no " + sa_name(update.sa.spi, update.sa.destination));
  }
  if (update.new_source.address.family != found->second.parameters.source.address.family ||
      update.new_destination.address.family != found->second.parameters.destination.address.family) {
    throw std::invalid_argument("ipsec_sa_update: the new outer addresses change the address family");
  }
  auto& parameters = found->second.parameters;
  const auto previous_source = parameters.source;
  const auto previous_destination = parameters.destination;
  const bool previous_encapsulation = parameters.udp_encapsulation;
  parameters.source = update.new_source;
  parameters.destination = update.new_destination;
  parameters.udp_encapsulation = update.udp_encapsulation;
  if (const std::string refused = backend_.move(parameters); !refused.empty()) {
    parameters.source = previous_source;
    parameters.destination = previous_destination;
    parameters.udp_encapsulation = previous_encapsulation;
    throw std::invalid_argument("ipsec_sa_update: " + sa_name(update.sa.spi, update.sa.destination) + ": " +
                                refused);
  }
  Sa moved = std::move(found->second);
  sas_.erase(found);
  const auto placed =
      sas_.emplace(SaKey{moved.parameters.spi, moved.parameters.destination.address}, std::move(moved)).first;
  tell("sa_moved", placed->second, now);
  return json::object();
}

json IpsecRegistry::query_sa(const json& request) const {
  const auto reference =
      control_protocol::read_ipsec_sa_reference(request, std::string(command::kIpsecSaQuery));
  const auto found = sas_.find({reference.spi, reference.destination});
  if (found == sas_.end()) {
    throw std::invalid_argument("ipsec_sa_query: no " + sa_name(reference.spi, reference.destination));
  }
  const auto usage = usage_of(found->second.parameters);
  return {{"bytes", usage.bytes}, {"packets", usage.packets}, {"idle_ms", usage.idle_ms}};
}

json IpsecRegistry::delete_sa(const json& request, Clock::time_point now) {
  const auto reference =
      control_protocol::read_ipsec_sa_reference(request, std::string(command::kIpsecSaDelete));
  const auto found = sas_.find({reference.spi, reference.destination});
  if (found == sas_.end()) {
    throw std::invalid_argument("ipsec_sa_delete: no " + sa_name(reference.spi, reference.destination));
  }
  tell("sa_removed", found->second, now);  // with its final counters, read before the backend forgets them
  backend_.remove(reference.spi, found->second.parameters.direction);
  sas_.erase(found);
  return json::object();
}

std::vector<IpsecPolicyMessage>::const_iterator IpsecRegistry::find_policy(
    const IpsecPolicyMessage& policy) const {
  // A policy is known by its direction and selectors; reqid and SPI are what a newer installation changes.
  return std::find_if(policies_.begin(), policies_.end(), [&policy](const IpsecPolicyMessage& known) {
    return known.direction == policy.direction && known.source == policy.source &&
           known.destination == policy.destination;
  });
}

json IpsecRegistry::add_policy(const json& request) {
  auto policy = control_protocol::read_ipsec_policy(request, std::string(command::kIpsecPolicyAdd));
  // charon installs a policy again when a rekey moves it to new SAs: the newer one replaces the older.
  const auto found = find_policy(policy);
  if (found != policies_.end()) {
    policies_[static_cast<size_t>(found - policies_.begin())] = policy;
    return json::object();
  }
  if (policies_.size() >= kMaxPolicies) {
    throw std::invalid_argument("ipsec_policy_add: the fast path holds " + std::to_string(kMaxPolicies) +
                                " policies, its limit");
  }
  policies_.push_back(policy);
  return json::object();
}

json IpsecRegistry::delete_policy(const json& request) {
  const auto policy = control_protocol::read_ipsec_policy(request, std::string(command::kIpsecPolicyDelete));
  const auto found = find_policy(policy);
  if (found == policies_.end()) {
    throw std::invalid_argument("ipsec_policy_delete: no such " +
                                control_protocol::to_string(policy.direction) + " policy");
  }
  policies_.erase(found);
  return json::object();
}

json IpsecRegistry::query_policy(const json& request) const {
  const auto policy = control_protocol::read_ipsec_policy(request, std::string(command::kIpsecPolicyQuery));
  if (find_policy(policy) == policies_.end()) {
    throw std::invalid_argument("ipsec_policy_query: no such " +
                                control_protocol::to_string(policy.direction) + " policy");
  }
  return {{"idle_ms", -1}};
}

json IpsecRegistry::sa_json(const Sa& sa, Clock::time_point now) const {
  const auto& p = sa.parameters;
  const auto usage = usage_of(p);
  return {{"spi", p.spi},
          {"direction", p.direction == IpsecDirection::kInbound ? "in" : "out"},
          {"reqid", p.reqid},
          {"source", endpoint_json(p.source)},
          {"destination", endpoint_json(p.destination)},
          {"udp_encapsulation", p.udp_encapsulation},
          {"cipher", p.key.bytes().size() == 36 ? "aes-gcm-256" : "aes-gcm-128"},
          {"extended_sequence_numbers", p.extended_sequence_numbers},
          {"replay_window", p.replay_window},
          {"installed_s", std::chrono::duration_cast<std::chrono::seconds>(now - sa.installed).count()},
          {"bytes", usage.bytes},
          {"packets", usage.packets},
          {"idle_ms", usage.idle_ms},
          {"soft_limit_reached", usage.soft_limit_reached},
          {"hard_limit_reached", usage.hard_limit_reached},
          {"drops", usage.drops}};
}

json IpsecRegistry::list(Clock::time_point now) const {
  json sas = json::array();
  for (const auto& [key, sa] : sas_) sas.push_back(sa_json(sa, now));
  json policies = json::array();
  for (const auto& policy : policies_) {
    json entry{{"reqid", policy.reqid},
               {"direction", control_protocol::to_string(policy.direction)},
               {"source", selector_json(policy.source)},
               {"destination", selector_json(policy.destination)}};
    if (policy.spi != 0) entry["spi"] = policy.spi;
    policies.push_back(std::move(entry));
  }
  return {
      {"sas", std::move(sas)}, {"policies", std::move(policies)}, {"reserved_spis", reserved_spis_.size()}};
}

}  // namespace torwart::dataplane::live
