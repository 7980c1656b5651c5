// NAT through the whole pipeline on real mbufs: source NAT out and back, endpoint-independent mapping,
// address-and-port-dependent filtering, checksums, ICMP echo identifiers, ICMP errors (RFC 5508), port
// forwards, hairpinning, expiry, and the worker affinity NAT steering gives a reply.
#include <memory>
#include <string>

#include "dataplane/pipeline/fastpath_test_support.hpp"
#include "dataplane/pipeline/flow_log.hpp"
#include "dataplane/pipeline/nat_steering.hpp"
#include "rules/config/load.hpp"

namespace torwart::dataplane::testing_support {
namespace {

using test::Bytes;
namespace tf = test::tcp_flag;

constexpr size_t kL3 = 14, kSrc = 26, kDst = 30, kSrcPort = 34, kDstPort = 36;
constexpr const char* kServerMac = "02:00:00:00:01:20";

std::string nat_config_text() {
  std::string text = test_config_text();
  const std::string anchor = "  - {address: 192.168.10.10, mac: \"02:00:00:00:01:10\"}\n";
  text.replace(text.find(anchor), anchor.size(),
               anchor + "  - {address: 192.168.10.20, mac: \"" + kServerMac + "\"}\n");
  const std::string rules = "  rules:\n";
  text.insert(
      text.find(rules) + rules.size(),
      "    - {name: inbound-telnet-rejected, from: [inet], to: [lan], service: [tcp/23], action: reject}\n");
  text += R"(
nat:
  source:
    - {name: masquerade, out: inet, from: [lan, voip]}
  forwards:
    - {name: web, in: inet, protocol: tcp, port: 8443, to: 192.168.10.20, to_port: 443}
    - {name: ssh, in: inet, protocol: tcp, port: 2222, to: 192.168.10.20, to_port: 22}
    - {name: telnet, in: inet, protocol: tcp, port: 2323, to: 192.168.10.20, to_port: 23}
    - {name: dmz-web, in: inet, protocol: tcp, port: 8080, to: 172.16.0.10, to_port: 80}
)";
  return text;
}

std::unique_ptr<Snapshot> build_nat_snapshot() {
  auto loaded = config::load_config_text(nat_config_text(), "nat-unit.yaml");
  if (auto* errors = std::get_if<std::vector<config::ConfigError>>(&loaded))
    throw std::runtime_error("NAT test configuration refused: " + errors->front().to_string());
  const auto& config = std::get<config::Config>(loaded);
  std::vector<PortBinding> bindings;
  for (uint16_t i = 0; i < config.ports.size(); ++i)
    bindings.push_back({config.ports[i].name, i, rte_ether_addr{}});
  return Snapshot::build(config, 1, "nat-test", bindings);
}

Bytes from_lan(const test::Ipv4& ip, const test::Transport& transport, const char* mac = kLanClientMac) {
  return test::ipv4_frame({.source = mac, .destination = kLanMac}, ip, transport);
}
Bytes from_inet(const test::Ipv4& ip, const test::Transport& transport) {
  return test::ipv4_frame({.source = kInetGatewayMac, .destination = kInetMac}, ip, transport);
}

bool checksums_valid(const Bytes& frame) {
  return ipv4_header_valid(frame, kL3) &&
         (frame[kL3 + 9] == 1 ? icmpv4_checksum_valid(frame, kL3) : ipv4_l4_checksum_valid(frame, kL3));
}

class NatPipeline : public ::testing::Test {
 protected:
  NatPipeline() : snapshot(build_nat_snapshot()) { make_worker(0, 1); }
  ~NatPipeline() override {
    slow.reset();
    EXPECT_GT(rte_mempool_avail_count(pool()), 4095u - 64u) << "mbufs leaked";
  }

  void make_worker(unsigned id, unsigned workers) {
    slow.reset();
    ctx.reset();
    slow_ctx.reset();
    ctx = std::make_unique<WorkerContext>(id, pool(), neighbours, tx, punt, eve, RateLimits{},
                                          FragmentLimits{}, conntrack::FlowTableConfig{1024, {}, -1},
                                          nat::NatTableConfig{1024, 1024, workers});
    ctx->snapshot = snapshot.get();
    slow_ctx = std::make_unique<WorkerContext>(workers, pool(), neighbours, tx, slow_punt, slow_eve);
    slow = std::make_unique<SlowPath>(*slow_ctx, neighbours);
    slow->use_snapshot(snapshot.get());
  }

