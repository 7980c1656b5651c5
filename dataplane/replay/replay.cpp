#include "dataplane/replay/replay.hpp"

#include <pcap/pcap.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include <rte_mbuf.h>

#include "dataplane/pipeline/flow_log.hpp"
#include "dataplane/pipeline/pipeline.hpp"
#include "dataplane/pipeline/report.hpp"
#include "dataplane/pipeline/signature_loader.hpp"
#include "dataplane/pipeline/slow_path.hpp"
#include "dataplane/replay/capture_merge.hpp"
#include "platform/mbuf_pool.hpp"
#include "rules/config/config_digest.hpp"

namespace torwart::dataplane::replay {
namespace {

constexpr unsigned kReplayMbufs = 8191;
constexpr uint32_t kNeighbourCapacity = 4096;

// What left each port, written as a capture stamped with the packet time that caused it.
class CaptureTransmitter final : public Transmitter {
 public:
  CaptureTransmitter(const std::string& dir, const std::vector<std::string>& port_names) {
    dead_ = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
    for (const auto& name : port_names) {
      std::string path = dir;
      path.append("/").append(name).append(".pcap");
      pcap_dumper_t* dumper = pcap_dump_open(dead_, path.c_str());
      if (dumper == nullptr) throw std::runtime_error("cannot write " + path + ": " + pcap_geterr(dead_));
      dumpers_.push_back(dumper);
    }
  }
  ~CaptureTransmitter() override {
    for (auto* d : dumpers_) pcap_dump_close(d);
    pcap_close(dead_);
  }
  CaptureTransmitter(const CaptureTransmitter&) = delete;
  CaptureTransmitter& operator=(const CaptureTransmitter&) = delete;

