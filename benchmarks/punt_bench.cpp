// punt_bench: the exception path to the box's kernel (issue 13) as `torwart run` builds it, next to the
// transit fast path in the same process and run (benchmarks/README.md, "Exception path"). It runs in a
// network namespace of its own (root): one worker on an EAL lcore, the control loop on the main lcore, the
// default configuration's ports on net_null with a real net_tap kernel twin on lan. Per run, three phases:
//   transit     the worker forwards 64-byte UDP transit (lan -> kdn/inet); the control loop runs idle;
//   punt        the same, but every Nth received packet is UDP for the box (192.168.10.1:5555, accepted by a
//               `to: [local]` rule): punt ring -> slow path -> KernelTwinSink -> tap -> a UDP socket in the
//               namespace that counts what arrives;
//   kernel-out  transit, while a thread sends UDP from the box (192.168.10.1) to the LAN host through the
//   twin:
//               KernelTwinReceiver -> the worker's from_kernel ring -> the worker's pipeline -> lan.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <CLI/CLI.hpp>

#include "benchmarks/traffic.hpp"
#include "dataplane/core/eve_ring.hpp"
#include "dataplane/live/kernel_twin_receiver.hpp"
#include "dataplane/live/kernel_twin_sink.hpp"
#include "dataplane/live/platform_requests.hpp"
#include "dataplane/live/shared_state.hpp"
#include "dataplane/live/transmitters.hpp"
#include "dataplane/pipeline/pipeline.hpp"
#include "dataplane/pipeline/slow_path.hpp"
#include "dataplane/routing/neighbour_table.hpp"
#include "platform/eal.hpp"
#include "platform/interface_addresses/interface_addresses.hpp"
#include "platform/kernel_twins.hpp"
#include "platform/mbuf_pool.hpp"
#include "platform/ports.hpp"
#include "rules/config/load.hpp"
#include "rules/config/service_item.hpp"
#include "tests/support/packet_builder.hpp"

