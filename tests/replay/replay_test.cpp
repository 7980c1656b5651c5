// `torwart replay` end to end: captures built with the packet builder go in, the real binary runs, and every
// port's output capture, counters.json and eve.json are checked exactly.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dataplane/core/checksum.hpp"
#include "dataplane/eve/community_id.hpp"
#include "rules/config/load.hpp"
#include "tests/support/packet_builder.hpp"

namespace torwart::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kLanMac = "02:00:00:00:01:fe";
constexpr const char* kKdnMac = "02:00:00:00:02:fe";
constexpr const char* kInetMac = "02:00:00:00:03:fe";
constexpr const char* kClientMac = "02:00:00:00:01:10";
constexpr const char* kKdnGatewayMac = "02:00:00:00:02:01";
constexpr const char* kInetGatewayMac = "02:00:00:00:03:01";
constexpr uint64_t kSecond = 1'000'000'000ull;
constexpr uint64_t kT0 = 1'700'000'000ull * kSecond;  // 2023-11-14T22:13:20Z

struct Packet {
  uint64_t ns = 0;
  Bytes bytes;
};

void write_pcap(const fs::path& path, const std::vector<Packet>& packets, int link_type = DLT_EN10MB) {
  pcap_t* dead = pcap_open_dead_with_tstamp_precision(link_type, 65535, PCAP_TSTAMP_PRECISION_NANO);
  ASSERT_NE(dead, nullptr);
  pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
  ASSERT_NE(dumper, nullptr) << pcap_geterr(dead);
  for (const auto& p : packets) {
    pcap_pkthdr header{};
    header.ts.tv_sec = static_cast<time_t>(p.ns / kSecond);
    header.ts.tv_usec = static_cast<suseconds_t>(p.ns % kSecond);
    header.caplen = header.len = static_cast<uint32_t>(p.bytes.size());
    pcap_dump(reinterpret_cast<u_char*>(dumper), &header, p.bytes.data());
  }
  pcap_dump_close(dumper);
  pcap_close(dead);
}

std::vector<Packet> read_pcap(const fs::path& path) {
  char error[PCAP_ERRBUF_SIZE];
  pcap_t* handle = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, error);
  EXPECT_NE(handle, nullptr) << path << ": " << error;
  std::vector<Packet> packets;
  if (handle == nullptr) return packets;
  EXPECT_EQ(pcap_datalink(handle), DLT_EN10MB);
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  while (pcap_next_ex(handle, &header, &data) == 1) {
    packets.push_back({uint64_t(header->ts.tv_sec) * kSecond + uint64_t(header->ts.tv_usec),
                       Bytes(data, data + header->caplen)});
  }
  pcap_close(handle);
  return packets;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

uint16_t be16(const Bytes& b, size_t at) {
  return static_cast<uint16_t>(b.at(at) << 8 | b.at(at + 1));
}
std::string mac_at(const Bytes& b, size_t at) {
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", b.at(at), b.at(at + 1), b.at(at + 2),
                b.at(at + 3), b.at(at + 4), b.at(at + 5));
  return text;
}
std::string ipv4_at(const Bytes& b, size_t at) {
  return std::to_string(b.at(at)) + "." + std::to_string(b.at(at + 1)) + "." + std::to_string(b.at(at + 2)) +
         "." + std::to_string(b.at(at + 3));
}
bool ipv4_header_valid(const Bytes& b) {
  return dataplane::internet_checksum(b.data() + 14, 20) == 0;
}

struct Result {
  int exit_code = -1;
  std::string errors;
};

class Replay : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir =
        fs::temp_directory_path() / ("torwart_replay_test_" + std::to_string(getpid()) + "_" + info->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(dir);
  }

  // Writes the inputs (port -> packets) and runs `torwart replay -l OUT port=port.pcap ...`.
  Result replay(const std::vector<std::pair<std::string, std::vector<Packet>>>& inputs,
                const std::string& out = "out", const std::string& config = "") {
    std::vector<std::string> args;
    if (!config.empty()) args = {"-c", config};
    for (const auto& [port, packets] : inputs) {
      write_pcap(dir / (port + ".in.pcap"), packets);
      args.push_back(port + "=" + (dir / (port + ".in.pcap")).string());
    }
    return run(out, args);
  }
  Result run(const std::string& out, const std::vector<std::string>& args) {
    std::string command = std::string("'") + TORWART_BINARY + "' replay -l '" + (dir / out).string() + "'";
    for (const auto& a : args) command += " '" + a + "'";
    command += " 2>'" + (dir / "stderr.txt").string() + "' >/dev/null";
    const int status = std::system(command.c_str());
    Result result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.errors = read_text(dir / "stderr.txt");
    return result;
  }
  // The default's ports and routes with a policy that accepts everything, for tests about forwarding alone.
  std::string permissive_config() {
    std::string text(config::default_config_text());
    text =
        text.substr(0, text.find("\npolicy:") + 1) + "policy:\n  rules:\n    - {name: all, action: accept}\n";
    const fs::path path = dir / "permissive.yaml";
    std::ofstream(path) << text;
    return path.string();
  }
  std::vector<Packet> output(const std::string& port, const std::string& out = "out") {
    return read_pcap(dir / out / (port + ".pcap"));
  }
  nlohmann::json counters(const std::string& out = "out") {
    return nlohmann::json::parse(read_text(dir / out / "counters.json"));
  }
  std::vector<nlohmann::json> eve(const std::string& out = "out") {
    std::vector<nlohmann::json> records;
    std::istringstream lines(read_text(dir / out / "eve.json"));
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) records.push_back(nlohmann::json::parse(line));
    }
    return records;
  }
  std::vector<nlohmann::json> drop_records(const std::string& reason) {
    std::vector<nlohmann::json> found;
    for (const auto& r : eve()) {
      if (r.value("event_type", "") == "drop" && r["drop"]["reason"] == reason) found.push_back(r);
    }
    return found;
  }

  fs::path dir;
};

Bytes from_lan(const Ipv4& ip, const Transport& transport = Udp{}) {
  return ipv4_frame({.source = kClientMac, .destination = kLanMac}, ip, transport);
}
Bytes from_inet(const Ipv4& ip, const Transport& transport = Udp{}) {
  return ipv4_frame({.source = kInetGatewayMac, .destination = kInetMac}, ip, transport);
}

