#include "controlplane/log_shipping/shipper.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <set>

#include "controlplane/log_shipping/test_certificates.hpp"
#include "controlplane/log_shipping/test_receiver.hpp"
#include "controlplane/log_shipping/test_spool.hpp"

namespace torwart::controlplane::log_shipping {
namespace {

using testing::append;
using testing::eve_line;
using testing::TempDir;
using testing::TestCertificates;
using testing::TestReceiver;

uint64_t seq_of(const std::string& message) {
  const auto at = message.find("seq=\"");
  return at == std::string::npos ? 0 : std::stoull(message.substr(at + 5));
}
std::string msgid_of(const std::string& message) {  // <PRI>1 TS HOST APP PROCID MSGID
  std::size_t at = 0;
  for (int i = 0; i < 5; ++i) at = message.find(' ', at) + 1;
  return message.substr(at, message.find(' ', at) - at);
}
std::string record_of(const std::string& message) {
  return message.substr(message.find("] ") + 2);
}

class ShipperTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = TestCertificates::make(std::filesystem::temp_directory_path() /
                                    ("shipper-pki-" + std::to_string(::getpid())));
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(certs_.dir); }

  ShipperSettings settings(unsigned short port) const {
    ShipperSettings s;
    s.siem.host = "127.0.0.1";
    s.siem.port = port;
    s.siem.server_name = "siem.torwart.test";
    s.siem.ca = certs_.ca().string();
    s.siem.cert = certs_.client_cert().string();
    s.siem.key = certs_.client_key().string();
    s.hostname = "rathaus-1";
    s.eve_dir = dir_ / "spool";
    s.audit_log = dir_ / "audit.jsonl";
    s.system_log = dir_ / "system.jsonl";
    s.cursor_file = dir_ / "state" / "cursor.json";
    std::filesystem::create_directories(s.eve_dir);
    return s;
  }
  static ShipperTuning fast() {
    ShipperTuning t;
    t.grace = std::chrono::milliseconds(100);
    t.poll = std::chrono::milliseconds(10);
    t.min_batch_interval = std::chrono::milliseconds(0);
    t.backoff_min = std::chrono::milliseconds(20);
    t.backoff_max = std::chrono::milliseconds(100);
    t.connect_timeout = std::chrono::milliseconds(2000);
    t.save_interval = std::chrono::milliseconds(20);
    return t;
  }
  TestReceiver receiver() {
    return TestReceiver(io_, certs_.ca(), certs_.server_cert(), certs_.server_key());
  }

  bool run_until(const std::function<bool()>& done,
                 std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > end) return false;
      io_.run_for(std::chrono::milliseconds(5));
    }
    return true;
  }
  void run_for(std::chrono::milliseconds d) { io_.run_for(d); }

  // seq -> record, failing on a sequence number that came twice with different records.
  static std::map<uint64_t, std::string> by_seq(const std::vector<std::string>& messages) {
    std::map<uint64_t, std::string> out;
    for (const auto& m : messages) {
      const auto [it, fresh] = out.emplace(seq_of(m), m);
      if (!fresh) {
        EXPECT_EQ(it->second, m) << "sequence number " << it->first << " reused for another record";
      }
    }
    return out;
  }

  static TestCertificates certs_;
  TempDir dir_{"shipper"};
  boost::asio::io_context io_;
};

TestCertificates ShipperTest::certs_;

