#include "dataplane/inspect/inspect.hpp"

#include <pcap/pcap.h>

#include <array>
#include <filesystem>
#include <fstream>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "dataplane/conntrack/track.hpp"
#include "dataplane/flow_log.hpp"
#include "dataplane/pipeline.hpp"
#include "dataplane/report.hpp"
#include "dataplane/stages.hpp"
#include "platform/mbuf_pool.hpp"
#include "rules/config/config_digest.hpp"

namespace torwart::dataplane::inspect {
namespace {

constexpr unsigned kMbufs = 4095;
constexpr unsigned kExpiryBudget = 32;

// Nothing leaves: packets that pass are freed, as `suricata -r` forwards nothing.
class DiscardingTransmitter final : public Transmitter {
 public:
  uint16_t transmit(uint16_t, rte_mbuf** packets, uint16_t count) override {
    rte_pktmbuf_free_bulk(packets, count);
    return count;
  }
};

class DiscardingPuntSink final : public PuntSink {
 public:
  uint16_t punt(rte_mbuf** packets, uint16_t count) override {
    rte_pktmbuf_free_bulk(packets, count);
    return count;
  }
};

// The capture's frames as Ethernet: other link types get an Ethernet header made up in front of their IP
// packet, so the fast path's own parser reads them.
class CaptureReader {
 public:
  explicit CaptureReader(const std::string& path) {
    char error[PCAP_ERRBUF_SIZE];
    pcap_ = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, error);
    if (pcap_ == nullptr) throw InspectInputError(path + ": " + error);
    link_ = pcap_datalink(pcap_);
    if (link_ != DLT_EN10MB && link_ != DLT_RAW && link_ != DLT_LINUX_SLL && link_ != DLT_NULL &&
        link_ != DLT_IPV4 && link_ != DLT_IPV6) {
      const std::string name = pcap_datalink_val_to_name(link_) ? pcap_datalink_val_to_name(link_) : "?";
      pcap_close(pcap_);
      throw InspectInputError(path + ": link type " + std::to_string(link_) + " (" + name +
                              ") is not supported (Ethernet, raw IP, Linux cooked, BSD loopback are)");
    }
  }
  ~CaptureReader() { pcap_close(pcap_); }
  CaptureReader(const CaptureReader&) = delete;
  CaptureReader& operator=(const CaptureReader&) = delete;

  // The next frame as Ethernet into `out` (capacity bytes); 0 for a frame without IP (counted by the
  // caller), -1 at the end.
  int next(uint8_t* out, uint32_t capacity, uint32_t& length, uint64_t& timestamp_ns) {
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(pcap_, &header, &data);
    if (rc != 1) return -1;
    timestamp_ns = uint64_t(header->ts.tv_sec) * 1'000'000'000ull + uint64_t(header->ts.tv_usec);
    const uint8_t* ip = data;
    uint32_t ip_length = header->caplen;
    uint16_t ether_type = 0;
    switch (link_) {
      case DLT_EN10MB:
        length = std::min(header->caplen, capacity);
        std::memcpy(out, data, length);
        return 1;
      case DLT_LINUX_SLL:
        if (header->caplen < 16) return 0;
        ether_type = static_cast<uint16_t>(data[14] << 8 | data[15]);
        ip += 16;
        ip_length -= 16;
        break;
      case DLT_NULL:
        if (header->caplen < 4) return 0;
        ip += 4;
        ip_length -= 4;
        break;
      default:
        break;
    }
    if (ether_type == 0) {
      if (ip_length < 1) return 0;
      ether_type = (ip[0] >> 4) == 6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4;
    }
    if (ether_type != RTE_ETHER_TYPE_IPV4 && ether_type != RTE_ETHER_TYPE_IPV6) return 0;
    if (ip_length + sizeof(rte_ether_hdr) > capacity) ip_length = capacity - sizeof(rte_ether_hdr);
    rte_ether_hdr ether{};
    ether.dst_addr = rte_ether_addr{{0x02, 0, 0, 0, 0, 0x01}};
    ether.src_addr = rte_ether_addr{{0x02, 0, 0, 0, 0, 0x02}};
    ether.ether_type = rte_cpu_to_be_16(ether_type);
    std::memcpy(out, &ether, sizeof ether);
    std::memcpy(out + sizeof ether, ip, ip_length);
    length = static_cast<uint32_t>(sizeof ether + ip_length);
    return 1;
  }

 private:
  pcap_t* pcap_ = nullptr;
  int link_ = 0;
};

std::vector<PortBinding> bindings_of(const config::Config& config) {
  std::vector<PortBinding> bindings;
  for (size_t i = 0; i < config.ports.size(); ++i)
    bindings.push_back({config.ports[i].name, static_cast<uint16_t>(i), rte_ether_addr{}});
  return bindings;
}

}  // namespace