TEST_F(Replay, LanToKdnUdpIsForwardedExactly) {
  const Bytes in =
      from_lan({.source = "192.168.10.10", .destination = "10.1.2.3", .ttl = 64, .id = 42},
               Udp{.source_port = 1234, .destination_port = 53, .payload = Bytes{'h', 'e', 'l', 'l', 'o'}});
  const Result r = replay({{"lan", {{kT0, in}}}});
  ASSERT_EQ(r.exit_code, 0) << r.errors;
  const auto kdn = output("kdn");
  ASSERT_EQ(kdn.size(), 1u);
  const Bytes& out = kdn[0].bytes;
  EXPECT_EQ(kdn[0].ns, kT0);
  ASSERT_EQ(out.size(), in.size());
  EXPECT_EQ(mac_at(out, 0), kKdnGatewayMac);
  EXPECT_EQ(mac_at(out, 6), kKdnMac);
  EXPECT_EQ(out[22], 63);
  EXPECT_TRUE(ipv4_header_valid(out));
  // Only TTL and header checksum differ in the IP header; everything after it is identical.
  Bytes expected(in.begin() + 14, in.end());
  expected[8] = 63;
  expected[10] = out[24];
  expected[11] = out[25];
  EXPECT_EQ(Bytes(out.begin() + 14, out.end()), expected);
  EXPECT_TRUE(output("lan").empty());
  EXPECT_TRUE(output("inet").empty());
  const auto c = counters();
  EXPECT_EQ(c["ports"]["lan"]["rx_packets"], 1);
  EXPECT_EQ(c["ports"]["kdn"]["tx_packets"], 1);
  EXPECT_EQ(c["totals"]["dropped"], 0);
}

// NAT in replay: one worker owns every port range whole, so the first mapping gets the range's first port.
TEST_F(Replay, SourceNatIsDeterministicAndLogged) {
  const fs::path config = dir / "nat.yaml";
  std::ofstream(config) << std::string(config::default_config_text())
                        << "nat:\n  source:\n    - {name: lan-masquerade, out: inet, from: [lan]}\n";
  const Bytes query = from_lan({.source = "192.168.10.10", .destination = "198.51.100.10"},
                               Udp{.source_port = 5000, .destination_port = 53, .payload = Bytes{'q'}});
  const Bytes answer = from_inet({.source = "198.51.100.10", .destination = "203.0.113.2"},
                                 Udp{.source_port = 53, .destination_port = 1024, .payload = Bytes{'a'}});
  const Result r =
      replay({{"lan", {{kT0, query}}}, {"inet", {{kT0 + kSecond / 1000, answer}}}}, "out", config.string());
  ASSERT_EQ(r.exit_code, 0) << r.errors;
  const auto inet = output("inet");
  ASSERT_EQ(inet.size(), 1u);
  EXPECT_EQ(ipv4_at(inet[0].bytes, 26), "203.0.113.2");
  EXPECT_EQ(be16(inet[0].bytes, 34), 1024);
  const auto lan = output("lan");
  ASSERT_EQ(lan.size(), 1u);
  EXPECT_EQ(ipv4_at(lan[0].bytes, 30), "192.168.10.10");
  EXPECT_EQ(be16(lan[0].bytes, 36), 5000);
  const auto c = counters();
  EXPECT_EQ(c["nat"]["mappings_created"], 1);
  EXPECT_EQ(c["nat"]["packets_translated"], 2);
  bool logged = false;
  for (const auto& record : eve()) {
    if (record.value("event_type", "") != "flow") continue;
    logged = true;
    EXPECT_EQ(record["src_ip"], "192.168.10.10");
    EXPECT_EQ(record["nat"]["src_ip"], "203.0.113.2");
    EXPECT_EQ(record["nat"]["src_port"], 1024);
    EXPECT_EQ(record["nat"]["dest_ip"], "198.51.100.10");
  }
  EXPECT_TRUE(logged) << "the default policy logs lan-to-inet flows";
}

// Bytes [offset, offset + length) of a UDP datagram's transport bytes as one fragment from the LAN client.
Bytes lan_fragment(const Bytes& l4, uint32_t offset, uint32_t length, bool more) {
  const Ipv4 ip{.source = "192.168.10.10",
                .destination = "10.1.2.3",
                .ttl = 64,
                .id = 99,
                .more_fragments = more,
                .fragment_offset = static_cast<uint16_t>(offset / 8)};
  return from_lan(ip, RawTransport{17, Bytes(l4.begin() + offset, l4.begin() + offset + length)});
}

Bytes udp_transport_bytes(size_t payload) {
  const Bytes datagram =
      ipv4_datagram({.source = "192.168.10.10", .destination = "10.1.2.3"},
                    Udp{.source_port = 1234, .destination_port = 53, .payload = Bytes(payload, 'f')});
  return Bytes(datagram.begin() + 20, datagram.end());
}

TEST_F(Replay, FragmentedUdpLeavesKdnAsTheSameFragments) {
  const Bytes l4 = udp_transport_bytes(1000);  // 1008 bytes: 504 + 504
  const std::vector<Bytes> in = {lan_fragment(l4, 0, 504, true), lan_fragment(l4, 504, 504, false)};
  ASSERT_EQ(replay({{"lan", {{kT0, in[1]}, {kT0 + 1000, in[0]}}}}).exit_code, 0);
  const auto kdn = output("kdn");
  ASSERT_EQ(kdn.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const Bytes& out = kdn[i].bytes;
    ASSERT_EQ(out.size(), in[i].size()) << "in offset order, each unchanged in size";
    EXPECT_EQ(mac_at(out, 0), kKdnGatewayMac);
    EXPECT_TRUE(ipv4_header_valid(out));
    Bytes expected(in[i].begin() + 14, in[i].end());
    expected[8] = 63;
    expected[10] = out[24];
    expected[11] = out[25];
    EXPECT_EQ(Bytes(out.begin() + 14, out.end()), expected);
  }
  const auto c = counters();
  EXPECT_EQ(c["datagrams_reassembled"], 1);
  EXPECT_EQ(c["fragments_held"], 0);
  EXPECT_EQ(c["totals"]["dropped"], 0);
  EXPECT_EQ(c["ports"]["kdn"]["tx_packets"], 2);
}

TEST_F(Replay, OverlappingFragmentsLeaveNothingAndAreCounted) {
  const Bytes l4 = udp_transport_bytes(1000);
  const std::vector<Packet> in = {{kT0, lan_fragment(l4, 0, 504, true)},
                                  {kT0 + 1000, lan_fragment(l4, 496, 512, false)}};  // overlaps by 8 bytes
  ASSERT_EQ(replay({{"lan", in}}).exit_code, 0);
  EXPECT_TRUE(output("kdn").empty());
  const auto c = counters();
  EXPECT_EQ(c["ports"]["lan"]["drops"]["fragment_overlap"], 2);
  EXPECT_EQ(c["drops"]["fragment_overlap"], 2);
  EXPECT_EQ(c["datagrams_reassembled"], 0);
  EXPECT_EQ(drop_records("fragment_overlap").size(), 2u);
}

