#include "dataplane/applayer/http/inflater_pool.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dataplane/applayer/http/http_test_support.hpp"

namespace torwart::dataplane::applayer::http {
namespace {

using testing::bytes_of;

std::string inflate_all(InflaterPool& pool, uint16_t index, const std::string& compressed,
                        InflateStatus& last) {
  std::string out;
  std::span<const uint8_t> in = bytes_of(compressed);
  uint8_t buffer[1000];
  for (int round = 0; round < 100000; ++round) {
    const InflateOutcome o = pool.inflate(index, in, buffer);
    in = in.subspan(o.consumed);
    out.append(reinterpret_cast<const char*>(buffer), o.produced);
    last = o.status;
    if (o.status != InflateStatus::kOk || (in.empty() && o.produced < sizeof(buffer))) break;
  }
  return out;
}

TEST(InflaterPool, AllFormatsDecodeFromThePreallocatedArena) {
  InflaterPool pool(1);
  std::string plain;
  for (int i = 0; i < 5000; ++i) plain += "line " + std::to_string(i * 7919) + "\n";
  const std::pair<InflateFormat, std::string> cases[] = {
      {InflateFormat::kGzip, testing::gzip(plain)},
      {InflateFormat::kZlib, testing::zlib_deflate(plain)},
      {InflateFormat::kRawDeflate, testing::raw_deflate(plain)}};
  for (int repeat = 0; repeat < 3; ++repeat) {  // the arena is reused after every release
    for (const auto& [format, compressed] : cases) {
      const uint16_t index = pool.acquire(format);
      ASSERT_NE(index, InflaterPool::kNone);
      InflateStatus last = InflateStatus::kOk;
      EXPECT_EQ(inflate_all(pool, index, compressed, last), plain);
      EXPECT_EQ(last, InflateStatus::kStreamEnd);
      pool.release(index);
    }
  }
  EXPECT_EQ(pool.in_use(), 0);
}

TEST(InflaterPool, ExhaustedPoolGivesNoneUntilOneIsReturned) {
  InflaterPool pool(2);
  const uint16_t a = pool.acquire(InflateFormat::kGzip);
  const uint16_t b = pool.acquire(InflateFormat::kGzip);
  EXPECT_NE(a, InflaterPool::kNone);
  EXPECT_NE(b, InflaterPool::kNone);
  EXPECT_NE(a, b);
  EXPECT_EQ(pool.acquire(InflateFormat::kGzip), InflaterPool::kNone);
  EXPECT_EQ(pool.in_use(), 2);
  pool.release(a);
  pool.release(a);  // twice is harmless
  EXPECT_EQ(pool.in_use(), 1);
  EXPECT_EQ(pool.acquire(InflateFormat::kZlib), a);
}

TEST(InflaterPool, InvalidDataIsAnError) {
  InflaterPool pool(1);
  const uint16_t index = pool.acquire(InflateFormat::kGzip);
  InflateStatus last = InflateStatus::kOk;
  inflate_all(pool, index, "this is not gzip at all", last);
  EXPECT_EQ(last, InflateStatus::kError);
  pool.release(index);
  EXPECT_EQ(pool.inflate(index, {}, {}).status, InflateStatus::kError);  // not borrowed any more
}

TEST(InflaterPool, ReformatToRawDecodesRawDeflate) {
  InflaterPool pool(1);
  const uint16_t index = pool.acquire(InflateFormat::kZlib);
  ASSERT_TRUE(pool.reformat(index, InflateFormat::kRawDeflate));
  InflateStatus last = InflateStatus::kOk;
  const std::string plain(1000, 'x');
  EXPECT_EQ(inflate_all(pool, index, testing::raw_deflate(plain), last), plain);
  EXPECT_EQ(last, InflateStatus::kStreamEnd);
  pool.release(index);
}

}  // namespace
}  // namespace torwart::dataplane::applayer::http
