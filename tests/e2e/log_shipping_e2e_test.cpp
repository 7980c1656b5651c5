// Log shipping end to end: torwartd ships an EVE spool under load, its audit log and its system events to
// Debian's rsyslog (gtls, mutual TLS, x509/name) on 127.0.0.1; the receiver is killed and started again,
// torwartd is killed and started again, and every record must arrive, none reordered, counted on both sides
// by its sequence number. The fast path is a stand-in that answers `status` (torwartd adopts the
// configuration from it); the spool is written the way `torwart run` writes it (spool_layout.hpp).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

#include "controlplane/log_shipping/test_certificates.hpp"
#include "dataplane/control_protocol/spool_layout.hpp"
#include "dataplane/lab/process.hpp"
#include "platform/json_lines/json_line_server.hpp"
#include "rules/config/config_digest.hpp"
#include "tests/e2e/e2e_support.hpp"
#include "tests/e2e/rsyslog_receiver.hpp"

namespace torwart::lab::e2e {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

// `torwart run`'s control socket as far as torwartd needs it without --kernel-mirror: status and reload.
class StandInFastPath {
 public:
  StandInFastPath(const std::string& socket, const std::string& text)
      : digest_(config::config_digest(text)),
        server_(io_, socket, 0600, 1 << 20,
                {[this](const json& request, const platform::PeerCredentials&) { return answer(request); },
                 [](const std::string& reason) {
                   return json{{"protocol", 1}, {"ok", false}, {"error", reason}};
                 },
                 {}}),
        thread_([this] { io_.run(); }) {}
  ~StandInFastPath() {
    io_.stop();
    thread_.join();
  }

 private:
  json answer(const json& request) {
    const std::string command = request.value("command", "");
    if (command == "status")
      return {{"protocol", 1},
              {"ok", true},
              {"result", {{"config_version", version_}, {"config_digest", digest_}, {"pid", ::getpid()}}}};
    if (command == "reload") {
      version_ = request.value("config_version", version_);
      digest_ = config::config_digest(request.value("config", ""));
      return {{"protocol", 1}, {"ok", true}, {"result", json::object()}};
    }
    return {{"protocol", 1}, {"ok", false}, {"error", "the stand-in knows status and reload only"}};
  }

  uint64_t version_ = 1;
  std::string digest_;
  boost::asio::io_context io_;
  platform::JsonLineServer server_;
  std::thread thread_;
};

// Writes EVE records into the spool as `torwart run` does: appended to eve.json, sometimes in two writes a
// moment apart (a half-written last line), renamed to eve-<UTC time>-<n>.json every `per_file` records.
class EveLoad {
 public:
  EveLoad(std::string spool, int per_second, int total, int per_file)
      : spool_(std::move(spool)), thread_([=, this] { run(per_second, total, per_file); }) {}
  ~EveLoad() { thread_.join(); }
  int written() const { return written_.load(); }
  bool done() const { return done_.load(); }

 private:
  void run(int per_second, int total, int per_file) {
    const auto start = Clock::now();
    int in_file = 0, rotations = 0;
    FILE* file = std::fopen((spool_ + "/eve.json").c_str(), "a");
    for (int n = 0; n < total; ++n) {
      char stamp[40];
      const std::time_t now = std::time(nullptr);
      std::tm utc{};
      gmtime_r(&now, &utc);
      std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S.000000+0000", &utc);
      const std::string line = std::string("{\"timestamp\":\"") + stamp +
                               "\",\"event_type\":\"flow\",\"n\":" + std::to_string(n) +
                               ",\"host\":\"rathaus-e2e\"}\n";
      if (n % 97 == 0) {  // half a line on disk for a moment
        std::fwrite(line.data(), 1, line.size() / 2, file);
        std::fflush(file);
        std::this_thread::sleep_for(milliseconds(2));
        std::fwrite(line.data() + line.size() / 2, 1, line.size() - line.size() / 2, file);
      } else {
        std::fwrite(line.data(), 1, line.size(), file);
      }
      std::fflush(file);
      written_ = n + 1;
      if (++in_file == per_file) {
        std::fclose(file);
        std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
        std::rename((spool_ + "/eve.json").c_str(),
                    (spool_ + "/" + control_protocol::closed_spool_file_name(stamp, ++rotations)).c_str());
        file = std::fopen((spool_ + "/eve.json").c_str(), "a");
        in_file = 0;
      }
      std::this_thread::sleep_until(start + milliseconds(1000LL * (n + 1) / per_second));
    }
    std::fclose(file);
    done_ = true;
  }

