// The inspector with a made-up line protocol ("HELLO <name>\n" from the client, "OK\n" from the server): the
// framework's identification, reassembly, verdicts, limits and session lifetime, independent of the real
// parsers (each has its own tests).
#include "dataplane/applayer/inspector.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

namespace torwart::dataplane::applayer {
namespace {

struct LineState {
  uint32_t bytes[2];
  char line[64];
  uint8_t line_length;
  bool named;
  bool server_said_ok;
};

LineState& state_of(Session& s) {
  return *reinterpret_cast<LineState*>(s.parser);
}
const LineState& state_of(const Session& s) {
  return *reinterpret_cast<const LineState*>(s.parser);
}

std::vector<std::string>* g_ended = nullptr;

ProbeResult probe_line(Direction d, std::span<const uint8_t> bytes) {
  const std::string_view want = d == Direction::kToServer ? "HELLO " : "OK";
  const std::string_view got = as_text(bytes);
  const size_t n = std::min(got.size(), want.size());
  if (got.substr(0, n) != want.substr(0, n)) return ProbeResult::kNoMatch;
  return n == want.size() ? ProbeResult::kMatch : ProbeResult::kNeedMore;
}

void start_line(Session& s, ProtocolContext&) {
  state_of(s) = LineState{};
}

void stream_line(Session& s, Direction d, std::span<const uint8_t> bytes, AppCall& call) {
  LineState& st = state_of(s);
  st.bytes[static_cast<unsigned>(d)] += static_cast<uint32_t>(bytes.size());
  if (d == Direction::kToClient) {
    st.server_said_ok = true;
    return;
  }
  for (uint8_t c : bytes) {
    if (st.named) break;
    if (c == '\n') {
      st.named = true;
      call.facts.tls_sni.assign(std::string_view(st.line, st.line_length).substr(6));
      call.facts.known |= fact::kTlsSni;
      call.decide();
    } else if (st.line_length < sizeof st.line) {
      st.line[st.line_length++] = static_cast<char>(c);
    } else {
      call.anomaly("line_too_long");
    }
  }
}

bool line_finished(const Session& s) {
  return state_of(s).named && state_of(s).server_said_ok;
}

void end_line(Session& s, AppCall&) {
  if (g_ended) g_ended->push_back(std::string(state_of(s).line, state_of(s).line_length));
}

ProbeResult probe_ping(Direction, std::span<const uint8_t> datagram) {
  return as_text(datagram).starts_with("PING") ? ProbeResult::kMatch : ProbeResult::kNoMatch;
}

void datagram_ping(Direction, std::span<const uint8_t> datagram, AppCall& call) {
  call.facts.dns_name.assign(as_text(datagram).substr(4));
  call.facts.known |= fact::kDnsName;
  call.decide();
}

const ProtocolModule kLine{AppProto::kTls, true,        false,         probe_line, nullptr,
                           start_line,     stream_line, line_finished, end_line,   nullptr};
const ProtocolModule kPing{AppProto::kDns, false,   true,    nullptr, probe_ping,
                           nullptr,        nullptr, nullptr, nullptr, datagram_ping};
const std::array<const ProtocolModule*, 2> kModules{&kLine, &kPing};

// Drops names "bad", rejects "reject"; records what it was asked.
class Hooks final : public AppHooks {
 public:
  PacketVerdict decide(conntrack::Flow&, const AppFacts& facts) override {
    asked.push_back(facts);
    if ((facts.known & fact::kTlsSni) && facts.tls_sni.view() == "bad") return PacketVerdict::kDrop;
    if ((facts.known & fact::kTlsSni) && facts.tls_sni.view() == "reject") return PacketVerdict::kReject;
    if ((facts.known & fact::kDnsName) && facts.dns_name.view() == " bad") return PacketVerdict::kDrop;
    return PacketVerdict::kPass;
  }
  bool wants(EveKind) const override { return false; }
  char* reserve(size_t&) override { return nullptr; }
  void commit(size_t) override {}
  void record_header(FixedJson&, const conntrack::Flow&, std::string_view, uint64_t) override {}
  std::vector<AppFacts> asked;
};

class InspectorTest : public ::testing::Test {
 protected:
  InspectorTest() : inspector_(limits(), 16, kModules) {
    flow_.id = 42;
    g_ended = &ended_;
  }
  ~InspectorTest() override { g_ended = nullptr; }

  static InspectionLimits limits() {
    InspectionLimits l;
    l.sessions = 2;
    l.reassembly.chunks = 4;
    l.reassembly.max_held_per_stream = 4096;
    l.identify_packets = 3;
    return l;
  }

