#include "dataplane/replay/capture_merge.hpp"

#include "dataplane/replay/replay.hpp"

namespace torwart::dataplane::replay {

CaptureMerge::CaptureMerge(const std::vector<std::string>& paths) : paths_(paths) {
  for (const auto& path : paths) {
    char error[PCAP_ERRBUF_SIZE] = {};
    pcap_t* handle = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, error);
    if (handle == nullptr) throw ReplayInputError(path + ": cannot read the capture: " + error);
    handles_.push_back(handle);
    if (pcap_datalink(handle) != DLT_EN10MB) {
      throw ReplayInputError(path + ": link type " + std::to_string(pcap_datalink(handle)) +
                             " is not Ethernet (DLT_EN10MB)");
    }
  }
  current_.resize(handles_.size());
  headers_.resize(handles_.size());
  for (uint16_t i = 0; i < handles_.size(); ++i) advance(i);
}

CaptureMerge::~CaptureMerge() {
  for (pcap_t* handle : handles_) pcap_close(handle);
}

bool CaptureMerge::advance(uint16_t input) {
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  const int rc = pcap_next_ex(handles_[input], &header, &data);
  if (rc == PCAP_ERROR) {
    // A capture cut off mid-record (a crashed tcpdump) ends that input; what came before still counts.
    ++truncated_;
    return false;
  }
  if (rc != 1) return false;
  headers_[input] = *header;
  current_[input].assign(data, data + header->caplen);
  const uint64_t ns =
      static_cast<uint64_t>(header->ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(header->ts.tv_usec);
  heads_.push({ns, input});
  return true;
}

bool CaptureMerge::next(CapturedPacket& packet) {
  if (heads_.empty()) return false;
  const Head head = heads_.top();
  heads_.pop();
  delivered_ = std::move(current_[head.input]);
  packet.timestamp_ns = head.timestamp_ns;
  packet.input = head.input;
  packet.data = delivered_.data();
  packet.captured_length = headers_[head.input].caplen;
  packet.original_length = headers_[head.input].len;
  advance(head.input);
  return true;
}

}  // namespace torwart::dataplane::replay
