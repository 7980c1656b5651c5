#pragma once
// The benchmark's traffic: distinct UDP frames from the LAN client 192.168.10.10 to destinations in
// 10.0.0.0/8 (routed to kdn) and on the Internet (routed to inet), built once and held in memory. Every
// received mbuf gets the first kHeaderBytes of the next frame written into it, the way a NIC would DMA a
// frame; the payload behind those bytes is never read by the fast path and is left as it is.
#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace torwart::bench {

inline constexpr uint16_t kHeaderBytes = 64;      // Ethernet + IPv4 + UDP/TCP + the start of the payload
inline constexpr uint16_t kFcsBytes = 4;          // counted in frame sizes, not present in the mbuf
inline constexpr uint16_t kL1OverheadBytes = 20;  // preamble + start delimiter (8) and inter-frame gap (12)

enum class Profile { k64, kImix };

std::string_view profile_name(Profile profile);
// Wire sizes (with FCS): 64 for k64; for kImix the 7:4:1 mix of 64, 594 and 1518 bytes.
std::vector<uint16_t> profile_sizes(Profile profile);

struct alignas(RTE_CACHE_LINE_SIZE) FrameTemplate {
  std::array<uint8_t, kHeaderBytes> header;
  uint16_t length;  // bytes in the mbuf (wire size minus FCS)
};

struct TrafficShape {
  bool tcp_syn = false;  // TCP SYNs instead of UDP datagrams
  // Every received packet gets ports of its own (a counter written over both port fields), so that every
  // packet opens a new connection: for the connection set-up rate. Costs both loops alike.
  bool new_flow_per_packet = false;
};

class Traffic {
 public:
  // At least `frames` distinct frames, rounded up to a whole number of mix periods; each is one flow.
  Traffic(Profile profile, unsigned frames, const TrafficShape& shape = {});

  // Writes the next frames into `count` freshly received mbufs.
  void refill(rte_mbuf** packets, uint16_t count) {
    for (uint16_t i = 0; i < count; ++i) {
      const FrameTemplate& frame = frames_[next_];
      if (++next_ == frames_.size()) next_ = 0;
      rte_mbuf* m = packets[i];
      m->data_off = RTE_PKTMBUF_HEADROOM;
      m->data_len = frame.length;
      m->pkt_len = frame.length;
      uint8_t* data = rte_pktmbuf_mtod(m, uint8_t*);
      __builtin_memcpy(data, frame.header.data(), kHeaderBytes);
      if (new_flow_per_packet_) {
        // L4 checksums are not verified by the fast path; the IPv4 header checksum does not cover ports.
        const uint32_t ports = rte_cpu_to_be_32(++flow_counter_);
        __builtin_memcpy(data + kPortsOffset, &ports, sizeof ports);
      }
    }
  }

  Profile profile() const { return profile_; }
  size_t size() const { return frames_.size(); }
  double mean_wire_bytes() const { return mean_wire_bytes_; }

 private:
  Profile profile_;
  std::vector<FrameTemplate> frames_;
  size_t next_ = 0;
  double mean_wire_bytes_ = 0;
  bool new_flow_per_packet_ = false;
  uint32_t flow_counter_ = 0;
  static constexpr unsigned kPortsOffset = 14 + 20;  // Ethernet + IPv4 without options
};

}  // namespace torwart::bench
