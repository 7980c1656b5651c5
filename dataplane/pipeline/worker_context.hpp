#pragma once
// Everything a stage may touch while it processes a burst. One per worker; never shared.
#include <array>
#include <cstdint>
#include <string_view>

#include <rte_mempool.h>

#include "dataplane/applayer/inspector.hpp"
#include "dataplane/conntrack/flow_table.hpp"
#include "dataplane/core/eve_ring.hpp"
#include "dataplane/core/token_bucket.hpp"
#include "dataplane/fragments/fragment_table.hpp"
#include "dataplane/ids/detector.hpp"
#include "dataplane/nat/nat_table.hpp"
#include "dataplane/pipeline/counters.hpp"
#include "dataplane/pipeline/local_policer.hpp"
#include "dataplane/routing/neighbour_table.hpp"
#include "dataplane/snapshot/snapshot.hpp"
#include "dataplane/synflood/half_open.hpp"

namespace torwart::dataplane {

namespace ipsec {
class SaTableVersion;
}  // namespace ipsec

// Where finished packets leave: a NIC queue live, a capture file in replay. Called once per port per burst.
class Transmitter {
 public:
  virtual ~Transmitter() = default;
  // Returns how many of `packets` were taken; the caller drops the rest as tx_queue_full.
  virtual uint16_t transmit(uint16_t port, rte_mbuf** packets, uint16_t count) = 0;
};

// Where punted packets go: the control lcore's ring live, the slow path directly in replay.
class PuntSink {
 public:
  virtual ~PuntSink() = default;
  virtual uint16_t punt(rte_mbuf** packets, uint16_t count) = 0;
};

// Where packets for the box's own services go once its input policy (`to: [local]` rules) accepted them:
// the port's kernel twin live, a capture per port in replay. `deliver` is called on the slow path's thread
// and takes the packet (frees or sends it); `reaches` on the workers too, and must only read.
class KernelSink {
 public:
  virtual ~KernelSink() = default;
  // Whether untagged packets for the box that arrive on `port` can reach its kernel (live: the port has a
  // twin). Where not, stage_local drops them as local_unhandled before conntrack spends work on them.
  virtual bool reaches(uint16_t port) const = 0;
  virtual void deliver(rte_mbuf* m) = 0;
};

// Live software distribution: which worker owns a flow, and the hand-off to it. Reassembly uses it for
// fragments whose flow (hashed with the ports it learnt) belongs to another worker. Absent (nullptr) in
// replay and tests, where one worker owns every flow.
class FlowSteering {
 public:
  virtual ~FlowSteering() = default;
  virtual unsigned owner(uint32_t flow_hash) const = 0;
  virtual unsigned worker_count() const = 0;
  // Hands `packets`, all owned by `worker`, over in order; returns how many were taken (a prefix).
  virtual uint16_t hand_off(unsigned worker, rte_mbuf** packets, uint16_t count) = 0;
};

struct RateLimits {
  uint32_t icmp_errors_per_second = 100;
  uint32_t icmp_error_burst = 50;
  uint32_t drop_records_per_second_per_reason = 20;
  uint32_t drop_record_burst = 50;
};

// The flow table a worker gets from the configuration; the control lcore's slow path tracks no connections
// and gets the smallest table.
conntrack::FlowTableConfig flow_table_config(const config::Config& config);
inline const conntrack::FlowTableConfig kSlowPathFlowTable{1024, {}, -1};
// The NAT table a worker gets: one mapping and one record per flow when the configuration translates, the
// smallest table otherwise (a reload that adds NAT then runs on it: restart for full size).
nat::NatTableConfig nat_table_config(const config::Config& config);
// The application layer's limits from the `inspection` section; the slow path gets the smallest.
applayer::InspectionLimits inspection_limits(const config::Config& config);
applayer::InspectionLimits minimal_inspection_limits();

struct WorkerContext {
  WorkerContext(unsigned id, rte_mempool* mbuf_pool, const NeighbourTable& neighbour_table, Transmitter& tx,
                PuntSink& punt_sink, EveRing& eve_ring, const RateLimits& limits = {},
                const FragmentLimits& fragment_limits = {}, const conntrack::FlowTableConfig& flow_table = {},
                const nat::NatTableConfig& nat_table = {},
                const applayer::InspectionLimits& inspection = minimal_inspection_limits());

  unsigned worker_id;
  const Snapshot* snapshot = nullptr;  // valid between two quiescent-state reports
  // The IPsec SAs charon installed (dataplane/ipsec), loaded with the snapshot; null before the first SA
  // and where nothing installs SAs (replay, inspect).
  const ipsec::SaTableVersion* sas = nullptr;
  uint64_t now_ns = 0;  // packet time: capture time in replay, wall clock live
  rte_mempool* pool;
  const NeighbourTable& neighbours;
  Transmitter& transmitter;
  PuntSink& punt;
  EveRing& eve;
  WorkerCounters counters;
  conntrack::FlowTable flows;        // this worker's connections: both directions of each meet here
  synflood::SynFloodState synflood;  // half-open counts per zone, SYN-proxy state per flow slot
  FragmentTable fragments;           // preallocated at construction
  nat::NatTable nat;                 // this worker's NAT mappings and the NAT record of each of its flows
  applayer::Inspector inspector;     // reassembly, identification and parsers of this worker's flows
  ids::Detector detector;            // signatures on this worker's packets, streams and app-layer buffers
  // `torwart inspect`: EVE records name the capture instead of the interface a route leads to.
  std::string_view interface_name_override;
  // `torwart inspect`: the current frame's number in the capture (1-based; EVE alerts say "pcap_cnt").
  uint64_t capture_packet = 0;
  // Inspecting a mirror port's copies: no policy verdicts, signatures only alert (stage_mirror.cpp).
  bool monitoring = false;
  FlowSteering* steering = nullptr;  // live with software distribution and several workers
  // Set where the box's services can be reached (replay; live when a port has a kernel twin): packets for
  // the box other than echo requests, on ports the sink reaches, then go through conntrack and the input
  // policy to this sink. Elsewhere they are dropped as local_unhandled before conntrack.
  KernelSink* kernel = nullptr;
  TokenBucket icmp_errors;
  std::array<TokenBucket, kDropReasonCount> drop_records;
  // Packets for the box itself, per port and class (live replaces it with one that knows the worker count).
  LocalPolicer local_policer;
};

}  // namespace torwart::dataplane
