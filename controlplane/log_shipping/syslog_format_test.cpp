#include "controlplane/log_shipping/syslog_format.hpp"

#include <gtest/gtest.h>

#include "controlplane/log_shipping/record_frame.hpp"

namespace torwart::controlplane::log_shipping {
namespace {

// The frame's SYSLOG-MSG after checking that LEN counts exactly its bytes.
std::string unframe(const std::string& frame) {
  const auto space = frame.find(' ');
  EXPECT_NE(space, std::string::npos);
  const std::string body = frame.substr(space + 1);
  EXPECT_EQ(std::stoul(frame.substr(0, space)), body.size()) << frame;
  return body;
}

SyslogMessage message(std::string_view msg) {
  SyslogMessage m;
  m.facility = 13;
  m.severity = 5;
  m.timestamp = "2026-11-22T10:00:00.123Z";
  m.hostname = "rathaus-1";
  m.app_name = "torwart";
  m.procid = "-";
  m.msgid = "audit";
  m.params.push_back({"seq", "7"});
  m.msg = msg;
  return m;
}

TEST(SyslogFormat, HeaderStructuredDataAndMessageInRfc5424Order) {
  std::string frame;
  EXPECT_FALSE(append_frame(frame, message("{\"a\":1}"), 8192));
  EXPECT_EQ(unframe(frame),
            "<109>1 2026-11-22T10:00:00.123Z rathaus-1 torwart - audit [torwart@32473 seq=\"7\"] {\"a\":1}");
}

TEST(SyslogFormat, OctetCountingFramesFollowEachOtherWithoutSeparator) {
  std::string out;
  append_frame(out, message("one"), 8192);
  const std::size_t first = out.size();
  append_frame(out, message("zwei \xc3\xbc"), 8192);  // LEN counts bytes, not characters
  unframe(out.substr(0, first));
  const std::string second = unframe(out.substr(first));
  EXPECT_TRUE(second.ends_with("zwei \xc3\xbc"));
}

TEST(SyslogFormat, SdParamValuesEscapeQuoteBackslashAndBracket) {
  std::string out;
  append_sd_value(out, R"(a"b\c]d[e=f)");
  EXPECT_EQ(out, R"(a\"b\\c\]d[e=f)");
  SyslogMessage m = message("x");
  m.params.push_back({"event_type", "we\"ird]\\"});
  std::string frame;
  append_frame(frame, m, 8192);
  EXPECT_NE(unframe(frame).find(R"([torwart@32473 seq="7" event_type="we\"ird\]\\"])"), std::string::npos);
}

TEST(SyslogFormat, NoParamsIsTheNilValue) {
  SyslogMessage m = message("x");
  m.params.clear();
  std::string frame;
  append_frame(frame, m, 8192);
  EXPECT_TRUE(unframe(frame).ends_with(" audit - x"));
}

TEST(SyslogFormat, HeaderFieldsArePrintableAsciiOrNil) {
  EXPECT_EQ(header_field("rathaus-1.example", 255), "rathaus-1.example");
  EXPECT_EQ(header_field("Rathaus Süd", 255), "-");
  EXPECT_EQ(header_field("", 255), "-");
  EXPECT_EQ(header_field(std::string(49, 'a'), 48), "-");
  EXPECT_EQ(header_field("tab\there", 255), "-");
}

TEST(SyslogFormat, TimestampsBecomeRfc5424Form) {
  EXPECT_EQ(rfc5424_timestamp("2026-11-22T10:00:00.123456+0000"), "2026-11-22T10:00:00.123456+00:00");
  EXPECT_EQ(rfc5424_timestamp("2026-11-22T10:00:00.123Z"), "2026-11-22T10:00:00.123Z");
  EXPECT_EQ(rfc5424_timestamp("2026-11-22T10:00:00-05:30"), "2026-11-22T10:00:00-05:30");
  EXPECT_EQ(rfc5424_timestamp("2024-02-29T23:59:59Z"), "2024-02-29T23:59:59Z");
  EXPECT_FALSE(rfc5424_timestamp("2026-02-29T10:00:00Z"));          // not a leap year
  EXPECT_FALSE(rfc5424_timestamp("2026-11-22T10:00:60Z"));          // no leap second in RFC 5424
  EXPECT_FALSE(rfc5424_timestamp("2026-11-22T10:00:00.1234567Z"));  // more than 6 fraction digits
  EXPECT_FALSE(rfc5424_timestamp("2026-11-22 10:00:00Z"));
  EXPECT_FALSE(rfc5424_timestamp("2026-11-22T10:00:00"));  // no zone
  EXPECT_FALSE(rfc5424_timestamp("2026-11-22T10:00:00+2400"));
  EXPECT_FALSE(rfc5424_timestamp(""));
}

TEST(SyslogFormat, AMessageBeyondTheLimitIsCutAtACharacterBoundaryAndSaysSo) {
  // 3000 bytes of two-byte characters: the cut must not split one.
  std::string msg;
  for (int i = 0; i < 1500; ++i) msg += "\xc3\xa4";
  std::string frame;
  EXPECT_TRUE(append_frame(frame, message(msg), 2048));
  const std::string body = unframe(frame);
  EXPECT_LE(body.size(), 2048u);
  EXPECT_GE(body.size(), 2046u);  // filled up to the last whole character
  EXPECT_NE(body.find("truncated=\"3000\"]"), std::string::npos);
  const std::string kept = body.substr(body.find("] ") + 2);
  EXPECT_EQ(kept.size() % 2, 0u);
  EXPECT_EQ(kept, msg.substr(0, kept.size()));

  frame.clear();  // exactly at the limit: not cut
  const std::string head =
      "<109>1 2026-11-22T10:00:00.123Z rathaus-1 torwart - audit [torwart@32473 seq=\"7\"] ";
  EXPECT_FALSE(append_frame(frame, message(std::string(2048 - head.size(), 'x')), 2048));
  EXPECT_EQ(unframe(frame).size(), 2048u);
}

TEST(SyslogFormat, AMessageTheReaderAlreadyCutSaysItsFullLength) {
  SyslogMessage m = message("abc");
  m.msg_length = 1000000;
  std::string frame;
  EXPECT_TRUE(append_frame(frame, m, 8192));
  EXPECT_NE(unframe(frame).find("truncated=\"1000000\"] abc"), std::string::npos);
}

TEST(SyslogFormat, JsonStringFieldsAreFoundOnlyAsKeys) {
  const std::string record = R"({"text":"\"time\":\"x","time":"2026-11-22T10:00:00.000Z","n":1})";
  EXPECT_EQ(json_string_field(record, "time"), "2026-11-22T10:00:00.000Z");
  EXPECT_EQ(json_string_field(record, "text"), R"(\"time\":\"x)");
  EXPECT_FALSE(json_string_field(record, "n"));
  EXPECT_FALSE(json_string_field(R"({"time":"unterminated)", "time"));
}

TEST(RecordFrame, EachStreamGetsItsFacilitySeverityTimeAndSequence) {
  const FrameContext context{"rathaus-1", 8192};
  auto frame_of = [&](Stream s, const std::string& text, bool complete = true) {
    std::string out;
    append_record_frame(out, s, Line{text, text.size(), complete}, 42, context);
    return unframe(out);
  };
  EXPECT_EQ(frame_of(Stream::kEve, R"({"timestamp":"2026-11-22T10:00:00.000001+0000","event_type":"alert"})"),
            R"(<132>1 2026-11-22T10:00:00.000001+00:00 rathaus-1 torwart - eve [torwart@32473 seq="42" )"
            R"(event_type="alert"] {"timestamp":"2026-11-22T10:00:00.000001+0000","event_type":"alert"})");
  EXPECT_TRUE(frame_of(Stream::kEve, R"({"event_type":"flow"})").starts_with("<134>1 - rathaus-1"));
  EXPECT_TRUE(frame_of(Stream::kEve, R"({"event_type":"drop"})").starts_with("<133>1 -"));
  EXPECT_TRUE(
      frame_of(Stream::kAudit, R"({"result":"ok","time":"2026-11-22T10:00:00.000Z"})")
          .starts_with(
              "<109>1 2026-11-22T10:00:00.000Z rathaus-1 torwart - audit [torwart@32473 seq=\"42\"]"));
  EXPECT_TRUE(frame_of(Stream::kAudit, R"({"result":"refused"})").starts_with("<108>1 -"));
  EXPECT_TRUE(
      frame_of(Stream::kSystem, R"({"severity":"error"})").starts_with("<27>1 - rathaus-1 torwart - system"));
  EXPECT_NE(frame_of(Stream::kEve, R"({"event_type":"fl)", false).find("incomplete=\"true\""),
            std::string::npos);
}

}  // namespace
}  // namespace torwart::controlplane::log_shipping