  PacketVerdict tcp(Direction d, uint32_t seq, std::string_view data, uint8_t flags = 0x10,
                    uint16_t port = 7000, uint32_t slot = 0, conntrack::Flow* flow = nullptr) {
    PacketView p;
    p.ip_proto = 6;
    p.direction = d;
    p.tcp_flags = flags;
    p.tcp_seq = seq;
    p.server_port = port;
    p.payload = {reinterpret_cast<const uint8_t*>(data.data()), data.size()};
    return inspector_.inspect(flow ? *flow : flow_, slot, p, hooks_, 0);
  }
  PacketVerdict udp(Direction d, std::string_view data, uint16_t port = 9999) {
    PacketView p;
    p.ip_proto = 17;
    p.direction = d;
    p.server_port = port;
    p.payload = {reinterpret_cast<const uint8_t*>(data.data()), data.size()};
    return inspector_.inspect(flow_, 0, p, hooks_, 0);
  }
  void handshake(uint32_t client_isn = 1000, uint32_t server_isn = 5000) {
    tcp(Direction::kToServer, client_isn, "", 0x02);
    tcp(Direction::kToClient, server_isn, "", 0x12);
  }

  conntrack::Flow flow_{};
  Hooks hooks_;
  std::vector<std::string> ended_;
  Inspector inspector_;
};

TEST_F(InspectorTest, IdentifiesByContentOnAnyPortAndCountsThePacketsItTook) {
  handshake();
  EXPECT_EQ(tcp(Direction::kToServer, 1001, "HEL"), PacketVerdict::kPass);
  EXPECT_EQ(inspector_.app_proto(flow_, 0), AppProto::kNone);  // still probing
  EXPECT_EQ(tcp(Direction::kToServer, 1004, "LO alice\n"), PacketVerdict::kPass);
  EXPECT_EQ(inspector_.app_proto(flow_, 0), AppProto::kTls);
  EXPECT_EQ(inspector_.counters().identified[static_cast<size_t>(AppProto::kTls)], 1u);
  EXPECT_EQ(inspector_.counters().packets_to_identify[static_cast<size_t>(AppProto::kTls)], 2u);
  ASSERT_FALSE(hooks_.asked.empty());
  EXPECT_EQ(hooks_.asked.back().tls_sni.view(), "alice");
  EXPECT_EQ(inspector_.counters().midstream_starts, 0u);
}

TEST_F(InspectorTest, OutOfOrderSegmentsReachTheParserInOrder) {
  handshake();
  EXPECT_EQ(tcp(Direction::kToServer, 1007, "bob\n"), PacketVerdict::kPass);  // held: the start is missing
  EXPECT_EQ(inspector_.app_proto(flow_, 0), AppProto::kNone);
  EXPECT_EQ(tcp(Direction::kToServer, 1001, "HELLO "), PacketVerdict::kPass);
  ASSERT_EQ(inspector_.app_proto(flow_, 0), AppProto::kTls);
  EXPECT_EQ(hooks_.asked.back().tls_sni.view(), "bob");
}

TEST_F(InspectorTest, ADropVerdictStopsThePacketAndEveryLaterOneOfTheFlow) {
  handshake();
  EXPECT_EQ(tcp(Direction::kToServer, 1001, "HELLO bad\n"), PacketVerdict::kDrop);
  EXPECT_EQ(tcp(Direction::kToServer, 1001, "HELLO bad\n"), PacketVerdict::kDrop);  // the retransmission too
  EXPECT_EQ(tcp(Direction::kToClient, 5001, "OK\n"), PacketVerdict::kDrop);
  EXPECT_EQ(inspector_.free_sessions(), 2u);  // nothing more to inspect: the session went back
  EXPECT_EQ(inspector_.counters().verdict_drops, 1u);
  EXPECT_EQ(inspector_.counters().blocked_packets, 2u);
}

TEST_F(InspectorTest, ARejectVerdictIsReported) {
  handshake();
  EXPECT_EQ(tcp(Direction::kToServer, 1001, "HELLO reject\n"), PacketVerdict::kReject);
}

TEST_F(InspectorTest, GarbageOnAWellKnownPortIsFailedElsewhereUnknown) {
  handshake();
  tcp(Direction::kToServer, 1001, "xyz!", 0x10, 443);
  EXPECT_EQ(inspector_.app_proto(flow_, 0), AppProto::kFailed);  // one direction no probe knows settles it
  EXPECT_EQ(inspector_.free_sessions(), 2u);

  conntrack::Flow other{};
  other.id = 43;
  tcp(Direction::kToServer, 1, "what?", 0x10, 5555, 1, &other);
  EXPECT_EQ(inspector_.app_proto(other, 1), AppProto::kUnknown);
  ASSERT_FALSE(hooks_.asked.empty());
  EXPECT_EQ(hooks_.asked.back().proto,
            AppProto::kUnknown);  // the policy hears that it is not going to learn more
}

TEST_F(InspectorTest, MidstreamFlowsStartAtTheirFirstSegment) {
  EXPECT_EQ(tcp(Direction::kToServer, 777, "HELLO carol\n"), PacketVerdict::kPass);
  EXPECT_EQ(inspector_.app_proto(flow_, 0), AppProto::kTls);
  EXPECT_EQ(inspector_.counters().midstream_starts, 1u);
}

TEST_F(InspectorTest, FinishedFlowsGiveTheirSessionBackAndEndReportsOnce) {
  handshake();
  tcp(Direction::kToServer, 1001, "HELLO dave\n");
  EXPECT_EQ(inspector_.free_sessions(), 1u);
  tcp(Direction::kToClient, 5001, "OK\n");
  EXPECT_EQ(inspector_.free_sessions(), 2u);
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0], "HELLO dave");
  EXPECT_EQ(tcp(Direction::kToServer, 1012, "more"), PacketVerdict::kPass);  // not inspected any more
  inspector_.flow_ended(flow_, 0, hooks_, 0);
  EXPECT_EQ(ended_.size(), 1u);
}

