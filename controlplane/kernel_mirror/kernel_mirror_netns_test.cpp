// The mirror against a real kernel: every test in a network namespace of its own (root needed; ctest label
// netns), with a veth pair whose one end is named like a twin. Nothing here touches the host's interfaces.
#include "controlplane/kernel_mirror/kernel_mirror.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

namespace torwart::controlplane {

// Readable failures: the whole state, one entry a line.
std::string text(const KernelState& state) {
  std::ostringstream stream;
  std::ostream* out = &stream;
  *out << "\n";
  for (const auto& [key, address] : state.addresses)
    *out << "  address " << address.interface << " " << address.address.to_string() << "\n";
  for (const auto& [key, route] : state.routes)
    *out << "  route " << route.destination.to_string() << " via "
         << (route.gateway ? route.gateway->to_string() : "-") << " dev " << route.interface << " metric "
         << route.metric << " " << route.origin << "\n";
  for (const auto& [key, neighbour] : state.neighbours)
    *out << "  neighbour " << neighbour.interface << " " << neighbour.address.to_string() << " "
         << neighbour_state_name(neighbour.state) << "\n";
  return stream.str();
}

namespace {

using namespace std::chrono_literals;
using config::InterfaceAddress;
using config::IpAddress;
using config::IpPrefix;

const KernelRoute* find_route(const KernelState& state, const char* destination, uint32_t metric = 0) {
  auto route = state.routes.find({*IpPrefix::parse(destination), metric});
  return route == state.routes.end() ? nullptr : &route->second;
}

bool has_address(const KernelState& state, const char* interface, const char* address) {
  return state.addresses.contains({interface, *InterfaceAddress::parse(address)});
}

class KernelMirrorNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    namespace_ = "torwart-km-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
    ASSERT_EQ(std::system(("ip netns add " + namespace_).c_str()), 0) << "needs root and iproute2";
    created_ = true;
    // The mirror's sockets bind to the namespace of the thread that opens them: this thread, inside.
    original_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(original_, 0);
    const int target = open(("/run/netns/" + namespace_).c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(target, 0);
    const int entered = setns(target, CLONE_NEWNET);
    close(target);
    ASSERT_EQ(entered, 0);
    entered_ = true;
    ASSERT_TRUE(make_twin("lan"));
  }

  void TearDown() override {
    mirrors_.clear();
    if (entered_) setns(original_, CLONE_NEWNET);
    if (original_ >= 0) close(original_);
    if (created_) std::system(("ip netns delete " + namespace_).c_str());
  }

  bool ip(const std::string& arguments) {
    const std::string command = "ip -n " + namespace_ + " " + arguments;
    const bool ok = std::system(command.c_str()) == 0;
    EXPECT_TRUE(ok) << command;
    return ok;
  }

  bool make_twin(const std::string& name) {
    return ip("link add " + name + " type veth peer name " + name + "-peer") &&
           ip("link set " + name + " up") && ip("link set " + name + "-peer up");
  }

  struct Observed {
    std::unique_ptr<KernelMirror> mirror;
    std::optional<KernelState> last;
    int published = 0;
  };

  Observed& start_mirror(KernelMirrorOptions options = {}) {
    if (options.watched_interfaces.empty()) options.watched_interfaces = {"lan", "kdn"};
    auto observed = std::make_unique<Observed>();
    Observed* raw = observed.get();
    raw->mirror = std::make_unique<KernelMirror>(io_, std::move(options), [raw](const KernelState& state) {
      raw->last = state;
      ++raw->published;
    });
    raw->mirror->start();
    mirrors_.push_back(std::move(observed));
    return *raw;
  }

  // Runs the io_context until `done` holds; false after `timeout`.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(20ms);
      if (done()) return true;
    }
    return done();
  }

  // True once `observed` holds exactly what the kernel holds (IPv6 announces a link-local address only when
  // its duplicate address detection is through, so a just-created twin takes a moment to settle).
  bool converges(Observed& observed, std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
      const KernelState kernel = fresh_dump();
      run_until([] { return false; }, 100ms);
      last_kernel_ = text(kernel);
      if (observed.last && text(*observed.last) == last_kernel_) return true;
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
  }

  // What the kernel holds now, by a mirror of its own with room for everything.
  KernelState fresh_dump() {
    Observed& fresh = start_mirror({{"lan", "kdn"}, {100000, 100000, 1000}});
    EXPECT_TRUE(run_until([&] { return fresh.published > 0; }));
    return fresh.last.value_or(KernelState{});
  }

  boost::asio::io_context io_;
  std::string namespace_;
  bool created_ = false;
  bool entered_ = false;
  int original_ = -1;
  std::vector<std::unique_ptr<Observed>> mirrors_;
  std::string last_kernel_;
};

