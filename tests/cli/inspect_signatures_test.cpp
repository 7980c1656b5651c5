// `torwart inspect -S` on captures this test generates, with the exact alerts expected: a stream signature
// whose content is split across two segments, an HTTP request signature, a response signature that needs
// the request's URI, flowbits across the two directions, a packet signature on UDP, a threshold, and --ips
// turning a drop signature into a blocked alert and dropped packets.
#include <pcap/pcap.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "dataplane/lab/process.hpp"
#include "tests/support/packet_builder.hpp"

namespace torwart::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr uint64_t kSecond = 1'000'000'000ull;
constexpr uint64_t kT0 = 1'764'000'000ull * kSecond;

struct TempDir {
  TempDir() {
    char pattern[] = "/tmp/torwart-sigtest-XXXXXX";
    path = ::mkdtemp(pattern);
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

Bytes text(const std::string& s) {
  return {s.begin(), s.end()};
}

// Frames of one TCP connection client -> server:80, both directions, with sequence numbers kept.
class Conversation {
 public:
  Conversation(std::string client, uint16_t client_port, std::string server, std::vector<Bytes>& frames,
               std::vector<uint64_t>& times)
      : client_(std::move(client)),
        server_(std::move(server)),
        port_(client_port),
        frames_(frames),
        times_(times) {
    send(true, tcp_flag::kSyn, {});
    send(false, tcp_flag::kSyn | tcp_flag::kAck, {});
    send(true, tcp_flag::kAck, {});
  }
  void client_sends(const std::string& data) { send(true, tcp_flag::kAck | tcp_flag::kPsh, text(data)); }
  void server_sends(const std::string& data) { send(false, tcp_flag::kAck | tcp_flag::kPsh, text(data)); }
  void close() {
    send(true, tcp_flag::kFin | tcp_flag::kAck, {});
    send(false, tcp_flag::kFin | tcp_flag::kAck, {});
    send(true, tcp_flag::kAck, {});
  }

 private:
  void send(bool from_client, uint8_t flags, Bytes payload) {
    Ipv4 ip;
    ip.source = from_client ? client_ : server_;
    ip.destination = from_client ? server_ : client_;
    Tcp tcp;
    tcp.source_port = from_client ? port_ : 80;
    tcp.destination_port = from_client ? 80 : port_;
    uint32_t& seq = from_client ? client_seq_ : server_seq_;
    tcp.sequence = seq;
    tcp.acknowledgement = (flags & tcp_flag::kAck) ? (from_client ? server_seq_ : client_seq_) : 0;
    tcp.flags = flags;
    seq += static_cast<uint32_t>(payload.size()) + ((flags & (tcp_flag::kSyn | tcp_flag::kFin)) ? 1 : 0);
    tcp.payload = std::move(payload);
    frames_.push_back(ipv4_frame(Ethernet{}, ip, tcp));
    times_.push_back(kT0 + frames_.size() * 1000);
  }

  std::string client_, server_;
  uint16_t port_;
  uint32_t client_seq_ = 1000, server_seq_ = 5000;
  std::vector<Bytes>& frames_;
  std::vector<uint64_t>& times_;
};

void write_pcap(const fs::path& path, const std::vector<Bytes>& frames, const std::vector<uint64_t>& times) {
  pcap_t* dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
  pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
  ASSERT_NE(dumper, nullptr) << pcap_geterr(dead);
  for (size_t i = 0; i < frames.size(); ++i) {
    pcap_pkthdr header{};
    header.ts.tv_sec = static_cast<time_t>(times[i] / kSecond);
    header.ts.tv_usec = static_cast<suseconds_t>(times[i] % kSecond);
    header.caplen = header.len = static_cast<uint32_t>(frames[i].size());
    pcap_dump(reinterpret_cast<u_char*>(dumper), &header, frames[i].data());
  }
  pcap_dump_close(dumper);
  pcap_close(dead);
}

const char* kRules =
    "alert tcp any any -> any 80 (msg:\"split marker\"; flow:established,to_server; "
    "content:\"EVIL-SPLIT-MARKER\"; "
    "sid:101; rev:1;)\n"
    "alert http any any -> any any (msg:\"admin post\"; flow:to_server; http.method; content:\"POST\"; "
    "http.uri; content:\"/admin\"; startswith; sid:102; rev:2;)\n"
    "alert http any any -> any any (msg:\"admin denied\"; flow:to_client; http.stat_code; content:\"403\"; "
    "http.uri; content:\"/admin\"; sid:103; rev:1;)\n"
    "alert tcp any any -> any 80 (msg:\"login seen\"; flow:to_server; content:\"user=\"; flowbits:set,login; "
    "flowbits:noalert; sid:104;)\n"
    "alert tcp any 80 -> any any (msg:\"welcome after login\"; flow:to_client; content:\"welcome\"; "
    "flowbits:isset,login; sid:105;)\n"
    "alert udp any any -> any 9999 (msg:\"udp probe\"; content:\"PROBE\"; depth:5; "
    "threshold:type limit,track by_src,count 2,seconds 60; sid:106;)\n"
    "drop tcp any 80 -> any any (msg:\"drop download\"; flow:to_client; content:\"MZ-PAYLOAD\"; sid:107;)\n"
    "alert http any any -> any any (msg:\"header names\"; flow:to_server; http.header_names; "
    "content:\"|0d 0a|Host|0d 0a|Content-Length|0d 0a 0d 0a|\"; sid:108;)\n"
    "alert http any any -> any any (msg:\"length\"; flow:to_server; http.content_len; content:\"9\"; "
    "bsize:1; "
    "sid:109;)\n";

struct Case {
  TempDir dir;
  fs::path capture = dir.path / "generated.pcap";
  fs::path rules = dir.path / "test.rules";
};

Case generate() {
  Case c;
  std::ofstream(c.rules) << kRules;
  std::vector<Bytes> frames;
  std::vector<uint64_t> times;
  {
    Conversation a("10.1.0.5", 41000, "192.0.2.80", frames, times);
    a.client_sends("POST /admin/login HTTP/1.1\r\nHost: example.test\r\nContent-Length: 9\r\n\r\nuser=bob&");
    a.server_sends("HTTP/1.1 403 Forbidden\r\nContent-Length: 7\r\n\r\nwelcome");
    a.client_sends("GET /x?EVIL-SPL");
    a.client_sends("IT-MARKER HTTP/1.1\r\nHost: example.test\r\n\r\n");
    a.close();
  }
  {
    Conversation b("10.1.0.6", 41001, "192.0.2.81", frames, times);
    b.client_sends("GET /file HTTP/1.1\r\nHost: example.test\r\n\r\n");
    b.server_sends("HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\nMZ-PAYLOAD");
    b.server_sends("rest of the file ...");
    b.close();
  }
  for (int i = 0; i < 4; ++i) {
    Ipv4 ip;
    ip.source = "10.1.0.7";
    ip.destination = "192.0.2.99";
    Udp udp;
    udp.source_port = static_cast<uint16_t>(50000 + i);
    udp.destination_port = 9999;
    udp.payload = text("PROBE " + std::to_string(i));
    frames.push_back(ipv4_frame(Ethernet{}, ip, udp));
    times.push_back(kT0 + frames.size() * 1000);
  }
  write_pcap(c.capture, frames, times);
  return c;
}

std::vector<json> alerts_of(const fs::path& eve) {
  std::vector<json> out;
  std::ifstream in(eve);
  for (std::string line; std::getline(in, line);) {
    json r = json::parse(line);
    if (r["event_type"] == "alert") out.push_back(r);
  }
  return out;
}

std::vector<json> records_of(const fs::path& eve) {
  std::vector<json> out;
  std::ifstream in(eve);
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

using AlertKey = std::tuple<uint64_t, std::string, uint64_t, std::string>;  // sid, src_ip, dest_port, action

std::multiset<AlertKey> keys_of(const std::vector<json>& alerts) {
  std::multiset<AlertKey> keys;
  for (const json& a : alerts)
    keys.insert(AlertKey{a["alert"]["signature_id"].get<uint64_t>(), a["src_ip"].get<std::string>(),
                         a["dest_port"].get<uint64_t>(), a["alert"]["action"].get<std::string>()});
  return keys;
}

lab::CommandResult inspect(const Case& c, const fs::path& out, bool ips) {
  lab::Argv argv{TORWART_BINARY, "inspect",          "-S", c.rules.string(),
                 "-r",           c.capture.string(), "-l", out.string()};
  if (ips) argv.push_back("--ips");
  return lab::run_command(argv, std::chrono::milliseconds(60000));
}

TEST(InspectSignatures, ExactAlertsOnAGeneratedCapture) {
  const Case c = generate();
  const fs::path out = c.dir.path / "ids";
  const auto r = inspect(c, out, false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto alerts = alerts_of(out / "eve.json");
  const std::multiset<AlertKey> expected = {
      {102, "10.1.0.5", 80, "allowed"},       // POST /admin: method and URI
      {108, "10.1.0.5", 80, "allowed"},       // its header names, in order
      {109, "10.1.0.5", 80, "allowed"},       // its Content-Length value
      {103, "192.0.2.80", 41000, "allowed"},  // the 403 answering it
      {105, "192.0.2.80", 41000, "allowed"},  // "welcome" after the client's "user="
      {101, "10.1.0.5", 80, "allowed"},       // the marker split across two segments, found once
      {107, "192.0.2.81", 41001, "allowed"},  // IDS: a drop signature only alerts
      {106, "10.1.0.7", 9999, "allowed"},     // limit 2 of the four probes
      {106, "10.1.0.7", 9999, "allowed"},
  };
  EXPECT_EQ(keys_of(alerts), expected) << r.output;
  for (const json& a : alerts) {
    EXPECT_EQ(a["alert"]["gid"], 1);
    EXPECT_TRUE(a.contains("flow_id") && a.contains("timestamp") && a.contains("pcap_cnt"));
    if (a["alert"]["signature_id"] == 102) {
      EXPECT_EQ(a["alert"]["rev"], 2);
      EXPECT_EQ(a["alert"]["signature"], "admin post");
      EXPECT_EQ(a["app_proto"], "http");
      EXPECT_EQ(a["proto"], "TCP");
    }
  }
  const json report = json::parse(std::ifstream(out / "signatures.json"));
  EXPECT_EQ(report["summary"]["rules_loaded"], 9);
}

TEST(InspectSignatures, InlineTheDropSignatureBlocksTheRestOfTheFlow) {
  const Case c = generate();
  const fs::path out = c.dir.path / "ips";
  const auto r = inspect(c, out, true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  size_t blocked = 0;
  for (const json& a : alerts_of(out / "eve.json")) {
    if (a["alert"]["signature_id"] != 107) continue;
    EXPECT_EQ(a["alert"]["action"], "blocked");
    EXPECT_EQ(a["verdict"]["action"], "drop");
    ++blocked;
  }
  EXPECT_EQ(blocked, 1u);
  // The dropped packets name the blocked flow; alert, application and flow records of one flow share its
  // community_id; every record names the box (the built-in configuration's name).
  std::map<uint64_t, std::string> community_of_flow;
  uint64_t blocked_flow = 0;
  size_t drops_with_flow = 0, with_community = 0;
  for (const json& record : records_of(out / "eve.json")) {
    EXPECT_EQ(record.value("host", ""), "torwart-default") << record.dump();
    if (record["event_type"] == "alert" && record["alert"]["signature_id"] == 107)
      blocked_flow = record["flow_id"];
    if (!record.contains("community_id")) continue;
    ++with_community;
    const std::string id = record["community_id"];
    EXPECT_EQ(id.size(), 30u);
    EXPECT_EQ(id.substr(0, 2), "1:");
    const auto [at, added] = community_of_flow.emplace(record["flow_id"].get<uint64_t>(), id);
    EXPECT_EQ(at->second, id) << record.dump();
  }
  EXPECT_GT(with_community, community_of_flow.size()) << "several records per flow";
  ASSERT_NE(blocked_flow, 0u);
  for (const json& record : records_of(out / "eve.json")) {
    if (record["event_type"] != "drop" || record["drop"]["reason"] != "signature_drop") continue;
    EXPECT_EQ(record["flow_id"], blocked_flow) << record.dump();
    ++drops_with_flow;
  }
  EXPECT_GT(drops_with_flow, 0u);
  const json counters = json::parse(std::ifstream(out / "counters.json"));
  // The segment with the payload, the rest of the file and the three closing segments of that flow.
  EXPECT_EQ(counters["dropped"], 5) << counters.dump(2);
}

TEST(InspectSignatures, ABrokenRuleIsSkippedWithItsPlaceTheOthersRun) {
  const Case c = generate();
  std::ofstream(c.rules, std::ios::app)
      << "alert tcp any any -> any any (msg:\"broken\"; content:\"x\" sid:200;)\n"
      << "alert tcp any any -> any any (msg:\"no\"; tls.certs; content:\"x\"; "
         "sid:201;)\n";
  const fs::path out = c.dir.path / "broken";
  const auto r = inspect(c, out, false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("test.rules:10:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("sid 201: skipped: engine:"), std::string::npos) << r.output;
  EXPECT_EQ(alerts_of(out / "eve.json").size(), 9u);
  const json report = json::parse(std::ifstream(out / "signatures.json"));
  EXPECT_EQ(report["summary"]["rules_loaded"], 9);
  EXPECT_EQ(report["summary"]["rules_skipped"], 2);
}

TEST(InspectSignatures, AConnectionPickedUpMidstreamIsEstablished) {
  TempDir dir;
  std::ofstream(dir.path / "mid.rules")
      << "alert tcp any any -> any 80 (msg:\"mid\"; flow:established,to_server; content:\"MIDSTREAM-DATA\"; "
         "sid:300;)\n";
  std::vector<Bytes> frames;
  std::vector<uint64_t> times;
  Ipv4 ip;
  ip.source = "10.1.0.8";
  ip.destination = "192.0.2.88";
  Tcp tcp;
  tcp.source_port = 42000;
  tcp.destination_port = 80;
  tcp.sequence = 777;
  tcp.acknowledgement = 888;
  tcp.flags = tcp_flag::kAck | tcp_flag::kPsh;
  tcp.payload = text("GET /MIDSTREAM-DATA HTTP/1.1\r\nHost: m.test\r\n\r\n");
  frames.push_back(ipv4_frame(Ethernet{}, ip, tcp));
  times.push_back(kT0);
  write_pcap(dir.path / "mid.pcap", frames, times);
  auto run = [&](bool midstream) {
    lab::Argv argv{TORWART_BINARY, "inspect",
                   "-S",           (dir.path / "mid.rules").string(),
                   "-r",           (dir.path / "mid.pcap").string(),
                   "-l",           (dir.path / "out").string()};
    if (midstream) argv.push_back("--midstream");
    const auto r = lab::run_command(argv, std::chrono::milliseconds(60000));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return alerts_of(dir.path / "out" / "eve.json").size();
  };
  EXPECT_EQ(run(true), 1u);   // the handshake was before the capture: established
  EXPECT_EQ(run(false), 0u);  // without --midstream the connection is not picked up
}

}  // namespace
}  // namespace torwart::test
