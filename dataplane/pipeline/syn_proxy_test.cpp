// SYN-flood protection through the whole pipeline: half-open accounting as flows progress, expire and are
// evicted; the SYN proxy's handshake packet by packet with sequence translation and checksums checked.
#include <rte_tcp.h>

#include <string>

#include "dataplane/pipeline/fastpath_test_support.hpp"
#include "rules/config/load.hpp"

namespace torwart::dataplane::testing_support {
namespace {

using test::Bytes;
namespace flag = test::tcp_flag;

constexpr uint8_t kInetZone = 3;  // zones: lan, voip, kdn, inet, dmz
constexpr size_t kTcp = 14 + 20;  // IPv4 without options, no VLAN tag
const char* const kClient = "198.51.100.7";
const char* const kServer = "192.168.10.10";

// The fast-path test configuration with `syn_flood` settings for the inet zone (and a first policy rule).
std::unique_ptr<Snapshot> snapshot_with_inet(const std::string& syn_flood, uint64_t version = 1,
                                             const std::string& first_rule = "",
                                             const std::string& nat = "") {
  std::string text = test_config_text() + nat;
  const std::string zone = "  - name: inet\n";
  text.insert(text.find(zone) + zone.size(), "    syn_flood: " + syn_flood + "\n");
  if (!first_rule.empty()) {
    const std::string rules = "  rules:\n";
    text.insert(text.find(rules) + rules.size(), "    - " + first_rule + "\n");
  }
  auto loaded = config::load_config_text(text, "unit.yaml");
  if (auto* errors = std::get_if<std::vector<config::ConfigError>>(&loaded))
    throw std::runtime_error(errors->front().to_string());
  const auto& config = std::get<config::Config>(loaded);
  std::vector<PortBinding> bindings;
  for (size_t i = 0; i < config.ports.size(); ++i)
    bindings.push_back({config.ports[i].name, static_cast<uint16_t>(i), {}});
  return Snapshot::build(config, version, "test", bindings);
}

class SynFloodTest : public FastPath {
 protected:
  // A worker with a flow table of `flows` entries over a configuration with these inet limits.
  void configure(const std::string& syn_flood, uint32_t flows = 1024, const std::string& nat = "") {
    snapshot = snapshot_with_inet(syn_flood, 1, "", nat);
    ctx = std::make_unique<WorkerContext>(0, pool(), neighbours, tx, punt, eve, RateLimits{},
                                          FragmentLimits{}, conntrack::FlowTableConfig{flows, {}, -1});
    ctx->snapshot = snapshot.get();
    ctx->synflood.set_key(synflood::SipKey{1, 2, 3});
    slow->use_snapshot(snapshot.get());
  }