TEST_F(Replay, LanToInternetV6IsForwarded) {
  const Bytes in = ipv6_frame({.source = kClientMac, .destination = kLanMac},
                              {.source = "2001:db8:10::10", .destination = "2a00:1450::1", .hop_limit = 64},
                              Tcp{.destination_port = 443, .payload = Bytes(50, 'x')});
  ASSERT_EQ(replay({{"lan", {{kT0, in}}}}).exit_code, 0);
  const auto inet = output("inet");
  ASSERT_EQ(inet.size(), 1u);
  const Bytes& out = inet[0].bytes;
  ASSERT_EQ(out.size(), in.size());
  EXPECT_EQ(mac_at(out, 0), kInetGatewayMac);
  EXPECT_EQ(mac_at(out, 6), kInetMac);
  EXPECT_EQ(out[21], 63);
  Bytes expected(in.begin() + 14, in.end());
  expected[7] = 63;
  EXPECT_EQ(Bytes(out.begin() + 14, out.end()), expected);
  EXPECT_TRUE(output("kdn").empty());
  EXPECT_TRUE(output("lan").empty());
}

TEST_F(Replay, PingToTheBoxIsAnswered) {
  const Bytes in = from_lan({.source = "192.168.10.10", .destination = "192.168.10.1"},
                            icmp_echo_request(7, 9, Bytes(24, 0x5a)));
  ASSERT_EQ(replay({{"lan", {{kT0, in}}}}).exit_code, 0);
  const auto lan = output("lan");
  ASSERT_EQ(lan.size(), 1u);
  const Bytes& out = lan[0].bytes;
  ASSERT_EQ(out.size(), in.size());
  EXPECT_EQ(mac_at(out, 0), kClientMac);
  EXPECT_EQ(mac_at(out, 6), kLanMac);
  EXPECT_EQ(ipv4_at(out, 26), "192.168.10.1");
  EXPECT_EQ(ipv4_at(out, 30), "192.168.10.10");
  EXPECT_TRUE(ipv4_header_valid(out));
  EXPECT_EQ(out[34], 0);
  EXPECT_EQ(dataplane::internet_checksum(out.data() + 34, out.size() - 34), 0);
  EXPECT_TRUE(std::equal(in.begin() + 38, in.end(), out.begin() + 38));  // id, sequence, payload
  EXPECT_TRUE(output("kdn").empty());
}

// Control-plane protection: a ping flood at the box's LAN address is held to local_traffic's rate on the LAN
// port (burst, then the rate on capture time), while pings on the Internet port have their own budget.
TEST_F(Replay, LocalTrafficIsPolicedPerPortAndClass) {
  std::string text(config::default_config_text());
  text += "local_traffic:\n  icmp: {rate: 100, burst: 10}\n  arp: {rate: 100, burst: 5}\n";
  const fs::path config = dir / "policed.yaml";
  std::ofstream(config) << text;
  std::vector<Packet> lan, inet;
  for (uint16_t i = 0; i < 200; ++i) {  // one a millisecond: 10 from the burst, then 1 per 10 ms
    lan.push_back(
        {kT0 + i * 1'000'000ull, from_lan({.source = "192.168.10.10", .destination = "192.168.10.1"},
                                          icmp_echo_request(7, i, Bytes(8, 0x5a)))});
  }
  for (uint16_t i = 0; i < 50; ++i) {  // 5 from the burst, then 1 per 10 ms: 9 in 49 ms
    lan.push_back({kT0 + 500'000'000ull + i * 1'000'000ull,
                   arp_frame({.source = kClientMac, .destination = "ff:ff:ff:ff:ff:ff"},
                             arp_request(kClientMac, "192.168.10.10", "192.168.10.1"))});
  }
  for (uint16_t i = 0; i < 5; ++i) {
    inet.push_back({kT0 + 100'000'000ull + i * 1'000'000ull,
                    from_inet({.source = "198.51.100.10", .destination = "203.0.113.2"},
                              icmp_echo_request(8, i, Bytes(8, 0x5a)))});
  }
  const Result r = replay({{"lan", lan}, {"inet", inet}}, "out", config.string());
  ASSERT_EQ(r.exit_code, 0) << r.errors;
  size_t echo_replies = 0, arp_replies = 0;
  for (const auto& p : output("lan")) {
    if (be16(p.bytes, 12) == 0x0806)
      ++arp_replies;
    else if (be16(p.bytes, 12) == 0x0800 && p.bytes.at(34) == 0)
      ++echo_replies;
  }
  EXPECT_EQ(echo_replies, 10u + 19u);
  EXPECT_EQ(arp_replies, 9u);
  EXPECT_EQ(counters()["ports"]["lan"]["drops"]["local_rate_exceeded"], (200 - 29) + (50 - 9));
  EXPECT_EQ(output("inet").size(), 5u);
  EXPECT_FALSE(counters()["ports"]["inet"]["drops"].contains("local_rate_exceeded"));
}

// The input policy: the box's own services are reached only where a rule names `to: [local]`. What it accepts
// goes to the box's kernel (in replay: PORT.kernel.pcap, the frame as it came); a rule that leaves `to` out
// never reaches the box, and the default drops and logs.
TEST_F(Replay, ServicesOnTheBoxAreRefusedByDefaultAndReachedOnlyWhereARuleNamesLocal) {
  const Bytes ssh = from_lan({.source = "192.168.10.10", .destination = "192.168.10.1"},
                             Tcp{.source_port = 40022, .destination_port = 22});
  const Bytes dns = from_inet({.source = "198.51.100.10", .destination = "203.0.113.2"},
                              Udp{.source_port = 5353, .destination_port = 53});
  const std::vector<std::pair<std::string, std::vector<Packet>>> inputs = {{"lan", {{kT0, ssh}}},
                                                                           {"inet", {{kT0 + 1000, dns}}}};

  Result r = replay(inputs, "default");
  ASSERT_EQ(r.exit_code, 0) << r.errors;
  EXPECT_TRUE(output("lan.kernel", "default").empty());
  EXPECT_EQ(counters("default")["delivered_to_kernel"], 0);
  EXPECT_EQ(counters("default")["ports"]["lan"]["drops"]["policy_drop"], 1);
  EXPECT_EQ(counters("default")["ports"]["inet"]["drops"]["policy_drop"], 1);

  r = replay(inputs, "any", permissive_config());  // accepts everything between zones, names no `local`
  ASSERT_EQ(r.exit_code, 0) << r.errors;
  EXPECT_EQ(counters("any")["delivered_to_kernel"], 0);
  EXPECT_EQ(counters("any")["ports"]["lan"]["drops"]["policy_drop"], 1);

  std::string text(config::default_config_text());
  text.replace(
      text.find("  rules:\n") + 9, 0,
      "    - {name: ssh-to-box, from: [lan], to: [local], service: [tcp/22], action: accept, log: true}\n");
  const fs::path config = dir / "ssh.yaml";
  std::ofstream(config) << text;
  r = replay(inputs, "ssh", config.string());
  ASSERT_EQ(r.exit_code, 0) << r.errors;
  const auto delivered = output("lan.kernel", "ssh");
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].bytes, ssh);  // untouched: no TTL decrement, no rewrite
  EXPECT_TRUE(output("inet.kernel", "ssh").empty());
  EXPECT_TRUE(output("lan", "ssh").empty());
  EXPECT_EQ(counters("ssh")["delivered_to_kernel"], 1);
  EXPECT_EQ(counters("ssh")["ports"]["inet"]["drops"]["policy_drop"], 1);  // DNS from outside: still refused
  bool flow_logged = false;
  for (const auto& record : eve("ssh")) {
    if (record.value("event_type", "") == "flow" && record["dest_ip"] == "192.168.10.1" &&
        record["dest_port"] == 22)
      flow_logged = true;
  }
  EXPECT_TRUE(flow_logged) << "the accepted connection to the box has no flow record";
}

