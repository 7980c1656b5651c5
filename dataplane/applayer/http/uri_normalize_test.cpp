#include "dataplane/applayer/http/uri_normalize.hpp"

#include <gtest/gtest.h>

#include <string>

namespace torwart::dataplane::applayer::http {
namespace {

std::string normalized(std::string_view raw, bool* bad_percent = nullptr) {
  FixedString<capacity::kUri> out;
  const UriNormalizeResult r = normalize_uri(raw, out);
  if (bad_percent != nullptr) *bad_percent = r.bad_percent_encoding;
  return std::string(out.view());
}

TEST(UriNormalize, DotSegmentsAreRemovedAsRfc3986Says) {
  EXPECT_EQ(normalized("/a/b/c/./../../g"), "/a/g");  // RFC 3986 5.2.4 example
  EXPECT_EQ(normalized("/a/./b"), "/a/b");
  EXPECT_EQ(normalized("/a/b/.."), "/a/");
  EXPECT_EQ(normalized("/a/b/."), "/a/b/");
  EXPECT_EQ(normalized("/../../etc/passwd"), "/etc/passwd");
  EXPECT_EQ(normalized("/.."), "/");
  EXPECT_EQ(normalized("/a/..b/c"), "/a/..b/c");
  EXPECT_EQ(normalized("/"), "/");
}

TEST(UriNormalize, RepeatedSlashesCollapse) {
  EXPECT_EQ(normalized("//a///b//"), "/a/b/");
  EXPECT_EQ(normalized("/a//../b"), "/b");
}

TEST(UriNormalize, OnlyUnreservedEscapesAreDecodedAndDecodedDotsCount) {
  EXPECT_EQ(normalized("/%61%62c/%7Euser"), "/abc/~user");
  EXPECT_EQ(normalized("/a/%2e%2E/b"), "/b");
  EXPECT_EQ(normalized("/a%2fb"), "/a%2Fb");  // '/' is reserved: kept escaped, hex uppercased
  EXPECT_EQ(normalized("/a%20b"), "/a%20b");
}

TEST(UriNormalize, TheQueryIsLeftRaw) {
  EXPECT_EQ(normalized("/a/../b?x=/../%61//y"), "/b?x=/../%61//y");
  EXPECT_EQ(normalized("/p?"), "/p?");
}

TEST(UriNormalize, BadPercentEncodingIsKeptAndReported) {
  bool bad = false;
  EXPECT_EQ(normalized("/a%zzb%4", &bad), "/a%zzb%4");
  EXPECT_TRUE(bad);
  normalized("/ok%41", &bad);
  EXPECT_FALSE(bad);
}

TEST(UriNormalize, AbsoluteFormKeepsSchemeAndAuthority) {
  EXPECT_EQ(normalized("http://Example.com/a/./b//c"), "http://Example.com/a/b/c");
  EXPECT_EQ(normalized("http://example.com"), "http://example.com");
  EXPECT_EQ(normalized("http://example.com?q=1"), "http://example.com?q=1");
}

TEST(UriNormalize, AuthorityAndAsteriskFormsAreCopied) {
  EXPECT_EQ(normalized("example.com:443"), "example.com:443");
  EXPECT_EQ(normalized("*"), "*");
}

TEST(UriNormalize, OutputNeverExceedsTheInput) {
  const std::string raw = "/" + std::string(300, 'a');
  FixedString<capacity::kUri> out;
  normalize_uri(raw, out);
  EXPECT_EQ(out.length, capacity::kUri);
}

}  // namespace
}  // namespace torwart::dataplane::applayer::http