TEST_F(InspectorTest, FlowEndReleasesTheSessionAndASlotReusedByAnotherFlowStartsAfresh) {
  handshake();
  tcp(Direction::kToServer, 1001, "HELLO eve");  // no newline yet: still parsing
  EXPECT_EQ(inspector_.free_sessions(), 1u);
  inspector_.flow_ended(flow_, 0, hooks_, 0);
  EXPECT_EQ(inspector_.free_sessions(), 2u);
  ASSERT_EQ(ended_.size(), 1u);

  tcp(Direction::kToServer, 1001, "HELLO frank");
  conntrack::Flow next{};
  next.id = 99;  // the same slot, a new flow, without flow_ended() for the old one
  EXPECT_EQ(inspector_.app_proto(next, 0), AppProto::kNone);
  tcp(Direction::kToServer, 50, "HELLO gina\n", 0x10, 7000, 0, &next);
  EXPECT_EQ(inspector_.app_proto(next, 0), AppProto::kTls);
  EXPECT_EQ(hooks_.asked.back().tls_sni.view(), "gina");
  EXPECT_EQ(inspector_.free_sessions(), 1u);  // the stale session was released, not leaked
}

TEST_F(InspectorTest, NoFreeSessionFailsOpenOrClosedAsConfigured) {
  conntrack::Flow a{}, b{}, c{};
  a.id = 1;
  b.id = 2;
  c.id = 3;
  tcp(Direction::kToServer, 1, "HELLO x", 0x10, 7000, 1, &a);
  tcp(Direction::kToServer, 1, "HELLO y", 0x10, 7000, 2, &b);
  EXPECT_EQ(tcp(Direction::kToServer, 1, "HELLO bad\n", 0x10, 7000, 3, &c), PacketVerdict::kPass);
  EXPECT_EQ(inspector_.counters().sessions_exhausted, 1u);
  EXPECT_EQ(inspector_.counters().limit_passed, 1u);

  InspectionLimits closed = limits();
  closed.on_limit = LimitAction::kDrop;
  closed.sessions = 1;
  Inspector strict(closed, 16, kModules);
  PacketView p;
  p.ip_proto = 6;
  const std::string data = "HELLO z";
  p.payload = {reinterpret_cast<const uint8_t*>(data.data()), data.size()};
  EXPECT_EQ(strict.inspect(a, 1, p, hooks_, 0), PacketVerdict::kPass);
  EXPECT_EQ(strict.inspect(b, 2, p, hooks_, 0), PacketVerdict::kLimitDrop);
  EXPECT_EQ(strict.counters().limit_dropped, 1u);
}

TEST_F(InspectorTest, TheReassemblyLimitFailsOpenByStoppingInspection) {
  handshake();
  const std::string big(4000, 'a');
  // Far ahead of the gap: more than the per-stream hold allows once added to what waits.
  EXPECT_EQ(tcp(Direction::kToServer, 1101, big), PacketVerdict::kPass);
  EXPECT_EQ(tcp(Direction::kToServer, 6001, big), PacketVerdict::kPass);
  EXPECT_EQ(inspector_.counters().limit_passed, 1u);
  EXPECT_EQ(inspector_.free_sessions(), 2u);
  EXPECT_EQ(tcp(Direction::kToServer, 1001, "HELLO bad\n"), PacketVerdict::kPass);  // no longer inspected
}