TEST_F(Replay, TtlOneGetsTimeExceededAndNothingLeavesTowardsKdn) {
  const Bytes in = from_lan({.source = "192.168.10.10", .destination = "10.1.2.3", .ttl = 1});
  ASSERT_EQ(replay({{"lan", {{kT0, in}}}}).exit_code, 0);
  EXPECT_TRUE(output("kdn").empty());
  const auto lan = output("lan");
  ASSERT_EQ(lan.size(), 1u);
  const Bytes& out = lan[0].bytes;
  EXPECT_EQ(mac_at(out, 0), kClientMac);
  EXPECT_EQ(out[23], 1);
  EXPECT_EQ(out[34], 11);
  EXPECT_EQ(ipv4_at(out, 26), "192.168.10.1");
  EXPECT_TRUE(ipv4_header_valid(out));
  EXPECT_TRUE(std::equal(in.begin() + 14, in.end(), out.begin() + 42));
  const auto c = counters();
  EXPECT_EQ(c["ports"]["lan"]["drops"]["ttl_exceeded"], 1);
  EXPECT_EQ(c["icmp_errors_sent"], 1);
}

TEST_F(Replay, SpoofedSourceFromTheInternetLeavesNothing) {
  ASSERT_EQ(replay({{"inet", {{kT0, from_inet({.source = "192.168.10.99", .destination = "10.1.2.3"})}}}})
                .exit_code,
            0);
  EXPECT_TRUE(output("lan").empty());
  EXPECT_TRUE(output("kdn").empty());
  EXPECT_TRUE(output("inet").empty());
  const auto c = counters();
  EXPECT_EQ(c["ports"]["inet"]["drops"]["spoofed_source"], 1);
  EXPECT_EQ(c["totals"]["dropped"], 1);
  const auto records = drop_records("spoofed_source");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["src_ip"], "192.168.10.99");
  EXPECT_EQ(records[0]["in_iface"], "inet");
}

TEST_F(Replay, MalformedPacketsAreCountedAndLoggedByReason) {
  Bytes truncated = from_lan({.source = "192.168.10.10", .destination = "10.1.2.3"});
  truncated.resize(14 + 12);
  const Bytes bad_checksum =
      from_lan({.source = "192.168.10.10", .destination = "10.1.2.3", .corrupt_checksum = true});
  Bytes bad_offset = from_lan({.source = "192.168.10.10", .destination = "10.1.2.3"}, Tcp{});
  bad_offset[14 + 20 + 12] = 0x30;  // data offset 3 (< 5)
  ASSERT_EQ(
      replay({{"lan", {{kT0, truncated}, {kT0 + 1000, bad_checksum}, {kT0 + 2000, bad_offset}}}}).exit_code,
      0);
  EXPECT_TRUE(output("kdn").empty());
  const auto drops = counters()["ports"]["lan"]["drops"];
  EXPECT_EQ(drops["truncated_ipv4"], 1);
  EXPECT_EQ(drops["bad_ipv4_checksum"], 1);
  EXPECT_EQ(drops["bad_tcp_header_length"], 1);
  EXPECT_EQ(drops.size(), 3u);
  for (const char* reason : {"truncated_ipv4", "bad_ipv4_checksum", "bad_tcp_header_length"}) {
    const auto records = drop_records(reason);
    ASSERT_EQ(records.size(), 1u) << reason;
    EXPECT_FALSE(records[0].contains("src_ip")) << reason;  // decode failures: no untrusted addresses
    EXPECT_EQ(records[0]["in_iface"], "lan");
  }
}

