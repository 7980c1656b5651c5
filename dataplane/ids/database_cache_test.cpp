#include "dataplane/ids/database_cache.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace torwart::dataplane::ids {
namespace {

struct TempDir {
  TempDir() {
    char pattern[] = "/tmp/torwart-hscache-XXXXXX";
    path = ::mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

bool finds(const PatternSet& set, const std::string& text) {
  PatternScratch scratch;
  scratch.prepare_for(set);
  bool found = false;
  scratch.scan(set, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}, [&](uint32_t, uint64_t) {
    found = true;
    return false;
  });
  return found;
}

TEST(DatabaseCache, ASecondLoadOfTheSamePatternsComesFromTheCache) {
  TempDir dir;
  const std::vector<Pattern> patterns{{1, "evil", false, true, false}, {2, "worse", false, false, false}};
  {
    DatabaseCache cache(dir.path);
    EXPECT_TRUE(finds(*cache.get(patterns), "EVIL"));
    EXPECT_EQ(cache.stats().misses, 1u);
  }
  DatabaseCache again(dir.path);
  auto set = again.get(patterns);
  EXPECT_EQ(again.stats().hits, 1u);
  EXPECT_EQ(again.stats().misses, 0u);
  EXPECT_TRUE(finds(*set, "worse"));
}

TEST(DatabaseCache, TheKeyChangesWithEveryPatternPropertyAndAnUnreadableFileIsRecompiled) {
  const std::vector<Pattern> base{{1, "ab", false, false, false}};
  const std::string key = DatabaseCache::key_of(base);
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(key, DatabaseCache::key_of(base));
  EXPECT_NE(key, DatabaseCache::key_of({{1, "ab", false, true, false}}));
  EXPECT_NE(key, DatabaseCache::key_of({{2, "ab", false, false, false}}));
  EXPECT_NE(key, DatabaseCache::key_of({{1, "a", false, false, false}, {1, "b", false, false, false}}));

  TempDir dir;
  std::ofstream(dir.path / (key + ".hsdb")) << "not a database";
  DatabaseCache cache(dir.path);
  auto set = cache.get(base);
  EXPECT_EQ(cache.stats().refused, 1u);
  EXPECT_EQ(cache.stats().misses, 1u);
  EXPECT_TRUE(finds(*set, "xaby"));
  DatabaseCache repaired(dir.path);
  repaired.get(base);
  EXPECT_EQ(repaired.stats().hits, 1u);  // the bad file was replaced
}

TEST(DatabaseCache, WithoutADirectoryItAlwaysCompiles) {
  DatabaseCache none{std::filesystem::path{}};
  EXPECT_TRUE(finds(*none.get({{1, "x", false, false, false}}), "x"));
}

}  // namespace
}  // namespace torwart::dataplane::ids
