#include "dataplane/control_protocol/ipsec_messages.hpp"

#include <cstring>
#include <limits>
#include <optional>

namespace torwart::control_protocol {

namespace {

using nlohmann::json;

// The reply's error line; the problems themselves go into its details.
std::string summary(const std::string& command, const std::vector<std::string>& problems) {
  return command + " refused (" + std::to_string(problems.size()) +
         (problems.size() == 1 ? " problem)" : " problems)");
}

// Reads fields of one request and collects every problem, so that one reply names them all.
class FieldReader {
 public:
  FieldReader(const json& request, std::string command) : command_(std::move(command)) {
    if (!request.is_object()) problems_.push_back("the request is not an object");
  }

  const json* field(const json& object, const std::string& name, const std::string& path,
                    bool required = true) {
    if (!object.is_object() || !object.contains(name)) {
      if (required) problems_.push_back(path + ": missing");
      return nullptr;
    }
    return &object[name];
  }

  template <typename Integer>
  std::optional<Integer> integer(const json& object, const std::string& name, const std::string& path,
                                 Integer minimum, Integer maximum, bool required = true) {
    const json* value = field(object, name, path, required);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number_unsigned() && !(value->is_number_integer() && value->get<int64_t>() >= 0)) {
      problems_.push_back(path + ": not a non-negative integer");
      return std::nullopt;
    }
    const auto number = value->get<uint64_t>();
    if (number < static_cast<uint64_t>(minimum) || number > static_cast<uint64_t>(maximum)) {
      problems_.push_back(path + ": " + std::to_string(number) + " is outside " + std::to_string(minimum) +
                          ".." + std::to_string(maximum));
      return std::nullopt;
    }
    return static_cast<Integer>(number);
  }

  std::optional<bool> boolean(const json& object, const std::string& name, const std::string& path) {
    const json* value = field(object, name, path, false);
    if (value == nullptr) return false;
    if (!value->is_boolean()) {
      problems_.push_back(path + ": not true or false");
      return std::nullopt;
    }
    return value->get<bool>();
  }

  std::optional<std::string> text(const json& object, const std::string& name, const std::string& path) {
    const json* value = field(object, name, path);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string()) {
      problems_.push_back(path + ": not text");
      return std::nullopt;
    }
    return value->get<std::string>();
  }

  std::optional<config::IpAddress> address(const json& object, const std::string& name,
                                           const std::string& path) {
    const auto value = text(object, name, path);
    if (!value) return std::nullopt;
    auto parsed = config::IpAddress::parse(*value);
    if (!parsed) problems_.push_back(path + ": '" + *value + "' is not an IPv4 or IPv6 address");
    return parsed;
  }

  std::optional<IpsecEndpoint> endpoint(const json& object, const std::string& name,
                                        const std::string& path) {
    const json* value = field(object, name, path);
    if (value == nullptr) return std::nullopt;
    if (!value->is_object()) {
      problems_.push_back(path + ": not an object with address and port");
      return std::nullopt;
    }
    const auto address_value = address(*value, "address", path + ".address");
    const auto port = integer<uint16_t>(*value, "port", path + ".port", 1, 65535, false);
    if (!address_value) return std::nullopt;
    return IpsecEndpoint{*address_value, port.value_or(0)};
  }

  std::optional<IpsecSelector> selector(const json& object, const std::string& name,
                                        const std::string& path) {
    const json* value = field(object, name, path);
    if (value == nullptr) return std::nullopt;
    IpsecSelector selector;
    const auto from = address(*value, "from", path + ".from");
    const auto to = address(*value, "to", path + ".to");
    const auto protocol = integer<uint8_t>(*value, "protocol", path + ".protocol", 0, 255, false);
    const json* ports = field(*value, "ports", path + ".ports", false);
    if (ports != nullptr) {
      if (!ports->is_array() || ports->size() != 2 || !(*ports)[0].is_number_unsigned() ||
          !(*ports)[1].is_number_unsigned() || (*ports)[0].get<uint64_t>() > 65535 ||
          (*ports)[1].get<uint64_t>() > 65535 || (*ports)[0].get<uint64_t>() > (*ports)[1].get<uint64_t>()) {
        problems_.push_back(path + ".ports: not [first, last] with 0 <= first <= last <= 65535");
      } else {
        selector.from_port = (*ports)[0].get<uint16_t>();
        selector.to_port = (*ports)[1].get<uint16_t>();
      }
    }
    if (!from || !to) return std::nullopt;
    if (from->family != to->family) {
      problems_.push_back(path + ": from and to are of different address families");
      return std::nullopt;
    }
    if (to->bytes < from->bytes) {
      problems_.push_back(path + ": from " + from->to_string() + " is above to " + to->to_string());
      return std::nullopt;
    }
    selector.from = *from;
    selector.to = *to;
    selector.protocol = protocol.value_or(0);
    return selector;
  }

  void problem(std::string text) { problems_.push_back(std::move(text)); }

