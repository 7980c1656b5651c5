#include "controlplane/kernel_mirror/kernel_dump.hpp"

#include <linux/rtnetlink.h>

#include <array>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace torwart::controlplane {
namespace {

constexpr std::array<uint16_t, 4> kDumpOrder{RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE, RTM_GETNEIGH};
constexpr size_t kReceiveBufferBytes = 64 * 1024;

// Reads the answer to request `sequence` up to NLMSG_DONE; true when the kernel flagged it interrupted.
bool read_dump(NetlinkSocket& socket, uint32_t sequence, MirrorTable& table, std::vector<std::byte>& buffer) {
  bool interrupted = false;
  for (bool done = false; !done;) {
    const ReceiveResult result = socket.receive(buffer, true);
    switch (result.kind) {
      case ReceiveResult::Kind::kMessages:
        break;
      case ReceiveResult::Kind::kWouldBlock:
        throw std::runtime_error("netlink dump: no answer from the kernel");
      case ReceiveResult::Kind::kTruncated:
        throw std::runtime_error("netlink dump: message larger than the buffer");
      case ReceiveResult::Kind::kOverrun:
        throw std::runtime_error("netlink dump: receive buffer overrun");
      case ReceiveResult::Kind::kNotFromKernel:
        continue;
    }
    for_each_netlink_message(std::span(buffer).first(result.bytes), [&](const ParsedMessage& message) {
      if (done || message.sequence != sequence) return;  // a late answer to an abandoned dump
      interrupted |= message.dump_interrupted;
      if (std::holds_alternative<DumpDone>(message.change)) {
        done = true;
      } else if (const auto* error = std::get_if<NetlinkError>(&message.change)) {
        throw std::runtime_error(std::string("netlink dump refused: ") + std::strerror(-error->error));
      } else {
        table.apply(message.change);
      }
    });
  }
  return interrupted;
}

}  // namespace

DumpOutcome dump_kernel(NetlinkSocket& socket, uint32_t& next_sequence, MirrorTable& table) {
  std::vector<std::byte> buffer(kReceiveBufferBytes);
  bool interrupted = false;
  for (uint16_t request : kDumpOrder) {
    const uint32_t sequence = next_sequence++;
    socket.request_dump(request, sequence);
    interrupted |= read_dump(socket, sequence, table, buffer);
  }
  return interrupted ? DumpOutcome::kInterrupted : DumpOutcome::kComplete;
}

}  // namespace torwart::controlplane
