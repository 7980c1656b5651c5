#include "dataplane/ids/database_cache.hpp"

#include <hs/hs.h>
#include <openssl/evp.h>

#include <fstream>
#include <iterator>

namespace torwart::dataplane::ids {
namespace {

void add(EVP_MD_CTX* ctx, const void* data, size_t length) {
  EVP_DigestUpdate(ctx, data, length);
}

void add_string(EVP_MD_CTX* ctx, const std::string& s) {
  const uint64_t length = s.size();
  add(ctx, &length, sizeof length);  // lengths keep ("ab","c") and ("a","bc") apart
  add(ctx, s.data(), s.size());
}

}  // namespace

DatabaseCache::DatabaseCache(std::filesystem::path directory) : directory_(std::move(directory)) {
  if (directory_.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(directory_, ec);
}

std::string DatabaseCache::key_of(const std::vector<Pattern>& patterns) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  add_string(ctx, kEngineVersion);
  add_string(ctx, hs_version());
  hs_platform_info_t platform{};
  hs_populate_platform(&platform);
  add(ctx, &platform, sizeof platform);
  for (const Pattern& p : patterns) {
    add(ctx, &p.id, sizeof p.id);
    const uint8_t flags =
        static_cast<uint8_t>((p.regex ? 1 : 0) | (p.nocase ? 2 : 0) | (p.single_match ? 4 : 0));
    add(ctx, &flags, 1);
    add_string(ctx, p.bytes);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  EVP_DigestFinal_ex(ctx, digest, &length);
  EVP_MD_CTX_free(ctx);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

std::shared_ptr<const PatternSet> DatabaseCache::get(const std::vector<Pattern>& patterns) {
  if (directory_.empty()) return PatternSet::compile(patterns);
  const std::filesystem::path file = directory_ / (key_of(patterns) + ".hsdb");
  if (std::ifstream in{file, std::ios::binary}) {
    const std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    try {
      auto set = PatternSet::deserialize(bytes);
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
