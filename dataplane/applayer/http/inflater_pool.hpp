#pragma once
// A fixed number of zlib inflaters for gzip/deflate bodies, all memory taken at construction: zlib's
// allocator is served from one arena per inflater, so nothing is allocated per packet. A body borrows an
// inflater for its length and gives it back at its end (or when the flow ends); the flow state keeps only
// the inflater's index, since an inflate state with its window is ~40 KB.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace torwart::dataplane::applayer::http {

enum class InflateFormat : uint8_t {
  kGzip,        // RFC 1952
  kZlib,        // RFC 1950 ("deflate" as the RFC means it)
  kRawDeflate,  // RFC 1951 ("deflate" as some servers send it)
};

enum class InflateStatus : uint8_t {
  kOk,         // all input consumed (or output budget used up)
  kStreamEnd,  // the compressed stream ended; bytes after it are not decoded
  kError,      // invalid data, or the arena was too small
};

struct InflateOutcome {
  InflateStatus status = InflateStatus::kOk;
  size_t consumed = 0;  // input bytes used
  size_t produced = 0;  // output bytes written
};

class InflaterPool {
 public:
  static constexpr uint16_t kNone = 0xffff;
  static constexpr size_t kArenaBytes = size_t{48} * 1024;  // inflate state (~7 KB) and a 32 KB window

  explicit InflaterPool(uint16_t inflaters);
  ~InflaterPool();
  InflaterPool(const InflaterPool&) = delete;
  InflaterPool& operator=(const InflaterPool&) = delete;

  // An index for the body to keep, or kNone when all are borrowed.
  uint16_t acquire(InflateFormat format);
  // Changes the format of a borrowed inflater that has not decoded anything yet.
  bool reformat(uint16_t index, InflateFormat format);
  // Decodes from `in` into `out`; stops when the output is full, the input is used up or the stream ends.
  InflateOutcome inflate(uint16_t index, std::span<const uint8_t> in, std::span<uint8_t> out);
  void release(uint16_t index);

  uint16_t capacity() const { return count_; }
  uint16_t in_use() const { return in_use_; }

  struct Slot;  // public only so that zlib's allocator callbacks can name it

 private:
  uint16_t count_;
  uint16_t in_use_ = 0;
  std::unique_ptr<Slot[]> slots_;
  std::unique_ptr<uint16_t[]> free_list_;
  uint16_t free_count_ = 0;
};

}  // namespace torwart::dataplane::applayer::http
