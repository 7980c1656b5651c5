#include "benchmarks/traffic.hpp"

#include <algorithm>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>

#include "tests/support/packet_builder.hpp"

namespace torwart::bench {
namespace {

constexpr uint16_t kEthernetIpv4UdpHeaders = 14 + 20 + 8;
constexpr uint16_t kEthernetIpv4TcpHeaders = 14 + 20 + 20;

std::string dotted(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xff) + "." +
         std::to_string((a >> 8) & 0xff) + "." + std::to_string(a & 0xff);
}

// Inside 10.0.0.0/8 but outside the kdn transfer network 10.200.0.0/16: routed via the KDN router.
uint32_t municipal_destination(std::mt19937& random) {
  for (;;) {
    const uint32_t a = (10u << 24) | (random() & 0x00ffffffu);
    if (((a >> 16) & 0xff) != 200) return a;
  }
}

// Unicast, not private or special, not on a connected network: takes the default route to inet.
uint32_t internet_destination(std::mt19937& random) {
  for (;;) {
    const uint32_t a = static_cast<uint32_t>(random());
    const uint32_t first = a >> 24;
    if (first == 0 || first == 10 || first == 127 || first >= 224) continue;
    if ((a >> 16) == ((169u << 8) | 254) || (a >> 16) == ((192u << 8) | 168)) continue;
    if ((a >> 8) == ((203u << 16) | 113)) continue;
    return a;
  }
}

}  // namespace

std::string_view profile_name(Profile profile) {
  return profile == Profile::k64 ? "64" : "imix";
}

std::vector<uint16_t> profile_sizes(Profile profile) {
  if (profile == Profile::k64) return {64};
  std::vector<uint16_t> sizes(7, 64);
  sizes.insert(sizes.end(), 4, 594);
  sizes.push_back(1518);
  return sizes;
}

Traffic::Traffic(Profile profile, unsigned frames, const TrafficShape& shape)
    : profile_(profile), new_flow_per_packet_(shape.new_flow_per_packet) {
  const std::vector<uint16_t> period = profile_sizes(profile);
  std::vector<uint16_t> sizes;
  while (sizes.size() < frames) sizes.insert(sizes.end(), period.begin(), period.end());
  std::mt19937 random(20261122);
  std::shuffle(sizes.begin(), sizes.end(), random);  // mixed sizes inside every burst, same mix overall

  frames_.resize(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    const auto length = static_cast<uint16_t>(sizes[i] - kFcsBytes);
    test::Ethernet ethernet{.source = "02:00:00:00:01:10", .destination = "02:00:00:00:01:fe"};
    test::Ipv4 ip{
        .source = "192.168.10.10",
        .destination = dotted(i % 2 == 0 ? municipal_destination(random) : internet_destination(random)),
        .ttl = 64,
        .id = static_cast<uint16_t>(i)};
    const auto source_port = static_cast<uint16_t>(1024 + random() % 64512);
    const auto destination_port = static_cast<uint16_t>(1 + random() % 65535);
    const uint16_t headers = shape.tcp_syn ? kEthernetIpv4TcpHeaders : kEthernetIpv4UdpHeaders;
    test::Bytes payload(length - headers, 0);
    for (size_t b = 0; b < payload.size(); ++b) payload[b] = static_cast<uint8_t>(i + b);
    const test::Bytes frame = shape.tcp_syn
                                  ? test::ipv4_frame(ethernet, ip,
                                                     test::Tcp{.source_port = source_port,
                                                               .destination_port = destination_port,
                                                               .sequence = static_cast<uint32_t>(random()),
                                                               .payload = payload})
                                  : test::ipv4_frame(ethernet, ip,
                                                     test::Udp{.source_port = source_port,
                                                               .destination_port = destination_port,
                                                               .payload = payload});
    if (frame.size() != length)
      throw std::logic_error("frame builder gave " + std::to_string(frame.size()) + " bytes");
    FrameTemplate& t = frames_[i];
    t.header.fill(0);
    std::copy_n(frame.begin(), std::min<size_t>(frame.size(), kHeaderBytes), t.header.begin());
    t.length = static_cast<uint16_t>(frame.size());
  }
  mean_wire_bytes_ = std::accumulate(sizes.begin(), sizes.end(), 0.0) / static_cast<double>(sizes.size());
}

}  // namespace torwart::bench
