// The `torwart` program as an operator uses it: exit codes, messages, and a live appliance on virtual
// ports (null, ring, tap) driven over its control socket. Needs root for the tap port.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "dataplane/lab/process.hpp"

namespace torwart {
namespace {

namespace fs = std::filesystem;
using lab::Argv;
using lab::run_command;
using std::chrono::milliseconds;

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/torwart-cli-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string write(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
  return path.string();
}

lab::CommandResult torwart(const Argv& args, milliseconds timeout = milliseconds(20000)) {
  Argv argv{TORWART_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, timeout);
}

std::string appliance_config(const fs::path& dir, const std::string& extra_route = "") {
  return "name: cli-test\n"
         "dataplane:\n"
         "  workers: 2\n"
         "  cpus: [0, 1]\n"
         "  control_socket: " +
         (dir / "control.sock").string() +
         "\n"
         "zones: [{name: a}, {name: b}, {name: c}]\n"
         "ports:\n"
         "  - {name: a, backend: null, zone: a, addresses: [10.1.0.1/24]}\n"
         "  - {name: b, backend: ring, zone: b, addresses: [10.2.0.1/24]}\n"
         "  - {name: c, backend: tap, device: twcli" +
         std::to_string(::getpid() % 10000) + ", zone: c, addresses: [10.3.0.1/24]}\n" + extra_route;
}

TEST(TorwartCli, HelpDescribesEverySubcommandAndTheExitCodes) {
  auto result = torwart({"--help"});
  EXPECT_EQ(result.exit_code, 0);
  for (const char* word : {"run", "check", "replay", "lab", "status", "stats", "reload", "EXIT CODES"}) {
    EXPECT_NE(result.output.find(word), std::string::npos) << word;
  }
  EXPECT_EQ(torwart({"replay", "--help"}).exit_code, 0);
}

// The README shows `torwart pipeline`'s output verbatim after the line "<!-- torwart pipeline -->"; the
// order lives once in code (dataplane/pipeline/stages.hpp), so the README cannot drift from it unnoticed.
TEST(TorwartCli, PipelinePrintsTheStagesAsTheReadmeShowsThem) {
  auto result = torwart({"pipeline"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  std::ifstream readme(TORWART_README);
  std::string line;
  while (std::getline(readme, line) && line != "<!-- torwart pipeline -->") {
  }
  ASSERT_TRUE(readme) << "README.md has no \"<!-- torwart pipeline -->\" marker";
  std::getline(readme, line);
  ASSERT_EQ(line, "```") << "the marker is followed by a code block";
  std::string shown;
  while (std::getline(readme, line) && line != "```") shown += line + "\n";
  EXPECT_EQ(shown, result.output) << "README.md's stage list differs from `torwart pipeline`";
  EXPECT_LT(result.output.find("  ingress"), result.output.find("  route"));
  EXPECT_LT(result.output.find("  policy"), result.output.find("  applayer"));
}

TEST(TorwartCli, VersionNamesTheProjectVersion) {
  auto result = torwart({"--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output.rfind("torwart " TORWART_VERSION, 0), 0u) << result.output;
}

TEST(TorwartCli, UnknownSubcommandAndMissingArgumentsAreBadInput) {
  EXPECT_EQ(torwart({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(torwart({"check"}).exit_code, 2);
  EXPECT_EQ(torwart({"replay", "-l", "/tmp/x"}).exit_code, 2);
}

TEST(TorwartCli, CheckAcceptsTheDefaultAndNamesFileLineAndPathOfEveryError) {
  TempDir dir;
  auto ok = torwart({"check", "-c", write(dir.path() / "ok.yaml", appliance_config(dir.path()))});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  const std::string bad = write(dir.path() / "bad.yaml",
                                "zones: [{name: lan}]\n"
                                "ports:\n"
                                "  - name: lan\n"
                                "    backend: af_packet\n"
                                "    addresses: [192.168.1.300/24]\n");
  auto result = torwart({"check", "-c", bad});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find(bad + ":3:5: ports[0].device: backend af_packet needs a device"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find(bad + ":5:17: ports[0].addresses[0]"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("2 errors; configuration refused"), std::string::npos) << result.output;
  EXPECT_EQ(torwart({"check", "-c", (dir.path() / "missing.yaml").string()}).exit_code, 2);
}

// A rule that would expand beyond the classifier's per-rule cap: `run` refuses it, so `check` must too.
TEST(TorwartCli, CheckRefusesAPolicyRuleTheClassifierWouldRefuse) {
  TempDir dir;
  std::string services, prefixes;
  for (int i = 0; i < 70; ++i) services += (i ? ", " : "") + std::string("tcp/") + std::to_string(1000 + i);
  for (int i = 0; i < 70; ++i)
    prefixes += (i ? ", " : "") + std::string("10.9.") + std::to_string(i) + ".0/24";
  const std::string config =
      appliance_config(dir.path()) +
      "objects:\n"
      "  addresses: [{name: many, members: [" +
      prefixes +
      "]}]\n"
      "  services: [{name: lots, members: [" +
      services +
      "]}]\n"
      "policy:\n"
      "  rules:\n"
      "    - {name: too-wide, from: [a], to: [b], destination: [many], service: [lots], action: accept}\n";
  auto result = torwart({"check", "-c", write(dir.path() / "wide.yaml", config)});
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("policy rule 'too-wide': expands into 4900 classifier entries"),
            std::string::npos)
      << result.output;
}

TEST(TorwartCli, ControlCommandsFailClearlyWithoutARunningAppliance) {
  auto result = torwart({"status", "-s", "/tmp/torwart-no-such-socket"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("cannot reach torwart run"), std::string::npos) << result.output;
}

class LiveAppliance : public testing::Test {
 protected:
  void SetUp() override {
    config_ = write(dir_.path() / "torwart.yaml", appliance_config(dir_.path()));
    socket_ = (dir_.path() / "control.sock").string();
    appliance_ =
        lab::BackgroundProcess({TORWART_BINARY, "run", "-c", config_, "-l", (dir_.path() / "log").string()},
                               (dir_.path() / "run.log").string());
    for (int i = 0; i < 100 && !fs::exists(socket_); ++i) std::this_thread::sleep_for(milliseconds(100));
    ASSERT_TRUE(fs::exists(socket_)) << log();
  }
  void TearDown() override { appliance_.stop(); }

  std::string log() const {
    std::ifstream in(dir_.path() / "run.log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  nlohmann::json json_of(const Argv& args) {
    auto result = torwart(args);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return nlohmann::json::parse(result.output);
  }

  TempDir dir_;
  std::string config_, socket_;
  lab::BackgroundProcess appliance_;
};

TEST_F(LiveAppliance, StatusShowsEveryPortOnItsBackendAndTheRunningVersion) {
  auto status = json_of({"status", "--json", "-c", config_});
  EXPECT_EQ(status["config_version"], 1);
  EXPECT_EQ(status["workers"], 2);
  EXPECT_EQ(status["distribution"], "software");
  ASSERT_EQ(status["ports"].size(), 3u);
  EXPECT_EQ(status["ports"][0]["driver"], "net_null");
  EXPECT_EQ(status["ports"][1]["driver"], "net_ring");
  EXPECT_EQ(status["ports"][2]["driver"], "net_tap");
  EXPECT_EQ(status["ports"][0]["addresses"], nlohmann::json::array({"10.1.0.1/24"}));
  EXPECT_EQ(status["config_digest"].get<std::string>().size(), 64u);
  auto table = torwart({"status", "-s", socket_});
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_NE(table.output.find("net_tap"), std::string::npos);
  EXPECT_NE(table.output.find("10.3.0.1/24"), std::string::npos) << table.output;
}

TEST_F(LiveAppliance, StatsCountTheNullPortsGarbageAsDecodeDrops) {
  std::this_thread::sleep_for(milliseconds(300));
  auto stats = json_of({"stats", "--json", "-s", socket_});
  // net_null receives zero-filled 64-byte frames: EtherType 0 is no protocol torwart forwards.
  EXPECT_GT(stats["ports"]["a"]["rx_packets"].get<uint64_t>(), 0u);
  EXPECT_GT(stats["ports"]["a"]["drops"]["unsupported_ethertype"].get<uint64_t>(), 0u);
  EXPECT_EQ(stats["ports"]["a"]["tx_packets"], 0);
  EXPECT_EQ(stats["workers"].size(), 2u);
}

TEST_F(LiveAppliance, ReloadSwapsValidConfigurationsAndRefusesTheRest) {
  const std::string next =
      write(dir_.path() / "next.yaml",
            appliance_config(dir_.path(), "routes: [{to: 172.16.0.0/12, via: 10.1.0.254}]\n"));
  auto applied = torwart({"reload", "-c", next});
  EXPECT_EQ(applied.exit_code, 0) << applied.output;
  EXPECT_EQ(json_of({"status", "--json", "-s", socket_})["config_version"], 2);

  auto versioned = torwart({"reload", "-c", next, "--config-version", "10"});
  EXPECT_EQ(versioned.exit_code, 0) << versioned.output;
  EXPECT_EQ(json_of({"status", "--json", "-s", socket_})["config_version"], 10);
  EXPECT_EQ(torwart({"reload", "-c", next, "--config-version", "5"}).exit_code, 2) << "versions only go up";

  // Invalid text never reaches the fast path; the CLI refuses it before sending.
  auto invalid = torwart({"reload", "-c", write(dir_.path() / "bad.yaml", "ports: 7\n")});
  EXPECT_EQ(invalid.exit_code, 2);
  // A change that needs the ports set up again is refused by the fast path itself.
  std::string moved = appliance_config(dir_.path());
  moved.replace(moved.find("backend: null"), 13, "backend: ring");
  auto restart = torwart({"reload", "-c", write(dir_.path() / "moved.yaml", moved)});
  EXPECT_EQ(restart.exit_code, 2);
  EXPECT_NE(restart.output.find("needs a restart"), std::string::npos) << restart.output;
  EXPECT_EQ(json_of({"status", "--json", "-s", socket_})["config_version"], 10)
      << "the running version stays";
}

TEST_F(LiveAppliance, GarbageOnTheControlSocketIsAnsweredNotFatal) {
  auto result = run_command({"socat", "-t", "2", "-", "UNIX-CONNECT:" + socket_}, milliseconds(5000));
  (void)result;  // socat with empty stdin: a connection that says nothing and leaves
  auto reply = run_command({"sh", "-c", "printf 'not json\\n' | socat -t 2 - UNIX-CONNECT:" + socket_},
                           milliseconds(5000));
  EXPECT_NE(reply.output.find("\"ok\":false"), std::string::npos) << reply.output;
  EXPECT_NE(reply.output.find("not JSON"), std::string::npos) << reply.output;
  auto unknown = run_command(
      {"sh", "-c", "printf '{\"command\":\"explode\"}\\n' | socat -t 2 - UNIX-CONNECT:" + socket_},
      milliseconds(5000));
  EXPECT_NE(unknown.output.find("unknown command"), std::string::npos) << unknown.output;
  EXPECT_EQ(json_of({"status", "--json", "-s", socket_})["config_version"], 1) << "still serving";
  auto stats = json_of({"stats", "--json", "-s", socket_});
  EXPECT_GE(stats["control_requests_rejected"].get<uint64_t>(), 2u);
}

// The kernel mirror's message at the fast path's edge: a valid state becomes routes with their origin under
// the running version; a malformed one is named, counted and changes nothing.
TEST_F(LiveAppliance, LearnedStateIsMergedAndBadStateIsRefusedWithItsPlace) {
  auto send = [&](const std::string& line) {
    return run_command({"sh", "-c", "printf '%s\\n' '" + line + "' | socat -t 2 - UNIX-CONNECT:" + socket_},
                       milliseconds(5000))
        .output;
  };
  const std::string good =
      R"({"command":"learned","generation":3,"routes":[{"to":"172.20.0.0/16","via":"10.1.0.7","interface":"a",)"
      R"("metric":0,"origin":"boot"},{"to":"10.9.0.0/16","via":"10.77.0.1","interface":"a","metric":0,)"
      R"("origin":"zebra"}]})";
  const std::string answer = send(good);
  EXPECT_NE(answer.find("\"ok\":true"), std::string::npos) << answer;
  auto status = json_of({"status", "--json", "-s", socket_});
  EXPECT_EQ(status["config_version"], 1) << "the same version, rebuilt";
  EXPECT_EQ(status["learned"]["generation"], 3);
  EXPECT_EQ(status["learned"]["routes_taken"], 1);
  ASSERT_EQ(status["learned"]["not_taken"].size(), 1u) << status.dump();
  EXPECT_EQ(status["learned"]["not_taken"][0]["reason"], "gateway 10.77.0.1 is on no connected network of a");
  bool found = false;
  for (const auto& r : status["routes"]) {
    if (r["to"] == "172.20.0.0/16") {
      found = true;
      EXPECT_EQ(r["origin"], "kernel boot");
      EXPECT_EQ(r["via"], "10.1.0.7");
    }
  }
  EXPECT_TRUE(found) << status["routes"].dump();

  const std::string bad =
      send(R"({"command":"learned","generation":4,"routes":[{"to":"172.21.0.0/16","via":"10.1.0")"
           R"(,"interface":"a","metric":0,"origin":"boot"}]})");
  EXPECT_NE(bad.find("routes[0].via: '10.1.0' is not an address"), std::string::npos) << bad;
  const std::string stale = send(R"({"command":"learned","generation":2})");
  EXPECT_NE(stale.find("generation 2 is not above the running 3"), std::string::npos) << stale;
  status = json_of({"status", "--json", "-s", socket_});
  EXPECT_EQ(status["learned"]["generation"], 3) << "the refused ones changed nothing";
  EXPECT_EQ(status["learned"]["refused_messages"], 2);
  EXPECT_EQ(status["learned"]["routes_taken"], 1);

  // A reload keeps what was learned: the new configuration is merged with it.
  ASSERT_EQ(torwart({"reload", "-c",
                     write(dir_.path() / "v2.yaml",
                           appliance_config(dir_.path(), "routes: [{to: 192.0.2.0/24, via: 10.2.0.9}]\n"))})
                .exit_code,
            0);
  status = json_of({"status", "--json", "-s", socket_});
  EXPECT_EQ(status["config_version"], 2);
  EXPECT_EQ(status["learned"]["routes_taken"], 1) << status.dump();
}

TEST_F(LiveAppliance, SigtermStopsCleanlyAndWritesTheFinalStatsRecord) {
  const auto status = appliance_.stop(milliseconds(10000));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0) << log();
  std::ifstream eve(dir_.path() / "log" / "eve.json");
  std::string line, last;
  while (std::getline(eve, line)) last = line;
  auto record = nlohmann::json::parse(last);
  EXPECT_EQ(record["event_type"], "stats");
  EXPECT_EQ(record["host"], "cli-test") << "every record names the box";
  EXPECT_GT(record["stats"]["decoder"]["pkts"].get<uint64_t>(), 0u);
  EXPECT_FALSE(fs::exists(socket_)) << "the socket is removed on exit";
}

}  // namespace
}  // namespace torwart
