#pragma once
// Records (lines) of one log file between byte offsets. A line is a record when its '\n' has been written;
// the last bytes of a file without one are a record only once the file is closed (the fast path rotated it
// after a failed write, or it crashed before `torwart run` appended to it again): in a file still written
// they are half a record, which waits. Line boundaries depend on the bytes alone, so reading the same range
// again gives the same records (what a resent batch needs).
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace torwart::controlplane::log_shipping {

// Lines longer than this are kept up to it (a syslog message is at most 256 KiB anyway) and skipped to
// their end.
inline constexpr std::size_t kMaxKeptLineBytes = 256 * 1024;

struct Line {
  std::string text;      // without the '\n'; at most kMaxKeptLineBytes
  uint64_t length = 0;   // the line's full length
  bool complete = true;  // false: the last bytes of a closed file, without '\n'
};

struct Lines {
  std::vector<Line> lines;
  uint64_t end = 0;  // offset after the last line read
};

struct ReadLimits {
  uint64_t bytes = 1 << 20;  // stop before a line would take the bytes read beyond this (one line always)
  std::size_t records = 4096;
  uint64_t until = UINT64_MAX;  // never read at or beyond this offset (a batch read again)
};

// Reads from `offset` of `path`; `closed`: the file no longer grows (see above). `inode`: the file as listed;
// when `path` is another file by now (renamed meanwhile), throws FileReplaced. Throws ShippingError.
Lines read_lines(const std::filesystem::path& path, uint64_t inode, uint64_t offset, bool closed,
                 const ReadLimits& limits);

// Records from `offset` to the end of a closed file (what retention is about to delete unshipped).
uint64_t count_records(const std::filesystem::path& path, uint64_t offset);

// Opens `path` for reading, checking that it is still the file `inode` (0: any); throws FileReplaced when it
// is not (or is gone), ShippingError for other failures. The caller closes the descriptor.
int open_listed(const std::filesystem::path& path, uint64_t inode);

}  // namespace torwart::controlplane::log_shipping
