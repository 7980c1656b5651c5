#pragma once
// Shared by the connection-tracking tests (one executable, EAL started once): an mbuf pool, parsed packets
// that free themselves, and builders for the conversations the tests drive.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include <rte_mbuf.h>

#include "dataplane/conntrack/flow_table.hpp"
#include "dataplane/conntrack/track.hpp"
#include "dataplane/core/packet_meta.hpp"
#include "tests/support/packet_builder.hpp"

namespace torwart::dataplane::conntrack::testing_support {

rte_mempool* pool();

// A frame in an mbuf, parsed (the test fails when parse refuses it); freed on destruction.
class Packet {
 public:
  explicit Packet(const test::Bytes& frame);
  ~Packet();
  Packet(const Packet&) = delete;
  Packet& operator=(const Packet&) = delete;
  rte_mbuf* mbuf() const { return m_; }
  const PacketMeta& meta() const { return meta_of(m_); }
  FlowTuple tuple() const;  // fails the test when the packet has none

 private:
  rte_mbuf* m_;
};

struct Endpoint {
  std::string address;
  uint16_t port;
};

test::Bytes tcp_frame(const Endpoint& from, const Endpoint& to, uint32_t seq, uint32_t ack, uint8_t flags,
                      uint16_t window = 65535, size_t payload = 0, test::Bytes options = {});
test::Bytes udp_frame(const Endpoint& from, const Endpoint& to, size_t payload = 0);

inline FlowEndCallback ignore_ends() {
  return FlowEndCallback::ignore();
}

}  // namespace torwart::dataplane::conntrack::testing_support
