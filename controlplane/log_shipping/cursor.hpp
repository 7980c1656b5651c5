#pragma once
// Shipping's persistent state (one JSON file, written atomically: config_store/atomic_file.hpp). It holds
// the confirmed position of every stream with the sequence number that comes next, and the batches written
// ahead: a batch's ranges and first sequence number are on disk before its first byte is sent, so after a
// restart every unconfirmed record is sent again with the number it had (a receiver can drop duplicates by
// sequence number; a gap is a loss).
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/log_shipping/position.hpp"
#include "controlplane/log_shipping/record_frame.hpp"

namespace torwart::controlplane::log_shipping {

struct StreamRange {
  Position start, end;
  uint64_t records = 0;
  bool operator==(const StreamRange&) const = default;
};

// Records of every stream, in kStreams order, numbered from first_seq on.
struct Batch {
  uint64_t first_seq = 1;
  std::array<StreamRange, 3> ranges;  // by Stream
  uint64_t records() const { return ranges[0].records + ranges[1].records + ranges[2].records; }
  bool operator==(const Batch&) const = default;
};

struct CursorState {
  uint64_t next_seq = 1;              // of the first record after the confirmed positions
  std::array<Position, 3> confirmed;  // by Stream
  std::vector<Batch> batches;         // written ahead, not yet confirmed, in order
  uint64_t shipped = 0;               // records confirmed, over the cursor's life
  uint64_t lost_to_retention = 0;     // records retention deleted before they were shipped
  uint64_t vanished_files = 0;        // files gone unshipped without torwartd's retention (removed by hand)
  uint64_t truncated = 0;             // records cut to max_message_bytes
  bool operator==(const CursorState&) const = default;
};

// More batches than this are never written ahead (shipper.cpp keeps far fewer in flight).
inline constexpr std::size_t kMaxBatches = 1024;

std::string cursor_text(const CursorState& state);
// Throws ShippingError "<origin>: <reason>" for anything that is not a cursor this code wrote.
CursorState parse_cursor(std::string_view text, const std::string& origin);
// A missing file is a fresh cursor (nothing shipped yet); a damaged one throws ShippingError.
CursorState load_cursor(const std::filesystem::path& path);
void save_cursor(const std::filesystem::path& path, const CursorState& state);

}  // namespace torwart::controlplane::log_shipping
