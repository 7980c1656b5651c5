// Fuzzing the DNS-over-TCP framer: the input is one direction's stream;
// fed whole, in three pieces at points chosen by the input, and byte by byte, it must give the same events.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "dataplane/applayer/dns/dns_names.hpp"
#include "dataplane/applayer/dns/dns_tcp.hpp"
#include "dataplane/applayer/dns/dns_test_messages.hpp"

using namespace torwart::dataplane::applayer;
using namespace torwart::dataplane::applayer::dns;

namespace {

class TranscriptSink final : public DnsSink {
 public:
  void on_message(Direction d, const DnsMessage& message) override {
    text += d == Direction::kToServer ? "S " : "C ";
    text += test::summarise(message);
    text += '\n';
  }
  void on_anomaly(Direction d, DnsAnomaly anomaly) override {
    text += d == Direction::kToServer ? "S ! " : "C ! ";
    text += dns_anomaly_name(anomaly.reason);
    text += std::to_string(anomaly.offset);
    text += '\n';
  }
  std::string text;
};

std::string feed(std::span<const uint8_t> stream, size_t first_cut, size_t second_cut, bool byte_by_byte) {
  static DnsTcpFlowState state;
  dns_tcp_start(state);
  TranscriptSink sink;
  if (byte_by_byte) {
    for (size_t i = 0; i < stream.size(); ++i)
      dns_tcp_feed(state, Direction::kToServer, stream.subspan(i, 1), sink);
    return sink.text;
  }
  dns_tcp_feed(state, Direction::kToServer, stream.first(first_cut), sink);
  dns_tcp_feed(state, Direction::kToServer, stream.subspan(first_cut, second_cut - first_cut), sink);
  dns_tcp_feed(state, Direction::kToServer, stream.subspan(second_cut), sink);
  return sink.text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> stream(data, size);
  const size_t a = size == 0 ? 0 : (static_cast<size_t>(data[0]) * 7919) % (size + 1);
  const size_t b = size == 0 ? 0 : (static_cast<size_t>(data[size - 1]) * 104729) % (size + 1);
  const std::string whole = feed(stream, size, size, false);
  if (feed(stream, std::min(a, b), std::max(a, b), false) != whole) std::abort();
  if (feed(stream, 0, 1 < size ? 1 : size, false) != whole) std::abort();
  if (feed(stream, 0, 0, true) != whole) std::abort();
  return 0;
}
