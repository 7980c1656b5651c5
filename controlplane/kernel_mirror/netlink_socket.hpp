#pragma once
// A NETLINK_ROUTE socket (libnl owns the descriptor): either subscribed to the groups the mirror follows
// (non-blocking, read when Asio says so) or a plain one for dumps (blocking, with a timeout).
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

struct nl_sock;

namespace torwart::controlplane {

struct ReceiveResult {
  enum class Kind { kMessages, kWouldBlock, kOverrun, kNotFromKernel, kTruncated };
  Kind kind = Kind::kWouldBlock;
  size_t bytes = 0;  // with kMessages
};

class NetlinkSocket {
 public:
  // Subscribed to links, IPv4/IPv6 addresses and routes and neighbours; `receive_buffer_bytes` 0 keeps
  // libnl's default. Throws std::system_error.
  static NetlinkSocket for_events(size_t receive_buffer_bytes);
  // Throws std::system_error.
  static NetlinkSocket for_dumps(std::chrono::milliseconds receive_timeout);

  NetlinkSocket(NetlinkSocket&& other) noexcept;
  NetlinkSocket& operator=(NetlinkSocket&& other) noexcept;
  NetlinkSocket(const NetlinkSocket&) = delete;
  NetlinkSocket& operator=(const NetlinkSocket&) = delete;
  ~NetlinkSocket();

  int fd() const;
  // One datagram into `buffer` (4-byte aligned). Datagrams not sent by the kernel are dropped here.
  ReceiveResult receive(std::span<std::byte> buffer, bool wait);
  // Asks for a dump of `message_type` (RTM_GETLINK, ...) of every family. Throws std::system_error.
  void request_dump(uint16_t message_type, uint32_t sequence);

 private:
  explicit NetlinkSocket(nl_sock* socket) : socket_(socket) {}
  nl_sock* socket_ = nullptr;
};

}  // namespace torwart::controlplane
