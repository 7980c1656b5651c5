#pragma once
// How a protocol plugs into the application layer: a ProtocolModule (probe + parser entry points) in one
// file under protocols/, listed once in protocols/registry.cpp. The inspector owns the sessions and calls
// the module; the module parses, updates the flow's facts, asks for a verdict through AppCall::decide() and
// writes its EVE records through the hooks.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/applayer/app_buffers.hpp"
#include "dataplane/applayer/app_facts.hpp"
#include "dataplane/applayer/common.hpp"
#include "dataplane/conntrack/flow.hpp"
#include "dataplane/core/fixed_json.hpp"
#include "dataplane/stream/stream_reassembler.hpp"

namespace torwart::dataplane::applayer {

// kLimitDrop: not a policy verdict but fail-closed at a limit (inspection.on_limit: drop).
enum class PacketVerdict : uint8_t { kPass, kDrop, kReject, kLimitDrop };

// Per-worker objects the parsers need (inflaters, digest contexts, their counters): protocols/context.hpp.
struct ProtocolContext;

struct ProtocolLimits {
  uint32_t http_body_depth = 64 * 1024;  // decoded body bytes looked at per transaction direction
  uint32_t inflaters = 64;               // gzip/deflate bodies decoded at once per worker
};

// Bytes of parser state a session holds; each module static_asserts that its state fits.
inline constexpr size_t kParserStateBytes = size_t{7} * 1024;
// Stream bytes kept per direction while the protocol is not known yet (every probe decides within them).
inline constexpr size_t kProbeBytes = 512;

struct Session {
  uint32_t next_free;
  stream::StreamState stream[2];  // [Direction]
  StreamTail signature_tail[2];   // [Direction]
  uint16_t probe_length[2];
  AppFacts facts;
  uint8_t probe_bytes[2][kProbeBytes];
  alignas(8) unsigned char parser[kParserStateBytes];
};

enum class EveKind : uint8_t { kHttp, kTls, kDns, kAnomaly };

// What the integrator (the fast path's stage, or `torwart inspect`) provides.
class AppHooks {
 public:
  virtual ~AppHooks() = default;
  // The policy's verdict on what is known about the flow now.
  virtual PacketVerdict decide(conntrack::Flow& flow, const AppFacts& facts) = 0;
  // EVE records of this kind are switched on.
  virtual bool wants(EveKind kind) const = 0;
  // A record buffer (nullptr: the ring is full, counted by the hooks); commit() hands it over.
  virtual char* reserve(size_t& capacity) = 0;
  virtual void commit(size_t length) = 0;
  // The fields every EVE record starts with: timestamp, flow_id, in_iface, event_type, src/dest address and
  // port (the client is the source), proto, community_id, app_proto; addresses pseudonymised when configured
  // (the community id then over the pseudonyms). `host` is added where the record is written (eve_host.hpp).
  virtual void record_header(FixedJson& json, const conntrack::Flow& flow, std::string_view event_type,
                             uint64_t now_ns) = 0;
  // The signature engine: it wants every TCP direction's in-order bytes (to stream depth), even after the
  // parser is done with the flow.
  virtual bool wants_stream() const { return false; }
  virtual PacketVerdict stream(conntrack::Flow& /*flow*/, Session& /*session*/, Direction /*direction*/,
                               std::span<const uint8_t> /*bytes*/, uint64_t /*now_ns*/) {
    return PacketVerdict::kPass;
  }
  // A signature set runs: the modules build application-layer moments for event() only then.
  virtual bool wants_events() const { return false; }
  // An application-layer moment with its buffers (app_buffers.hpp).
  virtual PacketVerdict event(conntrack::Flow& /*flow*/, const AppEvent& /*event*/, uint64_t /*now_ns*/) {
    return PacketVerdict::kPass;
  }
};

// One call into a module: the flow, its facts, where verdict and records go.
struct AppCall {
  conntrack::Flow& flow;
  AppHooks& hooks;
  ProtocolContext& context;
  AppFacts& facts;
  uint64_t now_ns;
  PacketVerdict* verdict;  // the packet's verdict so far; decide() may make it stricter
  uint64_t* anomalies;
  uint8_t* flow_flags = nullptr;  // the flow's FlowApp::flags: an anomaly marks the flow

  void decide();
  // Hands an application-layer moment to the signature engine; its verdict may make the packet's stricter.
  void event(const AppEvent& event);
  // A parser found something malformed (`event`: the parser's reason name): counted, and an EVE `anomaly`
  // record in Suricata's layout (type "applayer", layer "proto_parser").
  void anomaly(std::string_view event);
};

struct ProtocolModule {
  AppProto proto;
  bool over_tcp;
  bool over_udp;
  ProbeResult (*probe_tcp)(Direction, std::span<const uint8_t> first_bytes);
  ProbeResult (*probe_udp)(Direction, std::span<const uint8_t> datagram);
  // TCP: the parser state in Session::parser is set up, then fed each direction's bytes in order.
  void (*start)(Session& session, ProtocolContext& context);
  void (*stream)(Session& session, Direction direction, std::span<const uint8_t> bytes, AppCall& call);
  // Nothing more to learn from this flow (e.g. TLS once encrypted): the session can go.
  bool (*finished)(const Session& session);
  // The flow ends (or its session goes): report what is unfinished, return borrowed resources.
  void (*end)(Session& session, AppCall& call);
  // UDP: one datagram, no session.
  void (*datagram)(Direction direction, std::span<const uint8_t> datagram, AppCall& call);
};

// Every protocol torwart identifies, in probing order.
std::span<const ProtocolModule* const> protocol_modules();

}  // namespace torwart::dataplane::applayer