TEST_F(ShipperTest, ShipsEveryStreamInOrderWithSequenceNumbers) {
  auto r = receiver();
  r.start();
  const ShipperSettings s = settings(r.port());
  append(s.audit_log, "{\"action\":\"commit\",\"result\":\"ok\",\"time\":\"2026-11-22T10:00:00.000Z\"}\n");
  append(s.audit_log,
         "{\"action\":\"commit\",\"result\":\"refused\",\"time\":\"2026-11-22T10:00:01.000Z\"}\n");
  append(s.system_log,
         "{\"event\":\"torwartd_started\",\"severity\":\"info\",\"time\":\"2026-11-22T10:00:00.000Z\"}\n");
  append(s.eve_dir / "eve-20261122T100000Z-1.json", eve_line(1) + eve_line(2) + eve_line(3));
  append(s.eve_dir / "eve.json",
         eve_line(4) + eve_line(5) + "{\"timestamp\":\"2026-11-22T10:");  // half written
  Shipper shipper(io_, s, fast());
  ASSERT_TRUE(run_until([&] { return r.messages().size() >= 8; })) << shipper.status().dump();
  run_for(std::chrono::milliseconds(50));
  ASSERT_EQ(r.messages().size(), 8u);  // not the half line
  const std::vector<std::string> order = {"audit", "audit", "system", "eve", "eve", "eve", "eve", "eve"};
  for (std::size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(seq_of(r.messages()[i]), i + 1);
    EXPECT_EQ(msgid_of(r.messages()[i]), order[i]);
  }
  EXPECT_EQ(record_of(r.messages()[3]), eve_line(1).substr(0, eve_line(1).size() - 1));
  EXPECT_TRUE(r.messages()[0].starts_with("<109>1 2026-11-22T10:00:00.000Z rathaus-1 torwart - audit"));
  EXPECT_EQ(r.last_protocol, "TLSv1.3");

  ASSERT_TRUE(run_until([&] { return shipper.status()["shipped"] == 8; }));
  const auto status = shipper.status();
  EXPECT_TRUE(status["connected"].get<bool>());
  EXPECT_EQ(status["cursor"]["next_seq"], 9);
  EXPECT_EQ(status["cursor"]["eve"]["file"], "eve.json");
  EXPECT_EQ(status["pending_bytes"], std::string("{\"timestamp\":\"2026-11-22T10:").size());
  EXPECT_EQ(status["lost_to_retention"], 0);
  EXPECT_EQ(status["last_error"], "");

  append(s.eve_dir / "eve.json", "00:00.000000+0000\",\"n\":6}\n");  // the fast path finishes the line
  ASSERT_TRUE(run_until([&] { return r.messages().size() >= 9; }));
  EXPECT_EQ(seq_of(r.messages()[8]), 9u);
  EXPECT_NE(r.messages()[8].find("\"n\":6}"), std::string::npos);
}

TEST_F(ShipperTest, ARestartResendsWhatWasNotConfirmedWithTheSameNumbers) {
  auto r = receiver();
  r.start();
  const ShipperSettings s = settings(r.port());
  for (int i = 0; i < 200; ++i) append(s.eve_dir / "eve.json", eve_line(i));
  ShipperTuning t = fast();
  t.batch_records = 20;
  t.grace = std::chrono::milliseconds(300);  // batches stay unconfirmed for a while
  std::filesystem::path crash_copy = dir_ / "cursor-at-crash.json";
  {
    Shipper shipper(io_, s, t);
    ASSERT_TRUE(run_until([&] { return r.messages().size() >= 100; }));
    // The cursor as it is on disk now is what a crash (kill -9) here would leave behind.
    std::filesystem::copy_file(s.cursor_file, crash_copy);
  }
  std::filesystem::copy_file(crash_copy, s.cursor_file, std::filesystem::copy_options::overwrite_existing);
  for (int i = 200; i < 300; ++i) append(s.eve_dir / "eve.json", eve_line(i));
  const std::size_t before = r.messages().size();
  Shipper again(io_, s, t);
  ASSERT_TRUE(run_until([&] { return again.status()["shipped"] == 300; }));
  const auto seqs = by_seq(r.messages());
  ASSERT_EQ(seqs.size(), 300u);
  for (const auto& [seq, message] : seqs) {
    std::string line = eve_line(static_cast<int>(seq) - 1);
    line.pop_back();  // the '\n'
    EXPECT_EQ(record_of(message), line);
  }
  EXPECT_GT(r.messages().size(), 300u) << "expected the unconfirmed batches sent twice";
  EXPECT_LT(before, r.messages().size());
}