  std::string spool_;
  std::atomic<int> written_{0};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

std::size_t count_lines(const std::string& path) {
  std::ifstream in(path);
  std::size_t lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  return lines;
}

class LogShippingE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(RsyslogReceiver::missing_packages(), "") << "scripts/install-deps installs them";
    work_ = std::filesystem::temp_directory_path() / ("log-shipping-e2e-" + std::to_string(::getpid()));
    std::filesystem::remove_all(work_);
    std::filesystem::create_directories(work_ / "spool");
    certs_ = controlplane::log_shipping::testing::TestCertificates::make(work_ / "pki");
    port_ = free_tcp_port();
    rsyslog_ = std::make_unique<RsyslogReceiver>(work_ / "rsyslog", certs_, port_);
    config_ =
        "name: rathaus-e2e\n"
        "zones:\n  - name: lan\n"
        "ports:\n  - name: lan\n    backend: null\n    addresses: [192.168.1.1/24]\n"
        "logging:\n  siem:\n    host: 127.0.0.1\n    port: " +
        std::to_string(port_) + "\n    server_name: siem.torwart.test\n    ca: " + certs_.ca().string() +
        "\n    cert: " + certs_.client_cert().string() + "\n    key: " + certs_.client_key().string() + "\n";
    std::ofstream(work_ / "torwart.yaml") << config_;
    fastpath_ = std::make_unique<StandInFastPath>(path("control.sock"), config_);
  }

  void TearDown() override {
    torwartd_.stop();
    if (rsyslog_) rsyslog_->stop();
    fastpath_.reset();
    if (!HasFailure()) std::filesystem::remove_all(work_);
  }

  std::string path(const std::string& name) const { return (work_ / name).string(); }

  void start_torwartd() {
    torwartd_ = BackgroundProcess(
        {binary("TORWARTD_BINARY", TORWARTD_BINARY_DEFAULT), "--state-dir", path("state"), "--socket",
         path("torwartd.sock"), "-s", path("control.sock"), "--audit-log", path("audit.jsonl"), "--initial",
         path("torwart.yaml"), "--eve-dir", path("spool"), "--system-log", path("system.jsonl"),
         "--shipping-cursor", path("shipping/cursor.json")},
        path("torwartd.log"));
    for (auto end = Clock::now() + seconds(15); Clock::now() < end;
         std::this_thread::sleep_for(milliseconds(100))) {
      ASSERT_TRUE(torwartd_.running()) << read_file(path("torwartd.log"));
      const json s = status();
      if (s.contains("log_shipping") && s["log_shipping"].value("configured", false)) return;
    }
    FAIL() << "torwartd does not ship: " << read_file(path("torwartd.log"));
  }

  void kill_torwartd() {
    ::kill(torwartd_.pid(), SIGKILL);
    torwartd_.stop();
  }

  json status() {
    const CommandResult r = run_command({binary("TORWARTCTL_BINARY", TORWARTCTL_BINARY_DEFAULT), "-S",
                                         path("torwartd.sock"), "--json", "status"},
                                        milliseconds(5000));
    if (!r.ok()) return json::object();
    const json parsed = json::parse(r.output, nullptr, false);
    return parsed.is_discarded() ? json::object() : parsed;
  }

  // Sequence numbers as received, in order, with each message's MSGID and record.
  struct Received {
    uint64_t seq;
    std::string msgid, record;
  };
  std::vector<Received> received() const {
    std::vector<Received> out;
    std::ifstream in(rsyslog_->received());
    static const std::regex kLine(R"re(^(\S+) \[torwart@32473 seq="(\d+)"[^\]]*\] ?(.*)$)re");
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (!std::regex_match(line, m, kLine)) {
        ADD_FAILURE() << "not a shipped record: " << line;
        continue;
      }
      out.push_back({std::stoull(m[2]), m[1], m[3]});
    }
    return out;
  }

  std::filesystem::path work_;
  controlplane::log_shipping::testing::TestCertificates certs_;
  unsigned short port_ = 0;
  std::string config_;
  std::unique_ptr<StandInFastPath> fastpath_;
  std::unique_ptr<RsyslogReceiver> rsyslog_;
  BackgroundProcess torwartd_;
};