TEST_F(KernelMirrorNetns, InitialDumpSeesWhatWasThereBefore) {
  ASSERT_TRUE(ip("addr add 192.0.2.1/24 dev lan"));
  ASSERT_TRUE(ip("route add 198.51.100.0/24 via 192.0.2.254 dev lan proto static metric 5"));
  Observed& observed = start_mirror();
  ASSERT_TRUE(run_until([&] { return observed.published > 0; }));
  const KernelState& state = *observed.last;
  EXPECT_EQ(state.interfaces, std::vector<std::string>{"lan"});
  EXPECT_TRUE(has_address(state, "lan", "192.0.2.1/24"));
  const KernelRoute* connected = find_route(state, "192.0.2.0/24");
  ASSERT_NE(connected, nullptr);
  EXPECT_EQ(connected->origin, "kernel");
  EXPECT_FALSE(connected->gateway);
  const KernelRoute* fixed = find_route(state, "198.51.100.0/24", 5);
  ASSERT_NE(fixed, nullptr);
  EXPECT_EQ(fixed->origin, "static");
  EXPECT_EQ(fixed->interface, "lan");
  EXPECT_EQ(fixed->gateway, IpAddress::parse("192.0.2.254"));
  EXPECT_EQ(observed.mirror->counters().dumps, 1u);
  EXPECT_EQ(observed.mirror->counters().resyncs, 0u);
}

TEST_F(KernelMirrorNetns, LiveChangesAppearWithTheirOriginAndDeletionsDisappear) {
  Observed& observed = start_mirror();
  ASSERT_TRUE(run_until([&] { return observed.published > 0; }));
  ASSERT_TRUE(ip("addr add 192.0.2.1/24 dev lan"));
  ASSERT_TRUE(ip("-6 addr add 2001:db8::1/64 dev lan nodad"));
  ASSERT_TRUE(ip("route add 203.0.113.0/24 via 192.0.2.254 proto static"));
  ASSERT_TRUE(ip("route add default via 192.0.2.254 dev lan proto dhcp metric 100"));
  ASSERT_TRUE(ip("-6 route add 2001:db8:1::/48 via 2001:db8::fe dev lan proto ra"));
  ASSERT_TRUE(ip("neigh add 192.0.2.7 lladdr 02:00:00:00:00:07 dev lan nud permanent"));
  const auto all_there = [&] {
    if (!observed.last) return false;
    const KernelState& state = *observed.last;
    return has_address(state, "lan", "192.0.2.1/24") && has_address(state, "lan", "2001:db8::1/64") &&
           find_route(state, "203.0.113.0/24") && find_route(state, "0.0.0.0/0", 100) &&
           find_route(state, "2001:db8:1::/48", 1024) &&
           state.neighbours.contains({"lan", *IpAddress::parse("192.0.2.7")});
  };
  ASSERT_TRUE(run_until(all_there));
  const KernelState& state = *observed.last;
  EXPECT_EQ(find_route(state, "203.0.113.0/24")->origin, "static");
  EXPECT_EQ(find_route(state, "0.0.0.0/0", 100)->origin, "dhcp");
  EXPECT_EQ(find_route(state, "0.0.0.0/0", 100)->gateway, IpAddress::parse("192.0.2.254"));
  EXPECT_EQ(find_route(state, "2001:db8:1::/48", 1024)->origin, "ra");
  EXPECT_EQ(find_route(state, "192.0.2.0/24")->origin, "kernel");
  const KernelNeighbour& neighbour = state.neighbours.at({"lan", *IpAddress::parse("192.0.2.7")});
  EXPECT_EQ(neighbour.state, NeighbourState::kPermanent);
  EXPECT_EQ(neighbour.mac, config::MacAddress::parse("02:00:00:00:00:07"));

  ASSERT_TRUE(ip("neigh del 192.0.2.7 dev lan"));
  ASSERT_TRUE(ip("route del 203.0.113.0/24"));
  ASSERT_TRUE(ip("route del default via 192.0.2.254 dev lan proto dhcp metric 100"));
  ASSERT_TRUE(ip("-6 route del 2001:db8:1::/48"));
  ASSERT_TRUE(ip("-6 addr del 2001:db8::1/64 dev lan"));
  ASSERT_TRUE(ip("addr del 192.0.2.1/24 dev lan"));
  ASSERT_TRUE(run_until([&] {
    const KernelState& now = *observed.last;
    return now.neighbours.empty() && now.addresses.size() <= 1 &&  // the IPv6 link-local address may remain
           !find_route(now, "203.0.113.0/24") && !find_route(now, "0.0.0.0/0", 100) &&
           !find_route(now, "2001:db8:1::/48", 1024) && !find_route(now, "192.0.2.0/24") &&
           !has_address(now, "lan", "192.0.2.1/24") && !has_address(now, "lan", "2001:db8::1/64");
  })) << text(*observed.last);
}

