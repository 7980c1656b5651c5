// The tunnels in the pipeline: esp_out encrypts what the route sends into a tunnel and routes it to the
// peer; esp_in decrypts ESP to the box and lets the inner packet in from the tunnel's zone. The peer's side
// is the same SA table with the mirrored SAs (dataplane/ipsec's own tests hold it against OpenSSL).
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <variant>

#include "dataplane/ipsec/esp.hpp"
#include "dataplane/ipsec/sa_table.hpp"
#include "dataplane/pipeline/fastpath_test_support.hpp"
#include "rules/config/load.hpp"

namespace torwart::dataplane {
namespace {

using namespace testing_support;
using test::Bytes;

constexpr uint32_t kBoxToPeerSpi = 0x1000;  // the box's outbound SA (the peer's inbound)
constexpr uint32_t kPeerToBoxSpi = 0x2000;  // the box's inbound SA (the peer's outbound)
constexpr uint32_t kPeerReqid = 7;          // the peer's own SAs: no tunnel of the box has it

ipsec::CryptoDevice& crypto() {
  static std::unique_ptr<ipsec::CryptoDevice> device = [] {
    std::string error;
    auto opened = ipsec::CryptoDevice::open("crypto_aesni_gcm0", 64, error);
    if (opened == nullptr) ADD_FAILURE() << error;
    return opened;
  }();
  return *device;
}

ipsec::Address v4(const char* text) {
  ipsec::Address a;
  const auto bytes = test::parse_ipv4(text);
  std::copy(bytes.begin(), bytes.end(), a.bytes.begin());
  return a;
}

ipsec::SaSpec sa(uint32_t spi, ipsec::Direction direction, uint32_t reqid, const char* local,
                 const char* remote) {
  ipsec::SaSpec spec;
  spec.spi = spi;
  spec.reqid = reqid;
  spec.direction = direction;
  spec.cipher = ipsec::Cipher::kAesGcm256;
  spec.key_length = 32;
  for (size_t i = 0; i < spec.key.size(); ++i) spec.key[i] = static_cast<uint8_t>(spi + 3 * i);
  spec.salt = {1, 2, 3, static_cast<uint8_t>(spi)};
  spec.local = v4(local);
  spec.remote = v4(remote);
  spec.replay_window = direction == ipsec::Direction::kInbound ? 64 : 0;
  return spec;
}

class EspPipeline : public FastPath {
 protected:
  EspPipeline() {
    const auto dir = std::filesystem::temp_directory_path() / ("esp-pipeline-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    psk_ = (dir / "rz.psk").string();
    std::ofstream(psk_) << "0123456789abcdef0123456789abcdef\n";
    ::chmod(psk_.c_str(), 0600);
    std::string text = test_config_text();
    text.replace(text.find("    mac: 02:00:00:00:03:fe\n"), 27,
                 "    mac: 02:00:00:00:03:fe\n    kernel_twin: true\n");
    // Telnet from the tunnel is refused: the policy sees the tunnel's zone.
    text.replace(
        text.find("    - {name: everything-else"), 0,
        "    - {name: no-telnet-from-rz, from: [vpn-rz], to: [lan], service: [tcp/23], action: drop}\n");
    text +=
        "vpn:\n  tunnels:\n    - {name: rz, uplink: inet, peer: 198.51.100.2, local_id: 'fqdn:box', "
        "remote_id: 'fqdn:rz', auth: {psk_file: " +
        psk_ + "}, local_subnets: [192.168.10.0/24], remote_subnets: [10.99.0.0/16]}\n";
    auto loaded = config::load_config_text(text, "esp.yaml");
    if (auto* errors = std::get_if<std::vector<config::ConfigError>>(&loaded)) {
      ADD_FAILURE() << errors->front().to_string();
      return;
    }
    const auto& config = std::get<config::Config>(loaded);
    reqid_ = config.vpn.tunnels.at(0).reqid(false);
    std::vector<PortBinding> bindings;
    for (uint16_t i = 0; i < config.ports.size(); ++i) bindings.push_back({config.ports[i].name, i, {}});
    snapshot = Snapshot::build(config, 2, "esp", bindings);
    ctx->snapshot = snapshot.get();
    slow->use_snapshot(snapshot.get());
    std::string error;
    table_ = ipsec::SaTable::create(crypto(), {16, 2}, error);
    EXPECT_NE(table_, nullptr) << error;
  }
  ~EspPipeline() override {
    table_.reset();
    std::filesystem::remove_all(std::filesystem::path(psk_).parent_path());
  }

  // The box's SA pair and the peer's mirror of it, as charon would have installed them on both ends.
  void install_tunnel() {
    ASSERT_EQ(
        table_->add(sa(kBoxToPeerSpi, ipsec::Direction::kOutbound, reqid_, "203.0.113.2", "198.51.100.2")),
        "");
    ASSERT_EQ(
        table_->add(sa(kPeerToBoxSpi, ipsec::Direction::kInbound, reqid_, "203.0.113.2", "198.51.100.2")),
        "");
    ASSERT_EQ(table_->add(
                  sa(kPeerToBoxSpi, ipsec::Direction::kOutbound, kPeerReqid, "198.51.100.2", "203.0.113.2")),
              "");
    ASSERT_EQ(
        table_->add(sa(kBoxToPeerSpi, ipsec::Direction::kInbound, kPeerReqid, "198.51.100.2", "203.0.113.2")),
        "");
    ctx->sas = table_->current();
  }

  // What the peer sends for `inner`: ESP from 198.51.100.2 to the box's inet address, in a frame to its MAC.
  Bytes from_peer(const Bytes& inner) {
    rte_mbuf* m = test::to_mbuf(pool(), inner);
    EXPECT_NE(m, nullptr);
    ipsec::EspResult result;
    ipsec::SaState* peer_out = table_->current()->find(kPeerToBoxSpi, ipsec::Direction::kOutbound);
    EXPECT_EQ(ipsec::encapsulate(*peer_out, &m, 1, &result, now_ns, 1), 1);
    const Bytes outer(rte_pktmbuf_mtod(m, const uint8_t*),
                      rte_pktmbuf_mtod(m, const uint8_t*) + rte_pktmbuf_data_len(m));
    rte_pktmbuf_free(m);
    return test::ethernet_frame({kInetGatewayMac, kInetMac}, 0x0800, outer);
  }

  // The peer opens an ESP frame the box sent: the inner packet, or empty when it does not decrypt.
  Bytes at_peer(const Bytes& frame) {
    const Bytes outer(frame.begin() + 14, frame.end());
    rte_mbuf* m = test::to_mbuf(pool(), outer);
    EXPECT_NE(m, nullptr);
    ipsec::EspResult result;
    const uint16_t ok = ipsec::decapsulate(*table_->current(), &m, 1, &result, now_ns, 1);
    Bytes inner;
    if (ok == 1)
      inner.assign(rte_pktmbuf_mtod(m, const uint8_t*),
                   rte_pktmbuf_mtod(m, const uint8_t*) + rte_pktmbuf_data_len(m));
    rte_pktmbuf_free(m);
    return inner;
  }

  static Bytes datagram(const char* source, const char* destination, const test::Transport& transport,
                        uint8_t ttl = 64) {
    test::Ipv4 ip{source, destination};
    ip.ttl = ttl;
    return test::ipv4_datagram(ip, transport);
  }
  static Bytes lan_frame(const Bytes& datagram) {
    return test::ethernet_frame({kLanClientMac, kLanMac}, 0x0800, datagram);
  }
  // What the box forwards: the datagram with its TTL one lower (and the header checksum with it).
  static Bytes forwarded(Bytes datagram) {
    --datagram[8];
    test::refresh_ipv4_checksum(datagram, 0);
    return datagram;
  }

  std::string psk_;
  uint32_t reqid_ = 0;
  std::unique_ptr<ipsec::SaTable> table_;
};

TEST_F(EspPipeline, TheTunnelIsAnInterfaceInItsZoneWithRoutesAndAnMtuForEsp) {
  ASSERT_EQ(snapshot->tunnels().size(), 1u);
  const Tunnel& t = snapshot->tunnels()[0];
  const Interface& iface = snapshot->interface(t.iface);
  EXPECT_EQ(iface.name, "vpn-rz");
  EXPECT_TRUE(iface.is_tunnel());
  EXPECT_EQ(snapshot->zones()[iface.zone].name, "vpn-rz");
  EXPECT_EQ(iface.mtu, 1500 - kEspOverheadV4);
  EXPECT_EQ(iface.mss_clamp_v4, 1500 - kEspOverheadV4 - 40);
  const uint32_t hop = snapshot->fib().lookup_v4(0x0a630005);  // 10.99.0.5: into the tunnel
  ASSERT_NE(hop, kNoNextHop);
  EXPECT_EQ(snapshot->next_hop(hop).iface, t.iface);
  EXPECT_EQ(snapshot->next_hop(snapshot->fib().lookup_v4(0x0a010203)).iface, kKdnIf)
      << "10.0.0.0/8 stays on kdn";
  bool ipv6 = true;
  EXPECT_EQ(snapshot->tunnel_of_reqid(reqid_, ipv6), &t);
  EXPECT_FALSE(ipv6);
  EXPECT_EQ(snapshot->tunnel_of_reqid(reqid_ + 1, ipv6), &t);
  EXPECT_TRUE(ipv6);
  EXPECT_EQ(snapshot->tunnel_of_reqid(kPeerReqid, ipv6), nullptr);
}

TEST_F(EspPipeline, LanTrafficIntoTheTunnelLeavesEncryptedTowardsThePeer) {
  install_tunnel();
  const Bytes inner = datagram("192.168.10.10", "10.99.0.5", test::Udp{40000, 5000, Bytes(200, 0x5a)});
  run(kLan, {lan_frame(inner)});
  ASSERT_EQ(sent_on(kInet).size(), 1u) << "drops: no_sa " << drops(kLan, DropReason::kEspNoSa);
  const Bytes& frame = sent_on(kInet)[0];
  EXPECT_EQ(mac_at(frame, 0), kInetGatewayMac);  // the default route's gateway leads to the peer
  EXPECT_EQ(mac_at(frame, 6), kInetMac);
  EXPECT_EQ(be16(frame, 12), 0x0800);
  EXPECT_TRUE(ipv4_header_valid(frame, 14));
  EXPECT_EQ(frame[14 + 9], 50) << "ESP";
  EXPECT_EQ(ipv4_at(frame, 14 + 12), "203.0.113.2");
  EXPECT_EQ(ipv4_at(frame, 14 + 16), "198.51.100.2");
  EXPECT_EQ(be32(frame, 14 + 20), kBoxToPeerSpi);
  EXPECT_EQ(be32(frame, 14 + 24), 1u) << "the first sequence number";
  EXPECT_EQ(at_peer(frame), forwarded(inner)) << "the peer decrypts the forwarded packet byte for byte";
  EXPECT_EQ(ctx->counters.esp_encrypted, 1u);
  EXPECT_TRUE(sent_on(kLan).empty());
}

TEST_F(EspPipeline, PacketsFromThePeerAreDecryptedIntoTheLan) {
  install_tunnel();
  const Bytes inner = datagram("10.99.0.5", "192.168.10.10", test::Udp{5000, 40000, Bytes(300, 0xa5)});
  run(kInet, {from_peer(inner)});
  ASSERT_EQ(sent_on(kLan).size(), 1u);
  const Bytes& frame = sent_on(kLan)[0];
  EXPECT_EQ(mac_at(frame, 0), kLanClientMac);
  EXPECT_EQ(mac_at(frame, 6), kLanMac);
  EXPECT_EQ(Bytes(frame.begin() + 14, frame.end()), forwarded(inner));
  EXPECT_EQ(ctx->counters.esp_decrypted, 1u);
  // The answer goes back through the tunnel, on the connection the first packet opened.
  run(kLan, {lan_frame(datagram("192.168.10.10", "10.99.0.5", test::Udp{40000, 5000, Bytes(10, 1)}))});
  ASSERT_EQ(sent_on(kInet).size(), 1u);
  EXPECT_FALSE(at_peer(sent_on(kInet)[0]).empty());
}

TEST_F(EspPipeline, AReplayedEspPacketIsDropped) {
  install_tunnel();
  const Bytes frame = from_peer(datagram("10.99.0.5", "192.168.10.10", test::Udp{5000, 40000, Bytes(20, 1)}));
  run(kInet, {frame});
  run(kInet, {frame});
  EXPECT_EQ(sent_on(kLan).size(), 1u);
  EXPECT_EQ(drops(kInet, DropReason::kEspReplayed), 1u);
}

TEST_F(EspPipeline, TamperedOrUnknownEspIsDroppedWithItsReason) {
  install_tunnel();
  Bytes tampered = from_peer(datagram("10.99.0.5", "192.168.10.10", test::Udp{5000, 40000, Bytes(20, 1)}));
  tampered[tampered.size() - 20] ^= 1;
  Bytes unknown = from_peer(datagram("10.99.0.5", "192.168.10.10", test::Udp{5000, 40000, Bytes(20, 2)}));
  unknown[14 + 20 + 3] ^= 0x40;  // another SPI
  run(kInet, {tampered, unknown});
  EXPECT_TRUE(sent_on(kLan).empty());
  EXPECT_EQ(drops(kInet, DropReason::kEspAuthFailed), 1u);
  EXPECT_EQ(drops(kInet, DropReason::kEspUnknownSpi), 1u);
}

TEST_F(EspPipeline, TheInnerPacketMustLieWithinTheTunnelsNetworks) {
  install_tunnel();
  // Authentic, but addressed to the DMZ, which the tunnel does not carry (RFC 4301 5.2).
  run(kInet, {from_peer(datagram("10.99.0.5", "172.16.0.10", test::Udp{5000, 40000, Bytes(20, 1)})),
              from_peer(datagram("10.98.0.5", "192.168.10.10", test::Udp{5000, 40000, Bytes(20, 1)}))});
  EXPECT_EQ(drops(kInet, DropReason::kEspSelectorMismatch), 2u);
  EXPECT_TRUE(sent_on(kSmall).empty());
  EXPECT_TRUE(sent_on(kLan).empty());
}

TEST_F(EspPipeline, ThePolicySeesTheTunnelsZone) {
  install_tunnel();
  run(kInet, {from_peer(datagram("10.99.0.5", "192.168.10.10", test::Tcp{40001, 23}))});
  EXPECT_EQ(drops(kInet, DropReason::kPolicyDrop), 1u) << "no-telnet-from-rz";
  run(kInet, {from_peer(datagram("10.99.0.5", "192.168.10.10", test::Tcp{40001, 22}))});
  EXPECT_EQ(sent_on(kLan).size(), 1u) << "everything-else";
}

TEST_F(EspPipeline, WithoutSasOrOutsideItsNetworksNothingEntersTheTunnel) {
  const Bytes to_tunnel = datagram("192.168.10.10", "10.99.0.5", test::Udp{40000, 5000, Bytes(20, 1)});
  run(kLan, {lan_frame(to_tunnel)});
  EXPECT_EQ(drops(kLan, DropReason::kEspNoSa), 1u) << "the tunnel is down: never sent in clear";
  install_tunnel();
  run(kSmall,
      {test::ethernet_frame({kSmallHostMac, kSmallMac}, 0x0800,
                            datagram("172.16.0.10", "10.99.0.5", test::Udp{40000, 5000, Bytes(20, 1)}))});
  EXPECT_EQ(drops(kSmall, DropReason::kEspNoPolicy), 1u);
  EXPECT_TRUE(sent_on(kInet).empty());
}

TEST_F(EspPipeline, TransitEspAndIkeAreNotTheTunnelsBusiness) {
  install_tunnel();
  // ESP of someone else's VPN through the box: forwarded as it is.
  Bytes transit = from_peer(datagram("10.99.0.5", "192.168.10.10", test::Udp{5000, 40000, Bytes(20, 1)}));
  std::memcpy(&transit[14 + 16], test::parse_ipv4("192.168.10.10").data(), 4);
  test::refresh_ipv4_checksum(transit, 14);
  // IKE on UDP 4500 (the non-ESP marker) to the box: for charon through the input policy, not decrypted.
  Bytes ike_payload(40, 0);
  ike_payload[4] = 1;
  const Bytes ike = test::ipv4_frame({kInetGatewayMac, kInetMac}, {"198.51.100.2", "203.0.113.2"},
                                     test::Udp{4500, 4500, ike_payload});
  run(kInet, {transit, ike});
  ASSERT_EQ(sent_on(kLan).size(), 1u);
  EXPECT_EQ(sent_on(kLan)[0][14 + 9], 50) << "still ESP";
  EXPECT_EQ(drops(kInet, DropReason::kEspUnknownSpi), 0u);
  EXPECT_EQ(drops(kInet, DropReason::kLocalUnhandled), 1u) << "no kernel twin in this test";
}

// Two workers: a flow's decrypted packets go to the worker that owns the inner flow, which runs them on from
// the tunnel's interface (ingress and esp_in leave them alone there).
class TwoWorkers final : public FlowSteering {
 public:
  unsigned owner(uint32_t flow_hash) const override { return flow_hash % 2; }
  unsigned worker_count() const override { return 2; }
  uint16_t hand_off(unsigned worker, rte_mbuf** packets, uint16_t count) override {
    EXPECT_EQ(worker, 1u);
    for (uint16_t i = 0; i < count; ++i) handed.push_back(packets[i]);
    return count;
  }
  std::vector<rte_mbuf*> handed;
};

TEST_F(EspPipeline, DecryptedPacketsGoToTheWorkerOfTheirInnerFlow) {
  install_tunnel();
  TwoWorkers steering;
  ctx->steering = &steering;
  std::vector<Bytes> frames;
  size_t for_worker_one = 0;
  for (uint16_t port = 5000; port < 5016; ++port) {
    const Bytes inner = datagram("10.99.0.5", "192.168.10.10", test::Udp{port, 40000, Bytes(30, 7)});
    PacketMeta meta{};
    ASSERT_EQ(parse_frame(lan_frame(inner).data(), static_cast<uint32_t>(inner.size() + 14), meta, {}),
              DropReason::kNone);
    if (meta.flow_hash % 2 == 1) ++for_worker_one;
    frames.push_back(from_peer(inner));
  }
  ASSERT_GT(for_worker_one, 0u);
  ASSERT_LT(for_worker_one, frames.size());
  run(kInet, frames);
  ctx->steering = nullptr;
  EXPECT_EQ(sent_on(kLan).size(), frames.size() - for_worker_one);
  ASSERT_EQ(steering.handed.size(), for_worker_one);
  EXPECT_EQ(ctx->counters.esp_handed_off, for_worker_one);

  CapturingTransmitter other_tx;
  CapturingPuntSink other_punt;
  EveRing other_eve{64};
  WorkerContext other(1, pool(), neighbours, other_tx, other_punt, other_eve);
  other.snapshot = snapshot.get();
  other.now_ns = now_ns;
  Burst burst;
  for (rte_mbuf* m : steering.handed) {
    EXPECT_TRUE(meta_of(m).decapsulated);
    EXPECT_EQ(meta_of(m).in_iface, snapshot->tunnels()[0].iface);
    burst.pkts[burst.count++] = m;
  }
  pipeline_process(other, burst);
  ASSERT_EQ(other_tx.sent[kLan].size(), for_worker_one) << "forwarded into the LAN by the flow's worker";
  EXPECT_EQ(mac_at(other_tx.sent[kLan][0], 0), kLanClientMac);
}

}  // namespace
}  // namespace torwart::dataplane
