#pragma once
// charon's SAs as the fast path's workers will use them: the registry's backend (ipsec_registry.hpp) on
// dataplane/ipsec's SA table. It opens the crypto device when the first SA arrives (a box without tunnels
// never creates one), turns the control socket's messages into SA specs, publishes each change and frees what
// it replaced once every worker has passed a quiescent state.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <rte_rcu_qsbr.h>

#include "dataplane/ipsec/sa_table.hpp"
#include "dataplane/live/ipsec_registry.hpp"

namespace torwart::dataplane::live {

class FastPathSaBackend : public IpsecSaBackend {
 public:
  // How many SAs the table holds (both directions; a town has a handful of tunnels, two SAs each, four
  // during a rekey) and the crypto sessions beside them (retired ones until reclaimed).
  static constexpr uint32_t kCapacity = 256;
  static constexpr uint32_t kSessions = 2 * kCapacity;

  // `workers`: worker indexes that may use SAs; `qsbr`: the workers' quiescent-state variable (the same the
  // snapshot swaps wait on); `now_ns`: the burst clock the workers pass as `now`.
  FastPathSaBackend(uint32_t workers, rte_rcu_qsbr* qsbr, std::function<uint64_t()> now_ns);
  ~FastPathSaBackend() override;

  std::string install(const control_protocol::IpsecSaMessage& sa) override;
  std::string move(const control_protocol::IpsecSaMessage& sa) override;
  void remove(uint32_t spi, control_protocol::IpsecDirection direction) override;
  std::optional<Usage> usage(uint32_t spi, control_protocol::IpsecDirection direction) const override;

  // The table the workers read (null until the first SA).
  const ipsec::SaTable* table() const { return table_.get(); }

 private:
  std::string open();
  void retire_replaced();

  uint32_t workers_;
  rte_rcu_qsbr* qsbr_;
  std::function<uint64_t()> now_ns_;
  std::unique_ptr<ipsec::CryptoDevice> device_;
  std::unique_ptr<ipsec::SaTable> table_;
};

// The SA spec of a checked control-socket message (keys copied; the caller wipes the spec after use).
ipsec::SaSpec sa_spec_of(const control_protocol::IpsecSaMessage& sa);

}  // namespace torwart::dataplane::live
