#include "dataplane/live/runtime.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <utility>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "dataplane/control_protocol/control_protocol.hpp"
#include "dataplane/control_protocol/learned_message.hpp"
#include "dataplane/control_protocol/twin_routes.hpp"
#include "dataplane/eve/eve_format.hpp"
#include "dataplane/live/control_socket.hpp"
#include "dataplane/live/eve_spool.hpp"
#include "dataplane/live/ipsec_registry.hpp"
#include "dataplane/live/ipsec_sa_backend.hpp"
#include "dataplane/live/kernel_twin_receiver.hpp"
#include "dataplane/live/kernel_twin_sink.hpp"
#include "dataplane/live/platform_requests.hpp"
#include "dataplane/live/transmitters.hpp"
#include "dataplane/live/worker_loop.hpp"
#include "dataplane/pipeline/flow_log.hpp"
#include "dataplane/pipeline/report.hpp"
#include "dataplane/pipeline/signature_loader.hpp"
#include "dataplane/pipeline/slow_path.hpp"
#include "platform/build_info/build_info.hpp"
#include "platform/interface_addresses/kernel_routes.hpp"
#include "rules/config/config_digest.hpp"
#include "rules/config/load.hpp"
#include "rules/learned/effective_config.hpp"

namespace torwart::dataplane::live {
namespace {

std::atomic<bool> g_stop_requested{false};

constexpr unsigned kPuntRingSize = 4096;
constexpr unsigned kHandoffRingSize = 1024;
constexpr unsigned kFromKernelRingSize = 1024;
constexpr uint32_t kNeighbourCapacity = 8192;
static_assert(kMaxWorkers + 1 <= conntrack::kMaxFlowIdWorkers, "the workers and the slow path name flow ids");

// This start's flow id base (conntrack/flow_table.hpp): a SIEM collecting from many boxes and restarts
// must not see the same ids again and again.
uint64_t random_flow_id_base() {
  uint64_t base = 0;
  if (getrandom(&base, sizeof base, 0) != static_cast<ssize_t>(sizeof base))
    throw std::runtime_error(std::string("cannot draw the flow id base: getrandom: ") + std::strerror(errno));
  return base & conntrack::kFlowIdSequenceMask;
}

// Changes a snapshot swap cannot carry: they need the ports or lcores set up again.
std::string restart_reason(const config::Config& running, const config::Config& candidate) {
  if (running.ports.size() != candidate.ports.size()) return "the set of ports changed";
  for (size_t i = 0; i < running.ports.size(); ++i) {
    const auto& a = running.ports[i];
    const auto& b = candidate.ports[i];
    if (a.name != b.name || a.backend != b.backend || a.device != b.device || a.mtu != b.mtu ||
        a.mac != b.mac || a.kernel_twin != b.kernel_twin) {
      return "port '" + a.name + "' changed its name, backend, device, MTU, MAC or kernel_twin";
    }
  }
  const auto& d = running.dataplane;
  const auto& e = candidate.dataplane;
  if (d.workers != e.workers || d.cpus != e.cpus || d.hugepages != e.hugepages ||
      d.memory_mb != e.memory_mb || d.mbufs != e.mbufs || d.rx_descriptors != e.rx_descriptors ||
      d.tx_descriptors != e.tx_descriptors || d.distribution != e.distribution ||
      d.control_socket != e.control_socket || d.flows_per_worker != e.flows_per_worker) {
    return "the dataplane section changed (only burst, stats_interval and idle_sleep_us apply live)";
  }
  // Live mappings own ports in per-worker slices of these ranges, and the NAT tables were sized at start-up.
  if (running.nat.source != candidate.nat.source || running.nat.empty() != candidate.nat.empty()) {
    return "the source NAT rules changed, or NAT was switched on or off (port forwards apply live)";
  }
  return {};
}

uint64_t stats_interval_ns(const config::Config& config) {
  return uint64_t{config.dataplane.stats_interval_s} * 1'000'000'000ull;
}

class Appliance {
 public:
  Appliance(const config::Config& config, const RunOptions& options) : config_(config), options_(options) {}

  int run() {
    start();
    control_loop();
    shutdown();
    return 0;
  }