TEST_F(KernelMirrorNetns, RoutesOnOtherInterfacesAreIgnored) {
  ASSERT_TRUE(make_twin("wan0"));
  ASSERT_TRUE(ip("addr add 192.0.2.1/24 dev lan"));
  Observed& observed = start_mirror();
  ASSERT_TRUE(run_until([&] { return observed.published > 0; }));
  ASSERT_TRUE(ip("addr add 10.9.0.1/24 dev wan0"));
  ASSERT_TRUE(ip("route add 10.99.0.0/16 via 10.9.0.254 dev wan0 proto static"));
  ASSERT_TRUE(ip("route add 203.0.113.0/24 via 192.0.2.254 dev lan"));  // a marker behind the others
  ASSERT_TRUE(run_until([&] { return find_route(*observed.last, "203.0.113.0/24") != nullptr; }));
  const KernelState& state = *observed.last;
  EXPECT_FALSE(find_route(state, "10.99.0.0/16"));
  EXPECT_FALSE(find_route(state, "10.9.0.0/24"));
  for (const auto& [key, address] : state.addresses) EXPECT_EQ(address.interface, "lan");
  EXPECT_GT(observed.mirror->counters().ignored, 0u);
  EXPECT_EQ(observed.mirror->counters().refused_total(), 0u);
}

TEST_F(KernelMirrorNetns, BlackholeAndMultipathRoutesAreRefusedAndCounted) {
  ASSERT_TRUE(ip("addr add 192.0.2.1/24 dev lan"));
  Observed& observed = start_mirror();
  ASSERT_TRUE(run_until([&] { return observed.published > 0; }));
  ASSERT_TRUE(ip("route add blackhole 10.66.0.0/16"));
  ASSERT_TRUE(ip("route add unreachable 10.67.0.0/16"));
  ASSERT_TRUE(ip("route add 10.77.0.0/16 nexthop via 192.0.2.2 dev lan nexthop via 192.0.2.3 dev lan"));
  const auto& counters = observed.mirror->counters();
  ASSERT_TRUE(run_until([&] {
    return counters.refused_for(Refusal::kBlackhole) == 1 && counters.refused_for(Refusal::kMultipath) == 1 &&
           counters.refused_for(Refusal::kUnreachable) == 1;
  }));
  run_until([] { return false; }, 100ms);  // let a publication that would wrongly carry them happen
  const KernelState& state = *observed.last;
  EXPECT_FALSE(find_route(state, "10.66.0.0/16"));
  EXPECT_FALSE(find_route(state, "10.67.0.0/16"));
  EXPECT_FALSE(find_route(state, "10.77.0.0/16"));
  const auto& recent = observed.mirror->recent_refusals();
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent[0], "10.66.0.0/16 metric 0 table 254: blackhole route");
  EXPECT_EQ(recent[2], "10.77.0.0/16 metric 0 table 254: multipath route");
}

