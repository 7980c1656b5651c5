#pragma once
// One capture file (pcap or pcapng, as libpcap reads them), record by record. It counts records and knows
// the byte offset of each, so that a damaged file (a record cut short, an impossible length, bytes that are
// no record, a pcapng block naming an interface that was never described) is reported at the place where
// it breaks instead of being read as a shorter clean capture.
#include <pcap/pcap.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace torwart::dataplane::capture {

// The file cannot be a capture at all: missing, not a regular file, no pcap or pcapng header.
class CaptureOpenError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class CaptureFile {
 public:
  enum class Next { kRecord, kEnd, kDamaged };

  // Throws CaptureOpenError naming the file and the reason.
  explicit CaptureFile(const std::string& path);
  ~CaptureFile();
  CaptureFile(const CaptureFile&) = delete;
  CaptureFile& operator=(const CaptureFile&) = delete;

  // The next record into header/data (valid until the next call). After kDamaged, damage() says where and
  // why, and every later call returns kDamaged again.
  Next next(const pcap_pkthdr*& header, const u_char*& data);

  int link_type() const { return pcap_datalink(pcap_); }
  const std::string& path() const { return path_; }
  uint64_t records_read() const { return records_; }
  // "CAPTURE: record 7 at byte offset 1234: REASON", or empty while the file reads cleanly.
  const std::string& damage() const { return damage_; }

 private:
  std::string path_;
  pcap_t* pcap_ = nullptr;
  uint64_t records_ = 0;
  std::string damage_;
};

}  // namespace torwart::dataplane::capture