  // From the Internet client to the LAN server, arriving on inet.
  static Bytes from_client(uint32_t seq, uint32_t ack, uint8_t flags, uint16_t port = 40000,
                           Bytes payload = {}, Bytes options = {}) {
    return test::ipv4_frame({.source = kInetGatewayMac, .destination = kInetMac},
                            {.source = kClient, .destination = kServer},
                            test::Tcp{.source_port = port,
                                      .destination_port = 80,
                                      .sequence = seq,
                                      .acknowledgement = ack,
                                      .flags = flags,
                                      .window = 2000,
                                      .options = std::move(options),
                                      .payload = std::move(payload)});
  }
  static Bytes from_server(uint32_t seq, uint32_t ack, uint8_t flags, uint16_t port = 40000,
                           Bytes payload = {}) {
    return test::ipv4_frame({.source = kLanClientMac, .destination = kLanMac},
                            {.source = kServer, .destination = kClient},
                            test::Tcp{.source_port = 80,
                                      .destination_port = port,
                                      .sequence = seq,
                                      .acknowledgement = ack,
                                      .flags = flags,
                                      .window = 29200,
                                      .payload = std::move(payload)});
  }
  // One burst; returns what left on inet and on lan, and forgets it.
  std::pair<std::vector<Bytes>, std::vector<Bytes>> send(uint16_t port, const Bytes& frame) {
    tx.sent.clear();
    run(port, {frame});
    return {tx.sent[kInet], tx.sent[kLan]};
  }
  uint32_t half_open() const { return ctx->synflood.half_open(kInetZone); }
  // Half-open flows really in the table, to check the count against.
  uint32_t half_open_in_table(const std::vector<uint16_t>& ports) {
    uint32_t n = 0;
    for (uint16_t port : ports) {
      const auto tuple =
          conntrack::make_ipv4_tuple(inet_addr(kClient), inet_addr(kServer), port, 80, conntrack::kProtoTcp);
      const auto found = ctx->flows.lookup(tuple, ctx->now_ns, conntrack::FlowEndCallback::ignore());
      if (found.flow != nullptr && synflood::is_half_open(found.flow->state)) ++n;
    }
    return n;
  }
};

TEST_F(SynFloodTest, HalfOpenCountFollowsHandshakeAndExpiry) {
  configure("{cookies_above: 10, half_open_limit: 20}");
  EXPECT_EQ(send(kInet, from_client(100, 0, flag::kSyn, 40000)).second.size(), 1u);
  EXPECT_EQ(send(kInet, from_client(200, 0, flag::kSyn, 40001)).second.size(), 1u);
  EXPECT_EQ(half_open(), 2u);
  EXPECT_EQ(send(kLan, from_server(900, 101, flag::kSyn | flag::kAck, 40000)).first.size(), 1u);
  EXPECT_EQ(half_open(), 2u) << "SYN_RECEIVED is still half-open";
  EXPECT_EQ(send(kInet, from_client(101, 901, flag::kAck, 40000)).second.size(), 1u);
  EXPECT_EQ(half_open(), 1u) << "established";
  EXPECT_EQ(ctx->counters.half_open, 1u);
  EXPECT_EQ(ctx->synflood.half_open(0), 0u) << "counted only in the zone the SYN came from";
  // Port 40001's SYN times out (30 s); the sweep or a lookup removes it.
  now_ns += 31 * conntrack::kNsPerSecond;
  for (int i = 0; i < 40; ++i) send(kInet, from_client(101, 901, flag::kAck, 40000));
  EXPECT_EQ(half_open(), 0u);
  EXPECT_EQ(ctx->counters.half_open, 0u);
  EXPECT_EQ(ctx->counters.syn_cookies_sent, 0u);
}

TEST_F(SynFloodTest, FlowsAReloadEndsLeaveTheCount) {
  configure("{cookies_above: 10, half_open_limit: 20}");
  send(kInet, from_client(100, 0, flag::kSyn, 40000));
  send(kInet, from_client(200, 0, flag::kSyn, 40001));
  EXPECT_EQ(half_open(), 2u);
  std::unique_ptr<Snapshot> reloaded =
      snapshot_with_inet("{cookies_above: 10, half_open_limit: 20}", 2,
                         "{name: no-inbound-web, from: [inet], to: [lan], service: [tcp/80], action: drop}");
  ctx->snapshot = reloaded.get();
  send(kInet, from_client(100, 0, flag::kSyn, 40000));  // retransmitted: the new policy ends the flow
  EXPECT_EQ(drops(kInet, DropReason::kPolicyDrop), 1u);
  EXPECT_EQ(half_open(), 1u);
  EXPECT_EQ(half_open(), half_open_in_table({40000, 40001}));
}

TEST_F(SynFloodTest, ConnectionsNatTranslatesAreNotProxied) {
  // The box's own segments skip the NAT stages: a SYN through a port forward is forwarded, not answered.
  configure("{cookies_above: 0, half_open_limit: 10}", 1024,
            "nat:\n  forwards:\n    - {name: web, in: inet, protocol: tcp, port: 8443, to: 192.168.10.10, "
            "to_port: 80}\n");
  const Bytes to_forward = test::ipv4_frame(
      {.source = kInetGatewayMac, .destination = kInetMac}, {.source = kClient, .destination = "203.0.113.2"},
      test::Tcp{.source_port = 40000, .destination_port = 8443, .sequence = 10, .flags = flag::kSyn});
  auto [inet, lan] = send(kInet, to_forward);
  EXPECT_TRUE(inet.empty());
  ASSERT_EQ(lan.size(), 1u);
  EXPECT_EQ(ipv4_at(lan[0], 30), kServer);
  EXPECT_EQ(be16(lan[0], kTcp + 2), 80);
  EXPECT_EQ(ctx->counters.syn_cookies_sent, 0u);
  EXPECT_EQ(half_open(), 1u) << "counted, and bounded by the hard limit";
  // The same server without NAT is proxied.
  std::tie(inet, lan) = send(kInet, from_client(10, 0, flag::kSyn, 40001));
  EXPECT_EQ(inet.size(), 1u);
  EXPECT_TRUE(lan.empty());
  EXPECT_EQ(ctx->counters.syn_cookies_sent, 1u);
}

TEST_F(SynFloodTest, HalfOpenCountStaysExactThroughEvictionAndResets) {
  configure("{cookies_above: off, half_open_limit: 100}", /*flows=*/4);
  std::vector<uint16_t> ports;
  for (uint16_t i = 0; i < 10; ++i) {
    ports.push_back(static_cast<uint16_t>(41000 + i));
    now_ns += 1000;  // eviction spares flows seen at the current time
    send(kInet, from_client(1000u * i, 0, flag::kSyn, ports.back()));
    EXPECT_EQ(half_open(), half_open_in_table(ports)) << i;
  }
  EXPECT_EQ(half_open(), 4u) << "the table holds 4; the evicted were uncounted";
  EXPECT_GE(ctx->flows.counters().evicted, 6u);
  // A RST from the server closes one of them.
  now_ns += 1000;
  send(kLan, from_server(0, 9001, flag::kRst | flag::kAck, ports.back()));
  EXPECT_EQ(half_open(), 3u);
  EXPECT_EQ(half_open(), half_open_in_table(ports));
}

TEST_F(SynFloodTest, WithoutCookiesTheHardLimitDropsSyns) {
  configure("{cookies_above: off, half_open_limit: 2}");
  send(kInet, from_client(1, 0, flag::kSyn, 40000));
  send(kInet, from_client(1, 0, flag::kSyn, 40001));
  const auto [inet, lan] = send(kInet, from_client(1, 0, flag::kSyn, 40002));
  EXPECT_TRUE(inet.empty());
  EXPECT_TRUE(lan.empty());
  EXPECT_EQ(drops(kInet, DropReason::kHalfOpenLimit), 1u);
  EXPECT_EQ(ctx->flows.size(), 2u) << "no state for the refused SYN";
  // Other zones have their own count.
  const Bytes lan_syn = test::ipv4_frame({.source = kLanClientMac, .destination = kLanMac},
                                         {.source = "192.168.10.10", .destination = "198.51.100.9"},
                                         test::Tcp{.source_port = 5555, .destination_port = 443});
  EXPECT_EQ(send(kLan, lan_syn).first.size(), 1u);
}

TEST_F(SynFloodTest, ProxiedHandshakePacketByPacket) {
  configure("{cookies_above: 0, half_open_limit: 10}");
  const Bytes options = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2};  // MSS 1460, window scale 7, SACK permitted

