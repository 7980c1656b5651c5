#pragma once
// Workers hand finished EVE JSON lines to the control lcore through this single-producer single-consumer
// ring of fixed slots: no allocation, no lock, no syscall on the worker. Full means the record is counted
// as lost, never that the worker waits.
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include <rte_common.h>

namespace torwart::dataplane {

class EveRing {
 public:
  static constexpr uint32_t kSlotSize = 1024;

  explicit EveRing(uint32_t slots_power_of_two = 1024)
      : mask_(slots_power_of_two - 1), slots_(std::make_unique<Slot[]>(slots_power_of_two)) {}

  // Producer: a buffer to format into, or nullptr when full.
  char* reserve() {
    const uint32_t head = head_.load(std::memory_order_relaxed);
    if (head - tail_.load(std::memory_order_acquire) > mask_) return nullptr;
    return slots_[head & mask_].text;
  }
  void commit(uint32_t length) {
    const uint32_t head = head_.load(std::memory_order_relaxed);
    slots_[head & mask_].length = length;
    head_.store(head + 1, std::memory_order_release);
  }

  // Consumer.
  template <typename Fn>
  uint32_t drain(Fn&& each_line) {
    uint32_t tail = tail_.load(std::memory_order_relaxed);
    const uint32_t head = head_.load(std::memory_order_acquire);
    const uint32_t taken = head - tail;
    for (; tail != head; ++tail) {
      const Slot& slot = slots_[tail & mask_];
      each_line(std::string_view(slot.text, slot.length));
    }
    tail_.store(tail, std::memory_order_release);
    return taken;
  }

 private:
  struct Slot {
    uint32_t length;
    char text[kSlotSize - sizeof(uint32_t)];
  };
  alignas(RTE_CACHE_LINE_SIZE) std::atomic<uint32_t> head_{0};
  alignas(RTE_CACHE_LINE_SIZE) std::atomic<uint32_t> tail_{0};
  uint32_t mask_;
  std::unique_ptr<Slot[]> slots_;

 public:
  static constexpr uint32_t kMaxRecord = sizeof(Slot::text);
};

}  // namespace torwart::dataplane