TEST_F(LogShippingE2eTest, NothingLostOrReorderedAcrossReceiverAndTorwartdRestarts) {
  constexpr int kRecords = 16000, kPerSecond = 1000, kPerFile = 1500;
  ASSERT_NO_THROW(rsyslog_->start());
  start_torwartd();
  EveLoad load(path("spool"), kPerSecond, kRecords, kPerFile);

  // Shipping runs; then the receiver dies under load and stays away for a while.
  for (auto end = Clock::now() + seconds(15); received().size() < 1000 && Clock::now() < end;)
    std::this_thread::sleep_for(milliseconds(100));
  ASSERT_GE(received().size(), 1000u) << read_file(path("torwartd.log"));
  rsyslog_->kill();
  std::this_thread::sleep_for(seconds(5));
  const json away = status()["log_shipping"];
  EXPECT_FALSE(away["connected"].get<bool>());
  EXPECT_NE(away["last_error"].get<std::string>(), "");
  ASSERT_NO_THROW(rsyslog_->start());

  // Then torwartd dies (nothing written at exit) and starts again while the load goes on.
  std::this_thread::sleep_for(seconds(2));
  kill_torwartd();
  std::this_thread::sleep_for(milliseconds(500));
  start_torwartd();
  while (!load.done()) std::this_thread::sleep_for(milliseconds(100));

  // Everything on disk gets shipped: the EVE records, the audit log, the system events.
  uint64_t expected = 0;
  json shipping;
  for (auto end = Clock::now() + seconds(40); Clock::now() < end;
       std::this_thread::sleep_for(milliseconds(250))) {
    expected = kRecords + count_lines(path("audit.jsonl")) + count_lines(path("system.jsonl"));
    shipping = status()["log_shipping"];
    if (shipping.value("shipped", uint64_t{0}) == expected) break;
  }
  ASSERT_EQ(shipping.value("shipped", uint64_t{0}), expected) << shipping.dump(2);
  EXPECT_TRUE(shipping["connected"].get<bool>());
  EXPECT_EQ(shipping["lost_to_retention"], 0);
  EXPECT_EQ(shipping["vanished_files"], 0);
  EXPECT_EQ(shipping["cursor"]["next_seq"], expected + 1);

  const CommandResult table = run_command(
      {binary("TORWARTCTL_BINARY", TORWARTCTL_BINARY_DEFAULT), "-S", path("torwartd.sock"), "status"},
      milliseconds(5000));
  EXPECT_NE(table.output.find("log shipping      connected to 127.0.0.1:" + std::to_string(port_) + ", " +
                              std::to_string(expected) + " records shipped"),
            std::string::npos)
      << table.output;

  // Receiving side: every sequence number 1..expected, each record once at least, in order of first arrival.
  const auto got = received();
  std::map<uint64_t, std::string> by_seq;
  std::set<int> eve_numbers;
  std::map<std::string, std::size_t> per_stream;
  uint64_t last_new = 0, duplicates = 0, out_of_order = 0;
  for (const auto& r : got) {
    const auto [it, fresh] = by_seq.emplace(r.seq, r.record);
    if (!fresh) {
      ++duplicates;
      EXPECT_EQ(it->second, r.record) << "sequence number " << r.seq << " carried two records";
      continue;
    }
    if (r.seq != last_new + 1) ++out_of_order;
    last_new = r.seq;
    ++per_stream[r.msgid];
    if (r.msgid == "eve") eve_numbers.insert(json::parse(r.record)["n"].get<int>());
  }
  EXPECT_EQ(by_seq.size(), expected);
  EXPECT_EQ(by_seq.begin()->first, 1u);
  EXPECT_EQ(by_seq.rbegin()->first, expected);
  EXPECT_EQ(out_of_order, 0u);
  EXPECT_EQ(eve_numbers.size(), static_cast<std::size_t>(kRecords));
  EXPECT_EQ(*eve_numbers.begin(), 0);
  EXPECT_EQ(*eve_numbers.rbegin(), kRecords - 1);
  EXPECT_EQ(per_stream["audit"], count_lines(path("audit.jsonl")));
  EXPECT_EQ(per_stream["system"], count_lines(path("system.jsonl")));
  EXPECT_GE(per_stream["system"], 4u);  // started twice, connected, unreachable/disconnected
  std::cout << "log shipping e2e: " << expected << " records (" << kRecords << " EVE, " << per_stream["audit"]
            << " audit, " << per_stream["system"] << " system), " << got.size() << " received, " << duplicates
            << " duplicates sent again after the cuts, 0 lost, 0 reordered\n";
}

}  // namespace
}  // namespace torwart::lab::e2e