TEST_F(ShipperTest, AReceiverThatDiesAndComesBackLosesNothing) {
  auto r = receiver();
  r.start();
  const ShipperSettings s = settings(r.port());
  for (int i = 0; i < 3000; ++i) append(s.eve_dir / "eve.json", eve_line(i));
  ShipperTuning t = fast();
  t.batch_records = 100;
  Shipper shipper(io_, s, t);
  for (std::size_t cut : {500u, 1500u}) {
    ASSERT_TRUE(run_until([&] { return r.messages().size() >= cut; }));
    r.stop();  // whatever is queued unread is gone
    run_for(std::chrono::milliseconds(200));
    EXPECT_FALSE(shipper.status()["connected"].get<bool>());
    EXPECT_NE(shipper.status()["last_error"].get<std::string>(), "");
    r.start();
  }
  ASSERT_TRUE(run_until([&] { return shipper.status()["shipped"] == 3000; }));
  const auto seqs = by_seq(r.messages());
  ASSERT_EQ(seqs.size(), 3000u);
  EXPECT_EQ(seqs.begin()->first, 1u);
  EXPECT_EQ(seqs.rbegin()->first, 3000u);
  // In the order received, each sequence number's first appearance comes after the one before it.
  std::set<uint64_t> seen;
  uint64_t last_new = 0;
  for (const auto& m : r.messages()) {
    if (!seen.insert(seq_of(m)).second) continue;
    EXPECT_EQ(seq_of(m), last_new + 1);
    last_new = seq_of(m);
  }
  EXPECT_GE(shipper.status()["connections"], 3);
}

TEST_F(ShipperTest, AReceiverOfAnotherCaOrNameIsRefused) {
  TestReceiver other(io_, certs_.ca(), certs_.other_server_cert(), certs_.other_server_key());
  other.start();
  ShipperSettings s = settings(other.port());
  append(s.eve_dir / "eve.json", eve_line(1));
  {
    Shipper shipper(io_, s, fast());
    ASSERT_TRUE(run_until([&] { return shipper.status()["last_error"] != ""; }));
    EXPECT_NE(shipper.status()["last_error"].get<std::string>().find("certificate verify failed"),
              std::string::npos)
        << shipper.status()["last_error"];
    EXPECT_FALSE(shipper.status()["connected"].get<bool>());
  }
  auto r = receiver();
  r.start();
  s = settings(r.port());
  s.siem.server_name = "other.torwart.test";  // the certificate says siem.torwart.test
  Shipper shipper(io_, s, fast());
  ASSERT_TRUE(run_until([&] { return shipper.status()["last_error"] != ""; }));
  EXPECT_NE(shipper.status()["last_error"].get<std::string>().find("hostname mismatch"), std::string::npos)
      << shipper.status()["last_error"];
  run_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(r.messages().empty());
  EXPECT_TRUE(other.messages().empty());
}

TEST_F(ShipperTest, TheBoxWithoutAValidClientCertificateIsRefusedByTheReceiver) {
  auto r = receiver();
  r.start();
  ShipperSettings s = settings(r.port());
  s.siem.cert = certs_.other_server_cert().string();  // issued by the other CA
  s.siem.key = certs_.other_server_key().string();
  append(s.eve_dir / "eve.json", eve_line(1));
  Shipper shipper(io_, s, fast());
  run_for(std::chrono::milliseconds(500));
  EXPECT_EQ(r.handshakes(), 0u);
  EXPECT_TRUE(r.messages().empty());
  EXPECT_EQ(shipper.status()["shipped"], 0);
  EXPECT_NE(shipper.status()["last_error"], "");
}

TEST_F(ShipperTest, RetentionCountsWhatItDeletesBeforeItWasShipped) {
  auto r = receiver();
  r.start();
  const unsigned short port = r.port();
  r.stop();  // the SIEM is away
  const ShipperSettings s = settings(port);
  append(s.eve_dir / "eve-20261120T000000Z-1.json", eve_line(1) + eve_line(2) + eve_line(3));
  append(s.eve_dir / "eve-20261121T000000Z-2.json", eve_line(4) + eve_line(5));
  append(s.eve_dir / "eve.json", eve_line(6));
  Shipper shipper(io_, s, fast());
  run_for(std::chrono::milliseconds(100));
  shipper.before_spool_file_removed(s.eve_dir / "eve-20261120T000000Z-1.json");
  std::filesystem::remove(s.eve_dir / "eve-20261120T000000Z-1.json");
  EXPECT_EQ(shipper.status()["lost_to_retention"], 3);
  r.start();
  ASSERT_TRUE(run_until([&] { return shipper.status()["shipped"] == 3; }));
  ASSERT_EQ(r.messages().size(), 3u);
  EXPECT_NE(r.messages()[0].find("\"n\":4}"), std::string::npos);
  EXPECT_EQ(seq_of(r.messages()[0]), 1u);
  EXPECT_EQ(shipper.status()["vanished_files"], 0);
  // Once shipped, deleting is no loss.
  shipper.before_spool_file_removed(s.eve_dir / "eve-20261121T000000Z-2.json");
  EXPECT_EQ(shipper.status()["lost_to_retention"], 3);
}