InspectSummary run_inspect(const InspectOptions& options) {
  CaptureReader capture(options.capture);
  std::filesystem::create_directories(options.out_dir);
  static rte_mempool* pool = platform::create_mbuf_pool("torwart_inspect", kMbufs);
  const auto snapshot = Snapshot::build(options.config, 1, config::config_digest(options.config_text),
                                        bindings_of(options.config));
  NeighbourTable neighbours(16);
  DiscardingTransmitter transmitter;
  DiscardingPuntSink punts;
  EveRing eve_ring;
  applayer::InspectionLimits limits = inspection_limits(options.config);
  if (!options.ips) limits.on_limit = applayer::LimitAction::kPass;  // an IDS never drops
  WorkerContext ctx(0, pool, neighbours, transmitter, punts, eve_ring, RateLimits{}, FragmentLimits{},
                    flow_table_config(options.config), nat::NatTableConfig{}, limits);
  ctx.snapshot = snapshot.get();
  const std::string capture_name = std::filesystem::path(options.capture).filename().string();
  ctx.interface_name_override = capture_name;

  const std::string eve_path = options.out_dir + "/eve.json";
  std::filesystem::remove(eve_path);
  EveFile eve(eve_path);
  auto drain = [&] { eve_ring.drain([&](std::string_view line) { eve.write(line); }); };

  ParseOptions parse_options;
  parse_options.verify_ipv4_checksum = options.verify_checksums;
  parse_options.check_source_addresses = false;
  InspectSummary summary;
  std::array<uint64_t, kDropReasonCount> malformed_by_reason{};
  FlowEndLogger on_end(ctx);
  uint64_t first_ns = 0, now = 0;
  std::vector<uint8_t> frame(RTE_MBUF_DEFAULT_DATAROOM);
  for (;;) {
    uint32_t length = 0;
    const int got = capture.next(frame.data(), static_cast<uint32_t>(frame.size()), length, now);
    if (got < 0) break;
    if (summary.packets++ == 0) first_ns = now;
    if (got == 0) {
      ++summary.not_ip;
      continue;
    }
    ctx.now_ns = now;
    ctx.flows.expire(now, kExpiryBudget, on_end);
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    if (m == nullptr) throw std::runtime_error("inspect ran out of packet buffers");
    std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(length)), frame.data(), length);
    m->port = 0;
    Burst burst;
    burst.pkts[0] = m;
    burst.count = 1;
    stage_parse(burst, parse_options);
    summary.malformed += burst.dropped_count;
    for (uint16_t d = 0; d < burst.dropped_count; ++d)
      ++malformed_by_reason[static_cast<unsigned>(meta_of(burst.dropped[d]).drop_reason)];
    if (burst.dropped_count > 0) rte_pktmbuf_free_bulk(burst.dropped.data(), burst.dropped_count);
    burst.reset_side_lists();
    if (burst.count == 0) continue;
    PacketMeta& meta = meta_of(m);
    conntrack::FlowTuple tuple;
    if (meta.l3 == L3Kind::kArp || meta.l3 == L3Kind::kNone || (meta.flags & meta_flag::kFragment) ||
        !conntrack::tuple_of_packet(meta, m, tuple)) {
      if (meta.flags & meta_flag::kFragment) ++summary.fragments;
      rte_pktmbuf_free(m);
      continue;
    }
    conntrack::LookupResult found = ctx.flows.lookup(tuple, now, on_end);
    if (found.flow == nullptr) {
      if (meta.ip_proto == IPPROTO_TCP && !options.midstream && !conntrack::tcp_may_open(meta, m)) {
        ++summary.not_tracked;
        rte_pktmbuf_free(m);
        continue;
      }
      const conntrack::CreateResult created = ctx.flows.create(tuple, conntrack::mirror(tuple), now, on_end);
      if (created.flow == nullptr) {
        rte_pktmbuf_free(m);
        continue;
      }
      ++summary.flows;
      created.flow->flags = conntrack::flow_flag::kPolicyDecided | conntrack::flow_flag::kLog;
      created.flow->policy_rule = conntrack::kNoPolicyRule;
      found = {created.flow, conntrack::Direction::kOriginal};
    }
    // The TCP state is kept for timeouts and records; what it would refuse is still inspected, as an IDS
    // does.
    (void)ctx.flows.track(*found.flow, found.direction, meta, m, now);
    meta.flow = found.flow;
    if (found.direction == conntrack::Direction::kReply) meta.flags |= meta_flag::kReplyDirection;
    stage_applayer(ctx, burst);
    summary.dropped += burst.dropped_count;
    if (burst.count > 0) rte_pktmbuf_free_bulk(burst.pkts.data(), burst.count);
    burst.count = 0;
    if (burst.generated_count > 0) rte_pktmbuf_free_bulk(burst.generated.data(), burst.generated_count);
    burst.generated_count = 0;
    pipeline_finish(ctx, burst);  // logs and frees what --ips dropped
    drain();
  }
  ctx.flows.end_all(on_end);
  drain();
  WorkerCounters total = ctx.counters;
  total.inspection = ctx.inspector.counters();
  total.reassembly = ctx.inspector.reassembly_counters();
  eve.write(stats_record(*snapshot, total, now, (now - first_ns) / 1'000'000'000ull));
  eve.flush();
  nlohmann::json counters = {{"packets", summary.packets},     {"flows", summary.flows},
                             {"not_ip", summary.not_ip},       {"not_tracked", summary.not_tracked},
                             {"malformed", summary.malformed}, {"fragments", summary.fragments},
                             {"dropped", summary.dropped},     {"app_layer", app_layer_json(total)}};
  nlohmann::json reasons = nlohmann::json::object();
  for (unsigned r = 0; r < kDropReasonCount; ++r) {
    if (malformed_by_reason[r] > 0)
      reasons[std::string(drop_reason_name(static_cast<DropReason>(r)))] = malformed_by_reason[r];
  }
  counters["malformed_by_reason"] = reasons;
  std::ofstream(options.out_dir + "/counters.json") << counters.dump(2) << "\n";
  return summary;
}

}  // namespace torwart::dataplane::inspect
