// The engine end to end on rule text: keyword semantics on packet payloads, actions and their order,
// flowbits across packets, thresholds, stream pieces, application-layer events, and what is refused.
#include "dataplane/ids/detector.hpp"

#include <gtest/gtest.h>

#include "dataplane/ids/engine_test_support.hpp"

namespace torwart::dataplane::ids {
namespace {

using applayer::BufferId;
using applayer::Direction;
using applayer::Phase;
using testing::bytes_of;
using testing::RecordingSink;
using testing::ruleset_of;
using testing::tcp_target;

DetectTarget udp_target() {
  DetectTarget t = tcp_target();
  t.ip_proto = 17;
  t.tcp_flags = 0;
  return t;
}

// Whether the single rule `options` (on UDP packets) matches `payload`.
bool udp_matches(const std::string& options, std::string_view payload) {
  const auto set = ruleset_of("alert udp any any -> any any (msg:\"t\"; " + options + " sid:1;)\n");
  EXPECT_EQ(set->stats().loaded, 1u) << options << " " << set->report().summary();
  Detector detector(0, 16);
  RecordingSink sink;
  detector.packet(*set, udp_target(), bytes_of(payload), sink, 0);
  return sink.alerts.size() == 1;
}

TEST(SignatureKeywords, ContentOffsetDepthDistanceWithin) {
  EXPECT_TRUE(udp_matches("content:\"GET\"; depth:3;", "GET /"));
  EXPECT_FALSE(udp_matches("content:\"GET\"; depth:3;", " GET /"));
  EXPECT_TRUE(udp_matches("content:\"abc\"; offset:2; depth:4;", "...abc"));
  EXPECT_FALSE(udp_matches("content:\"abc\"; offset:2; depth:4;", "....abc"));
  EXPECT_TRUE(udp_matches("content:\"user=\"; content:\"admin\"; distance:0; within:5;", "x user=admin"));
  EXPECT_FALSE(udp_matches("content:\"user=\"; content:\"admin\"; distance:0; within:5;", "x user= admin"));
  EXPECT_TRUE(udp_matches("content:\"user=admin\"; content:\"user\"; distance:-10; within:4;", "user=admin"));
  EXPECT_FALSE(udp_matches("content:\"user=admin\"; content:\"user\"; distance:-9; within:4;", "user=admin"));
}

TEST(SignatureKeywords, BacktrackingNegationNocaseStartsEnds) {
  // The first "id=" is followed by "7": only the second one has "42" right after it.
  EXPECT_TRUE(udp_matches("content:\"id=\"; content:\"42\"; distance:0; within:2;", "id=7&id=42"));
  EXPECT_FALSE(udp_matches("content:\"id=\"; content:\"42\"; distance:0; within:2;", "id=7&id=4"));
  EXPECT_TRUE(udp_matches("content:\"GET\"; content:!\"cmd.exe\";", "GET /index"));
  EXPECT_FALSE(udp_matches("content:\"GET\"; content:!\"cmd.exe\";", "GET /cmd.exe"));
  EXPECT_TRUE(udp_matches("content:\"select\"; nocase;", "1 SeLeCt *"));
  EXPECT_FALSE(udp_matches("content:\"select\";", "1 SeLeCt *"));
  EXPECT_TRUE(udp_matches("content:\"MZ\"; startswith;", "MZ\x90"));
  EXPECT_FALSE(udp_matches("content:\"MZ\"; startswith;", " MZ"));
  EXPECT_TRUE(udp_matches("content:\".exe\"; endswith;", "/a.exe"));
  EXPECT_FALSE(udp_matches("content:\".exe\"; endswith;", "/a.exe?x"));
  EXPECT_TRUE(udp_matches("content:\"|00 ff|\";", std::string_view("a\x00\xff", 3)));
}

TEST(SignatureKeywords, PcreAbsoluteRelativeNegated) {
  EXPECT_TRUE(udp_matches("pcre:\"/^user=[a-z]+$/\";", "user=admin"));
  EXPECT_FALSE(udp_matches("pcre:\"/^user=[a-z]+$/\";", "user=adm1n"));
  EXPECT_TRUE(udp_matches("pcre:\"/ADMIN/i\";", "user=admin"));
  // Relative: the expression starts where "id=" ended, so ^ anchors there.
  EXPECT_TRUE(udp_matches("content:\"id=\"; pcre:\"/^\\d{2}/R\";", "x id=42"));
  EXPECT_FALSE(udp_matches("content:\"id=\"; pcre:\"/^\\d{2}/R\";", "x id=4"));
  EXPECT_TRUE(udp_matches("content:\"GET\"; pcre:!\"/\\.exe/\";", "GET /a.zip"));
  EXPECT_FALSE(udp_matches("content:\"GET\"; pcre:!\"/\\.exe/\";", "GET /a.exe"));
  // Back-references: Hyperscan prefilters, PCRE2 confirms.
  EXPECT_TRUE(udp_matches("pcre:\"/(ab)c\\1/\";", "xxabcab"));
  EXPECT_FALSE(udp_matches("pcre:\"/(ab)c\\1/\";", "xxabcax"));
}

TEST(SignatureKeywords, ByteTestJumpExtract) {
  const std::string len2("\x00\x02", 2);
  EXPECT_TRUE(udp_matches("content:\"L\"; byte_test:2,=,2,0,relative;", "L" + len2));
  EXPECT_FALSE(udp_matches("content:\"L\"; byte_test:2,>,2,0,relative;", "L" + len2));
  EXPECT_TRUE(udp_matches("byte_test:3,>,99,0,string,dec;", "123abc"));
  EXPECT_FALSE(udp_matches("byte_test:3,>,99,0,string,dec;", "099abc"));
  EXPECT_TRUE(udp_matches("byte_test:1,&,0x80,0;", "\x81"));
  // byte_jump over a length-prefixed field lands on what follows it.
  EXPECT_TRUE(
      udp_matches("content:\"L\"; byte_jump:2,0,relative; content:\"OK\"; within:2;", "L" + len2 + "xxOK"));
  EXPECT_FALSE(
      udp_matches("content:\"L\"; byte_jump:2,0,relative; content:\"OK\"; within:2;", "L" + len2 + "xOK"));
  // byte_extract's value used as a distance.
  EXPECT_TRUE(udp_matches("byte_extract:1,0,skip; content:\"Z\"; distance:skip; within:1;", "\x02..Z"));
  EXPECT_FALSE(udp_matches("byte_extract:1,0,skip; content:\"Z\"; distance:skip; within:1;", "\x01..Z"));
}

TEST(SignatureKeywords, IsdataatDsizeBsize) {
  EXPECT_TRUE(udp_matches("content:\"A\"; isdataat:2,relative;", "A12"));
  EXPECT_FALSE(udp_matches("content:\"A\"; isdataat:3,relative;", "A12"));
  EXPECT_TRUE(udp_matches("content:\"A\"; isdataat:!3,relative;", "A12"));
  EXPECT_TRUE(udp_matches("dsize:>3; content:\"A\";", "A123"));
  EXPECT_FALSE(udp_matches("dsize:>3; content:\"A\";", "A12"));
  EXPECT_TRUE(udp_matches("dsize:2<>5; content:\"A\";", "A12"));
  EXPECT_FALSE(udp_matches("dsize:2<>5; content:\"A\";", "A1234"));
}

TEST(SignatureEngine, FlowDirectionEstablishedAndTcpFlags) {
  const auto set = ruleset_of(
      "alert tcp any any -> any any (msg:\"syn\"; flags:S; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"to client\"; flow:to_client,established; content:\"200\"; "
      "sid:2;)\n");
  Detector detector(0, 16);
  RecordingSink sink;
  DetectTarget syn = tcp_target();
  syn.tcp_flags = 0x02;
  syn.established = false;
  detector.packet(*set, syn, {}, sink, 0);
  DetectTarget synack = syn;
  synack.tcp_flags = 0x12;  // exactly S: a SYN-ACK is not
  detector.packet(*set, synack, {}, sink, 0);
  EXPECT_EQ(sink.sids(), std::vector<uint32_t>{1});
  applayer::StreamTail tails[2]{};
  detector.stream(*set, tcp_target(Direction::kToServer), tails[0], bytes_of("200"), sink, 0);
  detector.stream(*set, tcp_target(Direction::kToClient), tails[1], bytes_of("HTTP/1.1 200"), sink, 0);
  EXPECT_EQ(sink.sids(), (std::vector<uint32_t>{1, 2}));
}

TEST(SignatureEngine, PassSilencesDropBlocksInlineOnly) {
  const std::string rules =
      "alert udp any any -> any any (msg:\"a\"; content:\"evil\"; sid:1;)\n"
      "drop udp any any -> any any (msg:\"d\"; content:\"evil\"; sid:2;)\n"
      "pass udp any any -> any any (msg:\"p\"; content:\"trusted\"; sid:3;)\n"
      "reject udp any any -> any any (msg:\"r\"; content:\"worse\"; sid:4;)\n";
  const auto ips = ruleset_of(rules, true);
  Detector detector(0, 16);
  RecordingSink sink;
  EXPECT_EQ(detector.packet(*ips, udp_target(), bytes_of("evil"), sink, 0), DetectVerdict::kDrop);
  ASSERT_EQ(sink.alerts.size(), 2u);
  EXPECT_FALSE(sink.alerts[0].blocked);  // sid 1: alert
  EXPECT_TRUE(sink.alerts[1].blocked);   // sid 2: drop, inline
  sink.alerts.clear();
  EXPECT_EQ(detector.packet(*ips, udp_target(), bytes_of("trusted evil"), sink, 0), DetectVerdict::kPass);
  EXPECT_TRUE(sink.alerts.empty());  // a matching pass signature silences the packet
  EXPECT_EQ(detector.packet(*ips, udp_target(), bytes_of("evil worse"), sink, 0), DetectVerdict::kReject);
  sink.alerts.clear();
  const auto ids = ruleset_of(rules, false);
  EXPECT_EQ(detector.packet(*ids, udp_target(), bytes_of("evil worse"), sink, 0), DetectVerdict::kPass);
  ASSERT_EQ(sink.alerts.size(), 3u);
  for (const auto& a : sink.alerts) EXPECT_FALSE(a.blocked);  // IDS mode: reported as allowed
}

TEST(SignatureEngine, FlowbitsCarryStateAcrossPacketsOfOneFlow) {
  const auto set = ruleset_of(
      "alert udp any any -> any any (msg:\"login\"; content:\"LOGIN\"; flowbits:set,logged_in; "
      "flowbits:noalert; sid:1;)\n"
      "alert udp any any -> any any (msg:\"cmd after login\"; content:\"RUN\"; flowbits:isset,logged_in; "
      "sid:2;)\n"
      "alert udp any any -> any any (msg:\"cmd without\"; content:\"RUN\"; flowbits:isnotset,logged_in; "
      "sid:3;)\n");
  Detector detector(0, 16);
  RecordingSink sink;
  DetectTarget flow_a = udp_target();
  DetectTarget flow_b = udp_target();
  flow_b.flow_id = 2;
  flow_b.slot = 1;
  detector.packet(*set, flow_a, bytes_of("RUN x"), sink, 0);
  detector.packet(*set, flow_a, bytes_of("LOGIN bob"), sink, 0);
  detector.packet(*set, flow_a, bytes_of("RUN y"), sink, 0);
  detector.packet(*set, flow_b, bytes_of("RUN z"), sink, 0);
  EXPECT_EQ(sink.sids(), (std::vector<uint32_t>{3, 2, 3}));
  // A slot reused by a new flow starts without bits.
  detector.flow_ended(0);
  DetectTarget flow_c = udp_target();
  flow_c.flow_id = 3;
  detector.packet(*set, flow_c, bytes_of("RUN"), sink, 0);
  EXPECT_EQ(sink.sids().back(), 3u);
}

TEST(SignatureEngine, ThresholdLimitsAlertsDetectionFilterDelaysMatch) {
  const auto set = ruleset_of(
      "alert udp any any -> any any (msg:\"l\"; content:\"x\"; threshold:type limit,track by_src,count "
      "2,seconds 60; "
      "sid:1;)\n"
      "drop udp any any -> any any (msg:\"df\"; content:\"y\"; detection_filter:track by_src,count 3,seconds "
      "60; "
      "sid:2;)\n");
  Detector detector(0, 16);
  RecordingSink sink;
  for (int i = 0; i < 5; ++i) detector.packet(*set, udp_target(), bytes_of("x"), sink, uint64_t(i) * 1000);
  EXPECT_EQ(sink.alerts.size(), 2u);
  sink.alerts.clear();
  std::vector<DetectVerdict> verdicts;
  for (int i = 0; i < 5; ++i) verdicts.push_back(detector.packet(*set, udp_target(), bytes_of("y"), sink, 0));
  EXPECT_EQ(verdicts,
            (std::vector<DetectVerdict>{DetectVerdict::kPass, DetectVerdict::kPass, DetectVerdict::kPass,
                                        DetectVerdict::kDrop, DetectVerdict::kDrop}));
  EXPECT_EQ(sink.alerts.size(), 2u);
}

TEST(SignatureEngine, StreamFindsPatternsSplitAcrossPiecesOnce) {
  const auto set = ruleset_of(
      "alert tcp any any -> any any (msg:\"split\"; content:\"MALWARE-MARKER\"; sid:1;)\n"
      "alert tcp any any -> any any (msg:\"depth\"; content:\"HEAD\"; depth:4; sid:2;)\n");
  Detector detector(0, 16);
  RecordingSink sink;
  applayer::StreamTail tail{};
  const DetectTarget t = tcp_target();
  detector.stream(*set, t, tail, bytes_of("HEAD xxxx MALWA"), sink, 0);
  EXPECT_EQ(sink.sids(), std::vector<uint32_t>{2});
  detector.stream(*set, t, tail, bytes_of("RE-MARKER and HEAD again"), sink, 0);
  EXPECT_EQ(sink.sids(),
            (std::vector<uint32_t>{2, 1}));  // found across the pieces; the later HEAD is past depth
  detector.stream(*set, t, tail, bytes_of(" more bytes"), sink, 0);
  EXPECT_EQ(sink.alerts.size(), 2u);  // the marker in the kept tail is not reported again
  EXPECT_EQ(tail.end_offset, 15u + 24u + 11u);
}

TEST(SignatureEngine, HttpBuffersOfRequestAndResponseCombine) {
  const auto set = ruleset_of(
      "alert http any any -> any any (msg:\"post php\"; flow:to_server; http.method; content:\"POST\"; "
      "http.uri; content:\".php\"; endswith; sid:1;)\n"
      "alert http any any -> any any (msg:\"404 for admin\"; flow:to_client; http.stat_code; "
      "content:\"404\"; "
      "http.uri; content:\"/admin\"; sid:2;)\n");
  EXPECT_EQ(set->signature(0).phase, Phase::kHttpRequest);
  EXPECT_EQ(set->signature(1).phase, Phase::kHttpResponse);
  Detector detector(0, 16);
  RecordingSink sink;
  DetectTarget t = tcp_target();
  t.app_proto = "http";
  applayer::AppEvent request;
  request.phase = Phase::kHttpRequest;
  request.set(BufferId::kHttpMethod, std::string_view("POST"));
  request.set(BufferId::kHttpUri, std::string_view("/admin/up.php"));
  detector.event(*set, t, request, sink, 0);
  EXPECT_EQ(sink.sids(), std::vector<uint32_t>{1});
  applayer::AppEvent response = request;
  response.phase = Phase::kHttpResponse;
  response.direction = Direction::kToClient;
  response.set(BufferId::kHttpStatCode, std::string_view("404"));
  DetectTarget back = tcp_target(Direction::kToClient);
  back.app_proto = "http";
  detector.event(*set, back, response, sink, 0);
  EXPECT_EQ(sink.sids(), (std::vector<uint32_t>{1, 2}));  // sid 1 is not evaluated again at the response
  t.app_proto = "tls";
  detector.event(*set, t, request, sink, 0);
  EXPECT_EQ(sink.alerts.size(), 2u);  // `alert http` needs the flow identified as HTTP
}

TEST(SignatureEngine, HeaderOnlySignaturesOncePerFlowDirection) {
  const auto set = ruleset_of("alert ip 192.0.2.0/24 any <> any any (msg:\"listed host\"; sid:1;)\n");
  EXPECT_EQ(set->ip_only().size(), 1u);
  Detector detector(0, 16);
  RecordingSink sink;
  for (int i = 0; i < 3; ++i) detector.packet(*set, tcp_target(Direction::kToServer), {}, sink, 0);
  for (int i = 0; i < 3; ++i) detector.packet(*set, tcp_target(Direction::kToClient), {}, sink, 0);
  EXPECT_EQ(sink.alerts.size(), 2u);
  EXPECT_TRUE(detector.alerted(0, 1));
}

TEST(SignatureEngine, TransformsApplyBeforeTheStepsAndThePrefilterStillSelects) {
  const auto set = ruleset_of(
      "alert dns any any -> any any (msg:\"domain\"; dns.query; dotprefix; content:\".evil.example\"; "
      "endswith; "
      "sid:1;)\n"
      "alert http any any -> any any (msg:\"lower\"; http.uri; to_lowercase; content:\"/admin\"; sid:2;)\n"
      "alert http any any -> any any (msg:\"squeezed\"; http.user_agent; strip_whitespace; "
      "content:\"EvilBot\"; "
      "sid:3;)\n");
  ASSERT_EQ(set->stats().loaded, 3u) << set->report().summary();
  Detector detector(0, 16);
  RecordingSink sink;
  DetectTarget dns = udp_target();
  dns.app_proto = "dns";
  auto query = [&](std::string_view name) {
    applayer::AppEvent e;
    e.phase = Phase::kDnsQuery;
    e.set(BufferId::kDnsQuery, name);
    detector.event(*set, dns, e, sink, 0);
  };
  query("www.evil.example");
  query("evil.example");     // the dot prefix makes the bare domain match too
  query("notevil.example");  // but not a longer name ending in it
  EXPECT_EQ(sink.sids(), (std::vector<uint32_t>{1, 1}));
  DetectTarget http = tcp_target();
  http.app_proto = "http";
  applayer::AppEvent request;
  request.phase = Phase::kHttpRequest;
  request.set(BufferId::kHttpUri, std::string_view("/ADMIN/x"));
  request.set(BufferId::kHttpUserAgent, std::string_view("Evil Bot/1.0"));
  detector.event(*set, http, request, sink, 0);
  EXPECT_EQ(sink.sids(), (std::vector<uint32_t>{1, 1, 2, 3}));
}

TEST(SignatureEngine, WhatTheEngineCannotHonourIsSkippedWithItsReason) {
  const auto set = ruleset_of(
      "alert tls any any -> any any (msg:\"chain\"; tls.certs; content:\"evil\"; sid:1;)\n"
      "alert smtp any any -> any any (msg:\"smtp\"; content:\"HELO\"; sid:2;)\n"
      "alert tcp any any -> any any (msg:\"dce\"; content:\"A\"; byte_test:4,>,1,0,relative,dce; sid:3;)\n"
      "alert http any any -> any any (msg:\"xform\"; http.uri; url_decode; content:\"a\"; sid:4;)\n"
      "alert tcp any any -> any any (msg:\"ok\"; content:\"fine\"; sid:5;)\n"
      "alert tcp any any -> any any (msg:\"bad pcre\"; pcre:\"/(unclosed/\"; sid:6;)\n");
  EXPECT_EQ(set->stats().loaded, 1u);
  std::map<uint32_t, std::string> reasons;
  for (const auto& s : set->report().skipped) reasons[s.sid.value_or(0)] = s.reason + " | " + s.detail;
  ASSERT_EQ(reasons.size(), 5u) << set->report().summary();
  EXPECT_NE(reasons[1].find("tls.certs"), std::string::npos) << reasons[1];
  EXPECT_NE(reasons[2].find("smtp"), std::string::npos) << reasons[2];
  EXPECT_NE(reasons[3].find("dce"), std::string::npos) << reasons[3];
  EXPECT_NE(reasons[4].find("transform"), std::string::npos) << reasons[4];
  EXPECT_NE(reasons[6].find("pcre"), std::string::npos) << reasons[6];
  for (const std::string& line : skip_warnings(set->report()))
    EXPECT_NE(line.find("test.rules:"), std::string::npos);
}

}  // namespace
}  // namespace torwart::dataplane::ids