 private:
  void start() {
    const unsigned workers = config_.dataplane.workers;
    if (workers > kMaxWorkers)
      throw std::runtime_error("at most " + std::to_string(kMaxWorkers) + " workers");
    const unsigned needed = platform::minimum_mbufs(mbuf_demand(config_));
    if (config_.dataplane.mbufs < needed) {
      throw std::runtime_error("dataplane.mbufs is " + std::to_string(config_.dataplane.mbufs) +
                               ", this configuration needs at least " + std::to_string(needed));
    }
    platform::start_eal(eal_request_for(config_));
    shared_.clock.calibrate();
    pool_ = platform::create_mbuf_pool("torwart_mbufs", config_.dataplane.mbufs, kMbufPrivSize);
    ports_ = platform::open_ports(port_requests(config_), queue_request(config_), pool_);
    open_kernel_twins();

    shared_.workers = workers;
    shared_.burst = config_.dataplane.burst;
    shared_.idle_sleep_us = config_.dataplane.idle_sleep_us;
    shared_.software_distribution = false;
    for (const auto& p : ports_) shared_.software_distribution |= !p.symmetric_rss;
    // A symmetric Toeplitz hash sees a translated flow's two directions as two tuples: NAT steering
    // (nat_steering.hpp) must place them, and it runs in software distribution.
    if (!config_.nat.empty() && workers > 1) shared_.software_distribution = true;
    // A tunnel's decrypted packets arrive on the worker of their ESP packets' outer addresses and must
    // reach the worker of their own flow (stage_esp_in.cpp hands them over): also software distribution.
    if (!config_.vpn.tunnels.empty() && workers > 1) shared_.software_distribution = true;
    const size_t qsbr_size = rte_rcu_qsbr_get_memsize(workers);
    shared_.qsbr = static_cast<rte_rcu_qsbr*>(rte_zmalloc("torwart_qsbr", qsbr_size, RTE_CACHE_LINE_SIZE));
    if (shared_.qsbr == nullptr || rte_rcu_qsbr_init(shared_.qsbr, workers) != 0)
      throw std::runtime_error("cannot set up RCU");
    // Worker indexes 0..workers-1, and the control lcore's context after them.
    ipsec_backend_ = std::make_unique<FastPathSaBackend>(workers + 1, shared_.qsbr,
                                                         [this] { return shared_.clock.now_ns(); });
    ipsec_ = std::make_unique<IpsecRegistry>(
        [] {
          uint32_t value = 0;
          // The kernel's random pool (getrandom blocks only until it is seeded, long before torwart run).
          while (getrandom(&value, sizeof(value), 0) != sizeof(value)) {
          }
          return value;
        },
        *ipsec_backend_);
    ipsec_->on_change(
        [this](std::string_view event, const nlohmann::json& sa) { write_ipsec_record(event, sa); });
    shared_.punt_ring = rte_ring_create("torwart_punt", kPuntRingSize, SOCKET_ID_ANY, RING_F_SC_DEQ);
    if (shared_.punt_ring == nullptr) throw std::runtime_error("cannot create the slow-path ring");
    for (unsigned from = 0; from < workers; ++from) {
      for (unsigned to = 0; to < workers; ++to) {
        if (from == to) continue;
        const std::string name = "torwart_h" + std::to_string(from) + "_" + std::to_string(to);
        shared_.handoff[from][to] =
            rte_ring_create(name.c_str(), kHandoffRingSize, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (shared_.handoff[from][to] == nullptr)
          throw std::runtime_error("cannot create distribution ring " + name);
      }
    }

    neighbours_ = std::make_unique<NeighbourTable>(kNeighbourCapacity);
    punt_sink_ = std::make_unique<RingPuntSink>(shared_.punt_ring);
    conntrack::FlowTableConfig flow_table = flow_table_config(config_);
    flow_table.flow_id_base = random_flow_id_base();
    for (unsigned w = 0; w < workers; ++w) {
      transmitters_.push_back(std::make_unique<QueueTransmitter>(static_cast<uint16_t>(w)));
      eve_rings_.push_back(std::make_unique<EveRing>());
      contexts_.push_back(std::make_unique<WorkerContext>(
          w, pool_, *neighbours_, *transmitters_.back(), *punt_sink_, *eve_rings_.back(), RateLimits{},
          FragmentLimits{}, flow_table, nat_table_config(config_), inspection_limits(config_)));
      contexts_.back()->local_policer = LocalPolicer(workers);  // the box's local_traffic rates, shared
      contexts_.back()->kernel = kernel_sink_.get();
    }
    for (unsigned w = 0; w < workers; ++w) {
      flow_dumps_.push_back(std::make_unique<FlowDumpMailbox>());
      shared_.flow_dumps[w] = flow_dumps_.back().get();
    }
    control_transmitter_ = std::make_unique<QueueTransmitter>(static_cast<uint16_t>(workers));
    eve_rings_.push_back(std::make_unique<EveRing>());
    conntrack::FlowTableConfig slow_path_table = kSlowPathFlowTable;
    slow_path_table.flow_id_base = flow_table.flow_id_base;
    control_context_ =
        std::make_unique<WorkerContext>(workers, pool_, *neighbours_, *control_transmitter_, refusing_sink_,
                                        *eve_rings_.back(), RateLimits{}, FragmentLimits{}, slow_path_table);
    control_context_->kernel = kernel_sink_.get();
    slow_path_ = std::make_unique<SlowPath>(*control_context_, *neighbours_);
    if (!twins_.empty()) {
      for (unsigned to = 0; to < workers; ++to) {
        const std::string name = "torwart_k" + std::to_string(to);
        shared_.from_kernel[to] =
            rte_ring_create(name.c_str(), kFromKernelRingSize, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (shared_.from_kernel[to] == nullptr) throw std::runtime_error("cannot create ring " + name);
      }
      twin_receiver_ = std::make_unique<KernelTwinReceiver>(twins_, shared_, *control_context_);
    }

    signatures_ = std::make_unique<SignatureLoader>(config_.ids.cache_dir);
    BuiltSnapshot first = build_snapshot(config_, 1, config::config_digest(options_.config_text));
    // The slow path's context (worker id `workers`) inspects too: one scratch more than workers.
    first.snapshot->attach_signatures(signatures_->load(config_.ids, workers + 1, std::cerr, "torwart: "));
    install(std::move(first));

    std::filesystem::create_directories(options_.log_dir);
    eve_ = std::make_unique<EveSpool>(options_.log_dir, uint64_t{config_.logging.eve_file_mb} << 20,
                                      uint64_t{config_.logging.eve_spool_mb} << 20, config_.name);
    control_server_ = std::make_unique<ControlServer>(
        io_, config_.dataplane.control_socket,
        [this](const nlohmann::json& r, const Peer& p) { return handle(r, p); });

    plans_.resize(workers);
    for (unsigned w = 0; w < workers; ++w) {
      plans_[w].id = w;
      plans_[w].context = contexts_[w].get();
    }
    for (const auto& port : ports_) {
      for (uint16_t q = 0; q < port.rx_queues; ++q) plans_[q % workers].rx.push_back({port.port_id, q});
    }
    unsigned w = 0;
    unsigned lcore = 0;
    RTE_LCORE_FOREACH_WORKER(lcore) {
      if (w == workers) break;
      launch_args_.push_back({&shared_, &plans_[w]});
      if (rte_eal_remote_launch(&Appliance::worker_entry, &launch_args_.back(), lcore) != 0) {
        throw std::runtime_error("cannot launch worker " + std::to_string(w));
      }
      ++w;
    }
    started_ = std::chrono::steady_clock::now();
    std::cerr << "torwart " << platform::build_version() << ": running configuration version 1 ("
              << options_.config_origin << ") on " << ports_.size() << " ports with " << workers
              << " workers, " << (shared_.software_distribution ? "software" : "symmetric RSS")
              << " distribution; control socket " << config_.dataplane.control_socket << "\n";
  }

  // Each port with kernel_twin gets its net_tap twin with the port's own addresses. Without any twin no sink
  // is set, and packets for the box's services are dropped as local_unhandled on every port.
  void open_kernel_twins() {
    twins_ = platform::open_twins(twin_requests(config_, ports_), platform::kTwinDescriptors,
                                  platform::kTwinDescriptors, pool_);
    if (twins_.empty()) return;
    for (const auto& port : config_.ports) {
      if (!port.kernel_twin) continue;
      if (port.backend == config::PortBackend::kAfPacket) platform::keep_kernel_stack_off(port.device);
      platform::add_kernel_addresses(port.name, kernel_addresses(port));
      platform::share_neighbours_with_kernel(port.name);
    }
    give_twins_routes(config_);
    uint16_t port_count = 0;
    for (const auto& p : ports_)
      port_count = std::max<uint16_t>(port_count, static_cast<uint16_t>(p.port_id + 1));
    kernel_sink_ = std::make_unique<KernelTwinSink>(twins_, port_count);
  }

  // The box's kernel gets the configuration's routes through the twins, so that its own connections (NTP,
  // DNS, IKE, probes) reach what lies behind a gateway; the fast path still decides where they go. Routes
  // through VLANs (no twin) and blackholes are the fast path's alone.
  void give_twins_routes(const config::Config& configured) {
    if (twins_.empty()) return;
    std::vector<platform::KernelRouteRequest> requests;
    for (const auto& route : configured.routes) {
      const config::Port* port = port_named(configured, route.interface);
      if (route.blackhole || port == nullptr || !port->kernel_twin) continue;
      platform::KernelRouteRequest& r = requests.emplace_back();
      r.ipv6 = !route.to.address.is_v4();
      r.destination = route.to.address.bytes;
      r.prefix_length = route.to.length;
      r.interface = route.interface;
      if (route.via) {
        r.has_gateway = true;
        r.gateway = route.via->bytes;
      }
    }
    try {
      twin_routes_refused_ = platform::set_kernel_routes(requests, control_protocol::kTwinRouteProtocol);
    } catch (const std::exception& e) {
      twin_routes_refused_ = {e.what()};
    }
    twin_routes_given_ = requests.size() - std::min(requests.size(), twin_routes_refused_.size());
    for (const auto& problem : twin_routes_refused_)
      std::cerr << "torwart: the box's kernel did not take the route " << problem << "\n";
  }

  static const config::Port* port_named(const config::Config& config, const std::string& name) {
    auto it = std::find_if(config.ports.begin(), config.ports.end(),
                           [&](const config::Port& p) { return p.name == name; });
    return it == config.ports.end() ? nullptr : &*it;
  }

  // A reload that changes a twin's port addresses changes them on its kernel interface too.
  static void update_twin_addresses(const config::Config& running, const config::Config& candidate) {
    for (size_t i = 0; i < running.ports.size(); ++i) {
      const config::Port& before = running.ports[i];
      const config::Port& after = candidate.ports[i];
      if (!before.kernel_twin || before.addresses == after.addresses) continue;
      config::Port gone = before;
      std::erase_if(gone.addresses, [&](const config::InterfaceAddress& a) {
        return std::find(after.addresses.begin(), after.addresses.end(), a) != after.addresses.end();
      });
      platform::remove_kernel_addresses(before.name, kernel_addresses(gone));
      platform::add_kernel_addresses(after.name, kernel_addresses(after));
    }
  }

  struct LaunchArgs {
    SharedState* shared;
    WorkerPlan* plan;
  };
  static int worker_entry(void* arg) {
    auto* args = static_cast<LaunchArgs*>(arg);
    return worker_main(*args->shared, *args->plan);
  }

  // Publishes a snapshot and frees the one it replaces once no worker can still be reading it.
  void install(std::unique_ptr<Snapshot> next) {
    next->set_epoch(++installed_snapshots_);
    shared_.snapshot.store(next.get(), std::memory_order_release);
    slow_path_->use_snapshot(next.get());
    std::unique_ptr<Snapshot> previous = std::exchange(current_, std::move(next));
    if (previous != nullptr) {
      // Workers may still be inside a burst on the previous snapshot: free it only after each has passed a
      // quiescent state (or is offline).
      rte_rcu_qsbr_synchronize(shared_.qsbr, RTE_QSBR_THRID_INVALID);
    }
  }

  void control_loop() {
    rte_mbuf* packets[kMaxBurst];
    uint64_t last_tick = 0, last_stats = shared_.clock.now_ns();
    while (!g_stop_requested.load()) {
      const uint64_t now = shared_.clock.now_ns();
      const auto n = static_cast<uint16_t>(rte_ring_sc_dequeue_burst(
          shared_.punt_ring, reinterpret_cast<void**>(packets), kMaxBurst, nullptr));
      if (n > 0) slow_path_->handle(packets, n, now);
      if (kernel_sink_) kernel_sink_->flush();
      const unsigned from_kernel = twin_receiver_ ? twin_receiver_->poll() : 0;
      if (now - last_tick > 100'000'000ull) {
        slow_path_->tick(now);
        platform::follow_data_links(twins_);
        last_tick = now;
      }
      unsigned lines = 0;
      for (auto& ring : eve_rings_)
        lines += ring->drain([this](std::string_view line) { eve_->write(line); });
      if (now - last_stats >= stats_interval_ns_) {
        eve_->write(stats_record(*current_, totals(), now, uptime_s()));
        ++lines;
        last_stats = now;
      }
      if (lines > 0) eve_->flush();
      const size_t handlers = io_.poll();
      if (n == 0 && lines == 0 && handlers == 0 && from_kernel == 0) usleep(200);
    }
  }

  void shutdown() {
    shared_.stop.store(true);
    rte_eal_mp_wait_lcore();
    slow_path_->flush_pending();
    if (kernel_sink_) kernel_sink_->flush();
    for (auto& ring : eve_rings_) ring->drain([this](std::string_view line) { eve_->write(line); });
    end_open_flows();
    eve_->write(stats_record(*current_, totals(), shared_.clock.now_ns(), uptime_s()));
    eve_->flush();
    control_server_.reset();
    // No worker runs and no request comes any more: the SAs' keys and sessions can go.
    shared_.sa_table.store(nullptr);
    ipsec_.reset();
    ipsec_backend_.reset();
    platform::stop_ports(ports_);
    platform::close_twins(twins_);
    std::cerr << "torwart: stopped\n";
  }

  // Connections still open get their EVE flow record (reason "shutdown"), as Suricata writes them. The
  // workers have stopped, so the control lcore may use their tables; each record is written out at once
  // because a worker's EVE ring holds far fewer records than its flow table holds flows.
  void end_open_flows() {
    for (size_t w = 0; w < contexts_.size(); ++w) {
      WorkerContext& ctx = *contexts_[w];
      ctx.snapshot = current_.get();
      ctx.now_ns = shared_.clock.now_ns();
      FlowEndLogger log(ctx);
      auto log_and_write = [&](const conntrack::Flow& flow, conntrack::FlowEndReason reason) {
        log(flow, reason);
        eve_rings_[w]->drain([this](std::string_view line) { eve_->write(line); });
      };
      ctx.flows.end_all(log_and_write);
    }
  }

  uint64_t uptime_s() const {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_)
            .count());
  }

