// Fuzzing the message parser and the UDP/TCP probes. Beyond "no crash, no sanitizer report", it checks what
// must hold for any input: capacities are respected, and a message that parses whole also parses from any
// prefix of it, the same as far as the prefix reaches.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "dataplane/applayer/dns/dns_parser.hpp"
#include "dataplane/applayer/dns/dns_probe.hpp"

using namespace torwart::dataplane::applayer;
using namespace torwart::dataplane::applayer::dns;

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

void check_capacities(const DnsMessage& m) {
  require(m.question_stored <= kDnsMaxQuestions && m.answer_stored <= kDnsMaxAnswers);
  require(m.authority_stored <= kDnsMaxAuthorities && m.additional_stored <= kDnsMaxAdditionals);
  for (size_t i = 0; i < m.question_stored; ++i) require(m.questions[i].name.length <= kDnsNameCapacity);
  for (size_t i = 0; i < m.answer_stored; ++i) {
    require(m.answers[i].name.length <= kDnsNameCapacity &&
            m.answers[i].rdata.length <= kDnsRdataTextCapacity);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  probe_dns_udp(Direction::kToServer, bytes);
  probe_dns_udp(Direction::kToClient, bytes);
  probe_dns_tcp(Direction::kToServer, bytes);
  probe_dns_tcp(Direction::kToClient, bytes);

  static DnsMessage whole;
  static DnsMessage prefix;
  DnsAnomaly anomaly;
  const bool ok = dns_parse_message(bytes, whole, anomaly);
  require(ok == (anomaly.reason == DnsAnomalyReason::kNone));
  if (!ok || size > 0xffff) return 0;
  check_capacities(whole);
  require(!whole.incomplete && whole.trailing_bytes <= size);
  // Any prefix that holds the header (a valid message has one).
  const size_t cut = 12 + (static_cast<size_t>(data[size - 1]) << 8 | data[size - 2]) % (size - 11);
  DnsAnomaly prefix_anomaly;
  require(dns_parse_message_prefix(bytes.first(cut), static_cast<uint16_t>(size), prefix, prefix_anomaly));
  check_capacities(prefix);
  require(prefix.header.id == whole.header.id && prefix.full_length == size);
  require(prefix.question_stored <= whole.question_stored && prefix.answer_stored <= whole.answer_stored);
  for (size_t i = 0; i < prefix.answer_stored; ++i) {
    require(prefix.answers[i].name.view() == whole.answers[i].name.view());
    require(prefix.answers[i].rdata.view() == whole.answers[i].rdata.view());
  }
  if (!prefix.incomplete) require(prefix.trailing_bytes == whole.trailing_bytes);
  return 0;
}