TEST_F(Replay, UnknownPortNameIsBadInput) {
  write_pcap(dir / "x.pcap", {{kT0, from_lan({})}});
  const Result r = run("out", {"wan=" + (dir / "x.pcap").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.errors.find("'wan'"), std::string::npos) << r.errors;
}

TEST_F(Replay, NonEthernetCaptureIsBadInput) {
  write_pcap(dir / "raw.pcap", {{kT0, ipv4_datagram({}, Udp{})}}, DLT_RAW);
  const Result r = run("out", {"lan=" + (dir / "raw.pcap").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.errors.find("raw.pcap"), std::string::npos) << r.errors;
}

TEST_F(Replay, ADamagedCaptureIsReplayedUpToTheDamageAndExitsTwo) {
  const Bytes first = from_lan({.source = "192.168.10.10", .destination = "10.1.2.3"});
  const Bytes second = from_lan({.source = "192.168.10.10", .destination = "10.1.2.4"});
  const fs::path input = dir / "cut.pcap";
  write_pcap(input, {{kT0, first}, {kT0 + 1000, second}});
  fs::resize_file(input, fs::file_size(input) - 10);  // the second record ends 10 bytes early
  const Result r = run("out", {"lan=" + input.string()});
  EXPECT_EQ(r.exit_code, 2) << r.errors;
  const std::string place =
      input.string() + ": record 2 at byte offset " + std::to_string(24 + 16 + first.size());
  EXPECT_NE(r.errors.find("damaged capture, replayed up to the damage: " + place), std::string::npos)
      << r.errors;
  EXPECT_EQ(output("kdn").size(), 1u);  // what came before the damage went through
  ASSERT_EQ(counters()["damaged_captures"].size(), 1u);
  EXPECT_NE(counters()["damaged_captures"][0].get<std::string>().find(place), std::string::npos);
}

TEST_F(Replay, OnlyARegularFileIsACapture) {
  const Result r = run("out", {"lan=/dev/zero"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.errors.find("/dev/zero: is a device, not a regular file"), std::string::npos) << r.errors;
}

TEST_F(Replay, SameInputsGiveByteIdenticalOutputs) {
  std::vector<Packet> lan, inet;
  for (uint64_t i = 0; i < 20; ++i) {
    lan.push_back({kT0 + i * 150'000'000, from_lan({.source = "192.168.10.10",
                                                    .destination = "10.1.2.3",
                                                    .ttl = static_cast<uint8_t>(i % 3 == 0 ? 1 : 64),
                                                    .id = static_cast<uint16_t>(i)})});
    inet.push_back(
        {kT0 + i * 150'000'000 + 7, from_inet({.source = i % 4 == 0 ? "192.168.10.5" : "8.8.8.8",
                                               .destination = i % 5 == 0 ? "192.168.10.20" : "192.168.10.10"},
                                              icmp_echo_request(1, static_cast<uint16_t>(i)))});
  }
  lan.push_back({kT0 + 4 * kSecond, from_lan({.source = "192.168.10.10", .destination = "192.168.10.1"},
                                             icmp_echo_request(2, 2))});
  ASSERT_EQ(replay({{"lan", lan}, {"inet", inet}}, "one").exit_code, 0);
  ASSERT_EQ(replay({{"lan", lan}, {"inet", inet}}, "two").exit_code, 0);
  for (const char* file : {"lan.pcap", "kdn.pcap", "inet.pcap", "eve.json", "counters.json"}) {
    const std::string one = read_text(dir / "one" / file);
    EXPECT_FALSE(one.empty()) << file;
    EXPECT_EQ(one, read_text(dir / "two" / file)) << file;
  }
}

TEST_F(Replay, CaptureTimeOrderIsKeptAcrossInputs) {
  std::vector<Packet> lan, inet;
  for (uint16_t id = 1; id <= 6; ++id) {
    const uint64_t ns = kT0 + uint64_t{id} * 1000;
    if (id % 2 == 1)
      lan.push_back({ns, from_lan({.source = "192.168.10.10", .destination = "10.1.2.3", .id = id})});
    else
      inet.push_back({ns, from_inet({.source = "8.8.8.8", .destination = "10.1.2.3", .id = id})});
  }
  // inet is named first: order must come from the timestamps, not the command line.
  ASSERT_EQ(replay({{"inet", inet}, {"lan", lan}}, "out", permissive_config()).exit_code, 0);
  const auto kdn = output("kdn");
  ASSERT_EQ(kdn.size(), 6u);
  for (uint16_t i = 0; i < 6; ++i) {
    EXPECT_EQ(be16(kdn[i].bytes, 18), i + 1);
    EXPECT_EQ(kdn[i].ns, kT0 + (i + 1) * uint64_t{1000});
  }
}

TEST_F(Replay, UnresolvedNextHopIsRequestedThenDropped) {
  const Bytes held = from_lan({.source = "192.168.10.10", .destination = "192.168.10.20", .id = 77});
  const auto filler = [](uint16_t id) {
    return from_lan({.source = "192.168.10.10", .destination = "10.1.2.3", .id = id});
  };
  ASSERT_EQ(replay({{"lan",
                     {{kT0, held},
                      {kT0 + 1'500'000'000, filler(1)},
                      {kT0 + 2'500'000'000, filler(2)},
                      {kT0 + 3'500'000'000, filler(3)},
                      {kT0 + 5 * kSecond, filler(4)}}}},
                   "out", permissive_config())
                .exit_code,
            0);
  const auto lan = output("lan");
  ASSERT_EQ(lan.size(), 3u);  // three who-has, the held packet never leaves
  for (const auto& p : lan) {
    const Bytes& arp = p.bytes;
    EXPECT_EQ(be16(arp, 12), 0x0806);
    EXPECT_EQ(mac_at(arp, 0), "ff:ff:ff:ff:ff:ff");
    EXPECT_EQ(mac_at(arp, 6), kLanMac);
    EXPECT_EQ(be16(arp, 20), 1);
    EXPECT_EQ(ipv4_at(arp, 28), "192.168.10.1");
    EXPECT_EQ(ipv4_at(arp, 38), "192.168.10.20");
  }
  EXPECT_EQ(lan[0].ns, kT0);
  EXPECT_EQ(lan[1].ns, kT0 + 1'500'000'000);
  EXPECT_EQ(lan[2].ns, kT0 + 2'500'000'000);
  EXPECT_EQ(output("kdn").size(), 4u);
  EXPECT_EQ(counters()["ports"]["lan"]["drops"]["neighbour_unresolved"], 1);
  const auto records = drop_records("neighbour_unresolved");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["timestamp"], "2023-11-14T22:13:23.500000+0000");  // on expiry, not at the end
  EXPECT_EQ(records[0]["dest_ip"], "192.168.10.20");
}

// A SYN flood from the Internet switches the inet zone to SYN cookies: the first SYNs create flows (up to the
// threshold), the rest are answered by the box and leave no state; a forged ACK is dropped. Twice the same
// input gives the same output (fixed replay key). The proxied handshake itself: synflood/syn_proxy_test.cpp.
TEST_F(Replay, SynFloodIsAnsweredWithCookiesReproducibly) {
  std::string text = read_text(permissive_config());
  text.replace(text.find("  - name: inet\n"), 15,
               "  - name: inet\n    syn_flood: {cookies_above: 16, half_open_limit: 64}\n");
  const fs::path config = dir / "synflood.yaml";
  std::ofstream(config) << text;

  std::vector<Packet> inet;
  for (uint32_t i = 0; i < 200; ++i) {
    const std::string source = "100.64." + std::to_string(i / 200) + "." + std::to_string(i % 200 + 1);
    inet.push_back({kT0 + uint64_t{i} * 1000, from_inet({.source = source, .destination = "192.168.10.10"},
                                                        Tcp{.source_port = static_cast<uint16_t>(1024 + i),
                                                            .destination_port = 8080,
                                                            .sequence = i * 7919u,
                                                            .flags = tcp_flag::kSyn})});
  }
  inet.push_back({kT0 + kSecond, from_inet({.source = "100.64.9.9", .destination = "192.168.10.10"},
                                           Tcp{.source_port = 4444,
                                               .destination_port = 8080,
                                               .sequence = 11,
                                               .acknowledgement = 0x12345678,
                                               .flags = tcp_flag::kAck})});
  ASSERT_EQ(replay({{"inet", inet}}, "one", config.string()).exit_code, 0);
  ASSERT_EQ(replay({{"inet", inet}}, "two", config.string()).exit_code, 0);
  for (const char* file : {"lan.pcap", "inet.pcap", "eve.json", "counters.json"})
    EXPECT_EQ(read_text(dir / "one" / file), read_text(dir / "two" / file)) << file;

  EXPECT_EQ(output("lan", "one").size(), 16u) << "only the SYNs below the threshold reach the server";
  const auto answers = output("inet", "one");
  ASSERT_EQ(answers.size(), 184u);
  for (const auto& p : answers) {
    EXPECT_EQ(p.bytes.at(47), 0x12) << "SYN-ACK";
    EXPECT_EQ(ipv4_at(p.bytes, 26), "192.168.10.10");
    EXPECT_TRUE(ipv4_header_valid(p.bytes));
  }
  const auto c = counters("one");
  EXPECT_EQ(c["syn_flood"]["cookies_sent"], 184);
  EXPECT_EQ(c["syn_flood"]["cookies_invalid"], 1);
  EXPECT_EQ(c["drops"]["syn_cookie_invalid"], 1);
  EXPECT_EQ(c["flows"]["created"], 16);
}

// --- Stateful filtering on the built-in default policy (rules/baseline/default.yaml) ---

Bytes from_kdn(const Ipv4& ip, const Transport& transport) {
  return ipv4_frame({.source = kKdnGatewayMac, .destination = kKdnMac}, ip, transport);
}
uint32_t be32(const Bytes& b, size_t at) {
  return uint32_t{be16(b, at)} << 16 | be16(b, at + 2);
}

std::vector<nlohmann::json> of_type(const std::vector<nlohmann::json>& records, const std::string& type) {
  std::vector<nlohmann::json> found;
  for (const auto& r : records) {
    if (r.value("event_type", "") == type) found.push_back(r);
  }
  return found;
}

TEST_F(Replay, AnAllowedConnectionPassesBothWaysAndItsFlowIsLogged) {
  const Ipv4 out{.source = "192.168.10.10", .destination = "10.20.0.10"};
  const Ipv4 back{.source = "10.20.0.10", .destination = "192.168.10.10"};
  const Tcp client{.source_port = 40000, .destination_port = 8080};
  const Tcp server{.source_port = 8080, .destination_port = 40000};
  Tcp syn = client, syn_ack = server, ack = client, answer = server;
  syn.sequence = 100;
  syn_ack.sequence = 5000, syn_ack.acknowledgement = 101, syn_ack.flags = tcp_flag::kSyn | tcp_flag::kAck;
  ack.sequence = 101, ack.acknowledgement = 5001, ack.flags = tcp_flag::kAck | tcp_flag::kPsh;
  ack.payload = Bytes{'G', 'E', 'T'};
  answer.sequence = 5001, answer.acknowledgement = 104, answer.flags = tcp_flag::kAck | tcp_flag::kPsh;
  answer.payload = Bytes(5, 'o');
  const uint64_t ms = 1'000'000;
  ASSERT_EQ(replay({{"lan", {{kT0, from_lan(out, syn)}, {kT0 + 2 * ms, from_lan(out, ack)}}},
                    {"kdn", {{kT0 + ms, from_kdn(back, syn_ack)}, {kT0 + 3 * ms, from_kdn(back, answer)}}}})
                .exit_code,
            0);
  EXPECT_EQ(output("kdn").size(), 2u);
  EXPECT_EQ(output("lan").size(), 2u);
  const auto c = counters();
  EXPECT_EQ(c["totals"]["dropped"], 0) << c.dump();
  EXPECT_EQ(c["flows"]["created"], 1);
  const auto flows = of_type(eve(), "flow");
  ASSERT_EQ(flows.size(), 1u);
  const auto& f = flows[0];
  EXPECT_EQ(f["src_ip"], "192.168.10.10");
  EXPECT_EQ(f["src_port"], 40000);
  EXPECT_EQ(f["dest_ip"], "10.20.0.10");
  EXPECT_EQ(f["dest_port"], 8080);
  EXPECT_EQ(f["proto"], "TCP");
  EXPECT_EQ(f["in_iface"], "lan");
  EXPECT_EQ(f["policy"]["out_iface"], "kdn");
  EXPECT_EQ(f["policy"]["rule"], "lan-to-kdn");
  EXPECT_EQ(f["flow"]["pkts_toserver"], 2);
  EXPECT_EQ(f["flow"]["pkts_toclient"], 2);
  EXPECT_EQ(f["flow"]["state"], "established");
  EXPECT_EQ(f["flow"]["reason"], "shutdown");
  EXPECT_EQ(f["tcp"]["state"], "established");
  EXPECT_EQ(f["flow"]["start"], "2023-11-14T22:13:20.000000+0000");
  EXPECT_EQ(f["flow"]["end"], "2023-11-14T22:13:20.003000+0000");
}

TEST_F(Replay, UnsolicitedInboundAndUnknownMidStreamSegmentsAreDropped) {
  const Tcp ssh{.source_port = 5555, .destination_port = 22};
  Tcp stray{.source_port = 8080,
            .destination_port = 40000,
            .sequence = 9,
            .acknowledgement = 9,
            .flags = tcp_flag::kAck};
  Tcp mid_stream{.source_port = 40002,
                 .destination_port = 8080,
                 .sequence = 1,
                 .acknowledgement = 1,
                 .flags = tcp_flag::kAck};
  ASSERT_EQ(
      replay({{"inet", {{kT0, from_inet({.source = "198.51.100.7", .destination = "192.168.10.10"}, ssh)}}},
              {"kdn", {{kT0 + 1, from_kdn({.source = "10.20.0.10", .destination = "192.168.10.10"}, stray)}}},
              {"lan",
               {{kT0 + 2, from_lan({.source = "192.168.10.10", .destination = "10.20.0.10"}, mid_stream)}}}})
          .exit_code,
      0);
  EXPECT_TRUE(output("lan").empty());
  EXPECT_TRUE(output("kdn").empty());
  const auto c = counters();
  EXPECT_EQ(c["ports"]["inet"]["drops"]["policy_drop"], 1);
  EXPECT_EQ(c["ports"]["kdn"]["drops"]["policy_drop"], 1);
  EXPECT_EQ(c["ports"]["lan"]["drops"]["invalid_tcp_state"], 1) << "allowed service, but no handshake seen";
  EXPECT_EQ(c["flows"]["created"], 0);
  const auto drops = drop_records("policy_drop");
  ASSERT_EQ(drops.size(), 2u);
  EXPECT_EQ(drops[0]["in_iface"], "inet");
  EXPECT_EQ(drops[0]["dest_port"], 22);
  EXPECT_EQ(drops[0]["drop"]["policy_rule"], "default");
  EXPECT_FALSE(drops[0].contains("flow_id")) << "no tracked connection";
}

std::string community_id_of(const char* source, const char* destination, uint8_t protocol, uint16_t sport,
                            uint16_t dport) {
  uint8_t s[4], d[4];
  inet_pton(AF_INET, source, s);
  inet_pton(AF_INET, destination, d);
  char out[dataplane::kCommunityIdLength];
  return std::string(out, dataplane::community_id({false, protocol, s, d, sport, dport}, out));
}

// What a SIEM collecting from a fleet joins on: the box (`host`), the flow (`flow_id`, also on drops of its
// packets) and the connection across sensors (`community_id`).
TEST_F(Replay, RecordsNameTheBoxTheFlowAndTheConnection) {
  const Ipv4 out{.source = "192.168.10.10", .destination = "10.20.0.10"};
  const Ipv4 back{.source = "10.20.0.10", .destination = "192.168.10.10"};
  const Tcp syn{.source_port = 40000, .destination_port = 8080, .sequence = 100};
  const Tcp wrong_syn_ack{.source_port = 8080,
                          .destination_port = 40000,
                          .sequence = 5000,
                          .acknowledgement = 7777,  // not the SYN's sequence + 1: tracking refuses it
                          .flags = tcp_flag::kSyn | tcp_flag::kAck};
  const uint64_t ms = 1'000'000;
  ASSERT_EQ(
      replay({{"lan", {{kT0, from_lan(out, icmp_echo_request(7, 1))}, {kT0 + 2 * ms, from_lan(out, syn)}}},
              {"kdn",
               {{kT0 + ms, from_kdn(back, icmp_echo_reply(7, 1))},
                {kT0 + 3 * ms, from_kdn(back, wrong_syn_ack)}}}})
          .exit_code,
      0);
  const auto records = eve();
  ASSERT_FALSE(records.empty());
  for (const auto& r : records) EXPECT_EQ(r.value("host", ""), "torwart-default") << r.dump();
  EXPECT_EQ(of_type(records, "stats").size(), 1u);
  const auto flows = of_type(records, "flow");
  ASSERT_EQ(flows.size(), 2u);
  const auto& ping = flows[0]["proto"] == "ICMP" ? flows[0] : flows[1];
  const auto& tcp = flows[0]["proto"] == "ICMP" ? flows[1] : flows[0];
  // A replay's ids start at 1 (base 0), so its output stays reproducible.
  EXPECT_EQ(ping["flow_id"], 1);
  EXPECT_EQ(tcp["flow_id"], 2);
  EXPECT_EQ(ping["icmp_type"], 8);
  EXPECT_EQ(ping["icmp_code"], 0);
  EXPECT_EQ(ping["response_icmp_type"], 0);
  EXPECT_EQ(ping["response_icmp_code"], 0);
  EXPECT_FALSE(ping.contains("src_port")) << "the echo identifier is no port";
  EXPECT_EQ(ping["community_id"], community_id_of("192.168.10.10", "10.20.0.10", 1, 8, 0));
  EXPECT_EQ(ping["community_id"], community_id_of("10.20.0.10", "192.168.10.10", 1, 0, 0));
  EXPECT_EQ(tcp["community_id"], community_id_of("192.168.10.10", "10.20.0.10", 6, 40000, 8080));
  EXPECT_FALSE(tcp.contains("icmp_type"));
  const auto drops = of_type(records, "drop");
  ASSERT_EQ(drops.size(), 1u);
  EXPECT_EQ(drops[0]["flow_id"], tcp["flow_id"]) << drops[0].dump();
}

TEST_F(Replay, ARejectRuleAnswersWithAReset) {
  const Tcp smtp{.source_port = 40001, .destination_port = 25, .sequence = 7};
  ASSERT_EQ(
      replay({{"lan", {{kT0, from_lan({.source = "192.168.10.10", .destination = "198.51.100.25"}, smtp)}}}})
          .exit_code,
      0);
  EXPECT_TRUE(output("inet").empty());
  const auto lan = output("lan");
  ASSERT_EQ(lan.size(), 1u);
  const Bytes& rst = lan[0].bytes;
  EXPECT_EQ(mac_at(rst, 0), kClientMac);
  EXPECT_EQ(ipv4_at(rst, 26), "198.51.100.25");
  EXPECT_EQ(ipv4_at(rst, 30), "192.168.10.10");
  EXPECT_EQ(be16(rst, 34), 25);
  EXPECT_EQ(be16(rst, 36), 40001);
  EXPECT_EQ(be32(rst, 42), 8u) << "acknowledges the SYN";
  EXPECT_EQ(rst[47] & (tcp_flag::kRst | tcp_flag::kAck), tcp_flag::kRst | tcp_flag::kAck);
  const auto c = counters();
  EXPECT_EQ(c["ports"]["lan"]["drops"]["policy_reject"], 1);
  EXPECT_EQ(c["tcp_resets_sent"], 1);
  const auto rejects = drop_records("policy_reject");
  ASSERT_EQ(rejects.size(), 1u);
  EXPECT_EQ(rejects[0]["drop"]["policy_rule"], "lan-smtp-to-inet");
}

// RFC 4890 under default deny: a router's packet-too-big about an allowed IPv6 connection reaches the client
// (path MTU discovery), one about a connection the box never saw does not.
TEST_F(Replay, PacketTooBigPassesForAnAllowedIpv6ConnectionOnly) {
  const Ipv6 out{.source = "2001:db8:10::10", .destination = "2001:db8:f000::10"};
  const Tcp syn{.source_port = 40000, .destination_port = 443, .sequence = 1};
  const Tcp other{.source_port = 40001, .destination_port = 443, .sequence = 1};
  const auto too_big = [&](const Tcp& quoted) {
    return ipv6_frame({.source = kInetGatewayMac, .destination = kInetMac},
                      {.source = "2001:db8:f00::1", .destination = "2001:db8:10::10"},
                      icmpv6_error(2, 0, ipv6_datagram(out, quoted)));
  };
  ASSERT_EQ(replay({{"lan", {{kT0, ipv6_frame({.source = kClientMac, .destination = kLanMac}, out, syn)}}},
                    {"inet", {{kT0 + 1, too_big(syn)}, {kT0 + 2, too_big(other)}}}})
                .exit_code,
            0);
  EXPECT_EQ(output("inet").size(), 1u);  // the SYN
  const auto lan = output("lan");
  ASSERT_EQ(lan.size(), 1u);
  EXPECT_EQ(lan[0].ns, kT0 + 1);
  EXPECT_EQ(lan[0].bytes[14 + 40], 2) << "ICMPv6 packet too big";
  EXPECT_EQ(counters()["ports"]["inet"]["drops"]["unrelated_icmp_error"], 1);
}

TEST_F(Replay, IcmpErrorsPassOnlyForConnectionsTheBoxTracks) {
  const Ipv4 query_ip{.source = "192.168.10.10", .destination = "198.51.100.53"};
  const Udp query{.source_port = 40000, .destination_port = 53};
  const Bytes error = from_inet({.source = "198.51.100.53", .destination = "192.168.10.10"},
                                icmp_error(3, 3, ipv4_datagram(query_ip, query)));
  ASSERT_EQ(
      replay({{"inet", {{kT0, error}, {kT0 + 2, error}}}, {"lan", {{kT0 + 1, from_lan(query_ip, query)}}}})
          .exit_code,
      0);
  EXPECT_EQ(output("inet").size(), 1u);  // the query
  const auto lan = output("lan");
  ASSERT_EQ(lan.size(), 1u) << "only the error that came after the query";
  EXPECT_EQ(lan[0].ns, kT0 + 2);
  EXPECT_EQ(lan[0].bytes[34], 3);
  EXPECT_EQ(counters()["ports"]["inet"]["drops"]["unrelated_icmp_error"], 1);
}

// A mirror port's copies are inspected and discarded: a drop signature only alerts, nothing leaves any
// port, the connection is tracked and logged, and no drop is counted.
TEST_F(Replay, AMirrorPortIsInspectedNeverForwarded) {
  std::string text(config::default_config_text());
  text.insert(text.find("zones:\n") + 7, "  - name: mon\n");
  text.insert(text.find("ports:\n") + 7, "  - name: mon\n    role: mirror\n    backend: null\n");
  const fs::path rules = dir / "mirror.rules";
  std::ofstream(rules) << "drop http any any -> any any (msg:\"evil path\"; flow:to_server; http.uri; "
                          "content:\"/evil\"; sid:1; rev:1;)\n";
  text += "\nids:\n  rule_files: [" + rules.string() + "]\n  cache_dir: \"\"\n";
  const fs::path config = dir / "mirror.yaml";
  std::ofstream(config) << text;

  // Traffic between two other hosts, as a switch's SPAN port copies it (neither MAC is the box's).
  const Ethernet to_server{.source = "02:00:00:00:aa:01", .destination = "02:00:00:00:aa:02"};
  const Ethernet to_client{.source = "02:00:00:00:aa:02", .destination = "02:00:00:00:aa:01"};
  const Ipv4 out{.source = "172.20.0.5", .destination = "172.20.0.9"};
  const Ipv4 back{.source = "172.20.0.9", .destination = "172.20.0.5"};
  Tcp syn{.source_port = 41000, .destination_port = 80};
  syn.sequence = 100;
  Tcp syn_ack{.source_port = 80, .destination_port = 41000};
  syn_ack.sequence = 7000, syn_ack.acknowledgement = 101, syn_ack.flags = tcp_flag::kSyn | tcp_flag::kAck;
  Tcp ack = syn;
  ack.sequence = 101, ack.acknowledgement = 7001, ack.flags = tcp_flag::kAck;
  Tcp get = ack;
  get.flags = tcp_flag::kAck | tcp_flag::kPsh;
  const std::string request = "GET /evil HTTP/1.1\r\nHost: x.test\r\n\r\n";
  get.payload = Bytes(request.begin(), request.end());
  Tcp after = ack;
  after.sequence = 101 + static_cast<uint32_t>(request.size());
  const uint64_t ms = 1'000'000;
  ASSERT_EQ(replay({{"mon",
                     {{kT0, ipv4_frame(to_server, out, syn)},
                      {kT0 + ms, ipv4_frame(to_client, back, syn_ack)},
                      {kT0 + 2 * ms, ipv4_frame(to_server, out, ack)},
                      {kT0 + 3 * ms, ipv4_frame(to_server, out, get)},
                      {kT0 + 4 * ms, ipv4_frame(to_server, out, after)}}}},
                   "out", config.string())
                .exit_code,
            0)
      << read_text(dir / "stderr.txt");
  for (const char* port : {"lan", "kdn", "inet", "mon"}) EXPECT_TRUE(output(port).empty()) << port;
  const auto c = counters();
  EXPECT_EQ(c["app_layer"]["mirrored_packets"], 5) << c.dump();
  EXPECT_EQ(c["app_layer"]["mirrored_untracked"], 0);
  EXPECT_EQ(c["totals"]["dropped"], 0);
  const auto alerts = of_type(eve(), "alert");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0]["alert"]["signature_id"], 1);
  EXPECT_EQ(alerts[0]["alert"]["action"], "allowed");  // a copy: the drop cannot stop anything
  EXPECT_EQ(alerts[0]["src_ip"], "172.20.0.5");
  const auto flows = of_type(eve(), "flow");
  ASSERT_EQ(flows.size(), 1u);
  EXPECT_EQ(flows[0]["flow"]["alerted"], true);
  EXPECT_EQ(flows[0]["app_proto"], "http");
}

// Neighbour reachability as Linux keeps it: a learned neighbour goes stale 30 s after its last confirmation,
// is probed by unicast once traffic uses it (three probes a second apart), and is forgotten when it does not
// answer: the next packet asks by broadcast again. An answer to a probe makes it reachable again.
class NeighbourAging : public Replay {
 protected:
  static constexpr const char* kHostMac = "02:00:00:00:01:30";
  Bytes host_asks_for_the_box() const {
    return arp_frame({.source = kHostMac, .destination = "ff:ff:ff:ff:ff:ff"},
                     arp_request(kHostMac, "192.168.10.30", "192.168.10.1"));
  }
  Bytes to_host(uint16_t id) const {
    return from_kdn({.source = "10.1.2.3", .destination = "192.168.10.30", .id = id}, Udp{});
  }
  static bool is_arp_request(const Bytes& frame) { return be16(frame, 12) == 0x0806 && be16(frame, 20) == 1; }
};

TEST_F(NeighbourAging, AStaleNeighbourInUseIsProbedThenForgotten) {
  std::vector<Packet> kdn;
  const uint64_t times[] = {40'000, 41'000, 42'100, 43'200, 44'300};  // milliseconds after kT0
  for (uint16_t i = 0; i < 5; ++i) kdn.push_back({kT0 + times[i] * 1'000'000ull, to_host(i)});
  ASSERT_EQ(
      replay({{"lan", {{kT0, host_asks_for_the_box()}}}, {"kdn", kdn}}, "out", permissive_config()).exit_code,
      0);
  unsigned unicast_probes = 0, broadcast_requests = 0, forwarded = 0;
  for (const auto& p : output("lan")) {
    if (is_arp_request(p.bytes)) {
      EXPECT_EQ(ipv4_at(p.bytes, 38), "192.168.10.30");
      if (mac_at(p.bytes, 0) == kHostMac) {
        ++unicast_probes;
        EXPECT_LT(p.ns, kT0 + times[4] * 1'000'000ull);
      } else {
        ++broadcast_requests;
        EXPECT_EQ(p.ns, kT0 + times[4] * 1'000'000ull);  // only once the probes went unanswered
      }
    } else if (be16(p.bytes, 12) == 0x0800) {
      ++forwarded;
      EXPECT_EQ(mac_at(p.bytes, 0), kHostMac);
    }
  }
  EXPECT_EQ(unicast_probes, 3u);
  EXPECT_EQ(broadcast_requests, 1u);
  EXPECT_EQ(forwarded, 4u);  // the fifth waits for the broadcast's answer
  const auto aging = counters()["neighbour_aging"];
  EXPECT_EQ(aging["went_stale"], 1);
  EXPECT_EQ(aging["probes_sent"], 3);
  EXPECT_EQ(aging["forgotten"], 1);
}

TEST_F(NeighbourAging, AnAnswerToAProbeMakesItReachableAgain) {
  std::vector<Packet> kdn;
  const uint64_t times[] = {40'000, 41'000, 42'100, 43'200, 44'300};
  for (uint16_t i = 0; i < 5; ++i) kdn.push_back({kT0 + times[i] * 1'000'000ull, to_host(i)});
  const Bytes answer = arp_frame({.source = kHostMac, .destination = kLanMac},
                                 arp_reply(kHostMac, "192.168.10.30", kLanMac, "192.168.10.1"));
  ASSERT_EQ(
      replay({{"lan", {{kT0, host_asks_for_the_box()}, {kT0 + 41'500'000'000ull, answer}}}, {"kdn", kdn}},
             "out", permissive_config())
          .exit_code,
      0);
  unsigned arp_requests = 0, forwarded = 0;
  for (const auto& p : output("lan")) {
    if (is_arp_request(p.bytes)) ++arp_requests;
    if (be16(p.bytes, 12) == 0x0800) ++forwarded;
  }
  EXPECT_EQ(arp_requests, 1u);  // the first probe, answered
  EXPECT_EQ(forwarded, 5u);
  EXPECT_EQ(counters()["neighbour_aging"]["forgotten"], 0);
}

}  // namespace
}  // namespace torwart::test
