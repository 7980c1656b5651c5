#pragma once
// The files of one log stream in the order their records were written: the EVE spool (closed
// eve-<UTC time>-<n>.json by time and number, then the active eve.json; dataplane/control_protocol/
// spool_layout.hpp) or one append-only JSON-lines file (the audit log, the system events). Only the last
// file of a stream still grows.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "controlplane/log_shipping/position.hpp"

namespace torwart::controlplane::log_shipping {

struct StreamFile {
  std::filesystem::path path;
  std::string name;
  uint64_t inode = 0;
  uint64_t size = 0;
};

// Sort key of a file name within a stream: closed spool files by (UTC time, number), the active file last.
using OrderKey = std::tuple<int, std::string, uint64_t, std::string>;

class StreamFiles {
 public:
  static StreamFiles spool(std::filesystem::path dir);    // the EVE spool directory
  static StreamFiles single(std::filesystem::path file);  // one file

  // The stream's files now, oldest first. A missing directory or file is an empty stream; other errors
  // throw ShippingError naming the path.
  std::vector<StreamFile> list() const;
  OrderKey order_key(const std::string& name) const;
  const std::filesystem::path& where() const { return where_; }

 private:
  StreamFiles(std::filesystem::path where, bool spool) : where_(std::move(where)), spool_(spool) {}
  std::filesystem::path where_;
  bool spool_;
};

// Where `position` lies in `files`.
struct Located {
  std::size_t index = 0;  // files[index]; == files.size() when the stream has no file (yet)
  uint64_t offset = 0;
  bool vanished = false;  // the position's file is gone: index/offset is the start of the next file there is
};

// Finds the position's file by inode and head digest; at the end of a file that is not the last, moves on
// to the start of the next one. Throws FileReplaced when the files changed since `files` was listed (list
// again), ShippingError when a file cannot be read.
Located locate(const StreamFiles& stream, const std::vector<StreamFile>& files, const Position& position);

// The position at `offset` of files[index] (with the digest of its first bytes as they are now).
Position position_at(const std::vector<StreamFile>& files, std::size_t index, uint64_t offset);

// Hex SHA-256 of the first `bytes` bytes of `path`, which must still be the file `inode` (else FileReplaced).
std::string head_digest(const std::filesystem::path& path, uint64_t inode, uint64_t bytes);

}  // namespace torwart::controlplane::log_shipping