  // One frame through the pipeline; returns what left on `out_port` (and fails when nothing did).
  Bytes pass(uint16_t in_port, const Bytes& frame, uint16_t out_port) {
    tx.sent.clear();
    run(in_port, frame);
    auto& out = tx.sent[out_port];
    EXPECT_EQ(out.size(), 1u) << "nothing left on port " << out_port;
    return out.empty() ? Bytes{} : out.front();
  }

  void run(uint16_t in_port, const Bytes& frame) { run_burst(in_port, {frame}); }

  void run_burst(uint16_t in_port, const std::vector<Bytes>& frames) {
    Burst burst;
    for (const Bytes& frame : frames) {
      rte_mbuf* m = test::to_mbuf(pool(), frame);
      ASSERT_NE(m, nullptr);
      m->port = in_port;
      burst.pkts[burst.count++] = m;
    }
    ctx->now_ns = now_ns;
    pipeline_receive(*ctx, burst, ParseOptions{});
    pipeline_process(*ctx, burst);
  }

  // NAT steering's worker for a frame, as software distribution would ask before any stage.
  std::optional<unsigned> steering_of(uint16_t in_port, const Bytes& frame, unsigned workers) {
    Burst burst;
    rte_mbuf* m = test::to_mbuf(pool(), frame);
    m->port = in_port;
    burst.pkts[burst.count++] = m;
    stage_parse(burst, {});
    EXPECT_EQ(burst.count, 1);
    const auto owner = nat::steering_owner(*snapshot, meta_of(m), m, workers);
    rte_pktmbuf_free(m);
    return owner;
  }

  uint64_t drops(uint16_t port, DropReason reason) const {
    return ctx->counters.ports[port].drops[static_cast<unsigned>(reason)];
  }

