#pragma once
// Where parsed DNS messages and anomalies go, and the counters an integrator keeps per worker.
#include <cstdint>

#include "dataplane/applayer/common.hpp"
#include "dataplane/applayer/dns/dns_anomaly.hpp"
#include "dataplane/applayer/dns/dns_message.hpp"

namespace torwart::dataplane::applayer::dns {

class DnsSink {
 public:
  virtual ~DnsSink() = default;
  // `message` lives only for the duration of the call.
  virtual void on_message(Direction direction, const DnsMessage& message) = 0;
  virtual void on_anomaly(Direction direction, DnsAnomaly anomaly) = 0;
};

struct DnsCounters {
  uint64_t queries = 0;
  uint64_t responses = 0;
  uint64_t tc_set = 0;         // responses with the TC bit (the server truncated them)
  uint64_t capacity_cut = 0;   // messages with records or text cut by our capacities
  uint64_t parsed_prefix = 0;  // TCP messages longer than the framer's buffer, parsed from their start
  uint64_t anomalies[kDnsAnomalyReasonCount] = {};

  void count_message(const DnsMessage& message) {
    ++(message.is_response() ? responses : queries);
    if (message.header.tc()) ++tc_set;
    if (message.cut()) ++capacity_cut;
    if (message.incomplete) ++parsed_prefix;
  }
  void count_anomaly(DnsAnomaly anomaly) {
    const auto index = static_cast<size_t>(anomaly.reason);
    if (index < kDnsAnomalyReasonCount) ++anomalies[index];
  }
  uint64_t anomaly_total() const {
    uint64_t total = 0;
    for (const uint64_t n : anomalies) total += n;
    return total;
  }
};

static_assert(std::is_trivially_copyable_v<DnsCounters>);

}  // namespace torwart::dataplane::applayer::dns
