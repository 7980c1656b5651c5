#include "dataplane/ipsec/sa_table.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <new>

#include <rte_cryptodev.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_malloc.h>

namespace torwart::dataplane::ipsec {
namespace {

// GCM's nonce is salt || IV (RFC 4106 4); rte_ipsec hands the cryptodev 16 bytes at this offset of the
// (unused, synchronous) crypto op, as ipsec-secgw lays it out.
constexpr uint16_t kIvOffset = sizeof(rte_crypto_op) + sizeof(rte_crypto_sym_op);
constexpr uint8_t kDefaultTtl = 64;

uint32_t capacity_slots(uint32_t capacity) {
  uint32_t slots = 16;
  while (slots < capacity * 2) slots <<= 1;
  return slots;
}

uint32_t hash_key(uint32_t spi, Direction direction) {
  // SPIs are random (RFC 4303 2.1) but a peer may count them up: mix before masking.
  uint64_t h = (uint64_t{spi} << 1 | static_cast<uint64_t>(direction)) * 0x9E3779B97F4A7C15ull;
  return static_cast<uint32_t>(h >> 32);
}

// The outer header rte_ipsec copies in front of every outbound packet; it fills the lengths and the IPv4 id.
size_t outer_template(const SaSpec& spec, uint8_t* out) {
  const uint8_t protocol = spec.udp_encapsulation ? IPPROTO_UDP : IPPROTO_ESP;
  if (spec.local.family == Family::kIpv4) {
    rte_ipv4_hdr h{};
    h.version_ihl = 0x45;
    h.time_to_live = kDefaultTtl;
    h.next_proto_id = protocol;
    std::memcpy(&h.src_addr, spec.local.bytes.data(), 4);
    std::memcpy(&h.dst_addr, spec.remote.bytes.data(), 4);
    std::memcpy(out, &h, sizeof(h));
    return sizeof(h);
  }
  rte_ipv6_hdr h{};
  h.vtc_flow = rte_cpu_to_be_32(6u << 28);
  h.proto = protocol;
  h.hop_limits = kDefaultTtl;
  std::memcpy(h.src_addr, spec.local.bytes.data(), 16);
  std::memcpy(h.dst_addr, spec.remote.bytes.data(), 16);
  std::memcpy(out, &h, sizeof(h));
  return sizeof(h);
}

}  // namespace

std::unique_ptr<CryptoDevice> CryptoDevice::open(const std::string& vdev, uint32_t max_sessions,
                                                 std::string& error) {
  int id = rte_cryptodev_get_dev_id(vdev.c_str());
  if (id < 0) {
    // Hot-plugging through the EAL keeps the vdev bus library out of the link line.
    if (rte_eal_hotplug_add("vdev", vdev.c_str(), "") != 0) {
      error = "cryptodev " + vdev + ": creating the vdev failed (is the crypto_ipsec_mb driver installed?)";
      return nullptr;
    }
    id = rte_cryptodev_get_dev_id(vdev.c_str());
    if (id < 0) {
      error = "cryptodev " + vdev + ": created but not found";
      return nullptr;
    }
  }
  const uint8_t dev = static_cast<uint8_t>(id);
  rte_cryptodev_info info{};
  rte_cryptodev_info_get(dev, &info);
  if ((info.feature_flags & RTE_CRYPTODEV_FF_SYM_CPU_CRYPTO) == 0) {
    error = "cryptodev " + vdev + ": no synchronous CPU crypto";
    return nullptr;
  }
  const unsigned session_size = rte_cryptodev_sym_get_private_session_size(dev);
  const std::string pool_name = "esp_ses_" + std::to_string(dev);
  rte_mempool* pool = rte_cryptodev_sym_session_pool_create(pool_name.c_str(), max_sessions, session_size, 0,
                                                            0, SOCKET_ID_ANY);
  if (pool == nullptr) {
    error = "cryptodev " + vdev + ": session pool: " + rte_strerror(rte_errno);
    return nullptr;
  }
  // Sessions need a configured device even though no queue pair ever carries a packet.
  rte_cryptodev_config config{.socket_id = SOCKET_ID_ANY, .nb_queue_pairs = 1, .ff_disable = 0};
  rte_cryptodev_qp_conf qp{.nb_descriptors = 64, .mp_session = pool};
  if (rte_cryptodev_configure(dev, &config) != 0 ||
      rte_cryptodev_queue_pair_setup(dev, 0, &qp, SOCKET_ID_ANY) != 0 || rte_cryptodev_start(dev) != 0) {
    rte_mempool_free(pool);
    error = "cryptodev " + vdev + ": configure/start failed";
    return nullptr;
  }
  return std::unique_ptr<CryptoDevice>(new CryptoDevice(dev, pool));
}

CryptoDevice::~CryptoDevice() {
  rte_cryptodev_stop(id_);
  rte_mempool_free(pool_);
}

void SaState::stats(SaStats& out) const {
  out = SaStats{};
  for (uint32_t w = 0; w < workers_; ++w) {
    const SaCounters& c = counters_[w];
    out.totals.packets += c.packets;
    out.totals.bytes += c.bytes;
    for (unsigned r = 0; r < kEspResultCount; ++r) out.totals.drops[r] += c.drops[r];
  }
  out.last_used = last_used_.load(std::memory_order_relaxed);
  out.lifetime_packets = used_packets_.load(std::memory_order_relaxed);
  out.lifetime_bytes = used_bytes_.load(std::memory_order_relaxed);
  out.soft_expired = soft_expired_.load(std::memory_order_relaxed);
  out.hard_expired = hard_expired_.load(std::memory_order_relaxed);
}

uint32_t SaTableVersion::slot_of(uint32_t spi, Direction direction) const {
  uint32_t slot = hash_key(spi, direction) & mask_;
  while (slots_[slot] != 0) {
    const Entry& e = entries_[slots_[slot] - 1];
    if (e.spi == spi && e.direction == direction) return slot;
    slot = (slot + 1) & mask_;
  }
  return slot;
}

SaState* SaTableVersion::find(uint32_t spi, Direction direction) const {
  const uint32_t slot = slot_of(spi, direction);
  return slots_[slot] == 0 ? nullptr : entries_[slots_[slot] - 1].state;
}

SaState* SaTableVersion::outbound_for(uint32_t reqid) const {
  // Entries keep the order of their addition (publish() appends), so the last match is the newest.
  for (uint32_t i = count_; i > 0; --i) {
    const Entry& e = entries_[i - 1];
    if (e.direction == Direction::kOutbound && e.state->spec().reqid == reqid) return e.state;
  }
  return nullptr;
}

SaState* SaTableVersion::find_inbound(uint32_t spi, uint8_t version, const uint8_t* destination) const {
  const uint32_t slot = slot_of(spi, Direction::kInbound);
  if (slots_[slot] == 0) return nullptr;
  const Entry& e = entries_[slots_[slot] - 1];
  if (version == 4) {
    if (e.local.family != Family::kIpv4 || std::memcmp(e.local.bytes.data(), destination, 4) != 0)
      return nullptr;
  } else if (e.local.family != Family::kIpv6 || std::memcmp(e.local.bytes.data(), destination, 16) != 0) {
    return nullptr;
  }
  return e.state;
}

std::unique_ptr<SaTable> SaTable::create(CryptoDevice& device, const SaTableConfig& config,
                                         std::string& error) {
  if (config.capacity == 0 || config.capacity > (1u << 24)) {
    error = "capacity: must be 1..16777216";
    return nullptr;
  }
  if (config.workers == 0 || config.workers > RTE_MAX_LCORE) {
    error = "workers: must be 1.." + std::to_string(RTE_MAX_LCORE);
    return nullptr;
  }
  std::unique_ptr<SaTable> table(new SaTable(device, config));
  table->publish(0, Direction::kInbound, false, nullptr, nullptr);
  return table;
}

SaTable::~SaTable() {
  reclaim(UINT64_MAX);
  const SaTableVersion* v = current();
  for (uint32_t i = 0; i < v->count_; ++i) destroy_state(v->entries_[i].state);
}

std::string SaTable::build_state(const SaSpec& spec, SaState*& out, void* session) {
  out = nullptr;
  const bool outbound = spec.direction == Direction::kOutbound;
  rte_crypto_sym_xform xform{};
  xform.type = RTE_CRYPTO_SYM_XFORM_AEAD;
  xform.aead.op = outbound ? RTE_CRYPTO_AEAD_OP_ENCRYPT : RTE_CRYPTO_AEAD_OP_DECRYPT;
  xform.aead.algo = RTE_CRYPTO_AEAD_AES_GCM;
  xform.aead.key.data = spec.key.data();
  xform.aead.key.length = spec.key_length;
  xform.aead.iv.offset = kIvOffset;
  xform.aead.iv.length = 12;
  xform.aead.digest_length = 16;
  // RFC 4106 5: the AAD is SPI || sequence number, 8 bytes, or SPI || ESN high || ESN low, 12 bytes.
  xform.aead.aad_length = spec.extended_sequence_numbers ? 12 : 8;

  rte_ipsec_sa_prm prm{};
  prm.crypto_xform = &xform;
  // Outbound: several workers may send on one SA; the atomic counter keeps sequence numbers (and so GCM
  // nonces) unique. Inbound stays single-writer (README.md) and skips the cost.
  prm.flags = outbound ? RTE_IPSEC_SAFLAG_SQN_ATOM : 0;
  rte_security_ipsec_xform& x = prm.ipsec_xform;
  x.spi = spec.spi;
  std::memcpy(&x.salt, spec.salt.data(), 4);  // stays in wire order: it is copied into the nonce as is
  x.options.esn = spec.extended_sequence_numbers ? 1 : 0;
  // rte_ipsec 22.11 adds the UDP header on the way out, but an inbound SA flagged for it gets no ESP offsets
  // at all (its type matches none of sa.c's cases): inbound, decapsulate() skips the UDP header itself.
  x.options.udp_encap = outbound && spec.udp_encapsulation ? 1 : 0;
  x.direction = outbound ? RTE_SECURITY_IPSEC_SA_DIR_EGRESS : RTE_SECURITY_IPSEC_SA_DIR_INGRESS;
  x.proto = RTE_SECURITY_IPSEC_SA_PROTO_ESP;
  x.mode = RTE_SECURITY_IPSEC_SA_MODE_TUNNEL;
  x.tunnel.type =
      spec.local.family == Family::kIpv4 ? RTE_SECURITY_IPSEC_TUNNEL_IPV4 : RTE_SECURITY_IPSEC_TUNNEL_IPV6;
  x.replay_win_sz = spec.replay_window;
  // Outbound rte_ipsec takes the next sequence number to send, inbound the highest one seen.
  x.esn.value = outbound ? spec.initial_sequence + 1 : spec.initial_sequence;
  x.udp.sport = spec.udp_source_port;
  x.udp.dport = spec.udp_destination_port;
  uint8_t header[sizeof(rte_ipv6_hdr)];
  prm.tun.hdr_len = static_cast<uint8_t>(outer_template(spec, header));
  prm.tun.hdr_l3_off = 0;
  prm.tun.hdr = header;
  prm.tun.next_proto = spec.inner_family == Family::kIpv4 ? IPPROTO_IPIP : IPPROTO_IPV6;

  const int sa_size = rte_ipsec_sa_size(&prm);
  if (sa_size < 0) return "rte_ipsec refused the SA parameters";
  void* memory = rte_zmalloc("esp_sa_state", sizeof(SaState), alignof(SaState));
  auto* counters =
      static_cast<SaCounters*>(rte_zmalloc("esp_sa_counters", sizeof(SaCounters) * config_.workers, 64));
  auto* sa = static_cast<rte_ipsec_sa*>(rte_zmalloc("esp_rte_ipsec_sa", sa_size, 64));
  if (memory == nullptr || counters == nullptr || sa == nullptr) {
    rte_free(memory);
    rte_free(counters);
    rte_free(sa);
    return "out of DPDK memory for the SA";
  }
  auto* state = new (memory) SaState();
  for (uint32_t w = 0; w < config_.workers; ++w) new (&counters[w]) SaCounters();
  state->counters_ = counters;
  state->workers_ = config_.workers;
  state->sa_ = sa;
  state->spec_ = spec;
  state->device_ = device_.id();
  state->window_.reset(spec.replay_window, spec.initial_sequence);
  if (rte_ipsec_sa_init(sa, &prm, sa_size) < 0) {
    destroy_state(state);
    return "rte_ipsec_sa_init refused the SA";
  }
  state->crypto_session_ =
      session != nullptr ? session
                         : rte_cryptodev_sym_session_create(device_.id(), &xform, device_.session_pool());
  state->spec_.key.fill(0);
  if (state->crypto_session_ == nullptr) {
    destroy_state(state);
    return std::string("crypto session: ") + rte_strerror(rte_errno) + " (session pool exhausted?)";
  }
  state->session_.sa = sa;
  state->session_.type = RTE_SECURITY_ACTION_TYPE_CPU_CRYPTO;
  state->session_.crypto.ses = static_cast<rte_cryptodev_sym_session*>(state->crypto_session_);
  state->session_.crypto.dev_id = device_.id();
  if (rte_ipsec_session_prepare(&state->session_) != 0) {
    if (session != nullptr) state->crypto_session_ = nullptr;  // still the predecessor's
    destroy_state(state);
    return "rte_ipsec_session_prepare refused the session";
  }
  out = state;
  return {};
}

void SaTable::destroy_state(SaState* state) {
  if (state == nullptr) return;
  if (state->crypto_session_ != nullptr)
    rte_cryptodev_sym_session_free(state->device_, state->crypto_session_);
  if (state->sa_ != nullptr) {
    rte_ipsec_sa_fini(state->sa_);
    rte_free(state->sa_);
  }
  rte_free(state->counters_);
  state->~SaState();
  rte_free(state);
}

void SaTable::publish(uint32_t spi, Direction direction, bool drop, SaState* added, SaState* retired_state,
                      const Address* added_local) {
  auto next = std::make_unique<SaTableVersion>();
  next->generation_ = ++generation_;
  next->entries_ = std::make_unique<SaTableVersion::Entry[]>(config_.capacity);
  const uint32_t slots = capacity_slots(config_.capacity);
  next->slots_ = std::make_unique<uint32_t[]>(slots);
  next->mask_ = slots - 1;
  auto insert = [&](const SaTableVersion::Entry& e) {
    const uint32_t slot = next->slot_of(e.spi, e.direction);
    next->entries_[next->count_] = e;
    next->slots_[slot] = ++next->count_;
  };
  if (const SaTableVersion* old = current()) {
    for (uint32_t i = 0; i < old->count_; ++i) {
      const SaTableVersion::Entry& e = old->entries_[i];
      if (drop && e.spi == spi && e.direction == direction) continue;
      insert(e);
    }
  }
  if (added != nullptr) {
    insert({added->spec().spi, added->spec().direction,
            added_local != nullptr ? *added_local : added->spec().local, added});
  }
  const SaTableVersion* published = next.get();
  current_.store(published, std::memory_order_release);
  if (owned_current_ != nullptr || retired_state != nullptr) {
    retired_.push_back(Retired{generation_, std::move(owned_current_), retired_state});
  }
  owned_current_ = std::move(next);
}

std::string SaTable::add(const SaSpec& spec) {
  if (std::string e = validate(spec); !e.empty()) return e;
  if (current()->find(spec.spi, spec.direction) != nullptr) {
    return "spi: " + std::to_string(spec.spi) + " " + direction_name(spec.direction) + " exists already";
  }
  if (current()->size() >= config_.capacity) {
    return "spi: table full (" + std::to_string(config_.capacity) + " SAs)";
  }
  SaState* state = nullptr;
  if (std::string e = build_state(spec, state); !e.empty()) return e;
  publish(spec.spi, spec.direction, false, state, nullptr);
  return {};
}

uint64_t SaTable::supersede(SaState* old) {
  // Sequentially consistent with encapsulate()'s check and reservation: a call that has not seen the flag
  // reserves at most one burst after the load below, so one burst per worker beyond it is never used.
  old->superseded_.store(true, std::memory_order_seq_cst);
  const uint64_t reserved = old->sequence_reserved_.load(std::memory_order_seq_cst);
  return old->spec_.initial_sequence + reserved + uint64_t{config_.workers} * kMaxEspBurst;
}

std::string SaTable::replace(const SaSpec& spec) {
  if (std::string e = validate(spec); !e.empty()) return e;
  SaState* old = current()->find(spec.spi, spec.direction);
  if (old == nullptr) {
    return "spi: " + std::to_string(spec.spi) + " " + direction_name(spec.direction) + " does not exist";
  }
  SaSpec next = spec;
  if (spec.direction == Direction::kOutbound) {
    next.initial_sequence = std::max(spec.initial_sequence, supersede(old));
    if (std::string e = validate(next); !e.empty()) {
      old->superseded_.store(false, std::memory_order_seq_cst);
      return e + " (the SA's sequence numbers are used up: rekey with a new SPI)";
    }
  }
  SaState* state = nullptr;
  if (std::string e = build_state(next, state); !e.empty()) {
    old->superseded_.store(false, std::memory_order_seq_cst);
    return e;
  }
  publish(spec.spi, spec.direction, true, state, old);
  return {};
}

std::string SaTable::update(const SaSpec& spec) {
  if (std::string e = validate(spec); !e.empty()) return e;
  const SaTableVersion* version = current();
  const uint32_t slot = version->slot_of(spec.spi, spec.direction);
  if (version->slots_[slot] == 0) {
    return "spi: " + std::to_string(spec.spi) + " " + direction_name(spec.direction) + " does not exist";
  }
  SaState* old = version->entries_[version->slots_[slot] - 1].state;
  if (spec.direction == Direction::kInbound) {
    // The remote end and UDP ports are not used inbound; the local address is only the lookup's.
    publish(spec.spi, spec.direction, true, old, nullptr, &spec.local);
    return {};
  }
  SaSpec next = old->spec_;
  next.local = spec.local;
  next.remote = spec.remote;
  next.udp_encapsulation = spec.udp_encapsulation;
  next.udp_source_port = spec.udp_source_port;
  next.udp_destination_port = spec.udp_destination_port;
  next.initial_sequence = supersede(old);
  if (std::string e = validate(next); !e.empty()) {
    old->superseded_.store(false, std::memory_order_seq_cst);
    return e + " (the SA's sequence numbers are used up: rekey with a new SPI)";
  }
  SaState* state = nullptr;
  if (std::string e = build_state(next, state, old->crypto_session_); !e.empty()) {
    old->superseded_.store(false, std::memory_order_seq_cst);
    return e;
  }
  // The successor owns the session now; the old state, retired below, is freed no later than it.
  old->crypto_session_ = nullptr;
  state->used_packets_.store(old->used_packets_.load());
  state->used_bytes_.store(old->used_bytes_.load());
  state->last_used_.store(old->last_used_.load());
  state->soft_expired_.store(old->soft_expired_.load());
  state->hard_expired_.store(old->hard_expired_.load());
  SaStats totals;
  old->stats(totals);
  state->counters_[0] = totals.totals;  // workers still on the old version until the grace period add to it
  publish(spec.spi, spec.direction, true, state, old);
  return {};
}

std::string SaTable::remove(uint32_t spi, Direction direction) {
  SaState* old = current()->find(spi, direction);
  if (old == nullptr) {
    return "spi: " + std::to_string(spi) + " " + direction_name(direction) + " does not exist";
  }
  publish(spi, direction, true, nullptr, old);
  return {};
}

void SaTable::reclaim(uint64_t through) {
  size_t kept = 0;
  for (Retired& r : retired_) {
    if (r.generation <= through) {
      destroy_state(r.state);
      r.version.reset();
    } else {
      if (&retired_[kept] != &r) retired_[kept] = std::move(r);
      ++kept;
    }
  }
  retired_.resize(kept);
}

bool SaTable::stats(uint32_t spi, Direction direction, SaStats& out) const {
  const SaState* state = current()->find(spi, direction);
  if (state == nullptr) return false;
  state->stats(out);
  return true;
}

}  // namespace torwart::dataplane::ipsec
