#include "dataplane/core/drop_reason.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace torwart::dataplane {
namespace {

TEST(DropReason, EveryReasonHasAUniqueNameAndADescription) {
  std::set<std::string_view> names;
  for (unsigned r = 0; r < kDropReasonCount; ++r) {
    const auto& info = drop_reason_info(static_cast<DropReason>(r));
    EXPECT_FALSE(info.name.empty());
    EXPECT_FALSE(info.description.empty());
    EXPECT_TRUE(names.insert(info.name).second) << info.name;
  }
}

TEST(DropReason, TheReadmeDocumentsEveryReason) {
  std::ifstream readme(TORWART_README);
  ASSERT_TRUE(readme) << TORWART_README;
  std::stringstream text;
  text << readme.rdbuf();
  for (unsigned r = 1; r < kDropReasonCount; ++r) {
    const std::string row = "| `" + std::string(drop_reason_name(static_cast<DropReason>(r))) + "` |";
    EXPECT_NE(text.str().find(row), std::string::npos) << "README lacks a row for " << row;
  }
}

TEST(DropReason, DecodeFailuresAreExactlyTheParserReasons) {
  EXPECT_TRUE(is_decode_failure(DropReason::kTruncatedEthernet));
  EXPECT_TRUE(is_decode_failure(DropReason::kTruncatedIcmp));
  EXPECT_FALSE(is_decode_failure(DropReason::kNone));
  EXPECT_FALSE(is_decode_failure(DropReason::kBadSourceAddress));
  EXPECT_FALSE(is_decode_failure(DropReason::kSpoofedSource));
}

}  // namespace
}  // namespace torwart::dataplane