  WorkerCounters totals() const {
    WorkerCounters total;
    for (const auto& c : contexts_) total.add(c->counters);
    total.add(control_context_->counters);
    return total;
  }

  // The running set and the engine's counters summed over the workers (read without locking: each is a
  // worker's own counter, a torn read costs at most one count).
  nlohmann::json signature_stats() const {
    nlohmann::json j = SignatureLoader::describe(*current_->signatures(), signatures_->last_cost());
    ids::DetectorCounters sum;
    uint64_t regex_limits = 0;
    auto add = [&](const WorkerContext& c) {
      sum.add(c.detector.counters());
      regex_limits += c.detector.regex_limit_hits();
    };
    for (const auto& c : contexts_) add(*c);
    add(*control_context_);
    j["engine"] = SignatureLoader::engine_counters(sum, regex_limits);
    return j;
  }

  nlohmann::json handle(const nlohmann::json& request, const Peer& peer) {
    const std::string command = request["command"];
    if (command == control_protocol::command::kStatus) return status();
    if (command == control_protocol::command::kStats) {
      nlohmann::json stats = counters_json(*current_, totals());
      nlohmann::json workers = nlohmann::json::array();
      for (const auto& c : contexts_)
        workers.push_back({{"worker", c->worker_id}, {"snapshot_version", c->counters.snapshot_version}});
      stats["workers"] = workers;
      stats["torwart_version"] = platform::build_version();
      stats["control_requests"] = control_server_->requests();
      stats["control_requests_rejected"] = control_server_->rejected();
      stats["eve_write_errors"] = eve_->write_errors();
      stats["eve_spool"] = {{"bytes", eve_->spool_bytes()},
                            {"rotations", eve_->rotations()},
                            {"full", eve_->full()},
                            {"records_dropped_spool_full", eve_->dropped_spool_full()}};
      stats["neighbours"] = neighbours_->size();
      if (current_->signatures() != nullptr) stats["signatures"] = signature_stats();
      stats["neighbour_resolutions_pending"] = slow_path_->pending_neighbours();
      const auto& aging = slow_path_->aging();
      stats["neighbour_aging"] = {{"went_stale", aging.went_stale},
                                  {"probes_sent", aging.probes_sent},
                                  {"forgotten", aging.forgotten}};
      stats["mbufs_available"] = rte_mempool_avail_count(pool_);
      if (kernel_sink_) {
        const KernelTwinCounters& k = kernel_sink_->counters();
        const KernelTwinTraffic& t = twin_receiver_->traffic();
        stats["kernel_twins"] = {{"delivered", k.delivered},
                                 {"dropped_queue_full", k.dropped_queue_full},
                                 {"dropped_no_twin", k.dropped_no_twin},
                                 {"frames_read", t.frames_read},
                                 {"sent_to_wire", t.sent_to_wire},
                                 {"handed_to_workers", t.handed_to_workers}};
      }
      return stats;
    }
    if (command == control_protocol::command::kReload) return reload(request, peer);
    if (command == control_protocol::command::kFlows) return flows(request);
    if (command == control_protocol::command::kLearned) return learned(request);
    if (IpsecRegistry::handles(command)) return ipsec(command, request);
    throw ControlError("unknown command '" + command + "' (known: " + control_protocol::known_commands() +
                       ")");
  }

