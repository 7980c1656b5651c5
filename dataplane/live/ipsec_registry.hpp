#pragma once
// The IPsec SAs and policies charon negotiated, as `torwart run` holds them on its control lcore: the
// answers to the control socket's IPsec commands (dataplane/control_protocol/README.md, "IPsec"), sent by
// charon's torwart plugin. It allocates inbound SPIs, keeps each SA's parameters and keys and each policy,
// and lists them for charon (byte and packet limits) and for people (`torwart ipsec`).
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "dataplane/control_protocol/ipsec_messages.hpp"

namespace torwart::dataplane::live {

// Where the SAs' cryptographic state lives: the fast path's SA table (ipsec_sa_backend.hpp). The registry
// keeps charon's view (addresses, SPIs, policies) and asks the backend for the state workers use.
class IpsecSaBackend {
 public:
  virtual ~IpsecSaBackend() = default;
  // Each returns "" or the reason the fast path refuses.
  virtual std::string install(const control_protocol::IpsecSaMessage& sa) = 0;
  virtual std::string move(const control_protocol::IpsecSaMessage& sa) = 0;  // new outer addresses
  virtual void remove(uint32_t spi, control_protocol::IpsecDirection direction) = 0;

  struct Usage {
    uint64_t bytes = 0;  // inner bytes, as RFC 4301 counts them
    uint64_t packets = 0;
    int64_t idle_ms = -1;  // since the SA last carried a packet; -1: never
    bool soft_limit_reached = false;
    bool hard_limit_reached = false;
    nlohmann::json drops = nlohmann::json::object();  // reason -> count
  };
  virtual std::optional<Usage> usage(uint32_t spi, control_protocol::IpsecDirection direction) const = 0;
};

class IpsecRegistry {
 public:
  using Clock = std::chrono::steady_clock;
  // Bounds against a confused or hostile client of the socket (a town's box has a handful of tunnels; a
  // tunnel holds two SAs, four during a rekey).
  static constexpr size_t kMaxSas = 1024;
  static constexpr size_t kMaxPolicies = 4096;
  static constexpr size_t kMaxReservedSpis = 1024;
  // An allocated SPI no SA took is free again after this (charon gives up on an exchange well before).
  static constexpr std::chrono::seconds kReservation{180};

  // `random` draws SPI candidates (a test may make them predictable); `backend` must outlive the registry.
  IpsecRegistry(std::function<uint32_t()> random, IpsecSaBackend& backend);

  // True for the commands this registry answers.
  static bool handles(const std::string& command);
  // Answers one IPsec command; throws control_protocol::IpsecMessageError for a malformed request and
  // std::invalid_argument for one that contradicts the registry (an unknown SA, a taken SPI).
  nlohmann::json handle(const std::string& command, const nlohmann::json& request, Clock::time_point now);

  // Told of every SA installed ("sa_installed"), moved to new outer addresses ("sa_moved") and removed
  // ("sa_removed", with its final counters), with the SA as `ipsec_sas` lists it: the EVE `ipsec` records
  // of tunnels coming up, being rekeyed and going down.
  using ChangeListener = std::function<void(std::string_view event, const nlohmann::json& sa)>;
  void on_change(ChangeListener listener) { listener_ = std::move(listener); }

  size_t sa_count() const { return sas_.size(); }
  size_t policy_count() const { return policies_.size(); }

 private:
  struct SaKey {
    uint32_t spi;
    config::IpAddress destination;
    auto operator<=>(const SaKey&) const = default;
  };
  struct Sa {
    control_protocol::IpsecSaMessage parameters;
    Clock::time_point installed;
  };

  nlohmann::json allocate_spi(const nlohmann::json& request, Clock::time_point now);
  nlohmann::json add_sa(const nlohmann::json& request, Clock::time_point now);
  nlohmann::json update_sa(const nlohmann::json& request, Clock::time_point now);
  nlohmann::json query_sa(const nlohmann::json& request) const;
  nlohmann::json delete_sa(const nlohmann::json& request, Clock::time_point now);
  nlohmann::json add_policy(const nlohmann::json& request);
  nlohmann::json delete_policy(const nlohmann::json& request);
  nlohmann::json query_policy(const nlohmann::json& request) const;
  nlohmann::json list(Clock::time_point now) const;
  void expire_reservations(Clock::time_point now);
  bool spi_in_use(uint32_t spi) const;
  std::vector<control_protocol::IpsecPolicyMessage>::const_iterator find_policy(
      const control_protocol::IpsecPolicyMessage& policy) const;

  IpsecSaBackend::Usage usage_of(const control_protocol::IpsecSaMessage& sa) const;
  nlohmann::json sa_json(const Sa& sa, Clock::time_point now) const;
  void tell(std::string_view event, const Sa& sa, Clock::time_point now) const {
    if (listener_) listener_(event, sa_json(sa, now));
  }

  std::function<uint32_t()> random_;
  IpsecSaBackend& backend_;
  std::map<uint32_t, Clock::time_point> reserved_spis_;  // SPI -> end of its reservation
  std::map<SaKey, Sa> sas_;
  std::vector<control_protocol::IpsecPolicyMessage> policies_;
  ChangeListener listener_;
};

}  // namespace torwart::dataplane::live
