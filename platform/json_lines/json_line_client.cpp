#include "platform/json_lines/json_line_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "platform/posix/fd.hpp"

namespace torwart::platform {

nlohmann::json json_line_request(const std::string& socket_path, const nlohmann::json& request,
                                 std::chrono::milliseconds timeout, const std::string& peer,
                                 const std::string& unreachable_hint) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof address.sun_path)
    throw JsonLineUnreachable("socket path too long: " + socket_path);
  std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) throw JsonLineUnreachable(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw JsonLineUnreachable("cannot reach " + peer + " at " + socket_path + ": " + std::strerror(errno) +
                              " (" + unreachable_hint + ")");
  }
  const std::string line = request.dump() + "\n";
  for (size_t sent = 0; sent < line.size();) {
    const ssize_t n = ::send(fd.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) throw JsonLineUnreachable(std::string("send: ") + std::strerror(errno));
    sent += static_cast<size_t>(n);
  }
  std::string response;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[65536];
  while (response.find('\n') == std::string::npos) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd.get(), POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      throw JsonLineUnreachable("no answer from " + socket_path + " within " +
                                std::to_string(timeout.count()) + " ms");
    }
    const ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, 0);
    if (n <= 0) throw JsonLineUnreachable(peer + " closed the connection without an answer");
    response.append(buffer, static_cast<size_t>(n));
  }
  try {
    return nlohmann::json::parse(response.substr(0, response.find('\n')));
  } catch (const nlohmann::json::parse_error& e) {
    throw JsonLineUnreachable(std::string("answer is not JSON: ") + e.what());
  }
}

}  // namespace torwart::platform
