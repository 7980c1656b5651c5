#pragma once
// The IPsec commands of the control socket (README.md, "IPsec") read into checked values: what charon's
// torwart plugin (controlplane/vpn/charon_plugin) sends for each kernel-ipsec call. Every field is checked
// here, at the edge; a refusal names the field and the reason. Key material is wiped when its value dies.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "rules/config/ip_address.hpp"

namespace torwart::control_protocol {

// A refused IPsec request: one "field: reason" per problem.
struct IpsecMessageError : std::runtime_error {
  IpsecMessageError(const std::string& command, std::vector<std::string> problems);
  std::vector<std::string> problems;
};

// Bytes that must not outlive their use (ESP keys): wiped on destruction and on move.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes();
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  void wipe();
  std::vector<uint8_t> bytes_;
};

enum class IpsecDirection : uint8_t { kInbound, kOutbound };

struct IpsecEndpoint {
  config::IpAddress address;
  uint16_t port = 0;  // UDP port of an encapsulated SA (RFC 3948), else 0
};

// IKEv2 transform IDs (RFC 7296 §3.3.2, IANA "Transform Type 1"): the fast path implements AES-GCM with a
// 16-byte ICV (RFC 4106), key lengths 128 and 256 bits (BSI TR-02102-3).
inline constexpr uint16_t kEncryptionAesGcm16 = 20;

struct IpsecLimit {
  uint64_t soft = 0;  // 0: none
  uint64_t hard = 0;
};

struct IpsecSaMessage {
  uint32_t spi = 0;
  IpsecDirection direction = IpsecDirection::kInbound;
  uint32_t reqid = 0;
  IpsecEndpoint source;
  IpsecEndpoint destination;
  bool udp_encapsulation = false;
  // The family of the packets inside (the SA's traffic selectors): ESP's next header is fixed per SA.
  config::Family inner_family = config::Family::kIpv4;
  uint16_t encryption_algorithm = 0;
  SecretBytes key;  // AES key and the 4-byte salt (RFC 4106 §8.1)
  bool extended_sequence_numbers = false;
  uint32_t replay_window = 0;
  IpsecLimit bytes;
  IpsecLimit packets;
};

// A traffic selector: an address range, a protocol (0: any) and a port range.
struct IpsecSelector {
  config::IpAddress from;
  config::IpAddress to;
  uint8_t protocol = 0;
  uint16_t from_port = 0;
  uint16_t to_port = 65535;
  bool operator==(const IpsecSelector&) const = default;
};

enum class IpsecPolicyDirection : uint8_t { kIn, kOut, kForward };

struct IpsecPolicyMessage {
  uint32_t reqid = 0;
  IpsecPolicyDirection direction = IpsecPolicyDirection::kOut;
  IpsecSelector source;
  IpsecSelector destination;
  uint32_t spi = 0;  // 0: not named
};

// (spi, destination): how charon names an SA in update, query and delete.
struct IpsecSaReference {
  uint32_t spi = 0;
  config::IpAddress destination;
};

struct IpsecSaUpdateMessage {
  IpsecSaReference sa;
  IpsecEndpoint new_source;
  IpsecEndpoint new_destination;
  bool udp_encapsulation = false;
};

struct IpsecSpiRequest {
  config::IpAddress source;
  config::IpAddress destination;
};

// Each throws IpsecMessageError listing every problem of the request.
IpsecSpiRequest read_ipsec_spi_request(const nlohmann::json& request);
IpsecSaMessage read_ipsec_sa_add(const nlohmann::json& request);
IpsecSaUpdateMessage read_ipsec_sa_update(const nlohmann::json& request);
IpsecSaReference read_ipsec_sa_reference(const nlohmann::json& request, const std::string& command);
IpsecPolicyMessage read_ipsec_policy(const nlohmann::json& request, const std::string& command);

std::string to_string(IpsecPolicyDirection direction);

}  // namespace torwart::control_protocol