  // 1. The client's SYN is answered by the box: cookie ISN, window 0, MSS only. No state, nothing to the LAN.
  auto [inet, lan] = send(kInet, from_client(1000, 0, flag::kSyn, 40000, {}, options));
  ASSERT_EQ(inet.size(), 1u);
  EXPECT_TRUE(lan.empty());
  const Bytes& synack = inet[0];
  EXPECT_EQ(mac_at(synack, 0), kInetGatewayMac);
  EXPECT_EQ(ipv4_at(synack, 26), kServer);
  EXPECT_EQ(ipv4_at(synack, 30), kClient);
  EXPECT_EQ(be16(synack, kTcp), 80);
  EXPECT_EQ(be16(synack, kTcp + 2), 40000);
  const uint32_t cookie = be32(synack, kTcp + 4);
  EXPECT_EQ(be32(synack, kTcp + 8), 1001u);
  EXPECT_EQ(synack[kTcp + 13], RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
  EXPECT_EQ(be16(synack, kTcp + 14), 0) << "zero window until the server side is open";
  EXPECT_EQ(synack[kTcp + 12] >> 4, 6) << "only the MSS option: no window scaling, SACK or timestamps";
  EXPECT_EQ(synack[kTcp + 20], 2);
  EXPECT_EQ(be16(synack, kTcp + 22), 1460);
  EXPECT_TRUE(ipv4_header_valid(synack, 14));
  EXPECT_TRUE(ipv4_l4_checksum_valid(synack, 14));
  EXPECT_EQ(ctx->flows.size(), 0u);
  EXPECT_EQ(ctx->counters.syn_cookies_sent, 1u);

  // 2. The client's ACK returns the cookie: the flow is created and the box opens the server side.
  std::tie(inet, lan) = send(kInet, from_client(1001, cookie + 1, flag::kAck));
  EXPECT_TRUE(inet.empty());
  ASSERT_EQ(lan.size(), 1u);
  const Bytes& syn = lan[0];
  EXPECT_EQ(mac_at(syn, 0), kLanClientMac);
  EXPECT_EQ(ipv4_at(syn, 26), kClient);
  EXPECT_EQ(ipv4_at(syn, 30), kServer);
  EXPECT_EQ(be32(syn, kTcp + 4), 1000u) << "the client's ISN";
  EXPECT_EQ(syn[kTcp + 13], RTE_TCP_SYN_FLAG);
  EXPECT_EQ(be16(syn, kTcp + 14), 2000) << "the client's window";
  EXPECT_EQ(be16(syn, kTcp + 22), 1460) << "the MSS the cookie encoded";
  EXPECT_TRUE(ipv4_header_valid(syn, 14));
  EXPECT_TRUE(ipv4_l4_checksum_valid(syn, 14));
  EXPECT_EQ(ctx->flows.size(), 1u);
  EXPECT_EQ(half_open(), 1u);
  EXPECT_EQ(ctx->counters.syn_cookies_valid, 1u);
  EXPECT_EQ(ctx->counters.syn_proxied_flows, 1u);

  // 3. The server's SYN-ACK is answered by the box; the client gets the server's window.
  constexpr uint32_t kServerIsn = 700000;
  std::tie(inet, lan) = send(kLan, from_server(kServerIsn, 1001, flag::kSyn | flag::kAck));
  ASSERT_EQ(lan.size(), 1u);
  EXPECT_EQ(be32(lan[0], kTcp + 4), 1001u);
  EXPECT_EQ(be32(lan[0], kTcp + 8), kServerIsn + 1);
  EXPECT_EQ(lan[0][kTcp + 13], RTE_TCP_ACK_FLAG);
  EXPECT_EQ(be16(lan[0], kTcp + 14), 2000);
  EXPECT_TRUE(ipv4_l4_checksum_valid(lan[0], 14));
  ASSERT_EQ(inet.size(), 1u);
  EXPECT_EQ(be32(inet[0], kTcp + 4), cookie + 1);
  EXPECT_EQ(be32(inet[0], kTcp + 8), 1001u);
  EXPECT_EQ(inet[0][kTcp + 13], RTE_TCP_ACK_FLAG);
  EXPECT_EQ(be16(inet[0], kTcp + 14), 29200);
  EXPECT_TRUE(ipv4_l4_checksum_valid(inet[0], 14));
  EXPECT_EQ(half_open(), 0u) << "established";

  // 4. Client data: its acknowledgement moves into the server's sequence space.
  std::tie(inet, lan) =
      send(kInet, from_client(1001, cookie + 1, flag::kAck | flag::kPsh, 40000, {'G', 'E', 'T'}));
  ASSERT_EQ(lan.size(), 1u);
  EXPECT_EQ(be32(lan[0], kTcp + 4), 1001u);
  EXPECT_EQ(be32(lan[0], kTcp + 8), kServerIsn + 1);
  EXPECT_TRUE(ipv4_l4_checksum_valid(lan[0], 14));

  // 5. Server data: its sequence number moves into the cookie's space.
  std::tie(inet, lan) =
      send(kLan, from_server(kServerIsn + 1, 1004, flag::kAck | flag::kPsh, 40000, {'o', 'k'}));
  ASSERT_EQ(inet.size(), 1u);
  EXPECT_EQ(be32(inet[0], kTcp + 4), cookie + 1);
  EXPECT_EQ(be32(inet[0], kTcp + 8), 1004u);
  EXPECT_TRUE(ipv4_l4_checksum_valid(inet[0], 14));

  // After a reload the policy asks again; the flow stays proxied.
  std::unique_ptr<Snapshot> reloaded = snapshot_with_inet("{cookies_above: 0, half_open_limit: 10}", 2);
  ctx->snapshot = reloaded.get();
  std::tie(inet, lan) = send(kLan, from_server(kServerIsn + 3, 1004, flag::kAck));
  ASSERT_EQ(inet.size(), 1u);
  EXPECT_EQ(be32(inet[0], kTcp + 4), cookie + 3);
  EXPECT_EQ(ctx->counters.policy_rechecks, 1u);

  // 6. A retransmitted SYN-ACK (the box's ACK was lost) is acknowledged again, not forwarded.
  std::tie(inet, lan) = send(kLan, from_server(kServerIsn, 1001, flag::kSyn | flag::kAck));
  EXPECT_TRUE(inet.empty());
  ASSERT_EQ(lan.size(), 1u);
  EXPECT_EQ(be32(lan[0], kTcp + 8), kServerIsn + 1);

  // 7. The client's FIN and the server's FIN-ACK pass translated; the flow closes normally.
  std::tie(inet, lan) = send(kInet, from_client(1004, cookie + 3, flag::kAck | flag::kFin));
  ASSERT_EQ(lan.size(), 1u);
  EXPECT_EQ(be32(lan[0], kTcp + 8), kServerIsn + 3);
  std::tie(inet, lan) = send(kLan, from_server(kServerIsn + 3, 1005, flag::kAck | flag::kFin));
  ASSERT_EQ(inet.size(), 1u);
  EXPECT_EQ(be32(inet[0], kTcp + 4), cookie + 3);
  EXPECT_TRUE(ipv4_l4_checksum_valid(inet[0], 14));
  EXPECT_EQ(drops(kInet, DropReason::kTcpOutOfWindow) + drops(kLan, DropReason::kTcpOutOfWindow), 0u);
}

TEST_F(SynFloodTest, ForgedAndOldCookiesAreDropped) {
  configure("{cookies_above: 0, half_open_limit: 10}");
  auto [inet, lan] = send(kInet, from_client(1000, 0, flag::kSyn));
  ASSERT_EQ(inet.size(), 1u);
  const uint32_t cookie = be32(inet[0], kTcp + 4);
  send(kInet, from_client(1001, cookie + 2, flag::kAck));         // wrong cookie
  send(kInet, from_client(1001, cookie + 1, flag::kAck, 40001));  // another connection's
  send(kInet, from_client(1002, cookie + 1, flag::kAck));         // another ISN
  EXPECT_EQ(drops(kInet, DropReason::kSynCookieInvalid), 3u);
  EXPECT_EQ(ctx->counters.syn_cookies_invalid, 3u);
  now_ns += 129 * conntrack::kNsPerSecond;  // two secret rotations later
  send(kInet, from_client(1001, cookie + 1, flag::kAck));
  EXPECT_EQ(drops(kInet, DropReason::kSynCookieInvalid) + drops(kInet, DropReason::kInvalidTcpState), 4u)
      << "too old; and long after the last cookie an ACK is just an invalid TCP state again";
  EXPECT_EQ(ctx->flows.size(), 0u);
  EXPECT_TRUE(tx.sent[kLan].empty());
}

TEST_F(SynFloodTest, ValidCookieAtTheHardLimitOpensNothing) {
  configure("{cookies_above: 1, half_open_limit: 2}");
  send(kInet, from_client(1, 0, flag::kSyn, 40001));
  send(kInet, from_client(1, 0, flag::kSyn, 40002));  // 2nd half-open: the box already answers with cookies
  EXPECT_EQ(half_open(), 1u);
  auto [inet, lan] = send(kInet, from_client(1000, 0, flag::kSyn));
  ASSERT_EQ(inet.size(), 1u);
  const uint32_t cookie = be32(inet[0], kTcp + 4);
  // Another flow reaches the limit through a cookie of its own.
  const uint32_t cookie2 = be32(send(kInet, from_client(5, 0, flag::kSyn, 40003)).first.at(0), kTcp + 4);
  send(kInet, from_client(6, cookie2 + 1, flag::kAck, 40003));
  EXPECT_EQ(half_open(), 2u);
  std::tie(inet, lan) = send(kInet, from_client(1001, cookie + 1, flag::kAck));
  EXPECT_TRUE(lan.empty());
  EXPECT_EQ(drops(kInet, DropReason::kHalfOpenLimit), 1u);
}

TEST_F(SynFloodTest, ClientSegmentsResendALostServerSyn) {
  configure("{cookies_above: 0, half_open_limit: 10}");
  const uint32_t cookie = be32(send(kInet, from_client(1000, 0, flag::kSyn)).first.at(0), kTcp + 4);
  ASSERT_EQ(send(kInet, from_client(1001, cookie + 1, flag::kAck)).second.size(), 1u);
  // The SYN to the server is lost; the client probes its zero window.
  auto [inet, lan] = send(kInet, from_client(1000, cookie + 1, flag::kAck));
  ASSERT_EQ(lan.size(), 1u);
  EXPECT_EQ(lan[0][kTcp + 13], RTE_TCP_SYN_FLAG);
  EXPECT_EQ(be32(lan[0], kTcp + 4), 1000u);
  EXPECT_EQ(be16(lan[0], kTcp + 22), 536) << "the client's SYN had no MSS option";
  EXPECT_TRUE(ipv4_l4_checksum_valid(lan[0], 14));
  EXPECT_EQ(drops(kInet, DropReason::kInvalidTcpState), 1u) << "the probe itself waits for the server side";
  EXPECT_EQ(ctx->counters.syn_proxied_flows, 1u);
  // A bare SYN from the server (simultaneous open) is taken, not forwarded or answered.
  std::tie(inet, lan) = send(kLan, from_server(4000, 0, flag::kSyn));
  EXPECT_TRUE(inet.empty());
  EXPECT_TRUE(lan.empty());
}

TEST_F(SynFloodTest, ProxyAnnouncesAtMostTheClampedMss) {
  configure("{cookies_above: 0, half_open_limit: 10}");
  // To the host behind `small` (MTU 1280, mss_clamp auto: 1240).
  const Bytes syn = test::ipv4_frame({.source = kInetGatewayMac, .destination = kInetMac},
                                     {.source = kClient, .destination = "172.16.0.10"},
                                     test::Tcp{.source_port = 40000,
                                               .destination_port = 80,
                                               .sequence = 50,
                                               .flags = flag::kSyn,
                                               .options = {2, 4, 0x05, 0xb4}});
  tx.sent.clear();
  run(kInet, {syn});
  ASSERT_EQ(tx.sent[kInet].size(), 1u);
  EXPECT_EQ(be16(tx.sent[kInet][0], kTcp + 22), 1240);
  const uint32_t cookie = be32(tx.sent[kInet][0], kTcp + 4);
  const Bytes ack = test::ipv4_frame({.source = kInetGatewayMac, .destination = kInetMac},
                                     {.source = kClient, .destination = "172.16.0.10"},
                                     test::Tcp{.source_port = 40000,
                                               .destination_port = 80,
                                               .sequence = 51,
                                               .acknowledgement = cookie + 1,
                                               .flags = flag::kAck});
  tx.sent.clear();
  run(kInet, {ack});
  ASSERT_EQ(tx.sent[kSmall].size(), 1u);
  EXPECT_EQ(be16(tx.sent[kSmall][0], kTcp + 22), 1240)
      << "the cookie kept 1460; the SYN to the server is clamped too";
}

TEST_F(SynFloodTest, Ipv6HandshakeAndTranslation) {
  configure("{cookies_above: 0, half_open_limit: 10}");
  constexpr size_t kTcp6 = 14 + 40;
  const char* const client = "2001:db8:f000::7";
  const char* const server = "2001:db8:10::10";
  auto client_frame = [&](uint32_t seq, uint32_t ack, uint8_t flags, Bytes payload = {}) {
    return test::ipv6_frame({.source = kInetGatewayMac, .destination = kInetMac},
                            {.source = client, .destination = server},
                            test::Tcp{.source_port = 40000,
                                      .destination_port = 80,
                                      .sequence = seq,
                                      .acknowledgement = ack,
                                      .flags = flags,
                                      .window = 2000,
                                      .options = flags == flag::kSyn ? Bytes{2, 4, 0x05, 0xa0} : Bytes{},
                                      .payload = std::move(payload)});
  };
  auto server_frame = [&](uint32_t seq, uint32_t ack, uint8_t flags, Bytes payload = {}) {
    return test::ipv6_frame({.source = kLanClientMac, .destination = kLanMac},
                            {.source = server, .destination = client},
                            test::Tcp{.source_port = 80,
                                      .destination_port = 40000,
                                      .sequence = seq,
                                      .acknowledgement = ack,
                                      .flags = flags,
                                      .window = 30000,
                                      .payload = std::move(payload)});
  };
  auto [inet, lan] = send(kInet, client_frame(7, 0, flag::kSyn));
  ASSERT_EQ(inet.size(), 1u);
  EXPECT_TRUE(ipv6_l4_checksum_valid(inet[0], 14));
  EXPECT_EQ(be16(inet[0], kTcp6 + 22), 1440) << "MSS 1440 announced, kept by the cookie";
  const uint32_t cookie = be32(inet[0], kTcp6 + 4);
  std::tie(inet, lan) = send(kInet, client_frame(8, cookie + 1, flag::kAck));
  ASSERT_EQ(lan.size(), 1u);
  EXPECT_TRUE(ipv6_l4_checksum_valid(lan[0], 14));
  EXPECT_EQ(be32(lan[0], kTcp6 + 4), 7u);
  std::tie(inet, lan) = send(kLan, server_frame(0xfffffff0u, 8, flag::kSyn | flag::kAck));  // wraps around
  ASSERT_EQ(lan.size(), 1u);
  ASSERT_EQ(inet.size(), 1u);
  EXPECT_TRUE(ipv6_l4_checksum_valid(lan[0], 14));
  EXPECT_TRUE(ipv6_l4_checksum_valid(inet[0], 14));
  std::tie(inet, lan) = send(kLan, server_frame(0xfffffff1u, 8, flag::kAck | flag::kPsh, Bytes(100, 'x')));
  ASSERT_EQ(inet.size(), 1u);
  EXPECT_EQ(be32(inet[0], kTcp6 + 4), cookie + 1);
  EXPECT_TRUE(ipv6_l4_checksum_valid(inet[0], 14));
  std::tie(inet, lan) = send(kInet, client_frame(8, cookie + 101, flag::kAck));
  ASSERT_EQ(lan.size(), 1u);
  EXPECT_EQ(be32(lan[0], kTcp6 + 8), 0xfffffff1u + 100);
  EXPECT_TRUE(ipv6_l4_checksum_valid(lan[0], 14));
}

}  // namespace
}  // namespace torwart::dataplane::testing_support
