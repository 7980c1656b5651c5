#pragma once
// What the box's kernel may send out of a port's twin (BSI R1: only what is declared leaves). The control
// lcore asks this for every frame it reads from a twin, before anything else looks at it.
#include <cstdint>

#include "dataplane/snapshot/snapshot.hpp"

namespace torwart::dataplane {

enum class KernelFrameRoute : uint8_t {
  kToWire,           // ARP with a box address as sender, IPv6 RS/NS/NA from the box, DHCP client messages
                     // on a port with `addresses: dhcp`: out as they are
  kThroughPipeline,  // IPv4/IPv6 from a box address on the port: conntrack and the policy (from: [local])
  kRefused,          // anything else: dropped as kernel_frame_refused
};

// `frame`: one untagged Ethernet frame the kernel sent on the twin of data port `port`. "Box address": one
// of that port's own configured addresses (its VLANs have no twin); IPv6 neighbour discovery may also come
// from a link-local or the unspecified address.
KernelFrameRoute route_kernel_frame(const Snapshot& snapshot, uint16_t port, const uint8_t* frame,
                                    uint32_t length);

}  // namespace torwart::dataplane
