#include "benchmarks/rig.hpp"

#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <variant>

#include "dataplane/live/platform_requests.hpp"
#include "rules/config/load.hpp"
#include "rules/config/service_item.hpp"

namespace torwart::bench {
namespace {

constexpr unsigned kPoolMbufs = 8191;
constexpr uint32_t kNeighbourCapacity = 64;

config::PolicyRule rule(std::string name, std::string_view source, std::string_view service,
                        config::PolicyAction action) {
  config::PolicyRule r;
  r.name = std::move(name);
  r.from_zones = {"lan"};
  if (!source.empty()) r.source = {*config::IpPrefix::parse(source)};
  if (!service.empty()) r.service = {*config::parse_service_item(service)->item};
  r.action = action;
  r.log = false;
  return r;
}

config::Policy benchmark_policy(unsigned rules) {
  config::Policy policy;
  for (unsigned i = 0; i + 1 < rules; ++i) {
    // Sources in 172.16.0.0/12 never send here: every packet is classified against all of them.
    const std::string source = fmt::format("172.{}.{}.{}/32", 16 + (i >> 16), (i >> 8) & 0xff, i & 0xff);
    const std::string service = fmt::format("{}/{}", i % 2 == 0 ? "tcp" : "udp", 1 + i % 65535);
    policy.rules.push_back(rule(fmt::format("unmatched-{}", i), source, service,
                                i % 3 == 0 ? config::PolicyAction::kDrop : config::PolicyAction::kAccept));
  }
  policy.rules.push_back(rule("benchmark-traffic", "192.168.10.0/24", "", config::PolicyAction::kAccept));
  return policy;
}

config::Config benchmark_config(const RigOptions& options) {
  auto loaded = config::load_config_text(config::default_config_text(), config::kDefaultConfigName);
  if (!std::holds_alternative<config::Config>(loaded))
    throw std::runtime_error("the built-in configuration does not load");
  config::Config config = std::get<config::Config>(std::move(loaded));
  config.dataplane.workers = 1;  // one receive queue and a transmit queue for the worker on every port
  config.dataplane.cpus = {options.cpu};
  config.dataplane.hugepages = options.hugepages;
  config.dataplane.memory_mb = options.memory_mb;
  for (auto& port : config.ports) port.backend = config::PortBackend::kNull;
  config.dataplane.flows_per_worker = options.flow_table;
  config.policy = benchmark_policy(options.policy_rules);
  if (options.nat) config.nat.source.push_back({"benchmark-masquerade", "inet", {"lan"}, 1024, 65535});
  return config;
}

uint16_t port_id(const std::vector<platform::OpenPort>& ports, std::string_view name) {
  for (const auto& p : ports) {
    if (p.name == name) return p.port_id;
  }
  throw std::runtime_error("no port named " + std::string(name));
}

}  // namespace

Rig::Rig(const RigOptions& options) : config_(benchmark_config(options)) {
  platform::EalRequest request = dataplane::eal_request_for(config_);
  request.worker_lcores = 0;  // the loops run on the main lcore
  platform::start_eal(request);
  clock_.calibrate();
  rte_mempool* pool = platform::create_mbuf_pool("torwart_bench", kPoolMbufs, dataplane::kMbufPrivSize);
  ports_ = platform::open_ports(dataplane::port_requests(config_), dataplane::queue_request(config_), pool);
  lan_ = port_id(ports_, "lan");
  kdn_ = port_id(ports_, "kdn");
  snapshot_ = dataplane::Snapshot::build(config_, 1, "benchmark", dataplane::bindings_of(ports_));
  neighbours_ = std::make_unique<dataplane::NeighbourTable>(kNeighbourCapacity);
  worker_ = std::make_unique<dataplane::WorkerContext>(
      0, pool, *neighbours_, transmitter_, no_punt_, worker_eve_, dataplane::RateLimits{},
      dataplane::FragmentLimits{}, dataplane::flow_table_config(config_),
      dataplane::nat_table_config(config_));
  slow_context_ =
      std::make_unique<dataplane::WorkerContext>(1, pool, *neighbours_, transmitter_, no_punt_, slow_eve_);
  slow_path_ = std::make_unique<dataplane::SlowPath>(*slow_context_, *neighbours_);
  slow_path_->use_snapshot(snapshot_.get());  // installs the static neighbours
  worker_->snapshot = snapshot_.get();
}

Rig::~Rig() {
  slow_path_.reset();
  platform::stop_ports(ports_);
}

BareLoop Rig::bare_loop(Traffic& traffic) const {
  return BareLoop{.rx_port = lan_, .tx_port = kdn_, .traffic = &traffic};
}

PipelineLoop Rig::pipeline_loop(Traffic& traffic) {
  return PipelineLoop{.rx_port = lan_, .traffic = &traffic, .context = worker_.get(), .clock = &clock_};
}

}  // namespace torwart::bench