namespace torwart::bench {
namespace {

using dataplane::Burst;
using dataplane::WorkerContext;

constexpr uint16_t kBoxPort = 5555;      // the box's UDP service the input policy accepts
constexpr uint16_t kLanHostPort = 6666;  // where the box's own datagrams go
constexpr unsigned kPoolMbufs = 16383;
// As dataplane/live/runtime.cpp sizes them.
constexpr unsigned kPuntRingSize = 4096;
constexpr unsigned kFromKernelRingSize = 1024;
constexpr unsigned kBoxFrames = 64;  // distinct source ports: 64 connections to the box's service

struct Options {
  double seconds = 1.0;
  unsigned runs = 3;
  unsigned punt_every = 16;  // every Nth received packet of the punt phase is for the box
  unsigned control_cpu = 0;
  unsigned worker_cpu = 1;
  bool hugepages = false;
};

config::Config bench_config(const Options& options) {
  auto loaded = config::load_config_text(config::default_config_text(), config::kDefaultConfigName);
  if (!std::holds_alternative<config::Config>(loaded))
    throw std::runtime_error("the built-in configuration does not load");
  config::Config config = std::get<config::Config>(std::move(loaded));
  config.dataplane.workers = 1;
  config.dataplane.hugepages = options.hugepages;
  config.dataplane.memory_mb = 512;
  for (auto& port : config.ports) {
    port.backend = config::PortBackend::kNull;
    port.kernel_twin = port.name == "lan";
  }
  auto rule = [](std::string name, std::vector<std::string> from, std::vector<std::string> to,
                 std::string_view source, std::string_view service) {
    config::PolicyRule r;
    r.name = std::move(name);
    r.from_zones = std::move(from);
    r.to_zones = std::move(to);
    if (!source.empty()) r.source = {*config::IpPrefix::parse(source)};
    if (!service.empty()) r.service = {*config::parse_service_item(service)->item};
    r.action = config::PolicyAction::kAccept;
    r.log = false;
    return r;
  };
  // The path's capacity is measured, not the policer's budget (local_traffic.input and input_new would
  // admit 20 000 / 4000 per second): both open to the largest rate the configuration takes.
  config.local_traffic.input = {15'000'000, 15'000'000};
  config.local_traffic.input_new = {15'000'000, 15'000'000};
  config.policy.rules = {rule("box-service", {"lan"}, {"local"}, "192.168.10.0/24", "udp/5555"),
                         rule("transit", {"lan"}, {}, "192.168.10.0/24", ""),
                         rule("box-out", {"local"}, {}, "", "")};
  return config;
}

uint16_t port_id(const std::vector<platform::OpenPort>& ports, std::string_view name) {
  for (const auto& p : ports)
    if (p.name == name) return p.port_id;
  throw std::runtime_error("no port named " + std::string(name));
}

// CPU time of the calling thread (user and system), in ns: what it ran, whoever else shared its CPU.
uint64_t thread_cpu_ns() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(t.tv_nsec);
}

void pin_to(unsigned cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

// Transit frames (bench::Traffic, 64 bytes) with every Nth packet replaced by a UDP datagram for the box.
class MixedTraffic {
 public:
  explicit MixedTraffic(Traffic& transit) : transit_(transit) {
    for (unsigned i = 0; i < kBoxFrames; ++i) {
      const test::Bytes frame =
          test::ipv4_frame(test::Ethernet{.source = "02:00:00:00:01:10", .destination = "02:00:00:00:01:fe"},
                           test::Ipv4{.source = "192.168.10.10", .destination = "192.168.10.1", .ttl = 64},
                           test::Udp{.source_port = static_cast<uint16_t>(40000 + i),
                                     .destination_port = kBoxPort,
                                     .payload = test::Bytes(18, static_cast<uint8_t>(i))});
      if (frame.size() != 60) throw std::logic_error("a box frame is not 60 bytes");
      box_.push_back(frame);
    }
  }
  void set_every(unsigned every) { every_ = every; }
  void refill(rte_mbuf** packets, uint16_t count) {
    transit_.refill(packets, count);
    if (every_ == 0) return;
    for (uint16_t i = 0; i < count; ++i) {
      if (++seen_ % every_ != 0) continue;
      const test::Bytes& frame = box_[next_box_++ % kBoxFrames];
      rte_mbuf* m = packets[i];
      m->data_len = static_cast<uint16_t>(frame.size());
      m->pkt_len = static_cast<uint32_t>(frame.size());
      std::memcpy(rte_pktmbuf_mtod(m, uint8_t*), frame.data(), frame.size());
    }
  }

 private:
  Traffic& transit_;
  std::vector<test::Bytes> box_;
  unsigned every_ = 0;
  uint64_t seen_ = 0;
  uint64_t next_box_ = 0;
};

// A UDP socket on the box's service in the namespace: counts every datagram the kernel delivers.
class BoxSocket {
 public:
  explicit BoxSocket(unsigned cpu) {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    const int size = 16 << 20;
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
    timeval timeout{0, 100000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(kBoxPort);
    inet_pton(AF_INET, "192.168.10.1", &address.sin_addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
      throw std::runtime_error("bind 192.168.10.1:5555: " + std::string(std::strerror(errno)));
    thread_ = std::thread([this, cpu] {
      pin_to(cpu);
      constexpr unsigned kBatch = 64;
      std::array<std::array<char, 128>, kBatch> buffers;
      std::array<iovec, kBatch> iov;
      std::array<mmsghdr, kBatch> messages{};
      for (unsigned i = 0; i < kBatch; ++i) {
        iov[i] = {buffers[i].data(), buffers[i].size()};
        messages[i].msg_hdr.msg_iov = &iov[i];
        messages[i].msg_hdr.msg_iovlen = 1;
      }
      while (!stop_.load(std::memory_order_relaxed)) {
        const int n = recvmmsg(fd_, messages.data(), kBatch, MSG_WAITFORONE, nullptr);
        if (n > 0) received_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
      }
    });
  }
  ~BoxSocket() {
    stop_.store(true);
    thread_.join();
    close(fd_);
  }
  uint64_t received() const { return received_.load(std::memory_order_relaxed); }

 private:
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> received_{0};
  std::thread thread_;
};

// The box's kernel sending UDP to the LAN host through the twin, as fast as its socket takes it.
class BoxSender {
 public:
  explicit BoxSender(unsigned cpu) {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    sockaddr_in from{};
    from.sin_family = AF_INET;
    inet_pton(AF_INET, "192.168.10.1", &from.sin_addr);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(kLanHostPort);
    inet_pton(AF_INET, "192.168.10.10", &to.sin_addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
        connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0)
      throw std::runtime_error("box sender socket: " + std::string(std::strerror(errno)));
    thread_ = std::thread([this, cpu] {
      pin_to(cpu);
      constexpr unsigned kBatch = 32;
      std::array<char, 18> payload{};
      std::array<iovec, kBatch> iov;
      std::array<mmsghdr, kBatch> messages{};
      for (unsigned i = 0; i < kBatch; ++i) {
        iov[i] = {payload.data(), payload.size()};
        messages[i].msg_hdr.msg_iov = &iov[i];
        messages[i].msg_hdr.msg_iovlen = 1;
      }
      while (!stop_.load(std::memory_order_relaxed)) {
        const int n = sendmmsg(fd_, messages.data(), kBatch, 0);
        if (n > 0) sent_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
      }
    });
  }
  ~BoxSender() {
    stop_.store(true);
    thread_.join();
    close(fd_);
  }
  uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }

 private:
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> sent_{0};
  std::thread thread_;
};

enum class Phase { kTransit, kPunt, kKernelOut };

const char* phase_name(Phase phase) {
  switch (phase) {
    case Phase::kTransit:
      return "transit";
    case Phase::kPunt:
      return "punt";
    case Phase::kKernelOut:
      return "kernel-out";
  }
  return "?";
}

// What the worker lcore runs for one phase; `done` tells the control loop to stop.
struct WorkerRun {
  WorkerContext* context = nullptr;
  MixedTraffic* traffic = nullptr;
  const dataplane::live::SharedState* shared = nullptr;
  uint16_t rx_port = 0;
  uint64_t tsc_cycles = 0;  // the phase's length
  uint64_t cpu_ns = 0;      // CPU time the worker got in it
  uint64_t received = 0;    // from the data port
  uint64_t from_kernel = 0;
  std::atomic<bool> done{false};
};

int worker_phase(void* arg) {
  auto& run = *static_cast<WorkerRun*>(arg);
  WorkerContext& ctx = *run.context;
  const dataplane::live::SharedState& shared = *run.shared;
  Burst burst;
  const uint64_t cpu_start = thread_cpu_ns();
  const uint64_t start = rte_rdtsc();
  const uint64_t end = start + run.tsc_cycles;
  uint64_t received = 0, from_kernel = 0;
  while (rte_rdtsc() < end) {
    ctx.snapshot = shared.snapshot.load(std::memory_order_acquire);
    ctx.now_ns = shared.clock.now_ns();
    burst.count = rte_eth_rx_burst(run.rx_port, 0, burst.pkts.data(), 32);
    run.traffic->refill(burst.pkts.data(), burst.count);
    received += burst.count;
    dataplane::pipeline_receive(ctx, burst, shared.parse_options);
    dataplane::pipeline_process(ctx, burst);
    if (rte_ring* ring = shared.from_kernel[0]) {  // as worker_loop.cpp: the box's own packets
      burst.count = static_cast<uint16_t>(
          rte_ring_sc_dequeue_burst(ring, reinterpret_cast<void**>(burst.pkts.data()), 32, nullptr));
      if (burst.count > 0) {
        from_kernel += burst.count;
        dataplane::pipeline_process(ctx, burst);
      }
    }
  }
  run.tsc_cycles = rte_rdtsc() - start;
  run.cpu_ns = thread_cpu_ns() - cpu_start;
  run.received = received;
  run.from_kernel = from_kernel;
  run.done.store(true, std::memory_order_release);
  return 0;
}

struct PhaseResult {
  Phase phase = Phase::kTransit;
  double seconds = 0;
  double rx_mpps = 0;              // all the worker received from the data port
  double transit_mpps = 0;         // forwarded to kdn and inet
  double worker_cpu_share = 0;     // CPU time the worker got / the phase's length
  double transit_mpps_cpu = 0;     // transit per second of worker CPU time
  double cycles_per_rx = 0;        // TSC cycles of worker CPU time per received packet
  double control_ns_per_punt = 0;  // control-loop CPU time per packet into the tap
  double punted_pps = 0;           // handed to the punt ring by the worker
  double punt_full_pps = 0;        // dropped as slow_path_queue_full
  double delivered_pps = 0;        // sent on the tap by the control loop
  double tap_full_pps = 0;         // the tap's queue took no more
  double socket_pps = 0;           // arrived at the box's socket
  double kernel_sent_pps = 0;      // the box's sender thread
  double out_of_twin_pps = 0;      // read from the tap and handed to the worker
  double to_lan_pps = 0;           // the box's datagrams forwarded out of lan by the worker
};

class Bench {
 public:
  explicit Bench(const Options& options) : options_(options), config_(bench_config(options)) {
    platform::EalRequest request = dataplane::eal_request_for(config_);
    // lcore 0 (control) on control_cpu; lcore 1 also there and unused; lcore 2, the worker, on worker_cpu.
    request.worker_lcores = 2;
    request.cpus = {options.control_cpu, options.worker_cpu};
    platform::start_eal(request);
    unsigned lcore = 0;
    RTE_LCORE_FOREACH_WORKER(lcore) worker_lcore_ = lcore;
    shared_.clock.calibrate();
    pool_ = platform::create_mbuf_pool("punt_bench", kPoolMbufs, dataplane::kMbufPrivSize);
    ports_ =
        platform::open_ports(dataplane::port_requests(config_), dataplane::queue_request(config_), pool_);
    lan_ = port_id(ports_, "lan");
    kdn_ = port_id(ports_, "kdn");
    inet_ = port_id(ports_, "inet");
    twins_ = platform::open_twins(dataplane::twin_requests(config_, ports_), platform::kTwinDescriptors,
                                  platform::kTwinDescriptors, pool_);
    for (const auto& port : config_.ports)
      if (port.kernel_twin) platform::add_kernel_addresses(port.name, dataplane::kernel_addresses(port));
    platform::follow_data_links(twins_);
    // The LAN host's MAC, so the box's kernel sends without ARP (the null port would never answer).
    if (std::system("ip neigh replace 192.168.10.10 lladdr 02:00:00:00:01:10 dev lan nud permanent") != 0)
      throw std::runtime_error("cannot add the LAN host as the box's kernel neighbour");

    uint16_t port_count = 0;
    for (const auto& p : ports_)
      port_count = std::max<uint16_t>(port_count, static_cast<uint16_t>(p.port_id + 1));
    sink_ = std::make_unique<dataplane::live::KernelTwinSink>(twins_, port_count);
    shared_.workers = 1;
    shared_.punt_ring = rte_ring_create("bench_punt", kPuntRingSize, SOCKET_ID_ANY, RING_F_SC_DEQ);
    shared_.from_kernel[0] =
        rte_ring_create("bench_k0", kFromKernelRingSize, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (shared_.punt_ring == nullptr || shared_.from_kernel[0] == nullptr)
      throw std::runtime_error("cannot create the rings");
    punt_sink_ = std::make_unique<dataplane::live::RingPuntSink>(shared_.punt_ring);
    snapshot_ = dataplane::Snapshot::build(config_, 1, "punt-bench", dataplane::bindings_of(ports_));
    shared_.snapshot.store(snapshot_.get());
    neighbours_ = std::make_unique<dataplane::NeighbourTable>(64);
    worker_transmitter_ = std::make_unique<dataplane::live::QueueTransmitter>(0);
    control_transmitter_ = std::make_unique<dataplane::live::QueueTransmitter>(1);
    worker_ = std::make_unique<WorkerContext>(
        0, pool_, *neighbours_, *worker_transmitter_, *punt_sink_, worker_eve_, dataplane::RateLimits{},
        dataplane::FragmentLimits{}, dataplane::flow_table_config(config_));
    worker_->kernel = sink_.get();
    worker_->snapshot = snapshot_.get();
    control_ = std::make_unique<WorkerContext>(1, pool_, *neighbours_, *control_transmitter_, refusing_,
                                               control_eve_);
    control_->kernel = sink_.get();
    slow_path_ = std::make_unique<dataplane::SlowPath>(*control_, *neighbours_);
    slow_path_->use_snapshot(snapshot_.get());
    receiver_ = std::make_unique<dataplane::live::KernelTwinReceiver>(twins_, shared_, *control_);
  }

  ~Bench() {
    slow_path_.reset();
    platform::stop_ports(ports_);
    platform::close_twins(twins_);
  }

  PhaseResult run(Phase phase, Traffic& transit) {
    MixedTraffic traffic(transit);
    traffic.set_every(phase == Phase::kPunt ? options_.punt_every : 0);
    const dataplane::WorkerCounters before = worker_->counters;
    const dataplane::live::KernelTwinCounters sink_before = sink_->counters();
    const dataplane::live::KernelTwinTraffic twin_before = receiver_->traffic();
    const uint64_t socket_before = box_socket_->received();
    std::unique_ptr<BoxSender> sender;
    if (phase == Phase::kKernelOut) sender = std::make_unique<BoxSender>(options_.control_cpu);

    WorkerRun run;
    run.context = worker_.get();
    run.traffic = &traffic;
    run.shared = &shared_;
    run.rx_port = lan_;
    run.tsc_cycles = static_cast<uint64_t>(options_.seconds * static_cast<double>(rte_get_tsc_hz()));
    if (rte_eal_remote_launch(worker_phase, &run, worker_lcore_) != 0)
      throw std::runtime_error("cannot launch the worker");
    const uint64_t control_cpu_start = thread_cpu_ns();
    control_loop(run.done);
    rte_eal_wait_lcore(worker_lcore_);
    const uint64_t kernel_sent = sender ? sender->sent() : 0;
    sender.reset();
    settle();  // what the tap and the socket still hold is counted for this phase
    const uint64_t control_cpu_ns = thread_cpu_ns() - control_cpu_start;

    const dataplane::WorkerCounters& after = worker_->counters;
    const double s = static_cast<double>(run.tsc_cycles) / static_cast<double>(rte_get_tsc_hz());
    auto per_second = [&](uint64_t n) { return static_cast<double>(n) / s; };
    auto drops = [&](const dataplane::WorkerCounters& a, const dataplane::WorkerCounters& b,
                     dataplane::DropReason reason) {
      uint64_t n = 0;
      for (const auto& p : config_.ports) {
        const uint16_t id = port_id(ports_, p.name);
        n += a.ports[id].drops[static_cast<unsigned>(reason)] -
             b.ports[id].drops[static_cast<unsigned>(reason)];
      }
      return n;
    };
    PhaseResult r;
    r.phase = phase;
    r.seconds = s;
    r.rx_mpps = per_second(run.received) / 1e6;
    r.transit_mpps = per_second(after.ports[kdn_].tx_packets - before.ports[kdn_].tx_packets +
                                after.ports[inet_].tx_packets - before.ports[inet_].tx_packets) /
                     1e6;
    const double cpu_s = static_cast<double>(run.cpu_ns) / 1e9;
    r.worker_cpu_share = cpu_s / s;
    r.transit_mpps_cpu = cpu_s > 0 ? r.transit_mpps * s / cpu_s : 0;
    r.cycles_per_rx = run.received == 0
                          ? 0
                          : cpu_s * static_cast<double>(rte_get_tsc_hz()) / static_cast<double>(run.received);
    r.punted_pps = per_second(after.punted - before.punted);
    r.punt_full_pps = per_second(drops(after, before, dataplane::DropReason::kSlowPathQueueFull));
    r.delivered_pps = per_second(sink_->counters().delivered - sink_before.delivered);
    r.tap_full_pps = per_second(sink_->counters().dropped_queue_full - sink_before.dropped_queue_full);
    r.socket_pps = per_second(box_socket_->received() - socket_before);
    r.kernel_sent_pps = per_second(kernel_sent);
    r.out_of_twin_pps = per_second(receiver_->traffic().handed_to_workers - twin_before.handed_to_workers);
    r.to_lan_pps = per_second(after.ports[lan_].tx_packets - before.ports[lan_].tx_packets);
    const uint64_t into_tap = sink_->counters().delivered - sink_before.delivered;
    r.control_ns_per_punt =
        into_tap == 0 ? 0 : static_cast<double>(control_cpu_ns) / static_cast<double>(into_tap);
    return r;
  }

  void start_socket() { box_socket_ = std::make_unique<BoxSocket>(options_.control_cpu); }
  void stop_socket() { box_socket_.reset(); }

 private:
  // The control lcore's turn as dataplane/live/runtime.cpp's control_loop takes it (punt ring -> slow path,
  // flush the twins, read the twins, tick every 100 ms, sleep 200 us when there was nothing to do), without
  // the control socket and the EVE spool (the EVE rings are emptied and their lines discarded).
  void control_loop(const std::atomic<bool>& done) {
    rte_mbuf* packets[dataplane::kMaxBurst];
    uint64_t last_tick = 0;
    while (!done.load(std::memory_order_acquire)) {
      const uint64_t now = shared_.clock.now_ns();
      const auto n = static_cast<uint16_t>(rte_ring_sc_dequeue_burst(
          shared_.punt_ring, reinterpret_cast<void**>(packets), dataplane::kMaxBurst, nullptr));
      if (n > 0) slow_path_->handle(packets, n, now);
      sink_->flush();
      const unsigned from_kernel = receiver_->poll();
      if (now - last_tick > 100'000'000ull) {
        slow_path_->tick(now);
        last_tick = now;
      }
      const uint32_t lines =
          worker_eve_.drain([](std::string_view) {}) + control_eve_.drain([](std::string_view) {});
      if (n == 0 && from_kernel == 0 && lines == 0) usleep(200);
    }
  }

  // After a phase: the control loop empties the rings and the twin for 50 ms more.
  void settle() {
    std::atomic<bool> done{false};
    std::thread timer([&done] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      done.store(true);
    });
    control_loop(done);
    timer.join();
    // The box's packets still on the from_kernel ring would have gone to lan: free them uncounted.
    rte_mbuf* left[dataplane::kMaxBurst];
    for (unsigned n; (n = rte_ring_sc_dequeue_burst(shared_.from_kernel[0], reinterpret_cast<void**>(left),
                                                    dataplane::kMaxBurst, nullptr)) > 0;)
      rte_pktmbuf_free_bulk(left, n);
  }

  Options options_;
  config::Config config_;
  unsigned worker_lcore_ = 0;
  dataplane::live::SharedState shared_;
  rte_mempool* pool_ = nullptr;
  std::vector<platform::OpenPort> ports_;
  std::vector<platform::OpenTwin> twins_;
  uint16_t lan_ = 0, kdn_ = 0, inet_ = 0;
  std::unique_ptr<dataplane::live::KernelTwinSink> sink_;
  std::unique_ptr<dataplane::live::RingPuntSink> punt_sink_;
  dataplane::live::RefusingPuntSink refusing_;
  std::unique_ptr<dataplane::Snapshot> snapshot_;
  std::unique_ptr<dataplane::NeighbourTable> neighbours_;
  std::unique_ptr<dataplane::live::QueueTransmitter> worker_transmitter_, control_transmitter_;
  dataplane::EveRing worker_eve_, control_eve_;
  std::unique_ptr<WorkerContext> worker_, control_;
  std::unique_ptr<dataplane::SlowPath> slow_path_;
  std::unique_ptr<dataplane::live::KernelTwinReceiver> receiver_;
  std::unique_ptr<BoxSocket> box_socket_;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int run(const Options& options) {
  if (unshare(CLONE_NEWNET) != 0) {
    std::cerr << "punt_bench: needs root (a network namespace of its own): " << std::strerror(errno) << "\n";
    return 1;
  }
  Bench bench(options);
  bench.start_socket();
  Traffic transit(Profile::k64, 1024);
  const Phase phases[] = {Phase::kTransit, Phase::kPunt, Phase::kKernelOut};
  std::vector<std::vector<PhaseResult>> results(3);
  for (unsigned r = 0; r < options.runs; ++r) {
    for (unsigned p = 0; p < 3; ++p) {
      results[p].push_back(bench.run(phases[p], transit));
      const PhaseResult& x = results[p].back();
      std::cerr << fmt::format(
          "run {} {:<10} rx {:.2f} Mpps, transit {:.2f} Mpps (worker had {:.0f} % of its CPU: {:.2f} Mpps "
          "per "
          "CPU-second, {:.0f} cycles/rx); punted {:.0f}/s (ring full {:.0f}/s), into the tap {:.0f}/s (tap "
          "full {:.0f}/s, control loop {:.0f} ns CPU each), at the box's socket {:.0f}/s; box sent {:.0f}/s, "
          "out of the twin {:.0f}/s, out of lan {:.0f}/s\n",
          r + 1, phase_name(x.phase), x.rx_mpps, x.transit_mpps, 100 * x.worker_cpu_share, x.transit_mpps_cpu,
          x.cycles_per_rx, x.punted_pps, x.punt_full_pps, x.delivered_pps, x.tap_full_pps,
          x.control_ns_per_punt, x.socket_pps, x.kernel_sent_pps, x.out_of_twin_pps, x.to_lan_pps);
    }
  }
  bench.stop_socket();

  auto med = [&](unsigned p, double PhaseResult::*field) {
    std::vector<double> v;
    for (const auto& x : results[p]) v.push_back(x.*field);
    return median(v);
  };
  // Ratios per run against the transit-only phase of the same run.
  auto ratio = [&](unsigned p, double PhaseResult::*field) {
    std::vector<double> v;
    for (unsigned r = 0; r < options.runs; ++r)
      v.push_back(results[0][r].*field > 0 ? results[p][r].*field / results[0][r].*field : 0);
    return median(v);
  };
  std::cout << fmt::format(
      "punt_bench: {} runs of {} s; 1 in {} packets of the punt phase is for the box; worker on CPU {}; "
      "control loop, box socket and box sender on CPU {}; medians of the runs\n\n",
      options.runs, options.seconds, options.punt_every, options.worker_cpu, options.control_cpu);
  std::cout << "| phase | transit Mpps (wall) | transit Gbit/s (64 B, L2, wall) | vs transit alone | "
               "worker's CPU share | transit Mpps per worker "
               "CPU-second | vs transit alone | TSC cycles/rx packet (worker CPU) | into the twin /s (at the "
               "socket) | punt drops /s | control-loop CPU ns per packet into the twin | out of the twin /s "
               "(out of lan) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (unsigned p = 0; p < 3; ++p) {
    std::cout << fmt::format(
        "| {} | {:.2f} | {:.2f} | {:.0f} % | {:.0f} % | {:.2f} | {:.0f} % | {:.0f} | {:.0f} ({:.0f}) | "
        "{:.0f} | {} | "
        "{:.0f} ({:.0f}) |\n",
        phase_name(phases[p]), med(p, &PhaseResult::transit_mpps),
        med(p, &PhaseResult::transit_mpps) * 64 * 8 / 1000, 100 * ratio(p, &PhaseResult::transit_mpps),
        100 * med(p, &PhaseResult::worker_cpu_share), med(p, &PhaseResult::transit_mpps_cpu),
        100 * ratio(p, &PhaseResult::transit_mpps_cpu), med(p, &PhaseResult::cycles_per_rx),
        med(p, &PhaseResult::delivered_pps), med(p, &PhaseResult::socket_pps),
        med(p, &PhaseResult::punt_full_pps) + med(p, &PhaseResult::tap_full_pps),
        phases[p] == Phase::kPunt ? fmt::format("{:.0f}", med(p, &PhaseResult::control_ns_per_punt)) : "-",
        med(p, &PhaseResult::out_of_twin_pps), med(p, &PhaseResult::to_lan_pps));
  }
  return 0;
}

}  // namespace
}  // namespace torwart::bench

int main(int argc, char** argv) {
  torwart::bench::Options options;
  CLI::App app{"punt_bench: the exception path to the box's kernel next to the transit fast path (root)"};
  app.add_option("--seconds", options.seconds, "length of each phase")->check(CLI::Range(0.1, 60.0));
  app.add_option("--runs", options.runs, "runs of the three phases")->check(CLI::Range(1, 50));
  app.add_option("--punt-every", options.punt_every, "every Nth packet of the punt phase is for the box")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--control-cpu", options.control_cpu, "CPU of the control loop and the box's threads");
  app.add_option("--worker-cpu", options.worker_cpu, "CPU of the worker");
  app.add_flag("--hugepages", options.hugepages, "2 MB hugepages (EAL --in-memory)");
  CLI11_PARSE(app, argc, argv);
  try {
    return torwart::bench::run(options);
  } catch (const std::exception& e) {
    std::cerr << "punt_bench: " << e.what() << "\n";
    return 1;
  }
}