TEST_F(ShipperTest, AFileRemovedByHandIsCountedAsVanished) {
  auto r = receiver();
  r.start();
  const unsigned short port = r.port();
  r.stop();
  const ShipperSettings s = settings(port);
  append(s.eve_dir / "eve-20261120T000000Z-1.json", eve_line(1));
  append(s.eve_dir / "eve.json", eve_line(2));
  {
    // A batch is written ahead only while connected; connect once to put the first file into flight.
    r.start();
    Shipper shipper(io_, s, fast());
    ASSERT_TRUE(run_until([&] { return shipper.status()["shipped"] == 2; }));
  }
  append(s.eve_dir / "eve.json", eve_line(3) + eve_line(4));
  std::filesystem::rename(s.eve_dir / "eve.json", s.eve_dir / "eve-20261121T000000Z-2.json");
  append(s.eve_dir / "eve.json", eve_line(5));
  std::filesystem::remove(s.eve_dir / "eve-20261121T000000Z-2.json");  // by hand, records 3 and 4 unshipped
  Shipper shipper(io_, s, fast());
  ASSERT_TRUE(run_until([&] { return shipper.status()["shipped"] == 3; }));
  EXPECT_EQ(shipper.status()["vanished_files"], 1);
  EXPECT_NE(r.messages().back().find("\"n\":5}"), std::string::npos);
  EXPECT_EQ(seq_of(r.messages().back()), 3u);
}

TEST_F(ShipperTest, ADamagedCursorStopsShippingAndSaysWhy) {
  auto r = receiver();
  r.start();
  const ShipperSettings s = settings(r.port());
  std::filesystem::create_directories(s.cursor_file.parent_path());
  append(s.cursor_file, "{\"format\":\"torwart-log-shipping-cursor\"");
  append(s.eve_dir / "eve.json", eve_line(1));
  std::vector<std::string> events;
  Shipper shipper(io_, s, fast(), [&](std::string_view, std::string_view event, const std::string&) {
    events.emplace_back(event);
  });
  run_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(r.messages().empty());
  EXPECT_NE(shipper.status()["last_error"].get<std::string>().find("move the file aside"), std::string::npos);
  EXPECT_EQ(events, std::vector<std::string>{"shipping_cursor_damaged"});
}

TEST_F(ShipperTest, LongRecordsAreCutToTheReceiversLimit) {
  auto r = receiver();
  r.start();
  ShipperSettings s = settings(r.port());
  s.siem.max_message_bytes = 2048;
  append(s.eve_dir / "eve.json", "{\"event_type\":\"http\",\"x\":\"" + std::string(5000, 'a') + "\"}\n");
  Shipper shipper(io_, s, fast());
  ASSERT_TRUE(run_until([&] { return shipper.status()["shipped"] == 1; }));
  ASSERT_EQ(r.messages().size(), 1u);
  EXPECT_LE(r.messages()[0].size(), 2048u);
  EXPECT_NE(r.messages()[0].find("truncated=\"5028\""), std::string::npos) << r.messages()[0].substr(0, 120);
  EXPECT_EQ(shipper.status()["truncated"], 1);
}

TEST_F(ShipperTest, ConnectionChangesAreReportedOncePerChange) {
  auto r = receiver();
  r.start();
  const unsigned short port = r.port();
  r.stop();
  std::vector<std::string> events;
  Shipper shipper(
      io_, settings(port), fast(),
      [&](std::string_view, std::string_view event, const std::string&) { events.emplace_back(event); });
  run_for(std::chrono::milliseconds(400));  // several retries, one reason
  EXPECT_EQ(events, std::vector<std::string>{"shipping_unreachable"});
  r.start();
  ASSERT_TRUE(run_until([&] { return shipper.status()["connected"].get<bool>(); }));
  r.stop();
  ASSERT_TRUE(run_until([&] { return !shipper.status()["connected"].get<bool>(); }));
  EXPECT_EQ(events, (std::vector<std::string>{"shipping_unreachable", "shipping_connected",
                                              "shipping_disconnected"}));
}

}  // namespace
}  // namespace torwart::controlplane::log_shipping
