#pragma once
// Whole-file reads and crash-safe whole-file writes: a reader sees the old content or the new, never a mix.
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

// Throws StoreIoError when the file cannot be read.
std::string read_whole_file(const std::filesystem::path& path);

}  // namespace torwart::controlplane
