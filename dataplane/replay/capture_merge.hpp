#pragma once
// Reads several captures at once and yields their packets in timestamp order (ties: the input named
// first on the command line wins), with nanosecond timestamps.
#include <cstdint>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "dataplane/capture/capture_file.hpp"

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
  CaptureMerge(const CaptureMerge&) = delete;
  CaptureMerge& operator=(const CaptureMerge&) = delete;

  // The next packet in time order; false at the end. `data` stays valid until the next call.
  bool next(CapturedPacket& packet);
  // One line per damaged input ("FILE: record N at byte offset O: reason"); such an input ended there,
  // the records before the damage were replayed.
  const std::vector<std::string>& damage() const { return damage_; }

 private:
  struct Head {
    uint64_t timestamp_ns;
    uint16_t input;
    bool operator>(const Head& other) const {
      return timestamp_ns != other.timestamp_ns ? timestamp_ns > other.timestamp_ns : input > other.input;
    }
  };
  bool advance(uint16_t input);

  std::vector<std::unique_ptr<capture::CaptureFile>> files_;
  std::vector<std::vector<uint8_t>> current_;
  std::vector<pcap_pkthdr> headers_;
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heads_;
  std::vector<uint8_t> delivered_;
  std::vector<std::string> damage_;
};

}  // namespace torwart::dataplane::replay
