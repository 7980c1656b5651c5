#pragma once
// Shared by the fast-path unit tests (one executable, EAL started once): a small configuration, a worker
// context over capturing test doubles, and helpers to look at frames.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <rte_mbuf.h>

#include "dataplane/core/burst.hpp"
#include "dataplane/core/checksum.hpp"
#include "dataplane/core/eve_ring.hpp"
#include "dataplane/core/parse.hpp"
#include "dataplane/pipeline/pipeline.hpp"
#include "dataplane/pipeline/slow_path.hpp"
#include "dataplane/pipeline/stages.hpp"
#include "dataplane/pipeline/worker_context.hpp"
#include "dataplane/routing/neighbour_table.hpp"
#include "dataplane/snapshot/snapshot.hpp"
#include "tests/support/packet_builder.hpp"

namespace torwart::dataplane::testing_support {

rte_mempool* pool();

// Port ids in the test configuration (bindings follow the configuration's order).
inline constexpr uint16_t kLan = 0, kKdn = 1, kInet = 2, kSmall = 3;
// Interface indices: lan, lan.30 (VLAN 30 on lan), kdn, inet, small.
inline constexpr uint16_t kLanIf = 0, kLan30If = 1, kKdnIf = 2, kInetIf = 3, kSmallIf = 4;

inline const char* const kLanMac = "02:00:00:00:01:fe";
inline const char* const kKdnMac = "02:00:00:00:02:fe";
inline const char* const kInetMac = "02:00:00:00:03:fe";
inline const char* const kSmallMac = "02:00:00:00:04:fe";
inline const char* const kLanClientMac = "02:00:00:00:01:10";
inline const char* const kKdnGatewayMac = "02:00:00:00:02:01";
inline const char* const kInetGatewayMac = "02:00:00:00:03:01";
inline const char* const kVoipPhoneMac = "02:00:00:00:05:10";
inline const char* const kSmallHostMac = "02:00:00:00:04:10";

const std::string& test_config_text();
std::unique_ptr<Snapshot> build_test_snapshot();

class CapturingTransmitter final : public Transmitter {
 public:
  uint16_t transmit(uint16_t port, rte_mbuf** packets, uint16_t count) override;
  std::map<uint16_t, std::vector<test::Bytes>> sent;
  uint16_t accept_at_most = 0xffff;  // per call; the rest is refused
  size_t total() const;
};

class CapturingPuntSink final : public PuntSink {
 public:
  ~CapturingPuntSink() override;
  uint16_t punt(rte_mbuf** packets, uint16_t count) override;
  std::vector<rte_mbuf*> taken;  // owned until handed on
};

// A worker and a slow path over the test snapshot; static neighbours installed.
class FastPath : public ::testing::Test {
 protected:
  FastPath();
  ~FastPath() override;

  // Frames into the full pipeline (receive + process) on `port`, one burst.
  void run(uint16_t port, const std::vector<test::Bytes>& frames);
  // Frames parsed into a burst (asserting parse keeps them all), ready for the stages.
  Burst parsed(uint16_t port, const std::vector<test::Bytes>& frames);
  // Hands what the worker punted to the slow path.
  void punts_to_slow_path();
  uint64_t drops(uint16_t port, DropReason reason) const;
  uint64_t slow_drops(uint16_t port, DropReason reason) const;
  const std::vector<test::Bytes>& sent_on(uint16_t port) { return tx.sent[port]; }
  static void release(Burst& burst);

  std::unique_ptr<Snapshot> snapshot;
  NeighbourTable neighbours{256};
  CapturingTransmitter tx;
  CapturingPuntSink punt;
  CapturingPuntSink slow_punt;
  EveRing eve{64};
  EveRing slow_eve{64};
  std::unique_ptr<WorkerContext> ctx;
  std::unique_ptr<WorkerContext> slow_ctx;
  std::unique_ptr<SlowPath> slow;
  uint64_t now_ns = 1'700'000'000'000'000'000ull;
};

// Frame inspection.
uint16_t be16(const test::Bytes& b, size_t offset);
uint32_t be32(const test::Bytes& b, size_t offset);
std::string mac_at(const test::Bytes& b, size_t offset);
std::string ipv4_at(const test::Bytes& b, size_t offset);
bool ipv4_header_valid(const test::Bytes& frame, size_t l3);
// ICMP (v4) checksum over the whole ICMP message of the IPv4 datagram at l3: true when it verifies.
bool icmpv4_checksum_valid(const test::Bytes& frame, size_t l3);
// ICMPv6 / UDP / TCP over IPv6 at l3 without extension headers.
bool ipv6_l4_checksum_valid(const test::Bytes& frame, size_t l3);
bool ipv4_l4_checksum_valid(const test::Bytes& frame, size_t l3);

}  // namespace torwart::dataplane::testing_support
