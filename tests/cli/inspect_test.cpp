// `torwart inspect` from the outside: records of a real capture, deterministic output, pseudonymised
// addresses, bad input. Reads the nDPI captures in ../shared/captures/ndpi (TORWART_NDPI_CAPTURES).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "dataplane/eve/community_id.hpp"
#include "dataplane/lab/process.hpp"

namespace torwart {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;

struct TempDir {
  TempDir() {
    char pattern[] = "/tmp/torwart-inspect-XXXXXX";
    path = ::mkdtemp(pattern);
  }
  ~TempDir() { fs::remove_all(path); }
  fs::path path;
};

std::string capture(const std::string& name) {
  return std::string(TORWART_NDPI_CAPTURES) + "/pcap/" + name;
}

lab::CommandResult inspect(const lab::Argv& args) {
  lab::Argv argv{TORWART_BINARY, "inspect"};
  argv.insert(argv.end(), args.begin(), args.end());
  return lab::run_command(argv, milliseconds(60000));
}

std::vector<json> records(const fs::path& dir) {
  std::vector<json> out;
  std::ifstream in(dir / "eve.json");
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

uint32_t v4(const std::string& text) {
  unsigned a, b, c, d;
  EXPECT_EQ(std::sscanf(text.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d), 4) << text;
  return a << 24 | b << 16 | c << 8 | d;
}

unsigned common_prefix(uint32_t x, uint32_t y) {
  const uint32_t diff = x ^ y;
  return diff == 0 ? 32u : static_cast<unsigned>(__builtin_clz(diff));
}

// TCP over IPv4.
std::string community_id_of(const std::string& source, const std::string& destination, uint16_t sport,
                            uint16_t dport) {
  uint8_t s[4], d[4];
  EXPECT_EQ(inet_pton(AF_INET, source.c_str(), s), 1);
  EXPECT_EQ(inet_pton(AF_INET, destination.c_str(), d), 1);
  char out[dataplane::kCommunityIdLength];
  return std::string(out, dataplane::community_id({false, 6, s, d, sport, dport}, out));
}

TEST(TorwartInspect, AnHttpCaptureGivesItsHttpAndFlowRecordsTheSameWayEveryTime) {
  TempDir dir;
  ASSERT_TRUE(inspect({"-r", capture("http.pcapng"), "-l", (dir.path / "a").string()}).ok());
  ASSERT_TRUE(inspect({"-r", capture("http.pcapng"), "-l", (dir.path / "b").string()}).ok());
  EXPECT_EQ(read(dir.path / "a/eve.json"), read(dir.path / "b/eve.json"));
  bool http = false, flow = false;
  for (const json& r : records(dir.path / "a")) {
    if (r["event_type"] == "http") {
      http = true;
      EXPECT_EQ(r["http"]["hostname"], "google.com");
      EXPECT_EQ(r["http"]["status"], 301);
      EXPECT_EQ(r["http"]["http_user_agent"], "curl/7.68.0");
      EXPECT_EQ(r["src_ip"], "192.168.1.128");
    }
    if (r["event_type"] == "flow") {
      flow = true;
      EXPECT_EQ(r["app_proto"], "http");
    }
  }
  EXPECT_TRUE(http && flow);
}

TEST(TorwartInspect, PseudonymisedAddressesKeepTheirCommonPrefixAndMatchAcrossRecords) {
  TempDir dir;
  const std::string key = (dir.path / "pseudonym.key").string();
  std::ofstream(key) << "00112233445566778899aabbccddeeff\n";
  const std::string config = (dir.path / "p.yaml").string();
  std::ofstream(config) << "zones: [{name: lan}]\nports: [{name: lan, zone: lan, backend: null}]\nlogging: "
                           "{pseudonymise: {key_file: "
                        << key << "}}\n";
  ASSERT_TRUE(inspect({"-c", config, "-r", capture("http.pcapng"), "-l", dir.path.string()}).ok());
  std::set<std::string> clients;
  std::string server;
  for (const json& r : records(dir.path)) {
    if (r["event_type"] != "http" && r["event_type"] != "flow") continue;
    clients.insert(r["src_ip"]);
    server = r["dest_ip"];
  }
  ASSERT_EQ(clients.size(), 1u) << "one client, one pseudonym in every record";
  // The community id is that of the pseudonyms: one over the real addresses would give them away to anyone
  // who tries the addresses of the networks the box protects.
  size_t with_community = 0;
  for (const json& r : records(dir.path)) {
    if (!r.contains("community_id") || r["proto"] != "TCP") continue;
    ++with_community;
    const uint16_t sport = r["src_port"], dport = r["dest_port"];
    EXPECT_EQ(r["community_id"], community_id_of(r["src_ip"], r["dest_ip"], sport, dport)) << r.dump();
    EXPECT_NE(r["community_id"], community_id_of("192.168.1.128", "216.58.208.142", sport, dport));
  }
  EXPECT_GE(with_community, 2u) << "the http and the flow record";
  const std::string client = *clients.begin();
  EXPECT_NE(client, "192.168.1.128");
  EXPECT_NE(server, "216.58.208.142");
  // 192.168.1.128 and 216.58.208.142 share their first 3 bits, and so must their pseudonyms.
  EXPECT_EQ(common_prefix(v4(client), v4(server)), common_prefix(v4("192.168.1.128"), v4("216.58.208.142")));
}

TEST(TorwartInspect, TlsAndDnsCapturesGiveTheirRecords) {
  TempDir dir;
  ASSERT_TRUE(inspect({"-r", capture("tls_long_cert.pcap"), "-l", (dir.path / "tls").string()}).ok());
  ASSERT_TRUE(inspect({"-r", capture("dns_long_domainname.pcap"), "-l", (dir.path / "dns").string()}).ok());
  bool tls = false, dns = false;
  for (const json& r : records(dir.path / "tls")) {
    if (r["event_type"] != "tls") continue;
    tls = true;
    EXPECT_EQ(r["tls"]["sni"], "www.repubblica.it");
    EXPECT_EQ(r["tls"]["version"], "TLS 1.2");
    EXPECT_EQ(r["tls"]["subject"], "C=IT, ST=Roma, L=Roma, O=GEDI Digital S.r.l., CN=www.repstatic.it");
    EXPECT_EQ(r["tls"]["ja3"]["hash"].get<std::string>().size(), 32u);
  }
  for (const json& r : records(dir.path / "dns")) {
    if (r["event_type"] == "dns") dns = true;
  }
  EXPECT_TRUE(tls && dns);
}

// A capture of one UDP datagram and a second record cut short, written byte by byte (no ../shared needed).
std::string cut_capture(const fs::path& path) {
  std::string bytes;
  auto u32 = [&](uint32_t v) { bytes.append(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](uint16_t v) { bytes.append(reinterpret_cast<const char*>(&v), 2); };
  u32(0xa1b2c3d4), u16(2), u16(4), u32(0), u32(0), u32(65535), u32(101);  // raw IP
  const std::string datagram(
      "\x45\x00\x00\x1c\x00\x01\x00\x00\x40\x11\x00\x00\x0a\x00\x00\x01"
      "\x0a\x00\x00\x02\x04\xd2\x00\x35\x00\x08\x00\x00",
      28);
  u32(1700000000), u32(0), u32(28), u32(28);
  bytes += datagram;
  u32(1700000001), u32(0), u32(28), u32(28);
  bytes += datagram.substr(0, 9);
  std::ofstream(path, std::ios::binary) << bytes;
  return path.string();
}

TEST(TorwartInspect, ADamagedCaptureIsInspectedUpToTheDamageAndExitsTwo) {
  TempDir dir;
  const std::string input = cut_capture(dir.path / "cut.pcap");
  auto r = inspect({"-r", input, "-l", dir.path.string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("damaged capture, inspected up to the damage: " + input +
                          ": record 2 at byte offset 68: "),
            std::string::npos)
      << r.output;
  const json counters = json::parse(read(dir.path / "counters.json"));
  EXPECT_EQ(counters["packets"], 1);
  EXPECT_NE(counters["damaged_capture"].get<std::string>().find("record 2"), std::string::npos);
  bool flow = false;
  for (const auto& record : records(dir.path)) flow = flow || record["event_type"] == "flow";
  EXPECT_TRUE(flow) << "the datagram before the damage was not inspected";
}

TEST(TorwartInspect, FilesThatNeverEndAreRefusedAtOnce) {
  TempDir dir;
  const std::string input = cut_capture(dir.path / "cut.pcap");
  const auto started = std::chrono::steady_clock::now();
  auto rules = inspect({"-S", "/dev/zero", "-r", input, "-l", dir.path.string()});
  EXPECT_EQ(rules.exit_code, 2);
  EXPECT_NE(rules.output.find("/dev/zero: is a device, not a regular file"), std::string::npos)
      << rules.output;
  auto config = inspect({"-c", "/dev/zero", "-r", input, "-l", dir.path.string()});
  EXPECT_EQ(config.exit_code, 2);
  EXPECT_NE(config.output.find("/dev/zero: cannot read the configuration: is a device, not a regular file"),
            std::string::npos)
      << config.output;
  const std::string fifo = (dir.path / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto capture_fifo = inspect({"-r", fifo, "-l", dir.path.string()});
  EXPECT_EQ(capture_fifo.exit_code, 2);
  EXPECT_NE(capture_fifo.output.find(fifo + ": is a FIFO, not a regular file"), std::string::npos)
      << capture_fifo.output;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
}

TEST(TorwartInspect, BadInputIsNamed) {
  TempDir dir;
  auto missing = inspect({"-r", (dir.path / "none.pcap").string(), "-l", dir.path.string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("none.pcap"), std::string::npos) << missing.output;
  auto signatures = inspect({"-S", "x.rules", "-r", capture("http.pcapng"), "-l", dir.path.string()});
  EXPECT_EQ(signatures.exit_code, 2);
  EXPECT_NE(signatures.output.find("rule file x.rules"), std::string::npos) << signatures.output;
  const std::string config = (dir.path / "bad.yaml").string();
  std::ofstream(config) << "zones: [{name: lan}]\nports: [{name: lan, zone: lan, backend: null}]\n"
                           "logging: {pseudonymise: {key_file: /nonexistent}}\n";
  auto bad_key = inspect({"-c", config, "-r", capture("http.pcapng"), "-l", dir.path.string()});
  EXPECT_EQ(bad_key.exit_code, 2);
  EXPECT_NE(bad_key.output.find("cannot read '/nonexistent'"), std::string::npos) << bad_key.output;
}

}  // namespace
}  // namespace torwart