  // Throws when any problem was found.
  void finish() const {
    if (!problems_.empty()) throw IpsecMessageError(command_, problems_);
  }

 private:
  std::string command_;
  std::vector<std::string> problems_;
};

std::optional<std::vector<uint8_t>> hex_bytes(const std::string& text) {
  if (text.size() % 2 != 0) return std::nullopt;
  std::vector<uint8_t> bytes;
  bytes.reserve(text.size() / 2);
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); i += 2) {
    const int high = digit(text[i]);
    const int low = digit(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes.push_back(static_cast<uint8_t>(high << 4 | low));
  }
  return bytes;
}

std::optional<IpsecLimit> limit(FieldReader& reader, const json& limits, const std::string& name) {
  const std::string path = "limits." + name;
  const json* value = reader.field(limits, name, path, false);
  if (value == nullptr) return IpsecLimit{};
  constexpr auto kMax = std::numeric_limits<uint64_t>::max();
  const auto soft = reader.integer<uint64_t>(*value, "soft", path + ".soft", 0, kMax, false);
  const auto hard = reader.integer<uint64_t>(*value, "hard", path + ".hard", 0, kMax, false);
  IpsecLimit result{soft.value_or(0), hard.value_or(0)};
  if (result.soft != 0 && result.hard != 0 && result.soft > result.hard) {
    reader.problem(path + ": the soft limit " + std::to_string(result.soft) + " is above the hard limit " +
                   std::to_string(result.hard));
  }
  return result;
}

}  // namespace

IpsecMessageError::IpsecMessageError(const std::string& command, std::vector<std::string> list)
    : std::runtime_error(summary(command, list)), problems(std::move(list)) {}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : bytes_(std::move(other.bytes_)) {
  other.wipe();
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    bytes_ = std::move(other.bytes_);
    other.wipe();
  }
  return *this;
}

SecretBytes::~SecretBytes() {
  wipe();
}

void SecretBytes::wipe() {
  if (!bytes_.empty()) explicit_bzero(bytes_.data(), bytes_.size());
  bytes_.clear();
}

IpsecSpiRequest read_ipsec_spi_request(const json& request) {
  FieldReader reader(request, "ipsec_spi");
  const auto source = reader.address(request, "source", "source");
  const auto destination = reader.address(request, "destination", "destination");
  reader.finish();
  return {*source, *destination};
}

IpsecSaMessage read_ipsec_sa_add(const json& request) {
  FieldReader reader(request, "ipsec_sa_add");
  IpsecSaMessage sa;
  // SPIs 1..255 are reserved by IANA (RFC 4303 §2.1).
  const auto spi = reader.integer<uint32_t>(request, "spi", "spi", 256, std::numeric_limits<uint32_t>::max());
  const auto direction = reader.text(request, "direction", "direction");
  if (direction && *direction != "in" && *direction != "out") {
    reader.problem("direction: '" + *direction + "' is neither in nor out");
  }
  const auto reqid =
      reader.integer<uint32_t>(request, "reqid", "reqid", 1, std::numeric_limits<uint32_t>::max());
  const auto source = reader.endpoint(request, "source", "source");
  const auto destination = reader.endpoint(request, "destination", "destination");
  const auto encapsulation = reader.boolean(request, "udp_encapsulation", "udp_encapsulation");
  const auto inner_family = reader.integer<uint8_t>(request, "inner_family", "inner_family", 4, 6);
  if (inner_family && *inner_family == 5) reader.problem("inner_family: 5 is neither 4 nor 6");
  const auto esn = reader.boolean(request, "extended_sequence_numbers", "extended_sequence_numbers");
  const auto window = reader.integer<uint32_t>(request, "replay_window", "replay_window", 0, 4096);
  if (window && *window != 0 && *window < 64) {
    reader.problem(
        "replay_window: " + std::to_string(*window) +
        " is below 64 (RFC 4303 §3.4.3 asks for at least 32, torwart for 64; 0 turns the check off)");
  }
  const auto integrity =
      reader.integer<uint16_t>(request, "integrity_algorithm", "integrity_algorithm", 0, 65535);
  if (integrity && *integrity != 0) {
    reader.problem(
        "integrity_algorithm: " + std::to_string(*integrity) +
        ": the fast path implements AES-GCM (an AEAD cipher, no separate integrity algorithm) only");
  }
  if (const json* encryption = reader.field(request, "encryption", "encryption")) {
    const auto algorithm =
        reader.integer<uint16_t>(*encryption, "algorithm", "encryption.algorithm", 0, 65535);
    if (algorithm && *algorithm != kEncryptionAesGcm16) {
      reader.problem("encryption.algorithm: transform " + std::to_string(*algorithm) +
                     " is not AES-GCM with a 16-byte ICV (20), the only ESP cipher the fast path implements");
    }
    if (const auto key_text = reader.text(*encryption, "key", "encryption.key")) {
      auto key = hex_bytes(*key_text);
      if (!key) {
        reader.problem("encryption.key: not an even number of hexadecimal digits");
      } else if (key->size() != 20 && key->size() != 36) {
        reader.problem("encryption.key: " + std::to_string(key->size()) +
                       " bytes; AES-GCM-128 or -256 with its 4-byte salt takes 20 or 36 (BSI TR-02102-3: no "
                       "AES-192)");
        explicit_bzero(key->data(), key->size());
      } else {
        sa.key = SecretBytes(std::move(*key));
      }
    }
    if (algorithm) sa.encryption_algorithm = *algorithm;
  }
  std::optional<IpsecLimit> bytes;
  std::optional<IpsecLimit> packets;
  if (const json* limits = reader.field(request, "limits", "limits", false)) {
    bytes = limit(reader, *limits, "bytes");
    packets = limit(reader, *limits, "packets");
  }
  if (source && destination) {
    if (source->address.family != destination->address.family) {
      reader.problem("source, destination: the outer addresses are of different families");
    }
    if (encapsulation.value_or(false) && (source->port == 0 || destination->port == 0)) {
      reader.problem("source.port, destination.port: a UDP-encapsulated SA needs both ports (RFC 3948)");
    }
    if (!encapsulation.value_or(false) && (source->port != 0 || destination->port != 0)) {
      reader.problem("source.port, destination.port: ports are given but udp_encapsulation is false");
    }
  }
  reader.finish();
  sa.spi = *spi;
  sa.direction = *direction == "in" ? IpsecDirection::kInbound : IpsecDirection::kOutbound;
  sa.reqid = *reqid;
  sa.source = *source;
  sa.destination = *destination;
  sa.udp_encapsulation = *encapsulation;
  sa.inner_family = *inner_family == 6 ? config::Family::kIpv6 : config::Family::kIpv4;
  sa.extended_sequence_numbers = *esn;
  sa.replay_window = *window;
  if (bytes) sa.bytes = *bytes;
  if (packets) sa.packets = *packets;
  return sa;
}

