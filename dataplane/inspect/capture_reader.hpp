#pragma once
// Reads a capture (pcap or pcapng) frame by frame as Ethernet: frames of other link types (raw IP, Linux
// cooked, BSD loopback) get an Ethernet header made up in front of their IP packet, so that the fast path's
// own parser reads them. For `torwart inspect` and the application-layer benchmark.
#include <rte_byteorder.h>
#include <rte_ether.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "dataplane/capture/capture_file.hpp"
#include "dataplane/inspect/inspect.hpp"

namespace torwart::dataplane::inspect {

class CaptureReader {
 public:
  explicit CaptureReader(const std::string& path) try : file_(path) {
    link_ = file_.link_type();
    if (link_ != DLT_EN10MB && link_ != DLT_RAW && link_ != DLT_LINUX_SLL && link_ != DLT_NULL &&
        link_ != DLT_IPV4 && link_ != DLT_IPV6) {
      const std::string name = pcap_datalink_val_to_name(link_) ? pcap_datalink_val_to_name(link_) : "?";
      throw InspectInputError(path + ": link type " + std::to_string(link_) + " (" + name +
                              ") is not supported (Ethernet, raw IP, Linux cooked, BSD loopback are)");
    }
  } catch (const capture::CaptureOpenError& e) {
    throw InspectInputError(e.what());
  }

  // Where the capture broke off ("FILE: record N at byte offset O: reason"); empty for a clean file.
  const std::string& damage() const { return file_.damage(); }

  // The next frame as Ethernet into `out` (capacity bytes); 0 for a frame without IP (counted by the
  // caller), -1 at the end or at a damaged record (see damage()).
  int next(uint8_t* out, uint32_t capacity, uint32_t& length, uint64_t& timestamp_ns) {
    const pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    if (file_.next(header, data) != capture::CaptureFile::Next::kRecord) return -1;
    timestamp_ns = uint64_t(header->ts.tv_sec) * 1'000'000'000ull + uint64_t(header->ts.tv_usec);
    const uint8_t* ip = data;
    uint32_t ip_length = header->caplen;
    uint16_t ether_type = 0;
    switch (link_) {
      case DLT_EN10MB:
        length = std::min(header->caplen, capacity);
        std::memcpy(out, data, length);
        return 1;
      case DLT_LINUX_SLL:
        if (header->caplen < 16) return 0;
        ether_type = static_cast<uint16_t>(data[14] << 8 | data[15]);
        ip += 16;
        ip_length -= 16;
        break;
      case DLT_NULL:
        if (header->caplen < 4) return 0;
        ip += 4;
        ip_length -= 4;
        break;
      default:
        break;
    }
    if (ether_type == 0) {
      if (ip_length < 1) return 0;
      ether_type = (ip[0] >> 4) == 6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4;
    }
    if (ether_type != RTE_ETHER_TYPE_IPV4 && ether_type != RTE_ETHER_TYPE_IPV6) return 0;
    if (ip_length + sizeof(rte_ether_hdr) > capacity) ip_length = capacity - sizeof(rte_ether_hdr);
    rte_ether_hdr ether{};
    ether.dst_addr = rte_ether_addr{{0x02, 0, 0, 0, 0, 0x01}};
    ether.src_addr = rte_ether_addr{{0x02, 0, 0, 0, 0, 0x02}};
    ether.ether_type = rte_cpu_to_be_16(ether_type);
    std::memcpy(out, &ether, sizeof ether);
    std::memcpy(out + sizeof ether, ip, ip_length);
    length = static_cast<uint32_t>(sizeof ether + ip_length);
    return 1;
  }

 private:
  capture::CaptureFile file_;
  int link_ = 0;
};

}  // namespace torwart::dataplane::inspect
