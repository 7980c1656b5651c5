#include "dataplane/ids/database_cache.hpp"

#include "platform/posix/bounded_read.hpp"
#include "rules/config/config_digest.hpp"

#include <hs/hs.h>

#include <fstream>
#include <iterator>

namespace torwart::dataplane::ids {
namespace {

// Lengths keep ("ab","c") and ("a","bc") apart.
void add_string(std::string& key, std::string_view s) {
  const uint64_t length = s.size();
  key.append(reinterpret_cast<const char*>(&length), sizeof length).append(s);
}

template <typename T>
void add_value(std::string& key, const T& value) {
  key.append(reinterpret_cast<const char*>(&value), sizeof value);
}

}  // namespace

DatabaseCache::DatabaseCache(std::filesystem::path directory) : directory_(std::move(directory)) {
  if (directory_.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(directory_, ec);
}

std::string DatabaseCache::key_of(const std::vector<Pattern>& patterns) {
  std::string key;
  add_string(key, kEngineVersion);
  add_string(key, hs_version());
  hs_platform_info_t platform{};
  hs_populate_platform(&platform);
  add_value(key, platform);
  for (const Pattern& p : patterns) {
    add_value(key, p.id);
    add_value(key, static_cast<uint8_t>((p.regex ? 1 : 0) | (p.nocase ? 2 : 0) | (p.single_match ? 4 : 0) |
                                        (p.prefilter ? 8 : 0)));
    add_string(key, p.bytes);
  }
  return config::sha256_hex(key);
}

std::shared_ptr<const PatternSet> DatabaseCache::get(const std::vector<Pattern>& patterns) {
  const std::string key = key_of(patterns);
  if (const auto it = in_memory_.find(key); it != in_memory_.end()) {
    if (auto shared = it->second.lock()) {
      ++stats_.shared;
      return shared;
    }
  }
  auto set = load_or_compile(key, patterns);
  in_memory_[key] = set;
  return set;
}

std::shared_ptr<const PatternSet> DatabaseCache::load_or_compile(const std::string& key,
                                                                 const std::vector<Pattern>& patterns) {
  if (directory_.empty()) {
    ++stats_.misses;
    return PatternSet::compile(patterns);
  }
  const std::filesystem::path file = directory_ / (key + ".hsdb");
  if (std::filesystem::exists(file)) {
    // Compiled ET Open is tens of megabytes; a cache entry beyond 1 GiB or not a regular file is not ours.
    const auto read = platform::read_regular_file(file.string(), std::size_t{1} << 30);
    try {
      if (!read.ok()) throw std::runtime_error(read.error);
      auto set = PatternSet::deserialize(
          {reinterpret_cast<const uint8_t*>(read.content.data()), read.content.size()});
      ++stats_.hits;
      return set;
    } catch (const std::runtime_error&) {
      ++stats_.refused;  // compiled again below, and the file replaced
    }
  }
  auto set = PatternSet::compile(patterns);
  ++stats_.misses;
  const std::vector<uint8_t> bytes = set->serialize();
  const std::filesystem::path temporary = file.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) return set;
  }
  std::error_code ec;
  std::filesystem::rename(temporary, file, ec);  // atomic: a reader sees the old file or the whole new one
  return set;
}

}  // namespace torwart::dataplane::ids