  // charon's kernel-ipsec calls through its torwart plugin (dataplane/control_protocol/README.md, "IPsec").
  nlohmann::json ipsec(const std::string& command, const nlohmann::json& request) {
    try {
      nlohmann::json reply = ipsec_->handle(command, request, IpsecRegistry::Clock::now());
      // The first SA created the table: from now on the workers look up SAs in it.
      shared_.sa_table.store(ipsec_backend_->table(), std::memory_order_release);
      return reply;
    } catch (const control_protocol::IpsecMessageError& refused) {
      throw ControlError(refused.what(), refused.problems);
    } catch (const std::invalid_argument& refused) {
      throw ControlError(refused.what());
    }
  }

  // EVE `ipsec`: an SA charon installed, moved or removed, named by its tunnel (a tunnel coming up, rekeyed,
  // going down). Rare: flushed at once, so that the provider's SIEM sees a tunnel go down when it does.
  void write_ipsec_record(std::string_view event, const nlohmann::json& sa) {
    if (!eve_) return;
    char timestamp[40];
    const size_t length = format_eve_timestamp(timestamp, sizeof timestamp, shared_.clock.now_ns());
    nlohmann::json details = sa;
    details["event"] = event;
    // By the running configuration; a tunnel a reload just took away keeps the name its SAs came up with.
    const uint32_t reqid = sa.value("reqid", 0u);
    bool ipv6 = false;
    if (const Tunnel* tunnel = current_ ? current_->tunnel_of_reqid(reqid, ipv6) : nullptr)
      tunnel_of_reqid_[reqid] = {tunnel->name, ipv6 ? "ipv6" : "ipv4"};
    if (const auto known = tunnel_of_reqid_.find(reqid); known != tunnel_of_reqid_.end()) {
      details["tunnel"] = known->second.first;
      details["inner_family"] = known->second.second;
    } else {
      details["tunnel"] = nullptr;
    }
    eve_->write(nlohmann::json{
        {"timestamp", std::string(timestamp, length)}, {"event_type", "ipsec"}, {"ipsec", details}}
                    .dump());
    eve_->flush();
  }

