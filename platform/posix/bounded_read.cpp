#include "platform/posix/bounded_read.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "platform/posix/fd.hpp"

namespace torwart::platform {
namespace {

// Opening never blocks (a FIFO without a writer would): O_NONBLOCK only matters for the open here,
// because a regular file is all that is read afterwards.
std::string open_regular(const std::string& path, Fd& fd, struct stat& status) {
  fd = Fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd.valid()) return std::strerror(errno);
  if (::fstat(fd.get(), &status) != 0) return std::strerror(errno);
  if (S_ISDIR(status.st_mode)) return "is a directory, not a file";
  if (S_ISFIFO(status.st_mode)) return "is a FIFO, not a regular file";
  if (S_ISCHR(status.st_mode) || S_ISBLK(status.st_mode)) return "is a device, not a regular file";
  if (S_ISSOCK(status.st_mode)) return "is a socket, not a regular file";
  if (!S_ISREG(status.st_mode)) return "is not a regular file";
  return {};
}

std::string too_large(std::size_t max_bytes) {
  return "larger than the limit of " + describe_size(max_bytes);
}

// Reads until the end or one byte past the limit, whichever comes first: a file that grows while it is
// read is caught by the same check as one that was too large from the start.
BoundedRead read_to_limit(int fd, std::size_t max_bytes, std::size_t expected) {
  BoundedRead result;
  result.content.reserve(expected < max_bytes ? expected : max_bytes);
  char buffer[65536];
  for (;;) {
    const std::size_t room = max_bytes + 1 - result.content.size();
    const ssize_t got = ::read(fd, buffer, room < sizeof buffer ? room : sizeof buffer);
    if (got < 0) {
      if (errno == EINTR) continue;
      result.error = std::string("read error: ") + std::strerror(errno);
      result.content.clear();
      return result;
    }
    if (got == 0) return result;
    result.content.append(buffer, static_cast<std::size_t>(got));
    if (result.content.size() > max_bytes) {
      result.error = too_large(max_bytes);
      result.content.clear();
      return result;
    }
  }
}

}  // namespace

BoundedRead read_regular_file(const std::string& path, std::size_t max_bytes) {
  Fd fd;
  struct stat status {};
  if (std::string problem = open_regular(path, fd, status); !problem.empty()) return {{}, problem};
  if (static_cast<std::size_t>(status.st_size) > max_bytes) return {{}, too_large(max_bytes)};
  // Back to blocking reads: a regular file does not block, but some file systems refuse O_NONBLOCK reads.
  ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  return read_to_limit(fd.get(), max_bytes, static_cast<std::size_t>(status.st_size));
}

BoundedRead read_standard_input(std::size_t max_bytes) {
  return read_to_limit(STDIN_FILENO, max_bytes, 0);
}

std::string regular_file_problem(const std::string& path) {
  Fd fd;
  struct stat status {};
  return open_regular(path, fd, status);
}

std::string describe_size(std::size_t bytes) {
  if (bytes >= (std::size_t{1} << 30) && bytes % (std::size_t{1} << 30) == 0)
    return std::to_string(bytes >> 30) + " GiB";
  if (bytes >= (std::size_t{1} << 20) && bytes % (std::size_t{1} << 20) == 0)
    return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

}  // namespace torwart::platform