TEST(InspectorLimits, TheReassemblyLimitFailsClosedByDroppingTheSegment) {
  InspectionLimits l;
  l.sessions = 1;
  l.reassembly.chunks = 4;
  l.reassembly.max_held_per_stream = 4096;
  l.on_limit = LimitAction::kDrop;
  Inspector inspector(l, 4, kModules);
  Hooks hooks;
  conntrack::Flow flow{};
  flow.id = 5;
  const std::string big(4000, 'a');
  PacketView p;
  p.ip_proto = 6;
  p.tcp_seq = 100;
  p.tcp_flags = 0x02;
  inspector.inspect(flow, 0, p, hooks, 0);
  p.tcp_flags = 0x10;
  p.payload = {reinterpret_cast<const uint8_t*>(big.data()), big.size()};
  p.tcp_seq = 201;
  EXPECT_EQ(inspector.inspect(flow, 0, p, hooks, 0), PacketVerdict::kPass);  // held
  p.tcp_seq = 5201;
  EXPECT_EQ(inspector.inspect(flow, 0, p, hooks, 0), PacketVerdict::kLimitDrop);
  EXPECT_EQ(inspector.counters().limit_dropped, 1u);
}

// Records written through the hooks: the header the hooks provide, then the module's object.
class RecordingHooks final : public AppHooks {
 public:
  PacketVerdict decide(conntrack::Flow&, const AppFacts&) override { return PacketVerdict::kPass; }
  bool wants(EveKind) const override { return true; }
  char* reserve(size_t& capacity) override {
    capacity = sizeof buffer;
    return buffer;
  }
  void commit(size_t length) override { records.emplace_back(buffer, length); }
  void record_header(FixedJson& json, const conntrack::Flow& flow, std::string_view type, uint64_t) override {
    json.field("flow_id", flow.id).field("event_type", type);
  }
  char buffer[1024];
  std::vector<std::string> records;
};

TEST(InspectorRecords, MalformedApplicationDataIsCountedAndLoggedAsAnAnomaly) {
  InspectionLimits l;
  l.sessions = 1;
  l.reassembly.chunks = 4;
  Inspector inspector(l, 4, kModules);
  RecordingHooks hooks;
  conntrack::Flow flow{};
  flow.id = 7;
  const std::string data = "HELLO " + std::string(100, 'z');  // longer than the line the parser keeps
  PacketView p;
  p.ip_proto = 6;
  p.payload = {reinterpret_cast<const uint8_t*>(data.data()), data.size()};
  inspector.inspect(flow, 0, p, hooks, 0);
  EXPECT_GT(inspector.counters().anomalies, 0u);
  EXPECT_TRUE(inspector.anomalous(flow, 0));  // the flow record will say so
  ASSERT_FALSE(hooks.records.empty());
  EXPECT_EQ(hooks.records[0],
            R"({"flow_id":7,"event_type":"anomaly","anomaly":{"app_proto":"tls","type":"applayer",)"
            R"("event":"line_too_long","layer":"proto_parser"}})");
}

TEST_F(InspectorTest, UdpDatagramsAreIdentifiedAndDecidedOneByOne) {
  EXPECT_EQ(udp(Direction::kToServer, "PING good"), PacketVerdict::kPass);
  EXPECT_EQ(inspector_.app_proto(flow_, 0), AppProto::kDns);
  EXPECT_EQ(udp(Direction::kToServer, "PING bad"), PacketVerdict::kDrop);
  EXPECT_EQ(udp(Direction::kToServer, "PING fine"), PacketVerdict::kPass);  // the flow goes on
  EXPECT_EQ(inspector_.free_sessions(), 2u);                                // UDP needs no session
}

TEST_F(InspectorTest, UnknownUdpIsSettledByTheFirstDatagramNoProbeKnows) {
  udp(Direction::kToServer, "hello?", 53);
  EXPECT_EQ(inspector_.app_proto(flow_, 0), AppProto::kFailed);
}

TEST_F(InspectorTest, AFlowThatKeepsProbesUndecidedIsUnknownAfterItsPacketBudget) {
  handshake();
  tcp(Direction::kToServer, 1001, "H");
  tcp(Direction::kToServer, 1002, "E");
  EXPECT_EQ(inspector_.app_proto(flow_, 0), AppProto::kNone);
  tcp(Direction::kToServer, 1003, "L");  // the third data packet: identify_packets is 3
  EXPECT_EQ(inspector_.app_proto(flow_, 0), AppProto::kUnknown);
}

}  // namespace
}  // namespace torwart::dataplane::applayer
