#include "controlplane/kernel_mirror/netlink_socket.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/socket.h>

#include <cerrno>
#include <system_error>
#include <utility>

namespace torwart::controlplane {
namespace {

[[noreturn]] void throw_libnl(int error, const char* what) {
  // libnl's codes are its own; the text says which.
  throw std::system_error(EIO, std::generic_category(), std::string(what) + ": " + nl_geterror(error));
}

nl_sock* connected_socket() {
  nl_sock* socket = nl_socket_alloc();
  if (socket == nullptr) throw std::system_error(ENOMEM, std::generic_category(), "netlink socket");
  if (int error = nl_connect(socket, NETLINK_ROUTE); error < 0) {
    nl_socket_free(socket);
    throw_libnl(error, "netlink connect");
  }
  return socket;
}

}  // namespace

NetlinkSocket NetlinkSocket::for_events(size_t receive_buffer_bytes) {
  NetlinkSocket result(connected_socket());
  // Notifications carry no sequence numbers of ours.
  nl_socket_disable_seq_check(result.socket_);
  if (int error =
          nl_socket_add_memberships(result.socket_, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
                                    RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_NEIGH, 0);
      error < 0)
    throw_libnl(error, "netlink subscribe");
  if (int error = nl_socket_set_nonblocking(result.socket_); error < 0)
    throw_libnl(error, "netlink nonblocking");
  if (receive_buffer_bytes > 0) {
    if (int error = nl_socket_set_buffer_size(result.socket_, static_cast<int>(receive_buffer_bytes), 0);
        error < 0)
      throw_libnl(error, "netlink receive buffer");
  }
  return result;
}

NetlinkSocket NetlinkSocket::for_dumps(std::chrono::milliseconds receive_timeout) {
  NetlinkSocket result(connected_socket());
  timeval timeout{};
  timeout.tv_sec = receive_timeout.count() / 1000;
  timeout.tv_usec = (receive_timeout.count() % 1000) * 1000;
  if (setsockopt(result.fd(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) != 0)
    throw std::system_error(errno, std::generic_category(), "netlink receive timeout");
  return result;
}

NetlinkSocket::NetlinkSocket(NetlinkSocket&& other) noexcept
    : socket_(std::exchange(other.socket_, nullptr)) {}

NetlinkSocket& NetlinkSocket::operator=(NetlinkSocket&& other) noexcept {
  if (this != &other) {
    if (socket_ != nullptr) nl_socket_free(socket_);
    socket_ = std::exchange(other.socket_, nullptr);
  }
  return *this;
}

NetlinkSocket::~NetlinkSocket() {
  if (socket_ != nullptr) nl_socket_free(socket_);
}

int NetlinkSocket::fd() const {
  return nl_socket_get_fd(socket_);
}

ReceiveResult NetlinkSocket::receive(std::span<std::byte> buffer, bool wait) {
  sockaddr_nl sender{};
  iovec vector{buffer.data(), buffer.size()};
  msghdr header{};
  header.msg_name = &sender;
  header.msg_namelen = sizeof(sender);
  header.msg_iov = &vector;
  header.msg_iovlen = 1;
  for (;;) {
    const ssize_t received = recvmsg(fd(), &header, wait ? 0 : MSG_DONTWAIT);
    if (received >= 0) {
      if (header.msg_flags & MSG_TRUNC) return {ReceiveResult::Kind::kTruncated};
      // Only the kernel speaks on this socket; anything else (a process addressing our port) is not news.
      if (header.msg_namelen != sizeof(sender) || sender.nl_pid != 0)
        return {ReceiveResult::Kind::kNotFromKernel};
      return {ReceiveResult::Kind::kMessages, static_cast<size_t>(received)};
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {ReceiveResult::Kind::kWouldBlock};
    if (errno == ENOBUFS) return {ReceiveResult::Kind::kOverrun};
    throw std::system_error(errno, std::generic_category(), "netlink receive");
  }
}

void NetlinkSocket::request_dump(uint16_t message_type, uint32_t sequence) {
  struct {
    nlmsghdr header;
    rtgenmsg body;
  } request{};
  request.header.nlmsg_len = NLMSG_LENGTH(sizeof(rtgenmsg));
  request.header.nlmsg_type = message_type;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = sequence;
  request.body.rtgen_family = AF_UNSPEC;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd(), &request, request.header.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
             sizeof(kernel)) < 0)
    throw std::system_error(errno, std::generic_category(), "netlink dump request");
}

}  // namespace torwart::controlplane
