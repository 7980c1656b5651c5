#include "dataplane/capture/capture_file.hpp"

#include <cstdio>

#include "platform/posix/bounded_read.hpp"

namespace torwart::dataplane::capture {

CaptureFile::CaptureFile(const std::string& path) : path_(path) {
  // libpcap would open a FIFO or a device and wait or read forever; a capture is a file.
  if (const std::string problem = platform::regular_file_problem(path); !problem.empty())
    throw CaptureOpenError(path + ": " + problem);
  char error[PCAP_ERRBUF_SIZE] = {};
  pcap_ = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, error);
  if (pcap_ == nullptr)
    throw CaptureOpenError(path + ": not a capture libpcap reads (pcap, pcapng): " + error);
}

CaptureFile::~CaptureFile() {
  pcap_close(pcap_);
}

CaptureFile::Next CaptureFile::next(const pcap_pkthdr*& header, const u_char*& data) {
  if (!damage_.empty()) return Next::kDamaged;
  // libpcap reads the savefile through this stream, so its position is where the next record starts.
  const long offset = std::ftell(pcap_file(pcap_));
  pcap_pkthdr* got_header = nullptr;
  const int rc = pcap_next_ex(pcap_, &got_header, &data);
  if (rc == 1) {
    ++records_;
    header = got_header;
    return Next::kRecord;
  }
  if (rc == PCAP_ERROR_BREAK) return Next::kEnd;
  damage_ = path_ + ": record " + std::to_string(records_ + 1) + " at byte offset " +
            (offset >= 0 ? std::to_string(offset) : std::string("?")) + ": " + pcap_geterr(pcap_);
  return Next::kDamaged;
}

}  // namespace torwart::dataplane::capture
