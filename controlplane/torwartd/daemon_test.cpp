// torwartd's Asio parts with the real clock: the commit-confirmed timer and the local socket.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "controlplane/config_store/validate.hpp"
#include "controlplane/torwartd/confirm_timer.hpp"
#include "controlplane/torwartd/fake_fastpath.hpp"
#include "controlplane/torwartd/server.hpp"
#include "dataplane/control_protocol/client.hpp"
#include "rules/config/config_digest.hpp"
#include "rules/config/load.hpp"

namespace torwart::controlplane {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "torwartd-daemon-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    store_ = std::make_unique<ConfigStore>(dir_ / "config");
    audit_ = std::make_unique<AuditLog>(dir_ / "audit.jsonl");
    fastpath_.running = {1, config::config_digest(config::default_config_text())};
    service_ = std::make_unique<ControlService>(*store_, fastpath_, *audit_);
    service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string changed() {
    std::string text(config::default_config_text());
    text.insert(text.find("\nroutes:\n") + 9, "  - to: 172.16.0.0/12\n    via: 10.200.0.1\n");
    return text;
  }

  fs::path dir_;
  FakeFastPath fastpath_;
  std::unique_ptr<ConfigStore> store_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<ControlService> service_;
};

TEST_F(DaemonTest, RealTimeDeadlineRollsBack) {
  boost::asio::io_context io;
  ServiceTimers timers(io, *service_, 1h);
  CommitRequest r{changed(), "c.yaml", "", std::nullopt, 300};
  const auto start = std::chrono::steady_clock::now();
  service_->commit(r, {0, 0, 1, "root"});
  timers.rearm();
  EXPECT_EQ(store_->current(), 2u);
  io.run_for(2s);
  EXPECT_EQ(store_->current(), 3u);
  EXPECT_EQ(fastpath_.running.digest, store_->info(1).digest);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
}

TEST_F(DaemonTest, SocketAnswersWithThePeerAsAuthor) {
  boost::asio::io_context io;
  const std::string socket = (dir_ / "torwartd.sock").string();
  Server server(io, *service_, socket, 0600, nullptr);
  EXPECT_EQ(fs::status(socket).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  nlohmann::json answer, refused, garbage;
  std::thread client([&] {
    answer = control_protocol::fastpath_request(
        socket, {{"command", "commit"}, {"config", changed()}, {"comment", "via socket"}, {"base", 1}});
    refused = control_protocol::fastpath_request(socket, {{"command", "diff"}, {"from", 1}, {"to", "two"}});
    garbage = control_protocol::fastpath_request(socket, {{"command", "reboot"}});
    io.stop();
  });
  io.run_for(20s);
  client.join();
  ASSERT_TRUE(answer.value("ok", false)) << answer.dump();
  EXPECT_EQ(answer["result"]["version"], 2);
  EXPECT_EQ(store_->info(2).author.uid, ::getuid());
  EXPECT_EQ(store_->info(2).author.pid, ::getpid());
  EXPECT_EQ(store_->info(2).comment, "via socket");
  EXPECT_EQ(refused["kind"], "bad_input");
  EXPECT_EQ(refused["error"], "\"to\" must be a version number (1 or more)");
  EXPECT_NE(garbage["error"].get<std::string>().find("unknown command 'reboot'"), std::string::npos);
}

}  // namespace
}  // namespace torwart::controlplane