  std::unique_ptr<Snapshot> snapshot;
  NeighbourTable neighbours{256};
  CapturingTransmitter tx;
  CapturingPuntSink punt, slow_punt;
  EveRing eve{64}, slow_eve{64};
  std::unique_ptr<WorkerContext> ctx, slow_ctx;
  std::unique_ptr<SlowPath> slow;
  uint64_t now_ns = 1'700'000'000'000'000'000ull;
};

TEST_F(NatPipeline, SourceNatTranslatesOutboundAndRepliesBack) {
  const Bytes syn =
      from_lan({.source = "192.168.10.10", .destination = "198.51.100.10"},
               test::Tcp{.source_port = 40000, .destination_port = 80, .sequence = 1, .flags = tf::kSyn});
  const Bytes out = pass(kLan, syn, kInet);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(ipv4_at(out, kSrc), "203.0.113.2");
  EXPECT_EQ(ipv4_at(out, kDst), "198.51.100.10");
  const uint16_t port = be16(out, kSrcPort);
  EXPECT_GE(port, 1024);
  EXPECT_EQ(be16(out, kDstPort), 80);
  EXPECT_TRUE(checksums_valid(out)) << "IPv4 and TCP checksums updated incrementally";

  const Bytes syn_ack = from_inet({.source = "198.51.100.10", .destination = "203.0.113.2"},
                                  test::Tcp{.source_port = 80,
                                            .destination_port = port,
                                            .sequence = 5000,
                                            .acknowledgement = 2,
                                            .flags = tf::kSyn | tf::kAck});
  const Bytes back = pass(kInet, syn_ack, kLan);
  ASSERT_FALSE(back.empty());
  EXPECT_EQ(ipv4_at(back, kSrc), "198.51.100.10");
  EXPECT_EQ(ipv4_at(back, kDst), "192.168.10.10");
  EXPECT_EQ(be16(back, kDstPort), 40000);
  EXPECT_TRUE(checksums_valid(back));
  EXPECT_EQ(ctx->counters.nat_mappings_active, 1u);
  EXPECT_EQ(ctx->counters.nat_packets_translated, 2u);
}

TEST_F(NatPipeline, OneMappingServesEveryRemoteButOnlyTheirRepliesComeIn) {
  auto udp_out = [&](const char* remote) {
    return pass(kLan,
                from_lan({.source = "192.168.10.10", .destination = remote},
                         test::Udp{.source_port = 5060, .destination_port = 5060}),
                kInet);
  };
  const Bytes first = udp_out("198.51.100.10");
  const Bytes second = udp_out("198.51.100.11");
  const uint16_t port = be16(first, kSrcPort);
  EXPECT_EQ(be16(second, kSrcPort), port) << "endpoint-independent mapping (RFC 4787 REQ-1)";
  EXPECT_EQ(ctx->counters.nat_mappings_active, 1u);

  const Bytes reply = pass(kInet,
                           from_inet({.source = "198.51.100.11", .destination = "203.0.113.2"},
                                     test::Udp{.source_port = 5060, .destination_port = port}),
                           kLan);
  EXPECT_EQ(ipv4_at(reply, kDst), "192.168.10.10");
  EXPECT_EQ(be16(reply, kDstPort), 5060);

  tx.sent.clear();
  run(kInet, from_inet({.source = "198.51.100.99", .destination = "203.0.113.2"},
                       test::Udp{.source_port = 5060, .destination_port = port}));
  EXPECT_EQ(tx.total(), 0u)
      << "a stranger cannot use the mapping, although the test policy accepts inet -> lan";
  EXPECT_EQ(drops(kInet, DropReason::kNatUnsolicited), 1u);
  EXPECT_EQ(ctx->counters.flows_active, 2u) << "the unsolicited packet's flow was removed again";
}

TEST_F(NatPipeline, UdpWithoutChecksumKeepsNone) {
  Bytes frame = from_lan({.source = "192.168.10.10", .destination = "198.51.100.10"},
                         test::Udp{.source_port = 7000, .destination_port = 53});
  frame[kL3 + 20 + 6] = frame[kL3 + 20 + 7] = 0;  // UDP checksum 0: none (RFC 768)
  const Bytes out = pass(kLan, frame, kInet);
  EXPECT_EQ(be16(out, kL3 + 20 + 6), 0);
  EXPECT_TRUE(ipv4_header_valid(out, kL3));
}

TEST_F(NatPipeline, EchoIdentifiersAreTranslatedBothWays) {
  const Bytes out = pass(kLan,
                         from_lan({.source = "192.168.10.10", .destination = "198.51.100.10"},
                                  test::icmp_echo_request(0x1234, 1, Bytes(16, 0xab))),
                         kInet);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(ipv4_at(out, kSrc), "203.0.113.2");
  const uint16_t id = be16(out, kL3 + 20 + 4);
  EXPECT_GE(id, 1024);
  EXPECT_TRUE(checksums_valid(out));
  const Bytes back = pass(kInet,
                          from_inet({.source = "198.51.100.10", .destination = "203.0.113.2"},
                                    test::icmp_echo_reply(id, 1, Bytes(16, 0xab))),
                          kLan);
  ASSERT_FALSE(back.empty());
  EXPECT_EQ(ipv4_at(back, kDst), "192.168.10.10");
  EXPECT_EQ(be16(back, kL3 + 20 + 4), 0x1234);
  EXPECT_TRUE(checksums_valid(back));
}

TEST_F(NatPipeline, IcmpErrorsAboutTranslatedFlowsAreTranslatedInsideAndOut) {
  const Bytes out = pass(kLan,
                         from_lan({.source = "192.168.10.10", .destination = "198.51.100.10"},
                                  test::Udp{.source_port = 5000, .destination_port = 53}),
                         kInet);
  const uint16_t port = be16(out, kSrcPort);
  // The remote answers "port unreachable", quoting the datagram as it left the box.
  const Bytes quoted(out.begin() + kL3, out.end());
  const Bytes error = pass(
      kInet,
      from_inet({.source = "198.51.100.10", .destination = "203.0.113.2"}, test::icmp_error(3, 3, quoted)),
      kLan);
  ASSERT_FALSE(error.empty());
  const size_t inner = kL3 + 20 + 8;
  EXPECT_EQ(ipv4_at(error, kDst), "192.168.10.10");
  EXPECT_EQ(ipv4_at(error, inner + 12), "192.168.10.10") << "the quote shows the packet as the host sent it";
  EXPECT_EQ(be16(error, inner + 20), 5000);
  EXPECT_TRUE(ipv4_header_valid(error, kL3));
  EXPECT_TRUE(icmpv4_checksum_valid(error, kL3));
  EXPECT_TRUE(ipv4_header_valid(error, inner));
  EXPECT_EQ(ctx->counters.nat_icmp_errors_translated, 1u);
  (void)port;

  // A LAN host's error about a reply (remote -> host) leaves with the external address, outside and quoted.
  const Bytes reply = pass(kInet,
                           from_inet({.source = "198.51.100.10", .destination = "203.0.113.2"},
                                     test::Udp{.source_port = 53, .destination_port = port}),
                           kLan);
  const Bytes host_error = pass(kLan,
                                from_lan({.source = "192.168.10.10", .destination = "198.51.100.10"},
                                         test::icmp_error(3, 3, Bytes(reply.begin() + kL3, reply.end()))),
                                kInet);
  ASSERT_FALSE(host_error.empty());
  EXPECT_EQ(ipv4_at(host_error, kSrc), "203.0.113.2");
  EXPECT_EQ(ipv4_at(host_error, inner + 16), "203.0.113.2");
  EXPECT_EQ(be16(host_error, inner + 22), port);
  EXPECT_TRUE(icmpv4_checksum_valid(host_error, kL3));
  EXPECT_TRUE(ipv4_header_valid(host_error, inner));
}

TEST_F(NatPipeline, FragmentedRepliesAreTranslatedFragmentByFragment) {
  const Bytes out = pass(kLan,
                         from_lan({.source = "192.168.10.10", .destination = "198.51.100.10"},
                                  test::Udp{.source_port = 5000, .destination_port = 53}),
                         kInet);
  const uint16_t port = be16(out, kSrcPort);
  const test::Ipv4 reply_ip{.source = "198.51.100.10", .destination = "203.0.113.2", .id = 99};
  const Bytes datagram = test::ipv4_datagram(
      reply_ip, test::Udp{.source_port = 53, .destination_port = port, .payload = Bytes(100, 0x42)});
  const Bytes l4(datagram.begin() + 20, datagram.end());
  auto fragment = [&](uint32_t offset, uint32_t length, bool more) {
    test::Ipv4 ip = reply_ip;
    ip.more_fragments = more;
    ip.fragment_offset = static_cast<uint16_t>(offset / 8);
    return from_inet(ip, test::RawTransport{17, Bytes(l4.begin() + offset, l4.begin() + offset + length)});
  };
  tx.sent.clear();
  run_burst(kInet, {fragment(0, 64, true), fragment(64, static_cast<uint32_t>(l4.size()) - 64, false)});
  const auto& in = tx.sent[kLan];
  ASSERT_EQ(in.size(), 2u);
  Bytes joined;
  for (const Bytes& frame : in) {
    EXPECT_EQ(ipv4_at(frame, kDst), "192.168.10.10");
    EXPECT_TRUE(ipv4_header_valid(frame, kL3));
    joined.insert(joined.end(), frame.begin() + kL3 + 20, frame.end());
  }
  EXPECT_EQ(be16(in[0], kDstPort), 5000) << "the first fragment carries the port";
  const auto source = test::parse_ipv4("198.51.100.10");
  const auto destination = test::parse_ipv4("192.168.10.10");
  EXPECT_EQ(ipv4_l4_checksum(source.data(), destination.data(), 17, joined.data(),
                             static_cast<uint16_t>(joined.size())),
            0)
      << "the checksum in the first fragment covers the translated datagram";
}

TEST_F(NatPipeline, PortForwardReachesTheServerAndItsRepliesComeFromThePublicAddress) {
  const Bytes syn = from_inet({.source = "198.51.100.7", .destination = "203.0.113.2"},
                              test::Tcp{.source_port = 33000, .destination_port = 8443, .sequence = 1});
  const Bytes in = pass(kInet, syn, kLan);
  ASSERT_FALSE(in.empty());
  EXPECT_EQ(mac_at(in, 0), kServerMac);
  EXPECT_EQ(ipv4_at(in, kDst), "192.168.10.20");
  EXPECT_EQ(be16(in, kDstPort), 443);
  EXPECT_EQ(ipv4_at(in, kSrc), "198.51.100.7") << "the server sees the real client";
  EXPECT_TRUE(checksums_valid(in));
  const Bytes syn_ack = from_lan({.source = "192.168.10.20", .destination = "198.51.100.7"},
                                 test::Tcp{.source_port = 443,
                                           .destination_port = 33000,
                                           .sequence = 9000,
                                           .acknowledgement = 2,
                                           .flags = tf::kSyn | tf::kAck},
                                 kServerMac);
  const Bytes out = pass(kLan, syn_ack, kInet);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(ipv4_at(out, kSrc), "203.0.113.2");
  EXPECT_EQ(be16(out, kSrcPort), 8443);
  EXPECT_TRUE(checksums_valid(out));
}

TEST_F(NatPipeline, ThePolicyJudgesTheTranslatedDestination) {
  // tcp/2222 is forwarded to the server's port 22, which the test policy drops from inet to lan.
  tx.sent.clear();
  run(kInet, from_inet({.source = "198.51.100.7", .destination = "203.0.113.2"},
                       test::Tcp{.source_port = 33001, .destination_port = 2222}));
  EXPECT_EQ(tx.total(), 0u);
  EXPECT_EQ(drops(kInet, DropReason::kPolicyDrop), 1u);
}

TEST_F(NatPipeline, ARejectedForwardIsAnsweredFromThePublicAddress) {
  const Bytes rst = pass(kInet,
                         from_inet({.source = "198.51.100.7", .destination = "203.0.113.2"},
                                   test::Tcp{.source_port = 33003, .destination_port = 2323}),
                         kInet);
  ASSERT_FALSE(rst.empty());
  EXPECT_EQ(drops(kInet, DropReason::kPolicyReject), 1u);
  EXPECT_EQ(ipv4_at(rst, kSrc), "203.0.113.2") << "never the inside server's address";
  EXPECT_EQ(be16(rst, kSrcPort), 2323);
  EXPECT_EQ(ipv4_at(rst, kDst), "198.51.100.7");
  EXPECT_EQ(be16(rst, kDstPort), 33003);
  EXPECT_TRUE(checksums_valid(rst));
}

TEST_F(NatPipeline, ErrorsAboutForwardedPacketsQuoteThemAsTheSenderSentThem) {
  const Bytes error = pass(kInet,
                           from_inet({.source = "198.51.100.7", .destination = "203.0.113.2", .ttl = 1},
                                     test::Tcp{.source_port = 33004, .destination_port = 8443}),
                           kInet);
  ASSERT_FALSE(error.empty());
  const size_t inner = kL3 + 20 + 8;
  EXPECT_EQ(error[kL3 + 20], 11) << "time exceeded";
  EXPECT_EQ(ipv4_at(error, kDst), "198.51.100.7");
  EXPECT_EQ(ipv4_at(error, inner + 16), "203.0.113.2");
  EXPECT_EQ(be16(error, inner + 22), 8443);
  EXPECT_TRUE(icmpv4_checksum_valid(error, kL3));
  EXPECT_TRUE(ipv4_header_valid(error, inner));
}

TEST_F(NatPipeline, HairpinLanClientsReachTheForwardThroughThePublicAddress) {
  const Bytes syn = from_lan({.source = "192.168.10.10", .destination = "203.0.113.2"},
                             test::Tcp{.source_port = 41000, .destination_port = 8443, .sequence = 1});
  const Bytes to_server = pass(kLan, syn, kLan);
  ASSERT_FALSE(to_server.empty());
  EXPECT_EQ(ipv4_at(to_server, kDst), "192.168.10.20");
  EXPECT_EQ(be16(to_server, kDstPort), 443);
  EXPECT_EQ(ipv4_at(to_server, kSrc), "203.0.113.2") << "so that the server answers through the box";
  const uint16_t port = be16(to_server, kSrcPort);
  EXPECT_TRUE(checksums_valid(to_server));
  const Bytes syn_ack = from_lan({.source = "192.168.10.20", .destination = "203.0.113.2"},
                                 test::Tcp{.source_port = 443,
                                           .destination_port = port,
                                           .sequence = 9000,
                                           .acknowledgement = 2,
                                           .flags = tf::kSyn | tf::kAck},
                                 kServerMac);
  const Bytes to_client = pass(kLan, syn_ack, kLan);
  ASSERT_FALSE(to_client.empty());
  EXPECT_EQ(mac_at(to_client, 0), kLanClientMac);
  EXPECT_EQ(ipv4_at(to_client, kSrc), "203.0.113.2");
  EXPECT_EQ(be16(to_client, kSrcPort), 8443);
  EXPECT_EQ(ipv4_at(to_client, kDst), "192.168.10.10");
  EXPECT_EQ(be16(to_client, kDstPort), 41000);
  EXPECT_TRUE(checksums_valid(to_client));
}

TEST_F(NatPipeline, MappingsExpireWithTheirLastFlow) {
  pass(kLan,
       from_lan({.source = "192.168.10.10", .destination = "198.51.100.10"},
                test::Udp{.source_port = 6000, .destination_port = 123}),
       kInet);
  EXPECT_EQ(ctx->nat.counters().mappings_active, 1u);
  FlowEndLogger on_end(*ctx);
  const uint64_t later = now_ns + 3600ull * 1'000'000'000ull;
  ctx->flows.expire(later, ctx->flows.capacity(), on_end);
  EXPECT_EQ(ctx->flows.size(), 0u);
  EXPECT_EQ(ctx->nat.counters().mappings_active, 0u);
}

// The worker software distribution (or, for the box's own packets, the control lcore) picks for a frame.
unsigned worker_of(const Snapshot& snapshot, uint16_t in_port, const Bytes& frame, unsigned workers,
                   bool from_box) {
  Burst burst;
  rte_mbuf* m = test::to_mbuf(pool(), frame);
  m->port = in_port;
  burst.pkts[burst.count++] = m;
  stage_parse(burst, {});
  EXPECT_EQ(burst.count, 1);
  const PacketMeta& meta = meta_of(m);
  const auto owner = from_box ? nat::box_packet_owner(snapshot, meta, m, workers)
                              : nat::steering_owner(snapshot, meta, m, workers);
  const unsigned worker = owner.value_or(meta.flow_hash % workers);
  rte_pktmbuf_free(m);
  return worker;
}

// The box's own connections: its packets go to the worker their replies will be steered to, from an
// address NAT translates to (the reply's port in a worker's slice) and from an inside network alike.
TEST_F(NatPipeline, TheBoxsOwnPacketsGoWhereTheirRepliesWillBeSteered) {
  constexpr unsigned kWorkers = 4;
  for (uint16_t port : {1024, 40000, 40001, 50007, 65000}) {
    const Bytes out = test::ipv4_frame({.source = kInetMac, .destination = kInetGatewayMac},
                                       {.source = "203.0.113.2", .destination = "198.51.100.10"},
                                       test::Tcp{.source_port = port, .destination_port = 443});
    const Bytes back =
        from_inet({.source = "198.51.100.10", .destination = "203.0.113.2"},
                  test::Tcp{.source_port = 443, .destination_port = port, .flags = tf::kSyn | tf::kAck});
    EXPECT_EQ(worker_of(*snapshot, kInet, out, kWorkers, true),
              worker_of(*snapshot, kInet, back, kWorkers, false))
        << "source port " << port;
  }
  const Bytes ping = test::ipv4_frame({.source = kInetMac, .destination = kInetGatewayMac},
                                      {.source = "203.0.113.2", .destination = "198.51.100.10"},
                                      test::icmp_echo_request(4711, 1));
  const Bytes pong =
      from_inet({.source = "198.51.100.10", .destination = "203.0.113.2"}, test::icmp_echo_reply(4711, 1));
  EXPECT_EQ(worker_of(*snapshot, kInet, ping, kWorkers, true),
            worker_of(*snapshot, kInet, pong, kWorkers, false));
  const Bytes to_lan = test::ipv4_frame({.source = kLanMac, .destination = kLanClientMac},
                                        {.source = "192.168.10.1", .destination = "192.168.10.10"},
                                        test::Udp{.source_port = 5000, .destination_port = 53});
  const Bytes from_lan_host = from_lan({.source = "192.168.10.10", .destination = "192.168.10.1"},
                                       test::Udp{.source_port = 53, .destination_port = 5000});
  EXPECT_EQ(worker_of(*snapshot, kLan, to_lan, kWorkers, true),
            worker_of(*snapshot, kLan, from_lan_host, kWorkers, false));
}

TEST_F(NatPipeline, RepliesAreSteeredToTheWorkerThatAllocated) {
  constexpr unsigned kWorkers = 4;
  const Bytes syn = from_lan({.source = "192.168.10.10", .destination = "198.51.100.10"},
                             test::Tcp{.source_port = 40000, .destination_port = 80, .sequence = 1});
  const auto owner = steering_of(kLan, syn, kWorkers);
  ASSERT_TRUE(owner.has_value());
  uint32_t client;
  const auto bytes = test::parse_ipv4("192.168.10.10");
  std::memcpy(&client, bytes.data(), 4);
  EXPECT_EQ(*owner, nat::address_hash(client) % kWorkers);

  make_worker(*owner, kWorkers);
  const Bytes out = pass(kLan, syn, kInet);
  ASSERT_FALSE(out.empty());
  const uint16_t port = be16(out, kSrcPort);
  const Bytes syn_ack = from_inet({.source = "198.51.100.10", .destination = "203.0.113.2"},
                                  test::Tcp{.source_port = 80,
                                            .destination_port = port,
                                            .sequence = 5000,
                                            .acknowledgement = 2,
                                            .flags = tf::kSyn | tf::kAck});
  EXPECT_EQ(steering_of(kInet, syn_ack, kWorkers), owner)
      << "the reply's port lies in the allocating worker's slice";

  // A forward: both directions by the server's address.
  const auto forward_in = steering_of(kInet,
                                      from_inet({.source = "198.51.100.7", .destination = "203.0.113.2"},
                                                test::Tcp{.source_port = 33000, .destination_port = 8443}),
                                      kWorkers);
  const auto forward_out = steering_of(
      kLan,
      from_lan({.source = "192.168.10.20", .destination = "198.51.100.7"},
               test::Tcp{.source_port = 443, .destination_port = 33000, .flags = tf::kSyn | tf::kAck},
               kServerMac),
      kWorkers);
  ASSERT_TRUE(forward_in.has_value());
  EXPECT_EQ(forward_in, forward_out);
  // A forward to a server in a zone no source rule translates (dmz): its replies still follow the server.
  const auto dmz_in = steering_of(kInet,
                                  from_inet({.source = "198.51.100.7", .destination = "203.0.113.2"},
                                            test::Tcp{.source_port = 33002, .destination_port = 8080}),
                                  kWorkers);
  const auto dmz_out = steering_of(
      kSmall,
      test::ipv4_frame({.source = kSmallHostMac, .destination = kSmallMac},
                       {.source = "172.16.0.10", .destination = "198.51.100.7"},
                       test::Tcp{.source_port = 80, .destination_port = 33002, .flags = tf::kSyn | tf::kAck}),
      kWorkers);
  ASSERT_TRUE(dmz_in.has_value());
  EXPECT_EQ(dmz_in, dmz_out);
  // A fragment to an external address waits for reassembly on the worker its addresses hash to, like its
  // later fragments; reassembly re-steers the released datagram by its ports.
  EXPECT_FALSE(
      steering_of(kInet,
                  from_inet({.source = "198.51.100.10", .destination = "203.0.113.2", .more_fragments = true},
                            test::Udp{.source_port = 53, .destination_port = port, .payload = Bytes(64, 1)}),
                  kWorkers)
          .has_value());
  // Not translated, not inside: the symmetric flow hash decides.
  EXPECT_FALSE(steering_of(kInet,
                           from_inet({.source = "198.51.100.7", .destination = "10.1.2.3"}, test::Udp{}),
                           kWorkers)
                   .has_value());
  EXPECT_FALSE(steering_of(kLan, syn, 1).has_value()) << "one worker: nothing to steer";
}

}  // namespace
}  // namespace torwart::dataplane::testing_support
