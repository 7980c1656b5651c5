#pragma once
// Whole-file reads and crash-safe whole-file writes: a reader sees the old content or the new, never a mix.
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace torwart::controlplane {

struct StoreIoError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Writes `content` to a temporary file beside `path`, fsyncs it, renames it over `path` and fsyncs the
// directory. Throws StoreIoError naming the path and the system's reason.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// Appends one line (a '\n' is added) and fsyncs; for append-only logs.
void append_line_durable(const std::filesystem::path& path, std::string_view line);

// The store's own records and state: far larger than these was not written by the store.
inline constexpr std::size_t kMaxStoreRecordBytes = std::size_t{16} << 20;

// A regular file of at most max_bytes; throws StoreIoError naming the path and the reason (missing, not a
// regular file, too large, unreadable).
std::string read_whole_file(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace torwart::controlplane
