#pragma once
// Every file the box is told to read (configuration, rule files, name lists, keys, exports) is read whole
// through here: a regular file only, and no more than a stated size. A FIFO, a device such as /dev/zero or
// a directory named where a file belongs would otherwise make a load hang or grow until the box runs out
// of memory; they get an error that names the file and the reason instead.
#include <cstddef>
#include <string>

namespace torwart::platform {

struct BoundedRead {
  std::string content;
  std::string error;  // empty when the read succeeded; else the reason, without the path
  bool ok() const { return error.empty(); }
};

// A regular file of at most max_bytes, read whole.
BoundedRead read_regular_file(const std::string& path, std::size_t max_bytes);

// Standard input (a pipe, a terminal or a file), read to its end but no further than max_bytes.
BoundedRead read_standard_input(std::size_t max_bytes);

// Empty when path names a regular file the process can open; else the reason. For files read piece by
// piece (captures), where the whole-file limit does not apply.
std::string regular_file_problem(const std::string& path);

// "4 MiB", "512 KiB", "100 bytes": limits in messages and documentation read the same.
std::string describe_size(std::size_t bytes);

}  // namespace torwart::platform
