#include "controlplane/log_shipping/cursor.hpp"

#include <gtest/gtest.h>

#include "controlplane/log_shipping/shipping_error.hpp"
#include "controlplane/log_shipping/test_spool.hpp"

namespace torwart::controlplane::log_shipping {
namespace {

using testing::TempDir;

Position pos(const std::string& file, uint64_t inode, uint64_t offset) {
  return Position{file, "", inode, offset, 100, std::string(64, 'a')};
}

CursorState sample() {
  CursorState s;
  s.next_seq = 101;
  s.confirmed[static_cast<std::size_t>(Stream::kEve)] = pos("eve-20261122T100000Z-1.json", 7, 4096);
  s.confirmed[static_cast<std::size_t>(Stream::kAudit)] = pos("audit.jsonl", 9, 300);
  Batch b;
  b.first_seq = 101;
  b.ranges[static_cast<std::size_t>(Stream::kEve)] = {pos("eve.json", 8, 0), pos("eve.json", 8, 900), 3};
  b.ranges[static_cast<std::size_t>(Stream::kAudit)] = {pos("audit.jsonl", 9, 300),
                                                        pos("audit.jsonl", 9, 300), 0};
  s.batches.push_back(b);
  Batch c = b;
  c.first_seq = 104;
  s.batches.push_back(c);
  s.shipped = 100;
  s.lost_to_retention = 5;
  s.vanished_files = 1;
  s.truncated = 2;
  return s;
}

TEST(Cursor, RoundTripsThroughItsFile) {
  TempDir dir("cursor");
  const auto file = dir / "state" / "cursor.json";
  EXPECT_EQ(load_cursor(file), CursorState{});  // none yet: a fresh start
  save_cursor(file, sample());
  EXPECT_EQ(load_cursor(file), sample());
  EXPECT_FALSE(std::filesystem::exists(file.string() + ".tmp"));
}

TEST(Cursor, ResumesWhereTheSavedOneStood) {
  TempDir dir("cursor");
  const auto file = dir / "cursor.json";
  CursorState s = sample();
  save_cursor(file, s);
  s.batches.erase(s.batches.begin());
  s.next_seq = 104;
  save_cursor(file, s);  // replaced whole
  const CursorState loaded = load_cursor(file);
  EXPECT_EQ(loaded.next_seq, 104u);
  ASSERT_EQ(loaded.batches.size(), 1u);
  EXPECT_EQ(loaded.batches[0].first_seq, 104u);
}

TEST(Cursor, AnythingItDidNotWriteIsRefusedWithThePlace) {
  const std::string good = cursor_text(sample());
  struct Case {
    std::string from, to, message;
  };
  const std::vector<Case> cases = {
      {"\"format_version\":1", "\"format_version\":2", "format_version: unknown version"},
      {"\"next_seq\":101", "\"next_seq\":0", "next_seq: sequence numbers start at 1"},
      {"\"first_seq\":104", "\"first_seq\":105", "batches[1].first_seq: expected 104"},
      {"\"shipped\":100", "\"shipped\":-1", "shipped: expected a whole number"},
      {"\"file\":\"audit.jsonl\"", "\"file\":\"../etc/passwd\"", "is not a file name"},
      {std::string("\"head\":\"") + std::string(64, 'a') + "\"", "\"head\":\"zz\"",
       "expected a SHA-256 in hex"},
  };
  for (const auto& c : cases) {
    std::string text = good;
    const auto at = text.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.from;
    text.replace(at, c.from.size(), c.to);
    try {
      parse_cursor(text, "cursor.json");
      ADD_FAILURE() << "accepted: " << c.to;
    } catch (const ShippingError& e) {
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("cursor.json: ", 0), 0u) << e.what();
    }
  }
  EXPECT_THROW(parse_cursor("{\"format\":\"other\"}", "c"), ShippingError);
  EXPECT_THROW(parse_cursor(good.substr(0, good.size() / 2), "c"), ShippingError);  // cut off
  EXPECT_THROW(parse_cursor("", "c"), ShippingError);
}

TEST(Cursor, ADamagedFileIsAnErrorNotAFreshStart) {
  TempDir dir("cursor");
  testing::append(dir / "cursor.json", "{\"format\":\"torwart-log-shipping-cursor\",");
  EXPECT_THROW(load_cursor(dir / "cursor.json"), ShippingError);
}

}  // namespace
}  // namespace torwart::controlplane::log_shipping
