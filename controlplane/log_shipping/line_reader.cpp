#include "controlplane/log_shipping/line_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "controlplane/log_shipping/shipping_error.hpp"

namespace torwart::controlplane::log_shipping {
namespace {

constexpr std::size_t kWindowBytes = 64 * 1024;

// An open file read forward through a window.
class Reader {
 public:
  Reader(const std::filesystem::path& path, uint64_t inode) : path_(path) {
    fd_ = open_listed(path, inode);
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
      ::close(fd_);
      fail();
    }
    size_ = static_cast<uint64_t>(st.st_size);  // what was written when the read began: the limit
  }
  ~Reader() { ::close(fd_); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  uint64_t size() const { return size_; }

  // Bytes at `offset` (up to kWindowBytes, fewer at the end); empty at the end.
  std::string_view at(uint64_t offset) {
    if (offset < window_start_ || offset >= window_start_ + window_.size()) {
      window_.resize(
          static_cast<std::size_t>(std::min<uint64_t>(kWindowBytes, size_ - std::min(size_, offset))));
      std::size_t done = 0;
      while (done < window_.size()) {
        const ssize_t n =
            ::pread(fd_, window_.data() + done, window_.size() - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail();
        if (n == 0) break;  // shrunk meanwhile: a file rewritten by hand, not ours to interpret
        done += static_cast<std::size_t>(n);
      }
      window_.resize(done);
      window_start_ = offset;
    }
    return std::string_view(window_).substr(static_cast<std::size_t>(offset - window_start_));
  }

 private:
  [[noreturn]] void fail() { throw ShippingError(path_.string() + ": " + std::strerror(errno)); }
  std::filesystem::path path_;
  int fd_ = -1;
  uint64_t size_ = 0;
  std::string window_;
  uint64_t window_start_ = 0;
};

// The line starting at `offset` (not beyond `until`); false when there is no whole line there.
bool next_line(Reader& reader, uint64_t offset, uint64_t until, bool closed, Line& line, uint64_t& end) {
  const uint64_t stop = std::min(until, reader.size());
  line = Line{};
  uint64_t at = offset;
  while (at < stop) {
    std::string_view bytes = reader.at(at);
    if (bytes.empty()) break;
    bytes = bytes.substr(0, static_cast<std::size_t>(std::min<uint64_t>(bytes.size(), stop - at)));
    const auto newline = bytes.find('\n');
    const std::string_view piece =
        bytes.substr(0, newline == std::string_view::npos ? bytes.size() : newline);
    if (line.text.size() < kMaxKeptLineBytes)
      line.text.append(piece.substr(0, std::min(piece.size(), kMaxKeptLineBytes - line.text.size())));
    at += piece.size();
    if (newline != std::string_view::npos) {
      line.length = at - offset;
      end = at + 1;
      return true;
    }
  }
  // No '\n' before `stop`: a record only at the end of a closed file; `until` ends a range read again,
  // which was cut at the same place the first time.
  if (at > offset && (at == until || (closed && at == reader.size()))) {
    line.length = at - offset;
    line.complete = false;
    end = at;
    return true;
  }
  return false;
}

}  // namespace

int open_listed(const std::filesystem::path& path, uint64_t inode) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) throw FileReplaced(path.string() + ": gone since it was listed");
  if (fd < 0) throw ShippingError(path.string() + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    throw ShippingError(path.string() + ": " + why);
  }
  if (inode != 0 && static_cast<uint64_t>(st.st_ino) != inode) {
    ::close(fd);
    throw FileReplaced(path.string() + ": another file since it was listed");
  }
  return fd;
}

Lines read_lines(const std::filesystem::path& path, uint64_t inode, uint64_t offset, bool closed,
                 const ReadLimits& limits) {
  Reader reader(path, inode);
  Lines out;
  out.end = offset;
  uint64_t read = 0;
  Line line;
  uint64_t end = 0;
  while (out.lines.size() < limits.records && (out.lines.empty() || read < limits.bytes) &&
         next_line(reader, out.end, limits.until, closed, line, end)) {
    read += end - out.end;
    out.end = end;
    out.lines.push_back(std::move(line));
  }
  return out;
}

uint64_t count_records(const std::filesystem::path& path, uint64_t offset) {
  Reader reader(path, 0);
  uint64_t records = 0;
  uint64_t at = offset;
  bool open_line = false;
  while (at < reader.size()) {
    const std::string_view bytes = reader.at(at);
    if (bytes.empty()) break;
    const auto newlines = static_cast<uint64_t>(std::count(bytes.begin(), bytes.end(), '\n'));
    records += newlines;
    open_line = bytes.back() != '\n';
    at += bytes.size();
  }
  return records + (open_line ? 1 : 0);
}

}  // namespace torwart::controlplane::log_shipping
