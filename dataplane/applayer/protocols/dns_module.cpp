// DNS over UDP (each datagram on its own) and TCP (dns/dns_tcp.hpp framing): every message's first question
// name is a fact the policy may match (dns_name), and each message gets a `dns` record in Suricata's
// version-2 layout.
#include <new>

#include "dataplane/applayer/dns/dns_names.hpp"
#include "dataplane/applayer/dns/dns_parser.hpp"
#include "dataplane/applayer/dns/dns_probe.hpp"
#include "dataplane/applayer/dns/dns_tcp.hpp"
#include "dataplane/applayer/protocols/context.hpp"
#include "dataplane/applayer/protocols/eve_record.hpp"
#include "dataplane/applayer/protocols/modules.hpp"

namespace torwart::dataplane::applayer {
namespace {

static_assert(sizeof(dns::DnsTcpFlowState) <= kParserStateBytes);

void write_dns_eve(const dns::DnsMessage& m, FixedJson& json) {
  FixedString<16> type_name, rcode_name;
  json.open_object("dns");
  json.field("version", uint64_t{2}).field("type", dns::dns_eve_type(m.is_response()));
  json.field("id", uint64_t{m.header.id});
  if (m.is_response()) {
    static constexpr char kHex[] = "0123456789abcdef";
    const char flags[4] = {kHex[m.header.flags >> 12], kHex[(m.header.flags >> 8) & 0xf],
                           kHex[(m.header.flags >> 4) & 0xf], kHex[m.header.flags & 0xf]};
    json.field("flags", std::string_view(flags, 4)).field("qr", true);
    if (m.header.aa()) json.field("aa", true);
    if (m.header.tc()) json.field("tc", true);
    if (m.header.rd()) json.field("rd", true);
    if (m.header.ra()) json.field("ra", true);
  }
  json.field("opcode", uint64_t{m.header.opcode()});
  if (m.question_stored > 0) {
    dns::format_dns_rrtype(m.questions[0].type, type_name);
    json.field("rrname", m.questions[0].name.view()).field("rrtype", type_name.view());
  }
  if (m.is_response()) {
    dns::format_dns_rcode(m.rcode(), rcode_name);
    json.field("rcode", rcode_name.view());
    if (m.answer_stored > 0) {
      json.open_array("answers");
      for (unsigned i = 0; i < m.answer_stored; ++i) {
        const dns::DnsRecord& r = m.answers[i];
        dns::format_dns_rrtype(r.type, type_name);
        json.open_object().field("rrname", r.name.view()).field("rrtype", type_name.view());
        json.field("ttl", uint64_t{r.ttl});
        if (r.rdata_decoded) json.field("rdata", r.rdata.view());
        json.close_object();
      }
      json.close_array();
    }
  }
  json.close_object();
}

void on_message(const dns::DnsMessage& message, AppCall& call) {
  call.context.dns_counters.count_message(message);
  if (message.question_stored > 0) {
    call.facts.dns_name.assign(message.questions[0].name.view());
    call.facts.known |= fact::kDnsName;
  }
  call.decide();
  if (!message.is_response() && call.hooks.wants_events()) {
    for (unsigned i = 0; i < message.question_stored; ++i) {
      AppEvent e;
      e.phase = Phase::kDnsQuery;
      e.direction = Direction::kToServer;
      e.set(BufferId::kDnsQuery, message.questions[i].name.view());
      call.event(e);
    }
  }
  write_app_record(call, EveKind::kDns, "dns", [&](FixedJson& json) { write_dns_eve(message, json); });
}

class Sink final : public dns::DnsSink {
 public:
  explicit Sink(AppCall& call) : call_(call) {}
  void on_message(Direction, const dns::DnsMessage& message) override {
    applayer::on_message(message, call_);
  }
  void on_anomaly(Direction, dns::DnsAnomaly anomaly) override {
    call_.context.dns_counters.count_anomaly(anomaly);
    call_.anomaly(dns::dns_anomaly_name(anomaly.reason));
  }

 private:
  AppCall& call_;
};

void start(Session& s, ProtocolContext&) {
  auto* state = new (s.parser) dns::DnsTcpFlowState;
  dns::dns_tcp_start(*state);
}

void stream(Session& s, Direction d, std::span<const uint8_t> bytes, AppCall& call) {
  Sink sink(call);
  dns::dns_tcp_feed(*std::launder(reinterpret_cast<dns::DnsTcpFlowState*>(s.parser)), d, bytes, sink);
}

void datagram(Direction, std::span<const uint8_t> bytes, AppCall& call) {
  // 15 KB: on the worker's stack, never zeroed whole (the parser fills what it reports).
  dns::DnsMessage message;
  dns::DnsAnomaly anomaly;
  if (!dns::dns_parse_message(bytes, message, anomaly)) {
    call.context.dns_counters.count_anomaly(anomaly);
    call.anomaly(dns::dns_anomaly_name(anomaly.reason));
    return;
  }
  on_message(message, call);
}

}  // namespace

const ProtocolModule kDnsModule{
    AppProto::kDns, true,    true,    dns::probe_dns_tcp, dns::probe_dns_udp, start, stream,
    nullptr,        nullptr, datagram};

}  // namespace torwart::dataplane::applayer
