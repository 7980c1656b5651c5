#include "dataplane/live/ipsec_sa_backend.hpp"

#include <string.h>

#include <algorithm>

#include "dataplane/ipsec/esp_result.hpp"

namespace torwart::dataplane::live {

namespace {

using control_protocol::IpsecDirection;

ipsec::Address address_of(const config::IpAddress& address) {
  ipsec::Address converted;
  converted.family = address.is_v4() ? ipsec::Family::kIpv4 : ipsec::Family::kIpv6;
  converted.bytes = address.bytes;
  return converted;
}

ipsec::Direction direction_of(IpsecDirection direction) {
  return direction == IpsecDirection::kInbound ? ipsec::Direction::kInbound : ipsec::Direction::kOutbound;
}

// Wipes a spec's key material when it goes out of scope.
struct WipedSpec {
  ipsec::SaSpec spec;
  ~WipedSpec() {
    explicit_bzero(spec.key.data(), spec.key.size());
    explicit_bzero(spec.salt.data(), spec.salt.size());
  }
};

}  // namespace

ipsec::SaSpec sa_spec_of(const control_protocol::IpsecSaMessage& sa) {
  ipsec::SaSpec spec;
  spec.spi = sa.spi;
  spec.reqid = sa.reqid;
  spec.direction = direction_of(sa.direction);
  const auto& key = sa.key.bytes();
  // IKEv2's KEYMAT for AES-GCM is the key followed by the 4-byte salt (RFC 4106 §8.1); the message reader
  // admitted 20 and 36 bytes only.
  const size_t key_bytes = key.size() >= 4 ? key.size() - 4 : 0;
  spec.cipher = key_bytes == 16 ? ipsec::Cipher::kAesGcm128 : ipsec::Cipher::kAesGcm256;
  spec.key_length = static_cast<uint8_t>(std::min<size_t>(key_bytes, spec.key.size()));
  std::copy_n(key.begin(), spec.key_length, spec.key.begin());
  if (key.size() >= 4) std::copy_n(key.end() - 4, 4, spec.salt.begin());
  // charon names source and destination as the packets travel; the table wants the box's side.
  const bool inbound = sa.direction == IpsecDirection::kInbound;
  spec.local = address_of(inbound ? sa.destination.address : sa.source.address);
  spec.remote = address_of(inbound ? sa.source.address : sa.destination.address);
  spec.inner_family = sa.inner_family == config::Family::kIpv6 ? ipsec::Family::kIpv6 : ipsec::Family::kIpv4;
  spec.udp_encapsulation = sa.udp_encapsulation;
  spec.udp_source_port = sa.source.port;
  spec.udp_destination_port = sa.destination.port;
  spec.extended_sequence_numbers = sa.extended_sequence_numbers;
  spec.replay_window = inbound ? sa.replay_window : 0;
  spec.lifetime = {sa.bytes.soft, sa.bytes.hard, sa.packets.soft, sa.packets.hard};
  return spec;
}

FastPathSaBackend::FastPathSaBackend(uint32_t workers, rte_rcu_qsbr* qsbr, std::function<uint64_t()> now_ns)
    : workers_(workers), qsbr_(qsbr), now_ns_(std::move(now_ns)) {}

FastPathSaBackend::~FastPathSaBackend() {
  // The table's sessions come from the device's pool: the table goes first.
  table_.reset();
  device_.reset();
}

std::string FastPathSaBackend::open() {
  if (table_) return "";
  std::string error;
  if (!device_) {
    device_ = ipsec::CryptoDevice::open("crypto_aesni_gcm0", kSessions, error);
    if (!device_) return "the AES-GCM crypto device could not be opened: " + error;
  }
  table_ = ipsec::SaTable::create(*device_, {kCapacity, workers_}, error);
  if (!table_) return "the SA table could not be created: " + error;
  return "";
}

void FastPathSaBackend::retire_replaced() {
  // Workers may still be inside a burst on the version before this change; the snapshot swaps wait the same
  // way (runtime.cpp, install()).
  const uint64_t generation = table_->generation();
  if (qsbr_ != nullptr) rte_rcu_qsbr_synchronize(qsbr_, RTE_QSBR_THRID_INVALID);
  table_->reclaim(generation);
}

std::string FastPathSaBackend::install(const control_protocol::IpsecSaMessage& sa) {
  if (std::string refused = open(); !refused.empty()) return refused;
  const WipedSpec wiped{sa_spec_of(sa)};
  if (std::string refused = ipsec::validate(wiped.spec); !refused.empty()) return refused;
  std::string refused = table_->add(wiped.spec);
  if (refused.empty()) retire_replaced();
  return refused;
}

std::string FastPathSaBackend::move(const control_protocol::IpsecSaMessage& sa) {
  if (!table_) return "no SA is installed";
  const WipedSpec wiped{sa_spec_of(sa)};
  std::string refused = table_->update(wiped.spec);
  if (refused.empty()) retire_replaced();
  return refused;
}

void FastPathSaBackend::remove(uint32_t spi, IpsecDirection direction) {
  if (!table_) return;
  if (table_->remove(spi, direction_of(direction)).empty()) retire_replaced();
}

std::optional<IpsecSaBackend::Usage> FastPathSaBackend::usage(uint32_t spi, IpsecDirection direction) const {
  if (!table_) return std::nullopt;
  ipsec::SaStats stats;
  if (!table_->stats(spi, direction_of(direction), stats)) return std::nullopt;
  Usage usage;
  usage.packets = stats.totals.packets;
  usage.bytes = stats.totals.bytes;
  if (stats.last_used != 0) {
    const uint64_t now = now_ns_();
    usage.idle_ms = now > stats.last_used ? static_cast<int64_t>((now - stats.last_used) / 1'000'000) : 0;
  }
  usage.soft_limit_reached = stats.soft_expired;
  usage.hard_limit_reached = stats.hard_expired;
  for (unsigned reason = 0; reason < ipsec::kEspResultCount; ++reason) {
    if (stats.totals.drops[reason] != 0) {
      usage.drops[ipsec::esp_result_name(static_cast<ipsec::EspResult>(reason))] = stats.totals.drops[reason];
    }
  }
  return usage;
}

}  // namespace torwart::dataplane::live