  uint16_t transmit(uint16_t port, rte_mbuf** packets, uint16_t count) override {
    uint8_t linear[RTE_MBUF_DEFAULT_BUF_SIZE];
    for (uint16_t i = 0; i < count; ++i) {
      rte_mbuf* m = packets[i];
      const uint32_t length = rte_pktmbuf_pkt_len(m);
      const auto* data = static_cast<const uint8_t*>(
          rte_pktmbuf_read(m, 0, std::min<uint32_t>(length, sizeof linear), linear));
      pcap_pkthdr header{};
      header.ts.tv_sec = static_cast<time_t>(now_ns / 1'000'000'000ull);
      header.ts.tv_usec =
          static_cast<suseconds_t>(now_ns % 1'000'000'000ull);  // nanoseconds: nano-precision file
      header.caplen = header.len = std::min<uint32_t>(length, sizeof linear);
      pcap_dump(reinterpret_cast<u_char*>(dumpers_[port]), &header, data);
      ++sent;
    }
    rte_pktmbuf_free_bulk(packets, count);
    return count;
  }

  uint64_t now_ns = 0;
  uint64_t sent = 0;

 private:
  pcap_t* dead_ = nullptr;
  std::vector<pcap_dumper_t*> dumpers_;
};

// What the box would hand to its kernel (packets its input policy accepted for the box's own services),
// one capture per port: `PORT.kernel.pcap`, the frames as they arrived.
class KernelCaptures final : public KernelSink {
 public:
  KernelCaptures(const std::string& dir, const std::vector<std::string>& port_names)
      : captures_(dir, kernel_names(port_names)) {}
  bool reaches(uint16_t) const override { return true; }
  void deliver(rte_mbuf* m) override {
    captures_.now_ns = now_ns;
    captures_.transmit(m->port, &m, 1);
  }
  uint64_t delivered() const { return captures_.sent; }
  uint64_t now_ns = 0;

 private:
  static std::vector<std::string> kernel_names(std::vector<std::string> names) {
    for (auto& name : names) name += ".kernel";
    return names;
  }
  CaptureTransmitter captures_;
};

// In replay the slow path runs right after each packet, on the same thread: no ring, no reordering.
class CollectingPuntSink final : public PuntSink {
 public:
  uint16_t punt(rte_mbuf** packets, uint16_t count) override {
    for (uint16_t i = 0; i < count; ++i) collected.push_back(packets[i]);
    return count;
  }
  std::vector<rte_mbuf*> collected;
};

std::vector<PortBinding> replay_bindings(const config::Config& config) {
  std::vector<PortBinding> bindings;
  for (size_t i = 0; i < config.ports.size(); ++i) {
    // A port without a configured MAC gets a fixed locally administered one, so outputs stay reproducible.
    bindings.push_back({config.ports[i].name, static_cast<uint16_t>(i),
                        rte_ether_addr{{0x02, 0x74, 0x77, 0x00, static_cast<uint8_t>(i), 0x01}}});
  }
  return bindings;
}

}  // namespace

ReplaySummary run_replay(const ReplayOptions& options) {
  const config::Config& config = options.config;
  std::map<std::string, uint16_t, std::less<>> port_index;
  std::vector<std::string> port_names;
  for (size_t i = 0; i < config.ports.size(); ++i) {
    port_index[config.ports[i].name] = static_cast<uint16_t>(i);
    port_names.push_back(config.ports[i].name);
  }
  std::vector<std::string> paths;
  std::vector<uint16_t> input_port;
  for (const auto& input : options.inputs) {
    auto it = port_index.find(input.port);
    if (it == port_index.end()) {
      std::string known;
      for (const auto& n : port_names) known += (known.empty() ? "" : ", ") + n;
      throw ReplayInputError(input.port + "=" + input.capture + ": no port named '" + input.port +
                             "' (configured: " + known + ")");
    }
    paths.push_back(input.capture);
    input_port.push_back(it->second);
  }
  CaptureMerge captures(paths);
  std::filesystem::create_directories(options.out_dir);

  static rte_mempool* pool = platform::create_mbuf_pool("torwart_replay", kReplayMbufs, kMbufPrivSize);
  const std::shared_ptr<Snapshot> snapshot =
      Snapshot::build(config, 1, config::config_digest(options.config_text), replay_bindings(config));
  if (config.ids.enabled()) {
    // The replay's worker (0) and its slow path (1) each inspect with their own scratch.
    SignatureLoader signatures(config.ids.cache_dir);
    snapshot->attach_signatures(signatures.load(config.ids, 2, std::cerr, "torwart replay: "));
  }
  NeighbourTable neighbours(kNeighbourCapacity);
  CaptureTransmitter transmitter(options.out_dir, port_names);
  CollectingPuntSink punts;
  CollectingPuntSink refusing;  // the slow path never punts; kept apart from the worker's sink
  EveRing worker_eve, slow_eve;
  nat::NatTableConfig nat_table = nat_table_config(config);
  nat_table.workers = 1;  // the replay's single worker owns every port range whole
  WorkerContext worker(0, pool, neighbours, transmitter, punts, worker_eve, RateLimits{}, FragmentLimits{},
                       flow_table_config(config), nat_table, inspection_limits(config));
  WorkerContext slow_context(1, pool, neighbours, transmitter, refusing, slow_eve, RateLimits{},
                             FragmentLimits{}, kSlowPathFlowTable);
  worker.snapshot = snapshot.get();
  worker.synflood.set_key(synflood::SipKey{});  // a fixed SYN-cookie key: replays must be reproducible
  KernelCaptures kernel(options.out_dir, port_names);
  worker.kernel = &kernel;
  slow_context.kernel = &kernel;
  SlowPath slow_path(slow_context, neighbours);
  slow_path.use_snapshot(snapshot.get());

  const std::string eve_path = options.out_dir + "/eve.json";
  std::filesystem::remove(eve_path);  // a replay's output is the replay's alone
  EveFile eve(eve_path, config.name);
  auto drain = [&] {
    worker_eve.drain([&](std::string_view line) { eve.write(line); });
    slow_eve.drain([&](std::string_view line) { eve.write(line); });
  };
  auto totals = [&] {
    WorkerCounters total;
    total.add(worker.counters);
    total.add(slow_context.counters);
    return total;
  };

  ReplaySummary summary;
  const uint64_t stats_interval_ns = uint64_t{config.dataplane.stats_interval_s} * 1'000'000'000ull;
  uint64_t first_ns = 0, last_stats_ns = 0, now = 0;
  CapturedPacket packet;
  Burst burst;
  while (captures.next(packet)) {
    now = packet.timestamp_ns;
    if (summary.packets_in == 0) first_ns = last_stats_ns = now;
    ++summary.packets_in;
    transmitter.now_ns = now;
    kernel.now_ns = now;
    slow_path.tick(now);
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    if (m == nullptr) throw std::runtime_error("replay ran out of packet buffers");
    const uint16_t room = rte_pktmbuf_tailroom(m);
    const auto length = static_cast<uint16_t>(std::min<uint32_t>(packet.captured_length, room));
    std::memcpy(rte_pktmbuf_append(m, length), packet.data, length);
    m->port = input_port[packet.input];
    worker.now_ns = now;
    burst.pkts[0] = m;
    burst.count = 1;
    pipeline_receive(worker, burst, ParseOptions{});
    pipeline_process(worker, burst);
    if (!punts.collected.empty()) {
      slow_path.handle(punts.collected.data(), static_cast<uint16_t>(punts.collected.size()), now);
      punts.collected.clear();
    }
    drain();
    if (now - last_stats_ns >= stats_interval_ns) {
      eve.write(stats_record(*snapshot, totals(), now, (now - first_ns) / 1'000'000'000ull));
      last_stats_ns = now;
    }
  }
  slow_path.flush_pending();
  {
    FlowEndLogger on_end(worker);
    worker.flows.end_all(on_end);  // connections still open get their flow record, as Suricata writes them
  }
  drain();
  const WorkerCounters total = totals();
  eve.write(stats_record(*snapshot, total, now, (now - first_ns) / 1'000'000'000ull));
  eve.flush();

  nlohmann::json counters = counters_json(*snapshot, total);
  counters["damaged_captures"] = captures.damage();
  counters["delivered_to_kernel"] = kernel.delivered();
  counters["neighbour_aging"] = {{"went_stale", slow_path.aging().went_stale},
                                 {"probes_sent", slow_path.aging().probes_sent},
                                 {"forgotten", slow_path.aging().forgotten}};
  std::ofstream(options.out_dir + "/counters.json") << counters.dump(2) << "\n";
  summary.packets_out = transmitter.sent;
  summary.dropped = counters["totals"]["dropped"];
  summary.damaged_captures = captures.damage();
  return summary;
}

}  // namespace torwart::dataplane::replay