IpsecSaReference read_ipsec_sa_reference(const json& request, const std::string& command) {
  FieldReader reader(request, command);
  const auto spi = reader.integer<uint32_t>(request, "spi", "spi", 256, std::numeric_limits<uint32_t>::max());
  const auto destination = reader.address(request, "destination", "destination");
  reader.finish();
  return {*spi, *destination};
}

IpsecSaUpdateMessage read_ipsec_sa_update(const json& request) {
  FieldReader reader(request, "ipsec_sa_update");
  const auto spi = reader.integer<uint32_t>(request, "spi", "spi", 256, std::numeric_limits<uint32_t>::max());
  const auto destination = reader.address(request, "destination", "destination");
  const auto new_source = reader.endpoint(request, "new_source", "new_source");
  const auto new_destination = reader.endpoint(request, "new_destination", "new_destination");
  const auto encapsulation = reader.boolean(request, "udp_encapsulation", "udp_encapsulation");
  if (new_source && new_destination && encapsulation &&
      *encapsulation != (new_source->port != 0 && new_destination->port != 0)) {
    reader.problem(
        "new_source.port, new_destination.port: both are needed exactly when udp_encapsulation is true");
  }
  reader.finish();
  return {{*spi, *destination}, *new_source, *new_destination, *encapsulation};
}

IpsecPolicyMessage read_ipsec_policy(const json& request, const std::string& command) {
  FieldReader reader(request, command);
  IpsecPolicyMessage policy;
  const auto reqid =
      reader.integer<uint32_t>(request, "reqid", "reqid", 0, std::numeric_limits<uint32_t>::max());
  const auto direction = reader.text(request, "direction", "direction");
  if (direction && *direction != "in" && *direction != "out" && *direction != "fwd") {
    reader.problem("direction: '" + *direction + "' is not in, out or fwd");
  }
  const auto source = reader.selector(request, "source", "source");
  const auto destination = reader.selector(request, "destination", "destination");
  const auto spi =
      reader.integer<uint32_t>(request, "spi", "spi", 256, std::numeric_limits<uint32_t>::max(), false);
  if (source && destination && source->from.family != destination->from.family) {
    reader.problem("source, destination: the selectors are of different address families");
  }
  reader.finish();
  policy.reqid = *reqid;
  policy.direction = *direction == "in"    ? IpsecPolicyDirection::kIn
                     : *direction == "out" ? IpsecPolicyDirection::kOut
                                           : IpsecPolicyDirection::kForward;
  policy.source = *source;
  policy.destination = *destination;
  policy.spi = spi.value_or(0);
  return policy;
}

std::string to_string(IpsecPolicyDirection direction) {
  switch (direction) {
    case IpsecPolicyDirection::kIn:
      return "in";
    case IpsecPolicyDirection::kOut:
      return "out";
    case IpsecPolicyDirection::kForward:
      return "fwd";
  }
  return "?";
}

}  // namespace torwart::control_protocol
