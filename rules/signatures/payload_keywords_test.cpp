// content and its modifiers, sticky buffers, pcre, byte_*, isdataat and the size checks.
#include <gtest/gtest.h>

#include "rules/signatures/test_helpers.hpp"

namespace torwart::signatures {
namespace {

using testing::options_of;
using testing::parse_fails;
using testing::parse_ok;
using testing::rule_with;

Content only_content(const std::string& options, const std::string& protocol = "tcp") {
  const auto contents = options_of<Content>(parse_ok(rule_with(options, protocol)));
  EXPECT_EQ(contents.size(), 1U);
  return contents.empty() ? Content{} : contents.front();
}

TEST(Content, HexAndEscapes) {
  EXPECT_EQ(only_content("content:\"A|42 43|D\";").bytes, "ABCD");
  EXPECT_EQ(only_content("content:\"|41|\";").bytes, "A");
  EXPECT_EQ(only_content("content:\"q\\\"u\\;o\\\\te\";").bytes, "q\"u;o\\te");
  EXPECT_EQ(only_content("content:\"ends with backslash\\\\\";").bytes, "ends with backslash\\");
  EXPECT_EQ(only_content("content:\"|00 ff|\";").bytes, std::string("\x00\xff", 2));
}

TEST(Content, BadHexAndQuotes) {
  EXPECT_EQ(parse_fails(rule_with("content:\"|4|\";")).kind, ErrorKind::malformed_value);
  EXPECT_EQ(parse_fails(rule_with("content:\"|4G|\";")).keyword, "content");
  EXPECT_EQ(parse_fails(rule_with("content:\"|41\";")).reason, "hex run not closed by '|'");
  EXPECT_EQ(parse_fails(rule_with("content:\"a\\x\";")).kind, ErrorKind::malformed_value);
  EXPECT_EQ(parse_fails(rule_with("content:\"a\"b\";")).keyword, "content");
  EXPECT_EQ(parse_fails(rule_with("content:\"abc; nocase;")).kind, ErrorKind::syntax);
  EXPECT_EQ(parse_fails(rule_with("content:abc;")).keyword, "content");
  EXPECT_EQ(parse_fails(rule_with("content:\"\";")).reason, "empty pattern");
}

TEST(Content, Negated) {
  const auto content = only_content("content:!\"evil\";");
  EXPECT_TRUE(content.negated);
  EXPECT_EQ(content.bytes, "evil");
}

TEST(Content, ModifiersApplyToThePrecedingContent) {
  const auto contents =
      options_of<Content>(parse_ok(rule_with("content:\"GET\"; depth:3; offset:0; nocase; content:\"x\"; "
                                             "distance:-4; within:10; fast_pattern; rawbytes;")));
  ASSERT_EQ(contents.size(), 2U);
  EXPECT_EQ(contents[0].depth->number, 3);
  EXPECT_EQ(contents[0].offset->number, 0);
  EXPECT_TRUE(contents[0].nocase);
  EXPECT_FALSE(contents[1].nocase);
  EXPECT_EQ(contents[1].distance->number, -4);
  EXPECT_EQ(contents[1].within->number, 10);
  EXPECT_TRUE(contents[1].fast_pattern.has_value());
  EXPECT_TRUE(contents[1].rawbytes);
}

TEST(Content, ModifierWithoutContentNamesTheKeyword) {
  const auto error = parse_fails(rule_with("nocase; content:\"a\";"));
  EXPECT_EQ(error.keyword, "nocase");
  EXPECT_EQ(error.kind, ErrorKind::misplaced);
  EXPECT_EQ(error.file, "test.rules");
  EXPECT_EQ(error.line, 7U);
  EXPECT_EQ(error.sid, 1U);
  EXPECT_EQ(parse_fails(rule_with("depth:4;")).keyword, "depth");
  EXPECT_EQ(parse_fails(rule_with("content:\"a\"; http.uri; nocase; content:\"b\";", "http")).keyword,
            "nocase");
}

TEST(Content, BoundaryValues) {
  EXPECT_EQ(parse_fails(rule_with("content:\"abcd\"; depth:3;")).kind, ErrorKind::out_of_range);
  EXPECT_EQ(parse_fails(rule_with("content:\"abcd\"; depth:0;")).kind, ErrorKind::out_of_range);
  EXPECT_EQ(parse_fails(rule_with("content:\"abcd\"; within:-1;")).keyword, "within");
  EXPECT_EQ(parse_fails(rule_with("content:\"a\"; offset:-1;")).kind, ErrorKind::out_of_range);
  EXPECT_EQ(parse_fails(rule_with("content:\"a\"; distance:70000;")).kind, ErrorKind::out_of_range);
  EXPECT_EQ(parse_fails(rule_with("content:\"a\"; depth:x;")).kind, ErrorKind::malformed_value);
  EXPECT_EQ(parse_fails(rule_with("content:\"a\"; depth:4; depth:5;")).kind, ErrorKind::conflict);
  EXPECT_EQ(parse_fails(rule_with("content:\"a\"; depth:4; distance:0;")).kind, ErrorKind::conflict);
  EXPECT_EQ(parse_fails(rule_with("content:\"a\"; startswith; offset:2;")).kind, ErrorKind::conflict);
  EXPECT_EQ(parse_fails(rule_with("content:\"a\"; nocase:1;")).kind, ErrorKind::malformed_value);
}

TEST(Content, StartsWithEndsWith) {
  const auto content = only_content("content:\"abc\"; startswith; endswith;");
  EXPECT_TRUE(content.startswith);
  EXPECT_TRUE(content.endswith);
}

TEST(Content, FastPatternForms) {
  EXPECT_TRUE(only_content("content:\"abc\"; fast_pattern:only;").fast_pattern->only);
  const auto chopped = only_content("content:\"abcdef\"; fast_pattern:1,3;").fast_pattern->offset_length;
  EXPECT_EQ(chopped, (std::pair<std::uint32_t, std::uint32_t>{1, 3}));
  EXPECT_EQ(parse_fails(rule_with("content:\"abc\"; fast_pattern:2,3;")).kind, ErrorKind::out_of_range);
  EXPECT_EQ(parse_fails(rule_with("content:\"abc\"; fast_pattern; content:\"d\"; fast_pattern;")).kind,
            ErrorKind::conflict);
  EXPECT_EQ(parse_fails(rule_with("content:\"abc\"; fast_pattern:sometimes;")).keyword, "fast_pattern");
}

TEST(StickyBuffer, ContentsAttachToTheActiveBuffer) {
  const auto contents =
      options_of<Content>(parse_ok(rule_with("content:\"raw\"; http.method; content:\"POST\"; http.uri; "
                                             "content:\"/a\"; nocase; pkt_data; content:\"p\";",
                                             "http")));
  ASSERT_EQ(contents.size(), 4U);
  EXPECT_EQ(contents[0].buffer, "payload");
  EXPECT_EQ(contents[1].buffer, "http.method");
  EXPECT_EQ(contents[2].buffer, "http.uri");
  EXPECT_TRUE(contents[2].nocase);
  EXPECT_EQ(contents[3].buffer, "payload");
}

TEST(StickyBuffer, LegacySpellingsMapToDottedNames) {
  EXPECT_EQ(only_content("file_data; content:\"x\";", "http").buffer, "file.data");
  EXPECT_EQ(only_content("dns_query; content:\"x\";", "dns").buffer, "dns.query");
  EXPECT_EQ(only_content("tls_sni; content:\"x\";", "tls").buffer, "tls.sni");
  EXPECT_EQ(only_content("ja3_hash; content:\"x\";", "tls").buffer, "ja3.hash");
}

TEST(StickyBuffer, LegacyContentModifiersMoveOneContent) {
  const auto contents = options_of<Content>(parse_ok(rule_with(
      "content:\"GET\"; http_method; content:\"/x\"; http_uri; nocase; content:\"ua\"; http_user_agent; "
      "content:\"b\"; http_client_body; content:\"s\"; http_server_body; content:\"200\"; http_stat_code; "
      "content:\"raw\";",
      "http")));
  ASSERT_EQ(contents.size(), 7U);
  EXPECT_EQ(contents[0].buffer, "http.method");
  EXPECT_EQ(contents[1].buffer, "http.uri");
  EXPECT_TRUE(contents[1].nocase);
  EXPECT_EQ(contents[2].buffer, "http.user_agent");
  EXPECT_EQ(contents[3].buffer, "http.request_body");
  EXPECT_EQ(contents[4].buffer, "http.response_body");
  EXPECT_EQ(contents[5].buffer, "http.stat_code");
  EXPECT_EQ(contents[6].buffer, "payload");
}

TEST(StickyBuffer, WrongPlacesAreErrors) {
  EXPECT_EQ(parse_fails(rule_with("http.uri; content:\"a\"; http_uri;", "http")).keyword, "http_uri");
  EXPECT_EQ(parse_fails(rule_with("content:\"a\"; http_uri; http_header;", "http")).kind,
            ErrorKind::conflict);
  EXPECT_EQ(parse_fails(rule_with("tls.sni; content:\"a\";", "http")).keyword, "tls.sni");
  EXPECT_EQ(parse_fails(rule_with("http.uri; http.host; content:\"a\";", "http")).keyword, "http.host");
  EXPECT_EQ(parse_fails(rule_with("content:\"a\"; http.uri;", "http")).keyword, "http.uri");
  EXPECT_EQ(parse_fails(rule_with("content:\"a\"; http_uri;", "dns")).keyword, "content");
  EXPECT_EQ(parse_ok(rule_with("http.uri; content:\"a\";", "tcp")).protocol, "tcp");
}

TEST(StickyBuffer, TransformsDirectlyAfterTheirBuffer) {
  const auto signature = parse_ok(rule_with("dns.query; dotprefix; content:\".evil.com\"; endswith;", "dns"));
  ASSERT_EQ(options_of<Transform>(signature).size(), 1U);
  EXPECT_EQ(options_of<Transform>(signature)[0].buffer, "dns.query");
  EXPECT_EQ(parse_fails(rule_with("dotprefix; content:\"a\";", "dns")).kind, ErrorKind::misplaced);
  EXPECT_EQ(parse_fails(rule_with("dns.query; content:\"a\"; dotprefix;", "dns")).keyword, "dotprefix");
}

TEST(Pcre, PatternFlagsAndBuffer) {
  const auto signature =
      parse_ok(rule_with("content:\"a\"; pcre:\"/^x[\\;\"']y/Ri\"; pcre:!\"/z/U\";", "http"));
  const auto patterns = options_of<Pcre>(signature);
  ASSERT_EQ(patterns.size(), 2U);
  EXPECT_EQ(patterns[0].pattern, "^x[\\;\"']y");
  EXPECT_EQ(patterns[0].flags, "Ri");
  EXPECT_TRUE(patterns[0].relative);
  EXPECT_EQ(patterns[0].buffer, "payload");
  EXPECT_TRUE(patterns[1].negated);
  EXPECT_EQ(patterns[1].buffer, "http.uri");
  EXPECT_EQ(options_of<Pcre>(parse_ok(rule_with("http.uri; pcre:\"/a/U\";", "http")))[0].buffer, "http.uri");
}

TEST(Pcre, BadFlagsAndShapes) {
  EXPECT_EQ(parse_fails(rule_with("pcre:\"/a/q\";")).reason, "unknown flag 'q'");
  EXPECT_EQ(parse_fails(rule_with("pcre:\"/a/ii\";")).kind, ErrorKind::conflict);
  EXPECT_EQ(parse_fails(rule_with("pcre:\"/a/UH\";", "http")).kind, ErrorKind::conflict);
  EXPECT_EQ(parse_fails(rule_with("http.uri; pcre:\"/a/H\";", "http")).kind, ErrorKind::conflict);
  EXPECT_EQ(parse_fails(rule_with("pcre:\"a\";")).keyword, "pcre");
  EXPECT_EQ(parse_fails(rule_with("pcre:\"//\";")).reason, "empty pattern");
}

TEST(ByteTest, OperatorsAndArguments) {
  for (const char* op : {"<", ">", "=", "<=", ">=", "&", "^", "!=", "!&"}) {
    const auto tests = options_of<ByteTest>(
        parse_ok(rule_with(std::string("byte_test:2,") + op + ",0x10,4,relative,little;")));
    ASSERT_EQ(tests.size(), 1U) << op;
    EXPECT_EQ(tests[0].negated, op[0] == '!') << op;
    EXPECT_EQ(tests[0].value.number, 16);
    EXPECT_TRUE(tests[0].relative);
    EXPECT_EQ(tests[0].endian, Endian::little);
  }
  const auto string_test =
      options_of<ByteTest>(parse_ok(rule_with("byte_test:3,>,100,0,string,dec,bitmask 0xff;")))[0];
  EXPECT_EQ(string_test.base, NumberBase::decimal);
  EXPECT_EQ(string_test.bitmask, 0xffU);
  EXPECT_EQ(parse_fails(rule_with("byte_test:2,=>,1,0;")).reason, "unknown operator '=>'");
  EXPECT_EQ(parse_fails(rule_with("byte_test:9,=,1,0;")).kind, ErrorKind::out_of_range);
  EXPECT_EQ(parse_fails(rule_with("byte_test:2,=,1;")).kind, ErrorKind::missing_required);
  EXPECT_EQ(parse_fails(rule_with("byte_test:2,=,1,0,sideways;")).keyword, "byte_test");
  EXPECT_EQ(parse_fails(rule_with("byte_test:2,=,1,0,hex;")).kind, ErrorKind::misplaced);
}

TEST(ByteJumpAndExtract, AllArgumentsAndVariables) {
  const auto signature =
      parse_ok(rule_with("content:\"a\"; byte_extract:2,0,len,relative,little,multiplier 2,align 4; "
                         "byte_jump:4,len,relative,from_beginning,post_offset -2,align,multiplier 3,big; "
                         "content:\"b\"; distance:0; within:len; isdataat:!len,relative;"));
  const auto extract = options_of<ByteExtract>(signature)[0];
  EXPECT_EQ(extract.name, "len");
  EXPECT_EQ(extract.multiplier, 2U);
  EXPECT_EQ(extract.align, 4U);
  const auto jump = options_of<ByteJump>(signature)[0];
  EXPECT_EQ(jump.offset.variable, "len");
  EXPECT_EQ(jump.post_offset, -2);
  EXPECT_TRUE(jump.from_beginning);
  EXPECT_TRUE(jump.align);
  EXPECT_EQ(options_of<Content>(signature)[1].within->variable, "len");
  EXPECT_TRUE(options_of<IsDataAt>(signature)[0].negated);
  EXPECT_EQ(parse_fails(rule_with("content:\"a\"; within:nolen;")).keyword, "within");
  EXPECT_EQ(parse_fails(rule_with("byte_extract:2,0,x; byte_extract:1,0,x;")).kind, ErrorKind::conflict);
  EXPECT_EQ(parse_fails(rule_with("byte_jump:4,0,from_beginning,from_end;")).kind, ErrorKind::conflict);
}

TEST(SizeChecks, DsizeBsizeUrilen) {
  const auto dsize = options_of<SizeCheck>(parse_ok(rule_with("dsize:<100;")))[0];
  EXPECT_EQ(dsize.condition.op, NumericCondition::Op::less);
  const auto between = options_of<SizeCheck>(parse_ok(rule_with("dsize:10<>20;")))[0].condition;
  EXPECT_EQ(between.op, NumericCondition::Op::between);
  EXPECT_EQ(between.upper, 20U);
  const auto bsize =
      options_of<SizeCheck>(parse_ok(rule_with("http.host; bsize:>=12; content:\"a\";", "http")))[0];
  EXPECT_EQ(bsize.buffer, "http.host");
  EXPECT_EQ(parse_fails(rule_with("bsize:10;")).kind, ErrorKind::misplaced);
  EXPECT_EQ(parse_fails(rule_with("dsize:20<>10;")).kind, ErrorKind::out_of_range);
  EXPECT_EQ(options_of<SizeCheck>(parse_ok(rule_with("urilen:>10,raw;", "http")))[0].buffer, "http.uri.raw");
  EXPECT_EQ(parse_fails(rule_with("isdataat:5,sideways;")).keyword, "isdataat");
}

}  // namespace
}  // namespace torwart::signatures
