// The management filter installed by libnftables in a network namespace of this test's own (unshare), with
// the provider and a stranger on the management interface's link: only the provider reaches the API port,
// everything else is dropped and counted, and the filter outlives its keeper. Needs root.
#include "controlplane/management_filter/management_filter.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>

#include "rules/config/load.hpp"

namespace torwart::controlplane::management_filter {
namespace {

std::string peer_ns;

int sh(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str());
}

// A TCP connection from the peer namespace, from `source`, to `to`:`port`; true when it was accepted.
bool connects(const std::string& source, const std::string& to, int port) {
  const std::string script = "import socket; socket.create_connection(('" + to + "', " +
                             std::to_string(port) + "), timeout=1.5, source_address=('" + source +
                             "', 0)).close()";
  return sh("ip netns exec " + peer_ns + " python3 -c \"" + script + "\"") == 0;
}

bool pings(const std::string& source, const std::string& to) {
  return sh("ip netns exec " + peer_ns + " ping -c 1 -W 1 -I " + source + " " + to) == 0;
}

std::string config_with(const std::string& management) {
  return std::string(config::default_config_text()) + management;
}

class ManagementFilterNetns : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(geteuid(), 0u) << "needs root (network namespaces, nftables)";
    ASSERT_EQ(unshare(CLONE_NEWNET), 0) << "unshare(CLONE_NEWNET)";
    peer_ns = "twmf" + std::to_string(getpid());
    ASSERT_EQ(sh("ip link set lo up"), 0);
    ASSERT_EQ(sh("ip netns add " + peer_ns), 0);
    ASSERT_EQ(sh("ip link add mgmt0 type veth peer name eth0 netns " + peer_ns), 0);
    for (const char* a : {"198.51.100.1/24", "203.0.113.1/24"})
      ASSERT_EQ(sh(std::string("ip addr add ") + a + " dev mgmt0"), 0);
    for (const char* a : {"198.51.100.5/24", "203.0.113.9/24"})
      ASSERT_EQ(sh("ip netns exec " + peer_ns + " ip addr add " + a + " dev eth0"), 0);
    ASSERT_EQ(sh("ip link set mgmt0 up"), 0);
    ASSERT_EQ(sh("ip netns exec " + peer_ns + " ip link set eth0 up"), 0);
    ASSERT_EQ(sh("ip netns exec " + peer_ns + " ip link set lo up"), 0);
    // The box's services: the API port and another one, answering whoever gets through.
    listener_ = ::fork();
    if (listener_ == 0) {
      ::execlp("python3", "python3", "-c",
               "import socket, select\n"
               "ls = []\n"
               "for p in (8443, 2222):\n"
               "    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
               "    s.bind(('0.0.0.0', p)); s.listen(16); ls.append(s)\n"
               "while True:\n"
               "    r, _, _ = select.select(ls, [], [])\n"
               "    for s in r: s.accept()[0].close()\n",
               static_cast<char*>(nullptr));
      _exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  static void TearDownTestSuite() {
    if (listener_ > 0) ::kill(listener_, SIGKILL);
    sh("ip netns del " + peer_ns);
  }
  void TearDown() override { sh("nft delete table inet torwart_management"); }

  static pid_t listener_;
};
pid_t ManagementFilterNetns::listener_ = -1;

TEST_F(ManagementFilterNetns, OnlyTheProviderReachesTheApiAndTheRestIsCountedAndDropped) {
  ASSERT_TRUE(connects("203.0.113.9", "203.0.113.1", 8443)) << "without the filter everyone gets in";
  ASSERT_TRUE(connects("203.0.113.9", "198.51.100.1", 2222));
  {
    ManagementFilter filter(8443);
    const std::string said =
        filter.follow(1, config_with("management:\n  interface: mgmt0\n  provider: [198.51.100.0/28]\n"));
    EXPECT_NE(said.find("installed for mgmt0"), std::string::npos) << said;
    EXPECT_TRUE(connects("198.51.100.5", "198.51.100.1", 8443));
    EXPECT_FALSE(connects("203.0.113.9", "203.0.113.1", 8443)) << "a stranger on the management link";
    EXPECT_FALSE(connects("198.51.100.5", "198.51.100.1", 2222)) << "the provider, but not the API port";
    EXPECT_TRUE(pings("198.51.100.5", "198.51.100.1"));
    EXPECT_FALSE(pings("203.0.113.9", "203.0.113.1"));
    const auto status = filter.status();
    EXPECT_TRUE(status["installed"]) << status.dump();
    EXPECT_GE(status["dropped_packets"].get<int>(), 3) << status.dump();
    EXPECT_GE(status["api_admitted_packets"].get<int>(), 1) << status.dump();
    EXPECT_EQ(status["provider"], nlohmann::json::array({"198.51.100.0/28"}));
    // The same version again changes nothing; a new one without the provider list opens the API port.
    EXPECT_EQ(filter.follow(1, "not even YAML"), "");
    filter.follow(2, config_with("management:\n  interface: mgmt0\n"));
    EXPECT_TRUE(connects("203.0.113.9", "203.0.113.1", 8443));
    EXPECT_FALSE(connects("203.0.113.9", "203.0.113.1", 2222));
    EXPECT_TRUE(filter.status()["open"]);
    // A version that does not load keeps the filter that is in place.
    EXPECT_NE(filter.follow(3, "ports: 7\n").find("stays"), std::string::npos);
    EXPECT_TRUE(filter.status()["installed"]);
  }
  // torwartd gone: the filter stays.
  EXPECT_FALSE(connects("203.0.113.9", "203.0.113.1", 2222));
  EXPECT_EQ(sh("nft list table inet torwart_management"), 0);
}

TEST_F(ManagementFilterNetns, AVersionWithoutManagementRemovesTheTable) {
  ManagementFilter filter(8443);
  filter.follow(1, config_with("management:\n  interface: mgmt0\n  provider: [198.51.100.0/28]\n"));
  ASSERT_EQ(sh("nft list table inet torwart_management"), 0);
  EXPECT_NE(filter.follow(2, std::string(config::default_config_text())).find("removed"), std::string::npos);
  EXPECT_NE(sh("nft list table inet torwart_management"), 0);
  EXPECT_TRUE(connects("203.0.113.9", "198.51.100.1", 2222));
}

}  // namespace
}  // namespace torwart::controlplane::management_filter
