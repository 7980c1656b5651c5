#pragma once
// The SA database the workers read and the control lcore changes (README.md in this folder).
//
// A SaTableVersion is immutable once published: the control lcore builds the next one next to it and swaps a
// pointer; workers load that pointer once per burst. Everything that changes per packet - sequence counter,
// replay window, lifetime use, counters - lives in a SaState of its own, which an unchanged SA carries over
// from version to version. What a change retires (the old version, removed states) is freed by reclaim()
// once every worker has passed a quiescent state after the change (the caller's rte_rcu_qsbr).
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <rte_ipsec.h>
#include <rte_mempool.h>

#include "dataplane/ipsec/esp_result.hpp"
#include "dataplane/ipsec/esp_wire.hpp"
#include "dataplane/ipsec/sa_spec.hpp"

namespace torwart::dataplane::ipsec {

inline constexpr uint16_t kMaxEspBurst = 64;  // encapsulate/decapsulate take longer bursts in pieces of this

// The AES-GCM cryptodev (crypto_aesni_gcm vdev, used only through the synchronous CPU-crypto call) and the
// mempool of its sessions. One per process, opened on the control lcore after rte_eal_init.
class CryptoDevice {
 public:
  // `vdev` (e.g. crypto_aesni_gcm0) is hot-plugged on the vdev bus unless a device of that name exists.
  // `max_sessions` bounds the SAs alive at once, retired ones included (one session each).
  static std::unique_ptr<CryptoDevice> open(const std::string& vdev, uint32_t max_sessions,
                                            std::string& error);
  ~CryptoDevice();
  CryptoDevice(const CryptoDevice&) = delete;
  CryptoDevice& operator=(const CryptoDevice&) = delete;

  uint8_t id() const { return id_; }
  rte_mempool* session_pool() const { return pool_; }

 private:
  CryptoDevice(uint8_t id, rte_mempool* pool) : id_(id), pool_(pool) {}
  uint8_t id_;
  rte_mempool* pool_;
};

// One worker's counters of one SA; a cache line of its own so that workers never share one.
struct alignas(64) SaCounters {
  uint64_t packets = 0;  // processed successfully
  uint64_t bytes = 0;    // inner (plaintext) IP bytes of those
  uint64_t drops[kEspResultCount] = {};
};

// What the control lcore reports to charon about one SA.
struct SaStats {
  SaCounters totals;       // summed over the workers
  uint64_t last_used = 0;  // the burst clock of the last burst that had a good packet (0: never)
  uint64_t lifetime_packets = 0;
  uint64_t lifetime_bytes = 0;
  bool soft_expired = false;
  bool hard_expired = false;
};

// One SA's crypto session and mutable state. Created and destroyed by SaTable on the control lcore; workers
// use it through encapsulate()/decapsulate() (esp.hpp).
class SaState {
 public:
  // As added, with the key bytes wiped once the session holds them. After SaTable::update() of an inbound
  // SA, the local address that counts is the table's (SaTableVersion::find_inbound).
  const SaSpec& spec() const { return spec_; }
  void stats(SaStats& out) const;

 private:
  friend class SaTable;
  friend struct EspAccess;
  SaState() = default;

  rte_ipsec_session session_{};
  rte_ipsec_sa* sa_ = nullptr;
  void* crypto_session_ = nullptr;  // owned; null once a successor took it over (update())
  uint8_t device_ = 0;
  SaSpec spec_;
  uint32_t workers_ = 0;
  SaCounters* counters_ = nullptr;  // [workers_]
  // Shared by every worker that uses the SA (outbound: several): touched once per burst, not per packet.
  alignas(64) std::atomic<uint64_t> used_packets_{0};
  std::atomic<uint64_t> used_bytes_{0};
  std::atomic<uint64_t> last_used_{0};
  std::atomic<bool> soft_expired_{false};
  std::atomic<bool> hard_expired_{false};
  // Outbound: set when another state took this SA's place; then no more packets (their nonces could repeat
  // the successor's). Sequence numbers handed to rte_ipsec so far, to start the successor beyond them.
  std::atomic<bool> superseded_{false};
  std::atomic<uint64_t> sequence_reserved_{0};
  // Inbound only, written by the one worker that decapsulates this SA (esp_wire.hpp says why rte_ipsec's own
  // window is not enough). Its highest() also drives the ESN high-half inference.
  alignas(64) ReplayWindow window_;
};

// An immutable set of SAs: what a worker looks up in during one burst.
class SaTableVersion {
 public:
  SaState* find(uint32_t spi, Direction direction) const;
  // Inbound: by SPI, then the outer destination must be the SA's local address (version 4 or 6, 4 or 16
  // bytes at `destination`).
  SaState* find_inbound(uint32_t spi, uint8_t version, const uint8_t* destination) const;
  // The outbound SA charon installed last for `reqid` (a tunnel's CHILD_SA), or null: after a rekey the new
  // SA carries the traffic while the old one is still installed (make-before-break), as the kernel's XFRM
  // picks the newest SA of a policy's reqid. A scan of the version's entries: call it once per burst.
  SaState* outbound_for(uint32_t reqid) const;
  uint64_t generation() const { return generation_; }
  uint32_t size() const { return count_; }

