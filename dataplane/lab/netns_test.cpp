// Needs root (network namespaces): labelled "netns" so that `ctest -LE netns` leaves it out.
#include "dataplane/lab/netns.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include <gtest/gtest.h>

namespace torwart::lab {
namespace {

bool exists(const std::string& ns) {
  auto names = list_namespaces();
  return std::find(names.begin(), names.end(), ns) != names.end();
}

std::string unique(const std::string& what) {
  return "twtest" + std::to_string(getpid()) + "-" + what;
}

class NetnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Fail, not skip: a skipped suite would look green.
    ASSERT_EQ(geteuid(), 0u) << "needs root; exclude with `ctest -LE netns`";
  }
};

TEST_F(NetnsTest, CommandCapturesOutputAndExitStatus) {
  CommandResult r = run_command({"sh", "-c", "echo out; echo err >&2; exit 3"}, milliseconds(5000));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.timed_out);
  EXPECT_NE(r.output.find("out"), std::string::npos);
  EXPECT_NE(r.output.find("err"), std::string::npos);
}

TEST_F(NetnsTest, CommandTimesOut) {
  auto start = std::chrono::steady_clock::now();
  CommandResult r = run_command({"sleep", "30"}, milliseconds(200));
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(NetnsTest, MissingProgramFails) {
  CommandResult r = run_command({"/nonexistent/program"}, milliseconds(5000));
  EXPECT_EQ(r.exit_code, 127);
}

TEST_F(NetnsTest, PingAcrossVethAndCleanUp) {
  const std::string a_name = unique("a");
  const std::string b_name = unique("b");
  pid_t background_pid = -1;
  {
    auto a = std::make_unique<Namespace>(a_name);
    auto b = std::make_unique<Namespace>(b_name);
    EXPECT_TRUE(exists(a_name));
    create_veth(*a, "veth-a", *b, "veth-b");
    a->set_mac("veth-a", "02:00:00:00:aa:01");
    a->add_address("veth-a", "10.99.0.1/24");
    a->add_address("veth-a", "2001:db8:99::1/64");
    b->add_address("veth-b", "10.99.0.2/24");
    b->add_address("veth-b", "2001:db8:99::2/64");
    a->set_up("veth-a");
    b->set_up("veth-b");
    a->disable_tx_offload("veth-a");

    CommandResult ping4 = a->run({"ping", "-c", "2", "-i", "0.2", "-W", "2", "-n", "10.99.0.2"});
    EXPECT_TRUE(ping4.ok()) << ping4.output;
    CommandResult ping6 = a->run({"ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", "-n", "2001:db8:99::2"});
    EXPECT_TRUE(ping6.ok()) << ping6.output;
    EXPECT_NE(b->run_checked({"ip", "neighbour", "show", "dev", "veth-b"}).find("02:00:00:00:aa:01"),
              std::string::npos);

    // The namespace really is separate: b does not see a's device.
    EXPECT_FALSE(b->run({"ip", "link", "show", "veth-a"}).ok());

    std::string log = std::filesystem::temp_directory_path() / (unique("bg") + ".log");
    BackgroundProcess sleeper = b->start({"sleep", "60"}, log);
    background_pid = sleeper.pid();
    EXPECT_TRUE(sleeper.running());
    auto status = sleeper.stop(milliseconds(2000));
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 128 + SIGTERM);
    EXPECT_FALSE(sleeper.running());
    std::filesystem::remove(log);

    // Left running on purpose: the namespace destructor must end it.
    BackgroundProcess orphan = b->start({"sleep", "60"}, "/dev/null");
    background_pid = orphan.pid();
    b.reset();
    EXPECT_FALSE(exists(b_name));
  }
  EXPECT_FALSE(exists(a_name));
  EXPECT_FALSE(exists(b_name));
  EXPECT_NE(kill(background_pid, 0), 0) << "background process survived";
}

TEST_F(NetnsTest, DuplicateNameThrows) {
  Namespace a(unique("dup"));
  EXPECT_THROW(Namespace again(unique("dup")), std::runtime_error);
  EXPECT_TRUE(exists(unique("dup")));
}

}  // namespace
}  // namespace torwart::lab
