#include "dataplane/replay/capture_merge.hpp"

#include "dataplane/replay/replay.hpp"

namespace torwart::dataplane::replay {

CaptureMerge::CaptureMerge(const std::vector<std::string>& paths) {
  for (const auto& path : paths) {
    try {
      files_.push_back(std::make_unique<capture::CaptureFile>(path));
    } catch (const capture::CaptureOpenError& e) {
      throw ReplayInputError(std::string("cannot read the capture: ") + e.what());
    }
    if (files_.back()->link_type() != DLT_EN10MB) {
      throw ReplayInputError(path + ": link type " + std::to_string(files_.back()->link_type()) +
                             " is not Ethernet (DLT_EN10MB)");
    }
  }
  current_.resize(files_.size());
  headers_.resize(files_.size());
  for (uint16_t i = 0; i < files_.size(); ++i) advance(i);
}

bool CaptureMerge::advance(uint16_t input) {
  const pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  switch (files_[input]->next(header, data)) {
    case capture::CaptureFile::Next::kEnd:
      return false;
    case capture::CaptureFile::Next::kDamaged:
      damage_.push_back(files_[input]->damage());
      return false;
    case capture::CaptureFile::Next::kRecord:
      break;
  }
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
