#pragma once
// Reads several captures at once and yields their packets in timestamp order (ties: the input named
// first on the command line wins), with nanosecond timestamps.
#include <pcap/pcap.h>

#include <cstdint>
#include <memory>
#include <queue>
#include <string>
#include <vector>

namespace torwart::dataplane::replay {

struct CapturedPacket {
  uint64_t timestamp_ns = 0;
  uint16_t input = 0;  // index of the input it came from
  const uint8_t* data = nullptr;
  uint32_t captured_length = 0;
  uint32_t original_length = 0;
};

class CaptureMerge {
 public:
  // Throws ReplayInputError naming the file that cannot be read or is not Ethernet.
  explicit CaptureMerge(const std::vector<std::string>& paths);
  ~CaptureMerge();
  CaptureMerge(const CaptureMerge&) = delete;
  CaptureMerge& operator=(const CaptureMerge&) = delete;

  // The next packet in time order; false at the end. `data` stays valid until the next call.
  bool next(CapturedPacket& packet);
  uint64_t truncated_records() const { return truncated_; }

 private:
  struct Head {
    uint64_t timestamp_ns;
    uint16_t input;
    bool operator>(const Head& other) const {
      return timestamp_ns != other.timestamp_ns ? timestamp_ns > other.timestamp_ns : input > other.input;
    }
  };
  bool advance(uint16_t input);

  std::vector<pcap_t*> handles_;
  std::vector<std::string> paths_;
  std::vector<std::vector<uint8_t>> current_;
  std::vector<pcap_pkthdr> headers_;
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heads_;
  std::vector<uint8_t> delivered_;
  uint64_t truncated_ = 0;
};

}  // namespace torwart::dataplane::replay
