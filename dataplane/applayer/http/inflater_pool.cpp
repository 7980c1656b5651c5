#include "dataplane/applayer/http/inflater_pool.hpp"

#include <zlib.h>

#include <algorithm>
#include <limits>

namespace torwart::dataplane::applayer::http {

struct InflaterPool::Slot {
  z_stream stream{};
  std::unique_ptr<unsigned char[]> arena;
  size_t arena_used = 0;
  bool borrowed = false;
  bool initialised = false;
};

namespace {

// zlib's allocator, bump-allocating from the slot's arena; the arena is emptied when the inflater is
// returned.
voidpf arena_alloc(voidpf opaque, uInt items, uInt size) {
  auto* slot = static_cast<InflaterPool::Slot*>(opaque);
  const size_t bytes = (static_cast<size_t>(items) * size + 15u) & ~static_cast<size_t>(15u);
  if (bytes > InflaterPool::kArenaBytes - slot->arena_used) return Z_NULL;
  void* p = slot->arena.get() + slot->arena_used;
  slot->arena_used += bytes;
  return p;
}

void arena_free(voidpf /*opaque*/, voidpf /*address*/) {}

int window_bits(InflateFormat format) {
  switch (format) {
    case InflateFormat::kGzip:
      return 16 + MAX_WBITS;
    case InflateFormat::kZlib:
      return MAX_WBITS;
    case InflateFormat::kRawDeflate:
      return -MAX_WBITS;
  }
  return MAX_WBITS;
}

}  // namespace

InflaterPool::InflaterPool(uint16_t inflaters)
    : count_(inflaters == kNone ? static_cast<uint16_t>(kNone - 1) : inflaters),
      slots_(new Slot[count_]),
      free_list_(new uint16_t[count_]) {
  for (uint16_t i = 0; i < count_; ++i) {
    slots_[i].arena.reset(new unsigned char[kArenaBytes]);
    // Touch the arena now so that its pages are not first faulted in on the fast path.
    std::fill_n(slots_[i].arena.get(), kArenaBytes, 0);
    free_list_[free_count_++] = static_cast<uint16_t>(count_ - 1 - i);
  }
}

InflaterPool::~InflaterPool() {
  for (uint16_t i = 0; i < count_; ++i) {
    if (slots_[i].initialised) inflateEnd(&slots_[i].stream);
  }
}

uint16_t InflaterPool::acquire(InflateFormat format) {
  if (free_count_ == 0) return kNone;
  const uint16_t index = free_list_[--free_count_];
  Slot& slot = slots_[index];
  slot.stream = z_stream{};
  slot.stream.zalloc = arena_alloc;
  slot.stream.zfree = arena_free;
  slot.stream.opaque = &slot;
  slot.arena_used = 0;
  if (inflateInit2(&slot.stream, window_bits(format)) != Z_OK) {
    free_list_[free_count_++] = index;
    return kNone;
  }
  slot.initialised = true;
  slot.borrowed = true;
  ++in_use_;
  return index;
}

bool InflaterPool::reformat(uint16_t index, InflateFormat format) {
  if (index >= count_ || !slots_[index].borrowed) return false;
  // No window is allocated before the first output, so switching the window size costs no arena space.
  return inflateReset2(&slots_[index].stream, window_bits(format)) == Z_OK;
}

InflateOutcome InflaterPool::inflate(uint16_t index, std::span<const uint8_t> in, std::span<uint8_t> out) {
  InflateOutcome outcome;
  if (index >= count_ || !slots_[index].borrowed) {
    outcome.status = InflateStatus::kError;
    return outcome;
  }
  z_stream& s = slots_[index].stream;
  // zlib counts in uInt: a larger span is taken in part, and the caller sees that from `consumed`.
  const uInt in_size = static_cast<uInt>(std::min<size_t>(in.size(), std::numeric_limits<uInt>::max()));
  const uInt out_size = static_cast<uInt>(std::min<size_t>(out.size(), std::numeric_limits<uInt>::max()));
  s.next_in = const_cast<Bytef*>(in.data());  // zlib's API is not const-correct; it does not write input
  s.avail_in = in_size;
  s.next_out = out.data();
  s.avail_out = out_size;
  const int rc = ::inflate(&s, Z_NO_FLUSH);
  outcome.consumed = in_size - s.avail_in;
  outcome.produced = out_size - s.avail_out;
  if (rc == Z_STREAM_END) {
    outcome.status = InflateStatus::kStreamEnd;
  } else if (rc == Z_OK || rc == Z_BUF_ERROR) {
    outcome.status = InflateStatus::kOk;
  } else {
    outcome.status = InflateStatus::kError;
  }
  return outcome;
}

void InflaterPool::release(uint16_t index) {
  if (index >= count_ || !slots_[index].borrowed) return;
  Slot& slot = slots_[index];
  inflateEnd(&slot.stream);
  slot.initialised = false;
  slot.borrowed = false;
  slot.arena_used = 0;
  free_list_[free_count_++] = index;
  --in_use_;
}

}  // namespace torwart::dataplane::applayer::http
