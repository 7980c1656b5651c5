#include "dataplane/pipeline/app_hooks.hpp"

#include <arpa/inet.h>

#include <cstring>

#include "dataplane/eve/eve_address.hpp"
#include "dataplane/eve/eve_format.hpp"
#include "dataplane/pipeline/flow_log.hpp"
#include "dataplane/pipeline/flow_policy_query.hpp"
#include "dataplane/pipeline/signature_hooks.hpp"

namespace torwart::dataplane {
namespace {

using Answer = policy::CompiledPolicy::AppAnswer;
using applayer::AppFacts;
using applayer::AppProto;
namespace fact = applayer::fact;

// A fact of protocol `proto`: known, known to be absent (`over` seen without it), or still to come.
Answer name_fact(const std::optional<config::NameList>& names, const AppFacts& facts, AppProto proto,
                 uint8_t known_bit, uint8_t over_bit, const applayer::FixedString<256>& value) {
  if ((facts.known & fact::kApp) && facts.proto != proto) return Answer::kNo;
  if (facts.known & known_bit) return names->matches(value.view()) ? Answer::kYes : Answer::kNo;
  if (facts.known & over_bit) return Answer::kNo;
  return Answer::kNotYet;
}

// "text/html; charset=utf-8" against "text/html" or "text/*", case-insensitively.
bool media_type_matches(std::string_view header, std::string_view range) {
  const size_t end = header.find_first_of("; \t");
  std::string_view media = header.substr(0, end);
  if (media.size() > 127) return false;
  char lowered[128];
  for (size_t i = 0; i < media.size(); ++i) {
    const char c = media[i];
    lowered[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  media = {lowered, media.size()};
  if (range.ends_with("/*")) return media.starts_with(range.substr(0, range.size() - 1));
  return media == range;
}

}  // namespace

Answer answer_app_match(const config::AppMatch& m, const AppFacts& facts) {
  bool not_yet = false;
  auto fold = [&](Answer a) {
    if (a == Answer::kNotYet) not_yet = true;
    return a != Answer::kNo;
  };
  if (!m.apps.empty()) {
    Answer a = Answer::kNotYet;
    if (facts.known & fact::kApp) {
      a = Answer::kNo;
      for (const std::string& name : m.apps)
        if (applayer::app_proto_name(facts.proto) == name) a = Answer::kYes;
    }
    if (!fold(a)) return Answer::kNo;
  }
  if (m.tls_sni &&
      !fold(name_fact(m.tls_sni, facts, AppProto::kTls, fact::kTlsSni, fact::kTlsHelloSeen, facts.tls_sni)))
    return Answer::kNo;
  if (m.http_host && !fold(name_fact(m.http_host, facts, AppProto::kHttp, fact::kHttpHost,
                                     fact::kHttpRequestSeen, facts.http_host)))
    return Answer::kNo;
  if (m.dns_name && !fold(name_fact(m.dns_name, facts, AppProto::kDns, fact::kDnsName, 0, facts.dns_name)))
    return Answer::kNo;
  if (!m.http_content_types.empty()) {
    // Not HTTP, or a response without a content type: no. A content type: whether it is listed.
    const bool other_protocol = (facts.known & fact::kApp) && facts.proto != AppProto::kHttp;
    const bool has_type = (facts.known & fact::kHttpContentType) != 0;
    Answer a = Answer::kNotYet;
    if (other_protocol || (!has_type && (facts.known & fact::kHttpResponseSeen))) a = Answer::kNo;
    if (!other_protocol && has_type) {
      a = Answer::kNo;
      for (const std::string& range : m.http_content_types)
        if (media_type_matches(facts.http_content_type.view(), range)) a = Answer::kYes;
    }
    if (!fold(a)) return Answer::kNo;
  }
  return not_yet ? Answer::kNotYet : Answer::kYes;
}

applayer::PacketVerdict StageAppHooks::decide(conntrack::Flow& flow, const AppFacts& facts) {
  if (meta_ == nullptr || ctx_.snapshot == nullptr || ctx_.monitoring) return applayer::PacketVerdict::kPass;
  if ((flow.flags & conntrack::flow_flag::kAppPending) == 0) return applayer::PacketVerdict::kPass;
  const Snapshot& snapshot = *ctx_.snapshot;
  const policy::PolicyQuery query = query_of_flow(snapshot, flow, *meta_);
  const auto verdict = snapshot.policy().decide_app(
      query, [&](const config::AppMatch& m) { return answer_app_match(m, facts); });
  ++ctx_.counters.app_policy_decisions;
  if (!verdict) return applayer::PacketVerdict::kPass;  // an earlier rule waits for a fact still to come
  flow.policy_rule = verdict->is_default() ? conntrack::kNoPolicyRule : static_cast<uint16_t>(verdict->rule);
  flow.flags = static_cast<uint8_t>((flow.flags & ~conntrack::flow_flag::kLog) |
                                    (verdict->log ? conntrack::flow_flag::kLog : 0));
  meta_->policy_rule = verdict->is_default() ? kNoPolicyRuleInMeta : static_cast<uint16_t>(verdict->rule);
  if (!verdict->log) meta_->flags |= meta_flag::kNoLog;
  switch (verdict->action) {
    case config::PolicyAction::kAccept:
      return applayer::PacketVerdict::kPass;
    case config::PolicyAction::kDrop:
      return applayer::PacketVerdict::kDrop;
    case config::PolicyAction::kReject:
      return applayer::PacketVerdict::kReject;
  }
  return applayer::PacketVerdict::kDrop;
}

bool StageAppHooks::wants(applayer::EveKind kind) const {
  if (ctx_.snapshot == nullptr) return false;
  const config::Logging& logging = ctx_.snapshot->source().logging;
  switch (kind) {
    case applayer::EveKind::kHttp:
      return logging.http_records;
    case applayer::EveKind::kTls:
      return logging.tls_records;
    case applayer::EveKind::kDns:
      return logging.dns_records;
    case applayer::EveKind::kAnomaly:
      return logging.anomaly_records;
  }
  return false;
}

char* StageAppHooks::reserve(size_t& capacity) {
  char* slot = ctx_.eve.reserve();
  if (slot == nullptr) ++ctx_.counters.eve_records_lost;
  capacity = EveRing::kMaxRecord;
  return slot;
}

void StageAppHooks::commit(size_t length) {
  if (length == 0) {
    ++ctx_.counters.eve_records_lost;  // did not fit the record buffer
    return;
  }
  ctx_.eve.commit(static_cast<uint32_t>(length));
}

void StageAppHooks::record_header(FixedJson& json, const conntrack::Flow& flow, std::string_view event_type,
                                  uint64_t now_ns) {
  const conntrack::FlowTuple& t = flow.original();
  const bool ipv6 = t.family == 6;
  char timestamp[40];
  const size_t ts_length = format_eve_timestamp(timestamp, sizeof timestamp, now_ns);
  const config::Logging plain;
  const config::Logging& logging = ctx_.snapshot != nullptr ? ctx_.snapshot->source().logging : plain;
  // Pseudonymised once, for the text and the community id alike.
  uint8_t logged_src[16], logged_dst[16];
  std::memcpy(logged_src, t.source, 16);
  std::memcpy(logged_dst, t.destination, 16);
  pseudonymise_in_place(logging, ipv6, logged_src);
  pseudonymise_in_place(logging, ipv6, logged_dst);
  char src[INET6_ADDRSTRLEN] = {}, dst[INET6_ADDRSTRLEN] = {};
  inet_ntop(ipv6 ? AF_INET6 : AF_INET, logged_src, src, sizeof src);
  inet_ntop(ipv6 ? AF_INET6 : AF_INET, logged_dst, dst, sizeof dst);
  char community[kCommunityIdLength];
  const size_t community_length = flow_community_id(flow, logged_src, logged_dst, community);
  char scratch[8];
  json.field("timestamp", std::string_view(timestamp, ts_length)).field("flow_id", flow.id);
  if (!ctx_.interface_name_override.empty())
    json.field("in_iface", ctx_.interface_name_override);
  else if (ctx_.snapshot != nullptr)
    json.field("in_iface", interface_towards(*ctx_.snapshot, ipv6, t.source));
  json.field("event_type", event_type)
      .field("src_ip", std::string_view(src))
      .field("src_port", uint64_t{t.source_port})
      .field("dest_ip", std::string_view(dst))
      .field("dest_port", uint64_t{t.destination_port})
      .field("proto", proto_name(t.protocol, scratch))
      .field("community_id", std::string_view(community, community_length));
}

bool StageAppHooks::wants_stream() const {
  return ctx_.snapshot != nullptr && ctx_.snapshot->signatures() != nullptr &&
         ctx_.snapshot->signatures()->wants_stream();
}

bool StageAppHooks::wants_events() const {
  return ctx_.snapshot != nullptr && ctx_.snapshot->signatures() != nullptr;
}

applayer::PacketVerdict StageAppHooks::note(ids::DetectVerdict verdict) {
  if (verdict != ids::DetectVerdict::kPass) signature_verdict_ = true;
  return packet_verdict_of(verdict);
}

applayer::PacketVerdict StageAppHooks::stream(conntrack::Flow& flow, applayer::Session& session,
                                              applayer::Direction direction, std::span<const uint8_t> bytes,
                                              uint64_t now_ns) {
  if (!wants_stream()) return applayer::PacketVerdict::kPass;
  const ids::DetectTarget target = detect_target(ctx_, flow, direction);
  AlertLog log(ctx_, flow);
  return note(ctx_.detector.stream(*ctx_.snapshot->signatures(), target,
                                   session.signature_tail[static_cast<unsigned>(direction)], bytes, log,
                                   now_ns));
}

applayer::PacketVerdict StageAppHooks::event(conntrack::Flow& flow, const applayer::AppEvent& event,
                                             uint64_t now_ns) {
  if (!wants_events()) return applayer::PacketVerdict::kPass;
  const ids::DetectTarget target = detect_target(ctx_, flow, event.direction);
  AlertLog log(ctx_, flow);
  return note(ctx_.detector.event(*ctx_.snapshot->signatures(), target, event, log, now_ns));
}

}  // namespace torwart::dataplane