 private:
  friend class SaTable;
  struct Entry {
    uint32_t spi;
    Direction direction;
    Address local;  // inbound lookup: the outer destination; update() may change it for the same state
    SaState* state;
  };
  uint32_t slot_of(uint32_t spi, Direction direction) const;  // an index into slots_, empty or the entry's

  uint64_t generation_ = 0;
  uint32_t count_ = 0;
  uint32_t mask_ = 0;
  std::unique_ptr<Entry[]> entries_;   // [capacity], the first count_ used
  std::unique_ptr<uint32_t[]> slots_;  // open addressing: entry index + 1, 0 = empty
};

struct SaTableConfig {
  uint32_t capacity = 1024;  // SAs in one version (both directions together)
  uint32_t workers = 1;      // worker indexes 0..workers-1 may call encapsulate()/decapsulate()
};

class SaTable {
 public:
  static std::unique_ptr<SaTable> create(CryptoDevice& device, const SaTableConfig& config,
                                         std::string& error);
  ~SaTable();  // frees everything: only when no worker runs any more
  SaTable(const SaTable&) = delete;
  SaTable& operator=(const SaTable&) = delete;

  // Control lcore only. Each change publishes a new version and returns "" or the reason it was refused
  // (the table is then unchanged).
  std::string add(const SaSpec& spec);  // refuses an existing (spi, direction)
  // New keys and a fresh state under an existing (spi, direction). Outbound, the new state's sequence
  // numbers continue beyond every number the old one can have used, and the old one refuses further packets
  // (kSaSuperseded): one SPI never sends a sequence number, nor one GCM nonce, twice.
  std::string replace(const SaSpec& spec);
  // charon's update_sa (NAT mapping change, MOBIKE): new outer addresses and UDP encapsulation for an
  // existing (spi, direction); only local, remote and the udp_* fields of `spec` are read, keys stay.
  // Inbound: the same state (replay window, counters) under a new local address. Outbound: a new rte_ipsec SA
  // on the same crypto session, sequence numbers continuing as for replace(), lifetime use and counters
  // carried over.
  std::string update(const SaSpec& spec);
  std::string remove(uint32_t spi, Direction direction);

  // Workers: load once per burst and use that version for the whole burst.
  const SaTableVersion* current() const { return current_.load(std::memory_order_acquire); }

  // Control lcore: the generation of the newest version, and freeing what changes up to and including
  // generation `through` retired. Call it only when every worker has reported a quiescent state after that
  // version was published (rte_rcu_qsbr_start at publication, rte_rcu_qsbr_check before this call).
  uint64_t generation() const { return generation_; }
  void reclaim(uint64_t through);
  size_t retired() const { return retired_.size(); }

  bool stats(uint32_t spi, Direction direction, SaStats& out) const;

 private:
  struct Retired {
    uint64_t generation;  // retired when this generation was published
    std::unique_ptr<SaTableVersion> version;
    SaState* state;  // null when only the version went
  };
  SaTable(CryptoDevice& device, const SaTableConfig& config) : device_(device), config_(config) {}
  // `session`: an existing crypto session to use (and own) instead of creating one from spec's key.
  std::string build_state(const SaSpec& spec, SaState*& out, void* session = nullptr);
  void destroy_state(SaState* state);
  // Stops `old` (outbound) and returns the first sequence number its successor may start after.
  uint64_t supersede(SaState* old);
  // The next version: the current one's entries minus (spi, direction) if `drop`, plus `added` (with
  // `added_local` as its lookup address, or its spec's) if not null.
  void publish(uint32_t spi, Direction direction, bool drop, SaState* added, SaState* retired_state,
               const Address* added_local = nullptr);

  CryptoDevice& device_;
  SaTableConfig config_;
  std::atomic<const SaTableVersion*> current_{nullptr};
  std::unique_ptr<SaTableVersion> owned_current_;
  uint64_t generation_ = 0;
  std::vector<Retired> retired_;
};

}  // namespace torwart::dataplane::ipsec
