#include "controlplane/config_store/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "platform/posix/bounded_read.hpp"
#include "platform/posix/fd.hpp"

namespace torwart::controlplane {
namespace {

using platform::Fd;

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
  throw StoreIoError(what + " " + path.string() + ": " + std::strerror(errno));
}

void write_all(int fd, std::string_view content, const std::filesystem::path& path) {
  for (size_t done = 0; done < content.size();) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("cannot write", path);
    done += static_cast<size_t>(n);
  }
}

void fsync_directory(const std::filesystem::path& dir) {
  Fd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) fail("cannot open directory", dir);
  if (::fsync(fd.get()) != 0) fail("cannot fsync directory", dir);
}

}  // namespace

void write_file_atomic(const std::filesystem::path& path, std::string_view content) {
  const std::filesystem::path temp = path.string() + ".tmp." + std::to_string(::getpid());
  {
    Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
    if (fd.get() < 0) fail("cannot create", temp);
    write_all(fd.get(), content, temp);
    if (::fsync(fd.get()) != 0) fail("cannot fsync", temp);
    if (fd.close_now() != 0) fail("cannot close", temp);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    errno = saved;
    fail("cannot rename into", path);
  }
  fsync_directory(path.parent_path());
}

void append_line_durable(const std::filesystem::path& path, std::string_view line) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (fd.get() < 0) fail("cannot open", path);
  std::string text(line);
  text += '\n';
  write_all(fd.get(), text, path);
  if (::fsync(fd.get()) != 0) fail("cannot fsync", path);
}

std::string read_whole_file(const std::filesystem::path& path, std::size_t max_bytes) {
  auto read = platform::read_regular_file(path.string(), max_bytes);
  if (!read.ok()) throw StoreIoError("cannot read " + path.string() + ": " + read.error);
  return std::move(read.content);
}

}  // namespace torwart::controlplane