  // Up to `limit` connections per worker, copied by each worker between two bursts (flow_dump.hpp).
  nlohmann::json flows(const nlohmann::json& request) {
    uint32_t limit = 100;
    if (request.contains("limit")) {
      const auto& l = request["limit"];
      if (!l.is_number_integer() || l.get<int64_t>() < 1 || l.get<int64_t>() > int64_t{kMaxFlowDump}) {
        throw ControlError("limit must be a whole number from 1 to " + std::to_string(kMaxFlowDump));
      }
      limit = l.get<uint32_t>();
    }
    for (unsigned w = 0; w < shared_.workers; ++w) {
      flow_dumps_[w]->limit = limit;
      flow_dumps_[w]->requested.fetch_add(1, std::memory_order_release);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    nlohmann::json list = nlohmann::json::array();
    uint64_t active = 0;
    const uint64_t now = shared_.clock.now_ns();
    const auto& rules = current_->source().policy.rules;
    for (unsigned w = 0; w < shared_.workers; ++w) {
      FlowDumpMailbox& mailbox = *flow_dumps_[w];
      while (mailbox.answered.load(std::memory_order_acquire) !=
             mailbox.requested.load(std::memory_order_relaxed)) {
        if (std::chrono::steady_clock::now() > deadline)
          throw ControlError("worker " + std::to_string(w) + " did not answer");
        usleep(100);
      }
      active += mailbox.active;
      for (uint32_t i = 0; i < mailbox.count; ++i) list.push_back(flow_json(w, mailbox.flows[i], now, rules));
    }
    return {{"active", active}, {"listed", list.size()}, {"limit_per_worker", limit}, {"flows", list}};
  }

  static nlohmann::json flow_json(unsigned worker, const FlowSummary& f, uint64_t now_ns,
                                  const std::vector<config::PolicyRule>& rules) {
    char src[INET6_ADDRSTRLEN] = {}, dst[INET6_ADDRSTRLEN] = {};
    const int family = f.original.is_ipv6() ? AF_INET6 : AF_INET;
    inet_ntop(family, f.original.source, src, sizeof src);
    inet_ntop(family, f.original.destination, dst, sizeof dst);
    const uint8_t proto = f.original.protocol;
    char scratch[8];
    nlohmann::json j = {{"worker", worker},
                        {"flow_id", f.id},
                        {"proto", proto_name(proto, scratch)},
                        {"src_ip", src},
                        {"dest_ip", dst},
                        {"state", conntrack::flow_state_name(f.state)},
                        {"policy_rule", f.policy_rule < rules.size() ? rules[f.policy_rule].name : "default"},
                        {"age_s", now_ns > f.first_seen_ns ? (now_ns - f.first_seen_ns) / 1'000'000'000u : 0},
                        {"idle_s", now_ns > f.last_seen_ns ? (now_ns - f.last_seen_ns) / 1'000'000'000u : 0},
                        {"pkts_toserver", f.packets[0]},
                        {"pkts_toclient", f.packets[1]},
                        {"bytes_toserver", f.bytes[0]},
                        {"bytes_toclient", f.bytes[1]}};
    if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
      j["src_port"] = f.original.source_port;
      j["dest_port"] = f.original.destination_port;
    }
    return j;
  }

  nlohmann::json status() const {
    nlohmann::json ports = nlohmann::json::array();
    for (const auto& p : ports_) {
      const platform::PortStatus s = platform::port_status(p.port_id);
      char mac[RTE_ETHER_ADDR_FMT_SIZE];
      rte_ether_format_addr(mac, sizeof mac, &p.mac);
      const config::Port* configured = port_named(configured_, p.name);
      // The running snapshot's addresses: with `addresses: dhcp` the lease the kernel mirror handed over.
      const config::Port* running = port_named(current_->source(), p.name);
      nlohmann::json addresses = nlohmann::json::array();
      if (running != nullptr) {
        for (const auto& a : running->addresses) addresses.push_back(a.to_string());
      }
      ports.push_back({{"name", p.name},
                       {"port_id", p.port_id},
                       {"driver", p.driver},
                       {"mac", mac},
                       {"link", s.link_up ? "up" : "down"},
                       {"speed_mbps", s.speed_mbps},
                       {"rx_queues", p.rx_queues},
                       {"rx_missed", s.rx_missed},
                       {"rx_errors", s.rx_errors},
                       {"tx_errors", s.tx_errors},
                       {"kernel_twin", configured != nullptr && configured->kernel_twin},
                       {"address_by_dhcp", configured != nullptr && configured->address_by_dhcp},
                       {"addresses", addresses}});
    }
    return {{"name", current_->source().name},
            {"torwart_version", platform::build_version()},
            {"pid", ::getpid()},
            {"config_version", current_->version()},
            {"config_digest", current_->digest()},
            {"config_origin", origin_},
            {"uptime_s", uptime_s()},
            {"workers", shared_.workers},
            {"distribution", shared_.software_distribution ? "software" : "rss"},
            {"ports", ports},
            {"routes", routes_json()},
            {"twin_routes", {{"given", twin_routes_given_}, {"refused", twin_routes_refused_}}},
            {"learned", learned_json()}};
  }

  // A configuration merged with what was learned, compiled; the merge's account (what was taken, what not)
  // goes with it. Its merged configuration is the snapshot's source(), not kept twice.
  struct BuiltSnapshot {
    std::unique_ptr<Snapshot> snapshot;
    learned::EffectiveConfig merge;
  };
  BuiltSnapshot build_snapshot(const config::Config& configured, uint64_t version, std::string digest) {
    BuiltSnapshot built{nullptr, learned::effective_config(configured, learned_)};
    built.snapshot = Snapshot::build(built.merge.config, version, std::move(digest), bindings_of(ports_));
    built.merge.config = {};
    return built;
  }
  void install(BuiltSnapshot built) {
    install(std::move(built.snapshot));
    merge_ = std::move(built.merge);
  }

  // A new state from the kernel mirror: the running version, rebuilt with it, replaces the snapshot (RCU
  // like a reload). A refused message or snapshot leaves everything as it was.
  nlohmann::json learned(const nlohmann::json& request) {
    learned::LearnedState state;
    try {
      state = control_protocol::learned_from_json(request);
    } catch (const control_protocol::LearnedMessageError& e) {
      ++learned_refused_;
      throw ControlError(std::string("learned state refused: ") + e.what() + "; generation " +
                         std::to_string(learned_.generation) + " stays");
    }
    if (state.generation <= learned_.generation) {
      ++learned_refused_;
      throw ControlError("learned state refused: generation " + std::to_string(state.generation) +
                         " is not above the running " + std::to_string(learned_.generation));
    }
    learned::LearnedState previous = std::exchange(learned_, std::move(state));
    BuiltSnapshot next;
    try {
      next = build_snapshot(configured_, current_->version(), current_->digest());
    } catch (const std::exception& e) {
      learned_ = std::move(previous);
      ++learned_refused_;
      throw ControlError(std::string("learned state refused: cannot build the snapshot: ") + e.what() +
                         "; generation " + std::to_string(learned_.generation) + " stays");
    }
    next.snapshot->attach_signatures(current_->shared_signatures());
    install(std::move(next));
    return learned_json();
  }

  nlohmann::json learned_json() const {
    nlohmann::json not_taken = nlohmann::json::array();
    for (const auto& n : merge_.not_taken) not_taken.push_back({{"what", n.what}, {"reason", n.reason}});
    return {{"generation", learned_.generation},    {"addresses_taken", merge_.addresses_taken},
            {"routes_taken", merge_.routes_taken},  {"neighbours_taken", merge_.neighbours_taken},
            {"refused_messages", learned_refused_}, {"not_taken", not_taken}};
  }

  // Every route the running snapshot holds, with where it came from: the configuration file, a connected
  // network of an interface's address, or a kernel twin (the origin `ip route` names).
  nlohmann::json routes_json() const {
    nlohmann::json routes = nlohmann::json::array();
    const config::Config& running = current_->source();
    for (const auto& port : running.ports) {
      auto connected = [&](const std::string& name, const std::vector<config::InterfaceAddress>& addresses,
                           bool by_dhcp) {
        for (const auto& a : addresses) {
          routes.push_back({{"to", a.network().to_string()},
                            {"interface", name},
                            {"origin", by_dhcp ? "connected (dhcp)" : "connected"}});
        }
      };
      connected(port.name, port.addresses, port.address_by_dhcp);
      for (const auto& vlan : port.vlans) connected(vlan.name, vlan.addresses, false);
    }
    for (const auto& r : running.routes) {
      nlohmann::json j = {{"to", r.to.to_string()},
                          {"origin", r.origin.empty() ? "config" : "kernel " + r.origin}};
      if (r.blackhole) {
        j["blackhole"] = true;
      } else {
        j["interface"] = r.interface;
        if (r.via) j["via"] = r.via->to_string();
      }
      routes.push_back(std::move(j));
    }
    return routes;
  }

  nlohmann::json reload(const nlohmann::json& request, const Peer& peer) {
    if (!request.contains("config") || !request["config"].is_string()) {
      throw ControlError("reload needs \"config\": the complete YAML text");
    }
    const std::string text = request["config"];
    const std::string origin = request.value("origin", std::string("control socket"));
    auto loaded = config::load_config_text(text, origin);
    if (auto* errors = std::get_if<std::vector<config::ConfigError>>(&loaded)) {
      nlohmann::json details = nlohmann::json::array();
      for (const auto& e : *errors) details.push_back(e.to_string());
      throw ControlError(
          "configuration refused; version " + std::to_string(current_->version()) + " keeps running",
          details);
    }
    const auto& candidate = std::get<config::Config>(loaded);
    if (const std::string reason = restart_reason(configured_, candidate); !reason.empty()) {
      throw ControlError("configuration needs a restart of torwart run: " + reason + "; version " +
                         std::to_string(current_->version()) + " keeps running");
    }
    uint64_t version = current_->version() + 1;
    if (request.contains("config_version")) {
      if (!request["config_version"].is_number_unsigned() ||
          request["config_version"].get<uint64_t>() <= current_->version()) {
        throw ControlError("config_version must be a whole number above the running version " +
                           std::to_string(current_->version()));
      }
      version = request["config_version"];
    }
    BuiltSnapshot next;
    try {
      next = build_snapshot(candidate, version, config::config_digest(text));
    } catch (const std::exception& e) {
      throw ControlError(std::string("cannot build the snapshot: ") + e.what() + "; version " +
                         std::to_string(current_->version()) + " keeps running");
    }
    try {
      // Built beside the running set; groups whose patterns did not change share its databases.
      next.snapshot->attach_signatures(signatures_->load(
          candidate.ids, static_cast<unsigned>(contexts_.size()) + 1, std::cerr, "torwart: "));
    } catch (const std::exception& e) {
      throw ControlError(std::string("signatures refused: ") + e.what() + "; version " +
                         std::to_string(current_->version()) + " keeps running");
    }
    try {
      update_twin_addresses(configured_, candidate);
    } catch (const std::exception& e) {
      // The snapshot is not installed: the fast path and the kernel keep agreeing on the old addresses, save
      // for what was changed before the failure (the error names it).
      throw ControlError(std::string("kernel twin addresses: ") + e.what() + "; version " +
                         std::to_string(current_->version()) + " keeps running");
    }
    install(std::move(next));
    if (configured_.routes != candidate.routes) give_twins_routes(candidate);
    configured_ = candidate;
    eve_->set_host(candidate.name);  // records drained from here on, those of the last moments included
    shared_.burst = candidate.dataplane.burst;
    shared_.idle_sleep_us = candidate.dataplane.idle_sleep_us;
    stats_interval_ns_ = stats_interval_ns(candidate);
    origin_ = origin;
    std::cerr << "torwart: configuration version " << version << " from " << origin
              << " installed (requested by uid " << peer.uid << ", pid " << peer.pid << ")\n";
    nlohmann::json reply = {{"config_version", version}, {"config_digest", current_->digest()}};
    if (current_->signatures() != nullptr)
      reply["signatures"] = SignatureLoader::describe(*current_->signatures(), signatures_->last_cost());
    return reply;
  }

  config::Config config_;  // the configuration torwart run was started with
  RunOptions options_;

  // The running configuration as its text says, and what the kernel twins taught the box (the control
  // plane's `learned` command); the snapshot runs the two merged.
  config::Config configured_ = config_;
  learned::LearnedState learned_;
  learned::EffectiveConfig merge_;  // the running snapshot's merge account (its config is the snapshot's)
  uint64_t stats_interval_ns_ = stats_interval_ns(config_);
  uint64_t learned_refused_ = 0;
  uint32_t installed_snapshots_ = 0;
  size_t twin_routes_given_ = 0;
  std::vector<std::string> twin_routes_refused_;
  std::string origin_ = options_.config_origin;
  SharedState shared_;
  rte_mempool* pool_ = nullptr;
  std::vector<platform::OpenPort> ports_;
  std::vector<platform::OpenTwin> twins_;
  std::unique_ptr<KernelTwinSink> kernel_sink_;
  std::unique_ptr<KernelTwinReceiver> twin_receiver_;
  std::unique_ptr<NeighbourTable> neighbours_;
  std::unique_ptr<RingPuntSink> punt_sink_;
  RefusingPuntSink refusing_sink_;
  std::vector<std::unique_ptr<QueueTransmitter>> transmitters_;
  std::unique_ptr<QueueTransmitter> control_transmitter_;
  std::vector<std::unique_ptr<EveRing>> eve_rings_;
  std::vector<std::unique_ptr<WorkerContext>> contexts_;
  std::unique_ptr<WorkerContext> control_context_;
  std::unique_ptr<SlowPath> slow_path_;
  std::unique_ptr<Snapshot> current_;
  std::unique_ptr<SignatureLoader> signatures_;
  std::unique_ptr<EveSpool> eve_;
  std::map<uint32_t, std::pair<std::string, std::string>> tunnel_of_reqid_;  // reqid -> tunnel, inner family
  std::vector<std::unique_ptr<FlowDumpMailbox>> flow_dumps_;
  // charon's SAs (through its torwart plugin): the backend holds their crypto state, the registry charon's
  // view of them; both made once the workers' RCU exists.
  std::unique_ptr<FastPathSaBackend> ipsec_backend_;
  std::unique_ptr<IpsecRegistry> ipsec_;
  boost::asio::io_context io_;
  std::unique_ptr<ControlServer> control_server_;
  std::vector<WorkerPlan> plans_;
  std::deque<LaunchArgs> launch_args_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace

void request_stop() {
  g_stop_requested.store(true);
}

int run_appliance(const config::Config& config, const RunOptions& options) {
  std::signal(SIGINT, [](int) { request_stop(); });
  std::signal(SIGTERM, [](int) { request_stop(); });
  std::signal(SIGPIPE, SIG_IGN);
  Appliance appliance(config, options);
  return appliance.run();
}

}  // namespace torwart::dataplane::live