TEST_F(KernelMirrorNetns, RoutesBeyondTheLimitAreRefusedAndTheStateStaysConsistent) {
  ASSERT_TRUE(ip("addr add 192.0.2.1/24 dev lan"));
  constexpr size_t kLimit = 6;
  Observed& observed = start_mirror({{"lan"}, {kLimit, 8192, 64}});
  ASSERT_TRUE(run_until([&] { return observed.published > 0; }));
  for (int route = 1; route <= 10; ++route)
    ASSERT_TRUE(ip("route add 10.50." + std::to_string(route) + ".0/24 via 192.0.2.254"));
  const auto& counters = observed.mirror->counters();
  ASSERT_TRUE(run_until([&] {
    return observed.last->routes.size() == kLimit && counters.refused_for(Refusal::kRouteLimit) > 0;
  }));
  const KernelState kernel = fresh_dump();
  ASSERT_GT(kernel.routes.size(), kLimit);
  const KernelState& state = *observed.last;
  EXPECT_GE(counters.refused_for(Refusal::kRouteLimit), kernel.routes.size() - kLimit);
  for (const auto& [key, route] : state.routes) {
    ASSERT_TRUE(kernel.routes.contains(key)) << route.destination.to_string();
    EXPECT_EQ(kernel.routes.at(key), route);
  }
  // Room made by a deletion is filled at the next resync, not by a route the mirror never held.
  const std::string first = state.routes.begin()->second.destination.to_string();
  ASSERT_EQ(first.rfind("10.50.", 0), 0u) << first;
  ASSERT_TRUE(ip("route del " + first));
  ASSERT_TRUE(run_until([&] { return observed.last->routes.size() == kLimit - 1; }));
  observed.mirror->resync();
  ASSERT_TRUE(run_until([&] { return observed.last->routes.size() == kLimit; }));
  EXPECT_EQ(counters.resyncs, 1u);
}

TEST_F(KernelMirrorNetns, AnOverrunIsFollowedByAFullResyncToTheKernelsExactState) {
  ASSERT_TRUE(ip("addr add 192.0.2.1/24 dev lan"));
  KernelMirrorOptions options{{"lan"}, {}};
  options.receive_buffer_bytes = 4096;  // the kernel doubles it; a burst of thousands cannot fit
  Observed& observed = start_mirror(options);
  ASSERT_TRUE(run_until([&] { return observed.published > 0; }));

  const std::string batch = testing::TempDir() + "/kernel-mirror-routes-" + namespace_;
  {
    std::ofstream out(batch);
    for (int route = 0; route < 3000; ++route)
      out << "route add 10." << 100 + route / 256 << "." << route % 256
          << ".0/24 via 192.0.2.254 dev lan proto static\n";
    out << "route del 10.100.0.0/24\n";  // also a deletion the mirror can only learn from the resync
  }
  // The mirror is not polled while the burst runs: its socket overflows.
  ASSERT_TRUE(ip("-batch " + batch));
  std::remove(batch.c_str());

  const auto& counters = observed.mirror->counters();
  ASSERT_TRUE(run_until(
      [&] { return counters.overruns > 0 && counters.resyncs > 0 && observed.last->routes.size() >= 3000; },
      20000ms));
  const KernelState kernel = fresh_dump();
  run_until([] { return false; }, 100ms);
  ASSERT_GE(kernel.routes.size(), 3000u);  // 2999 of the burst, the connected ones
  EXPECT_TRUE(*observed.last == kernel);
  EXPECT_EQ(observed.mirror->state(), kernel);
  EXPECT_EQ(counters.dumps, counters.resyncs + 1);
}

TEST_F(KernelMirrorNetns, AnInterfaceDeletedAndRecreatedIsFollowed) {
  ASSERT_TRUE(ip("addr add 192.0.2.1/24 dev lan"));
  ASSERT_TRUE(ip("route add 198.51.100.0/24 via 192.0.2.254"));
  Observed& observed = start_mirror();
  ASSERT_TRUE(
      run_until([&] { return observed.published > 0 && find_route(*observed.last, "198.51.100.0/24"); }));

  ASSERT_TRUE(ip("link del lan"));
  ASSERT_TRUE(run_until([&] { return observed.last->interfaces.empty(); }));
  EXPECT_EQ(*observed.last, KernelState{});

  ASSERT_TRUE(make_twin("lan"));
  ASSERT_TRUE(ip("addr add 192.0.2.9/24 dev lan"));
  ASSERT_TRUE(ip("route add 203.0.113.0/24 via 192.0.2.254 proto static"));
  ASSERT_TRUE(run_until([&] {
    const KernelState& state = *observed.last;
    return has_address(state, "lan", "192.0.2.9/24") && find_route(state, "203.0.113.0/24");
  }));
  const KernelState& state = *observed.last;
  EXPECT_EQ(state.interfaces, std::vector<std::string>{"lan"});
  EXPECT_FALSE(has_address(state, "lan", "192.0.2.1/24"));
  EXPECT_FALSE(find_route(state, "198.51.100.0/24"));
  EXPECT_TRUE(converges(observed)) << "mirror:" << text(*observed.last) << "kernel:" << last_kernel_;
}

}  // namespace
}  // namespace torwart::controlplane
