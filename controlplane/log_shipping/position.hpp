#pragma once
// Where shipping stands in one log stream: a byte offset in a file that is known by its inode and by a digest
// of its first bytes (an inode is reused once a file is deleted; bytes once written never change, because
// every log here is append-only). The name is the one the file had when the position was taken.
#include <cstdint>
#include <string>

namespace torwart::controlplane::log_shipping {

struct Position {
  std::string file;   // name (no directory) when the position was taken; empty: the stream's very start
  std::string prior;  // the name of the file before it in the stream then (where to go on if it vanishes)
  uint64_t inode = 0;
  uint64_t offset = 0;  // always at a record boundary
  uint64_t head_bytes =
      0;             // how many of the file's first bytes `head` covers: min(its size then, kHeadBytes)
  std::string head;  // hex SHA-256 of them
  bool operator==(const Position&) const = default;
  bool at_start() const { return file.empty(); }
};

inline constexpr uint64_t kHeadBytes = 4096;

}  // namespace torwart::controlplane::log_shipping
