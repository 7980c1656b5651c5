#include "dataplane/applayer/http/http_parser.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "dataplane/applayer/http/http_probe.hpp"
#include "dataplane/applayer/http/http_test_support.hpp"

namespace torwart::dataplane::applayer::http {
namespace {

using testing::bytes_of;
using testing::chunked;
using testing::Exchange;

const std::string kCurlGet =
    "GET /index.html?lang=en HTTP/1.1\r\n"
    "Host: Example.COM:8080\r\n"
    "User-Agent: curl/7.88.1\r\n"
    "Accept: */*\r\n"
    "\r\n";

std::string response(const std::string& status_line, const std::string& headers, const std::string& body) {
  return status_line + "\r\n" + headers + "\r\n" + body;
}

std::string with_length(const std::string& status_line, const std::string& headers, const std::string& body) {
  return response(status_line, headers + "Content-Length: " + std::to_string(body.size()) + "\r\n", body);
}

// Everything a sink can observe, for comparing two ways of feeding the same bytes.
struct Observed {
  std::vector<std::string> events;
  std::map<uint64_t, std::string> request_bodies;
  std::map<uint64_t, std::string> response_bodies;
  bool operator==(const Observed&) const = default;
};

Observed observe(const std::string& requests, const std::string& responses,
                 const std::vector<size_t>& request_cuts, const std::vector<size_t>& response_cuts,
                 HttpLimits limits = {}) {
  Exchange x(4, limits);
  auto feed_cut = [](const std::string& all, const std::vector<size_t>& cuts, auto&& feed) {
    size_t at = 0;
    for (size_t cut : cuts) {
      feed(all.substr(at, cut - at));
      at = cut;
    }
    feed(all.substr(at));
  };
  feed_cut(requests, request_cuts, [&](const std::string& s) { x.to_server(s); });
  feed_cut(responses, response_cuts, [&](const std::string& s) { x.to_client(s); });
  x.end();
  EXPECT_EQ(x.pool.in_use(), 0);
  return {x.sink.events, x.sink.request_bodies, x.sink.response_bodies};
}

std::vector<size_t> every_byte(size_t n) {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < n; ++i) cuts.push_back(i);
  return cuts;
}

TEST(HttpProbe, RequestsStartWithAKnownMethodAndASpace) {
  EXPECT_EQ(probe_http(Direction::kToServer, bytes_of("GET / HTTP/1.1\r\n")), ProbeResult::kMatch);
  EXPECT_EQ(probe_http(Direction::kToServer, bytes_of("PROPFIND ")), ProbeResult::kMatch);
  EXPECT_EQ(probe_http(Direction::kToServer, bytes_of("VERSION-CONTROL /")), ProbeResult::kMatch);
  EXPECT_EQ(probe_http(Direction::kToServer, bytes_of("PATCH /x")), ProbeResult::kMatch);
  EXPECT_EQ(probe_http(Direction::kToServer, bytes_of("")), ProbeResult::kNeedMore);
  EXPECT_EQ(probe_http(Direction::kToServer, bytes_of("G")), ProbeResult::kNeedMore);
  EXPECT_EQ(probe_http(Direction::kToServer, bytes_of("PROP")), ProbeResult::kNeedMore);
  EXPECT_EQ(probe_http(Direction::kToServer, bytes_of("GET")), ProbeResult::kNeedMore);
  EXPECT_EQ(probe_http(Direction::kToServer, bytes_of("GET/")), ProbeResult::kNoMatch);
  EXPECT_EQ(probe_http(Direction::kToServer, bytes_of("get / HTTP/1.1")), ProbeResult::kNoMatch);
  EXPECT_EQ(probe_http(Direction::kToServer, bytes_of("\x16\x03\x01\x02")), ProbeResult::kNoMatch);
  EXPECT_EQ(probe_http(Direction::kToServer, bytes_of("SSH-2.0-OpenSSH")), ProbeResult::kNoMatch);
}

TEST(HttpProbe, ResponsesStartWithHttp1AndADigit) {
  EXPECT_EQ(probe_http(Direction::kToClient, bytes_of("HTTP/1.1 200 OK")), ProbeResult::kMatch);
  EXPECT_EQ(probe_http(Direction::kToClient, bytes_of("HTTP/1.0")), ProbeResult::kMatch);
  EXPECT_EQ(probe_http(Direction::kToClient, bytes_of("HTTP/1.")), ProbeResult::kNeedMore);
  EXPECT_EQ(probe_http(Direction::kToClient, bytes_of("HTT")), ProbeResult::kNeedMore);
  EXPECT_EQ(probe_http(Direction::kToClient, bytes_of("HTTP/2 200")), ProbeResult::kNoMatch);
  EXPECT_EQ(probe_http(Direction::kToClient, bytes_of("HTTP/1.x")), ProbeResult::kNoMatch);
  EXPECT_EQ(probe_http(Direction::kToClient, bytes_of("GET / HTTP/1.1")), ProbeResult::kNoMatch);
}

TEST(HttpParser, CurlGetAndItsResponse) {
  Exchange x;
  x.to_server(kCurlGet);
  ASSERT_EQ(x.sink.requests.size(), 1u);
  ASSERT_EQ(x.sink.events.size(), 1u);
  EXPECT_EQ(x.sink.events[0],
            "request id=1 flags=0 method=GET uri=/index.html?lang=en norm=/index.html?lang=en proto=HTTP/1.1 "
            "host=example.com port=8080 ua=curl/7.88.1 ct= te= ce= cookie= ref= cl=- headers=3 block=64 "
            "body=0/0 anomalies=0 complete=0");
  x.to_client(with_length("HTTP/1.1 200 OK", "Content-Type: text/html; charset=UTF-8\r\nServer: t\r\n",
                          "<html></html>"));
  ASSERT_EQ(x.sink.ended.size(), 1u);
  EXPECT_EQ(x.sink.events.back(),
            "end id=1 flags=0 method=GET uri=/index.html?lang=en norm=/index.html?lang=en proto=HTTP/1.1 "
            "host=example.com port=8080 ua=curl/7.88.1 ct= te= ce= cookie= ref= cl=- headers=3 block=64 "
            "body=0/0 anomalies=0 complete=1 | status=200 reason=OK proto=HTTP/1.1 "
            "ct=text/html; charset=UTF-8 te= ce= location= cl=13 headers=3 block=73 body=13/13 anomalies=0 "
            "complete=1");
  EXPECT_EQ(x.sink.response_bodies[1], "<html></html>");
  EXPECT_TRUE(x.sink.anomalies.empty());
  EXPECT_EQ(x.counters.transactions, 1u);
  EXPECT_EQ(x.counters.requests, 1u);
  EXPECT_EQ(x.counters.responses, 1u);
  x.end();
  EXPECT_EQ(x.sink.ended.size(), 1u);  // nothing left unfinished
}

// The request is the bytes curl 7.88.1 sent (--compressed --path-as-is) to a test server on 127.0.0.1,
// captured locally; the answer is built here the way that server built it (20 lines, gzip).
TEST(HttpParser, CapturedCurlExchange) {
  const std::string request =
      "GET /a/./b/../c//d?q=%41 HTTP/1.1\r\nHost: 127.0.0.1:36407\r\nUser-Agent: curl/7.88.1\r\n"
      "Accept: */*\r\nAccept-Encoding: deflate, gzip, br, zstd\r\n\r\n";
  std::string plain;
  for (int i = 0; i < 20; ++i) plain += "hello from a local server\n";
  Exchange x;
  x.to_server(request);
  x.to_client(with_length("HTTP/1.1 200 OK", "Content-Type: text/plain\r\nContent-Encoding: gzip\r\n",
                          testing::gzip(plain)));
  ASSERT_EQ(x.sink.ended.size(), 1u);
  const HttpTransaction& t = x.sink.ended[0];
  EXPECT_EQ(t.id, 1u);
  EXPECT_NE(x.sink.events.back().find("norm=/a/c/d?q=%41 proto=HTTP/1.1 host=127.0.0.1 port=36407 "
                                      "ua=curl/7.88.1 "),
            std::string::npos)
      << x.sink.events.back();
  EXPECT_EQ(x.sink.response_bodies[1], plain);
  EXPECT_TRUE(x.sink.anomalies.empty());
}

TEST(HttpParser, HeaderBlockIsKeptRaw) {
  struct BlockSink : testing::RecordingSink {
    void on_request(const HttpTransaction& t) override {
      block = std::string(t.request->header_block.view());
    }
    std::string block;
  } sink;
  InflaterPool pool(1);
  HttpCounters counters;
  HttpContext context{pool, counters, {}};
  HttpFlowState state;
  http_feed(state, Direction::kToServer, bytes_of(kCurlGet), sink, context);
  EXPECT_EQ(sink.block, "Host: Example.COM:8080\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n");
}

TEST(HttpParser, PostWithBodyCookiesAndRedirect) {
  Exchange x;
  const std::string form = "user=alice&password=secret";
  x.to_server(
      "POST /login?next=%2Fhome HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: Mozilla/5.0\r\n"
      "Content-Type: application/x-www-form-urlencoded\r\nCookie: a=1\r\nCookie: b=2\r\n"
      "Referer: https://shop.example/login\r\nContent-Length: " +
      std::to_string(form.size()) + "\r\n\r\n" + form);
  ASSERT_EQ(x.sink.requests.size(), 1u);
  EXPECT_EQ(x.sink.request_bodies[1], form);
  x.to_client("HTTP/1.1 302 Found\r\nLocation: /home\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(x.sink.ended.size(), 1u);
  EXPECT_EQ(x.sink.events.back(),
            "end id=1 flags=0 method=POST uri=/login?next=%2Fhome norm=/login?next=%2Fhome proto=HTTP/1.1 "
            "host=shop.example port=- ua=Mozilla/5.0 ct=application/x-www-form-urlencoded te= ce= "
            "cookie=a=1; b=2 ref=https://shop.example/login cl=26 headers=7 block=179 body=26/26 anomalies=0 "
            "complete=1 | status=302 reason=Found proto=HTTP/1.1 ct= te= ce= location=/home cl=0 headers=2 "
            "block=38 body=0/0 anomalies=0 complete=1");
}

TEST(HttpParser, ChunkedGzipResponseIsDecoded) {
  std::string page;
  for (int i = 0; i < 2000; ++i) page += "<p>row " + std::to_string(i) + "</p>\n";
  Exchange x;
  x.to_server("GET /rows HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\n\r\n");
  x.to_client(response("HTTP/1.1 200 OK",
                       "Content-Type: text/html\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
                       chunked(testing::gzip(page), 700, ";name=value")));
  ASSERT_EQ(x.sink.ended.size(), 1u);
  EXPECT_EQ(x.sink.response_bodies[1], page);
  EXPECT_EQ(x.counters.bodies_decoded, 1u);
  EXPECT_EQ(x.pool.in_use(), 0);
  EXPECT_TRUE(x.sink.anomalies.empty());
}

TEST(HttpParser, ChunkedTrailersAreSkipped) {
  Exchange x;
  x.to_server("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
  x.to_client(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Checksum: 1\r\n"
      "X-More: 2\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(x.sink.ended.size(), 2u);
  EXPECT_EQ(x.sink.response_bodies[1], "hello");
  EXPECT_TRUE(x.sink.anomalies.empty());
}

TEST(HttpParser, DeflateBothWrappedAndRawIsDecoded) {
  const std::string plain(30000, 'z');
  for (const std::string& body : {testing::zlib_deflate(plain), testing::raw_deflate(plain)}) {
    Exchange x;
    x.to_server("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    x.to_client(with_length("HTTP/1.1 200 OK", "Content-Encoding: deflate\r\n", body));
    ASSERT_EQ(x.sink.ended.size(), 1u);
    EXPECT_EQ(x.sink.response_bodies[1], plain);
    EXPECT_EQ(x.counters.bodies_decoded, 1u);
    EXPECT_TRUE(x.sink.anomalies.empty());
  }
}

TEST(HttpParser, UnsupportedCodingIsPassedOnAsSentAndMarked) {
  Exchange x;
  x.to_server("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  x.to_client(with_length("HTTP/1.1 200 OK", "Content-Encoding: br\r\n", "\x0b\x02\x80"));
  ASSERT_EQ(x.sink.ended.size(), 1u);
  EXPECT_EQ(x.sink.response_bodies[1], "\x0b\x02\x80");
  EXPECT_NE(x.sink.ended[0].flags & txn_flag::kBodyNotDecoded, 0);
}

TEST(HttpParser, CorruptGzipIsAnAnomalyButFramingGoesOn) {
  Exchange x;
  x.to_server("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n");
  std::string bad = testing::gzip(std::string(5000, 'q'));
  bad[12] = static_cast<char>(bad[12] ^ 0x55);
  x.to_client(with_length("HTTP/1.1 200 OK", "Content-Encoding: gzip\r\n", bad) +
              with_length("HTTP/1.1 200 OK", "", "ok"));
  EXPECT_TRUE(x.sink.saw(HttpAnomaly::kBodyDecodeError));
  ASSERT_EQ(x.sink.ended.size(), 2u);
  EXPECT_EQ(x.sink.response_bodies[2], "ok");
  EXPECT_EQ(x.pool.in_use(), 0);
  EXPECT_EQ(x.counters.bodies_decoded, 0u);
}

TEST(HttpParser, PipelinedRequestsAreAnsweredInOrder) {
  Exchange x;
  x.to_server(
      "GET /a HTTP/1.1\r\nHost: h\r\n\r\nHEAD /b HTTP/1.1\r\nHost: h\r\n\r\nGET /c HTTP/1.1\r\nHost: "
      "h\r\n\r\n");
  EXPECT_EQ(x.sink.requests.size(), 3u);
  x.to_client(with_length("HTTP/1.1 200 OK", "", "AAA") +
              "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" +  // HEAD: no body follows
              with_length("HTTP/1.1 200 OK", "", "CCCCC"));
  ASSERT_EQ(x.sink.ended.size(), 3u);
  EXPECT_EQ(x.sink.response_bodies[1], "AAA");
  EXPECT_EQ(x.sink.response_bodies.count(2), 0u);
  EXPECT_EQ(x.sink.response_bodies[3], "CCCCC");
  EXPECT_EQ(x.sink.ended[2].id, 3u);
  EXPECT_NE(x.sink.events.back().find("uri=/c "), std::string::npos);
  EXPECT_TRUE(x.sink.anomalies.empty());
}

TEST(HttpParser, RequestsBeyondTheQueueAreFramedButNotKept) {
  Exchange x;
  std::string requests;
  for (int i = 1; i <= 4; ++i) requests += "GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n";
  requests += "HEAD /5 HTTP/1.1\r\nHost: h\r\n\r\n";
  x.to_server(requests);
  EXPECT_EQ(x.sink.requests.size(), kRequestSlots);
  EXPECT_EQ(x.counters.pipelined_beyond_queue, 5u - kRequestSlots);
  std::string responses;
  for (int i = 1; i <= 4; ++i) responses += with_length("HTTP/1.1 200 OK", "", "body" + std::to_string(i));
  responses += "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n";  // answers the HEAD: no body
  responses += "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";   // nobody asked for this one
  x.to_client(responses);
  ASSERT_EQ(x.sink.ended.size(), 6u);
  for (uint64_t i = 0; i < 5; ++i) EXPECT_EQ(x.sink.ended[i].id, i + 1);
  EXPECT_EQ(x.sink.ended[3].flags & txn_flag::kRequestNotKept, txn_flag::kRequestNotKept);
  EXPECT_EQ(x.sink.ended[3].request, nullptr);
  EXPECT_EQ(x.sink.response_bodies[4], "body4");
  EXPECT_EQ(x.sink.ended[5].flags & txn_flag::kNoRequest, txn_flag::kNoRequest);
  EXPECT_TRUE(x.sink.saw(HttpAnomaly::kResponseWithoutRequest));
  EXPECT_FALSE(x.sink.saw(HttpAnomaly::kBadStatusLine));
}

TEST(HttpParser, TooManyRequestsInFlightStopTheRequestSide) {
  Exchange x;
  std::string requests;
  for (int i = 0; i < kRequestSlots + kFramingOnlyRequests + 1; ++i) requests += "GET / HTTP/1.1\r\n\r\n";
  x.to_server(requests);
  EXPECT_TRUE(x.sink.saw(HttpAnomaly::kTooManyPipelined));
  EXPECT_EQ(x.counters.pipelined_beyond_queue, kFramingOnlyRequests);
  x.end();
  EXPECT_EQ(x.sink.ended.size(), kRequestSlots + kFramingOnlyRequests);
}

// Found by the fuzzer: a server may answer a request before the request has been read to its end.
TEST(HttpParser, AnswerBeforeTheRequestEndsKeepsTheQueueConsistent) {
  Exchange x;
  x.to_server("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\nHEA");
  std::string answers;
  for (int i = 1; i <= 4; ++i) answers += with_length("HTTP/1.1 200 OK", "", "r" + std::to_string(i));
  x.to_client(answers);
  ASSERT_EQ(x.sink.ended.size(), 4u);
  x.to_server("D /4 HTTP/1.1\r\n\r\nGET /5 HTTP/1.1\r\n\r\n");
  x.to_client(with_length("HTTP/1.1 200 OK", "", "r5"));
  ASSERT_EQ(x.sink.ended.size(), 5u);
  EXPECT_EQ(x.sink.ended[4].id, 5u);
  EXPECT_EQ(x.sink.response_bodies[5], "r5");
  EXPECT_EQ(x.sink.anomalies, std::vector<HttpAnomaly>{HttpAnomaly::kPipelineBeyondQueue});
}

TEST(HttpParser, ConnectRefusedBeforeItsRequestEndsDoesNotHoldTheRequestSide) {
  Exchange x;
  x.to_server("CONNECT example.com:443 HTTP/1.1\r\n");
  x.to_client(with_length("HTTP/1.1 403 Forbidden", "", ""));
  x.to_server("\r\nGET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(x.counters.requests, 2u);
  EXPECT_FALSE(http_parsing_stopped(x.state));
}

TEST(HttpParser, NoBodyFor204And304) {
  Exchange x;
  x.to_server(
      "DELETE /x HTTP/1.1\r\nHost: h\r\n\r\nGET /y HTTP/1.1\r\nHost: h\r\n\r\nGET /z HTTP/1.1\r\n\r\n");
  x.to_client(
      "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n"
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n" +
      with_length("HTTP/1.1 200 OK", "", "last"));
  ASSERT_EQ(x.sink.ended.size(), 3u);
  EXPECT_EQ(x.sink.response_bodies.size(), 1u);
  EXPECT_EQ(x.sink.response_bodies[3], "last");
  EXPECT_TRUE(x.sink.anomalies.empty());
}

TEST(HttpParser, ConnectAnsweredWith2xxIsATunnel) {
  Exchange x;
  // The client may send tunnel bytes before the answer (RFC 9110 9.3.6): they are not parsed as HTTP.
  x.to_server("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n" +
              std::string("\x16\x03\x01\x00\xa5\x01", 6));
  x.to_client("HTTP/1.1 200 Connection established\r\n\r\n" + std::string("\x16\x03\x03\x00\x5a\x02", 6));
  ASSERT_EQ(x.sink.ended.size(), 1u);
  EXPECT_EQ(x.sink.ended[0].flags & txn_flag::kTunnel, txn_flag::kTunnel);
  EXPECT_TRUE(http_parsing_stopped(x.state));
  x.to_server("\x17\x03\x03 more tunnel bytes");
  x.to_client("GET not parsed\r\n");
  EXPECT_TRUE(x.sink.anomalies.empty());
  EXPECT_EQ(x.counters.tunnels, 1u);
  EXPECT_NE(x.sink.events[0].find("norm=example.com:443 "), std::string::npos);
}

TEST(HttpParser, ConnectRefusedIsNotATunnel) {
  Exchange x;
  x.to_server("CONNECT example.com:443 HTTP/1.1\r\n\r\n");
  x.to_client(with_length("HTTP/1.1 407 Proxy Authentication Required", "", "no"));
  x.to_server("GET / HTTP/1.1\r\n\r\n");
  EXPECT_FALSE(http_parsing_stopped(x.state));
  EXPECT_EQ(x.sink.requests.size(), 2u);
}

TEST(HttpParser, SwitchingProtocolsStopsParsing) {
  Exchange x;
  x.to_server("GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
  x.to_client("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello");
  ASSERT_EQ(x.sink.ended.size(), 1u);
  EXPECT_EQ(x.sink.ended[0].flags & txn_flag::kUpgraded, txn_flag::kUpgraded);
  EXPECT_TRUE(http_parsing_stopped(x.state));
}

TEST(HttpParser, InterimContinueDoesNotEndTheTransaction) {
  Exchange x;
  x.to_server("PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  x.to_client("HTTP/1.1 100 Continue\r\n\r\n");
  EXPECT_TRUE(x.sink.ended.empty());
  x.to_server("data");
  x.to_client("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(x.sink.ended.size(), 1u);
  EXPECT_NE(x.sink.events.back().find("status=201"), std::string::npos);
  EXPECT_EQ(x.sink.request_bodies[1], "data");
  EXPECT_TRUE(x.sink.anomalies.empty());
}

TEST(HttpParser, ResponseWithoutLengthEndsWithTheConnection) {
  Exchange x;
  x.to_server("GET / HTTP/1.0\r\n\r\n");
  x.to_client("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it");
  x.to_client(" until close");
  EXPECT_TRUE(x.sink.ended.empty());
  x.end();
  ASSERT_EQ(x.sink.ended.size(), 1u);
  EXPECT_EQ(x.sink.ended[0].flags, txn_flag::kEndedByClose);
  EXPECT_EQ(x.sink.response_bodies[1], "all of it until close");
}

TEST(HttpParser, FlowEndReportsUnfinishedAndReturnsTheInflater) {
  Exchange x;
  x.to_server("GET /big HTTP/1.1\r\nHost: h\r\n\r\nGET /never HTTP/1.1\r\n\r\n");
  std::mt19937 rng(7);
  std::string noise(100000, ' ');
  for (char& c : noise) c = static_cast<char>(rng());
  const std::string body = testing::gzip(noise);
  x.to_client(with_length("HTTP/1.1 200 OK", "Content-Encoding: gzip\r\n", body).substr(0, 200));
  EXPECT_EQ(x.pool.in_use(), 1);
  x.end();
  EXPECT_EQ(x.pool.in_use(), 0);
  ASSERT_EQ(x.sink.ended.size(), 2u);
  EXPECT_EQ(x.sink.ended[0].flags & txn_flag::kUnfinished, txn_flag::kUnfinished);
  EXPECT_NE(x.sink.ended[0].response, nullptr);
  EXPECT_EQ(x.sink.ended[1].flags & txn_flag::kUnfinished, txn_flag::kUnfinished);
  EXPECT_EQ(x.sink.ended[1].response, nullptr);
  x.end();
  EXPECT_EQ(x.sink.ended.size(), 2u);
}

TEST(HttpParser, TruncatedRequestIsReportedUnfinished) {
  Exchange x;
  x.to_server("GET /cut HTTP/1.1\r\nHost: h\r\nUser-Ag");
  EXPECT_TRUE(x.sink.requests.empty());
  x.end();
  ASSERT_EQ(x.sink.ended.size(), 1u);
  EXPECT_EQ(x.sink.ended[0].flags, txn_flag::kUnfinished);
  EXPECT_TRUE(x.sink.anomalies.empty());
}

// The exchange used for the split tests: pipelining, a chunked request, gzip and deflate bodies, HEAD, 304.
const std::string kSplitRequests =
    "GET /a/./b//c?q=1 HTTP/1.1\r\nHost: www.Example.org\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"
    "POST /upload HTTP/1.1\r\nHost: www.example.org\r\nTransfer-Encoding: chunked\r\n"
    "Content-Type: text/plain\r\n\r\n4;ext=1\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: t\r\n\r\n"
    "HEAD /h HTTP/1.1\r\nHost: www.example.org\r\nX-Folded: a\r\n b\r\n\r\n"
    "GET /old HTTP/1.1\nHost: www.example.org\nIf-None-Match: \"x\"\n\n";

std::string split_responses() {
  std::string page;
  for (int i = 0; i < 300; ++i) page += "entry " + std::to_string(i) + "; ";
  return with_length("HTTP/1.1 200 OK", "Content-Encoding: gzip\r\nContent-Type: text/html\r\n",
                     testing::gzip(page)) +
         response("HTTP/1.1 201 Created", "Transfer-Encoding: chunked\r\nContent-Encoding: deflate\r\n",
                  chunked(testing::raw_deflate(page), 33)) +
         "HTTP/1.1 200 OK\r\nContent-Length: 12345\r\n\r\n" + "HTTP/1.1 304 Not Modified\r\n\r\n";
}

TEST(HttpParser, EveryTwoPieceSplitGivesTheSameResult) {
  const std::string responses = split_responses();
  const Observed whole = observe(kSplitRequests, responses, {}, {});
  ASSERT_EQ(std::count_if(whole.events.begin(), whole.events.end(),
                          [](const std::string& e) { return e.rfind("end ", 0) == 0; }),
            4);
  ASSERT_EQ(whole.response_bodies.size(), 2u);
  ASSERT_EQ(whole.request_bodies.at(2), "Wikipedia");
  for (size_t cut = 1; cut < kSplitRequests.size(); ++cut) {
    ASSERT_EQ(observe(kSplitRequests, responses, {cut}, {}), whole) << "request cut at " << cut;
  }
  for (size_t cut = 1; cut < responses.size(); ++cut) {
    ASSERT_EQ(observe(kSplitRequests, responses, {}, {cut}), whole) << "response cut at " << cut;
  }
}

TEST(HttpParser, OneByteAtATimeGivesTheSameResult) {
  const std::string responses = split_responses();
  const Observed whole = observe(kSplitRequests, responses, {}, {});
  EXPECT_EQ(
      observe(kSplitRequests, responses, every_byte(kSplitRequests.size()), every_byte(responses.size())),
      whole);
}

TEST(HttpParser, RandomSplitsAndSmallDepthGiveTheSameResult) {
  const std::string responses = split_responses();
  const HttpLimits limits{.request_body_depth = 5, .response_body_depth = 777};
  const Observed whole = observe(kSplitRequests, responses, {}, {}, limits);
  EXPECT_EQ(whole.response_bodies.at(1).size(), 777u);
  std::mt19937 rng(12345);
  for (int round = 0; round < 200; ++round) {
    auto cuts = [&](size_t n) {
      std::vector<size_t> c;
      for (size_t at = 0;;) {
        at += 1 + rng() % 64;
        if (at >= n) break;
        c.push_back(at);
      }
      return c;
    };
    ASSERT_EQ(observe(kSplitRequests, responses, cuts(kSplitRequests.size()), cuts(responses.size()), limits),
              whole)
        << "round " << round;
  }
}

TEST(HttpParser, SplitExchangeFlagsFoldingAndBareLf) {
  const Observed whole = observe(kSplitRequests, split_responses(), {}, {});
  EXPECT_NE(std::find(whole.events.begin(), whole.events.end(), "anomaly> obsolete_folding"),
            whole.events.end());
  EXPECT_NE(std::find(whole.events.begin(), whole.events.end(), "anomaly> bare_lf"), whole.events.end());
  EXPECT_NE(whole.events[0].find("norm=/a/b/c?q=1 "), std::string::npos);
  EXPECT_NE(whole.events[0].find("host=www.example.org "), std::string::npos);
}

TEST(HttpParser, OversizedUriIsTruncatedAndFlagged) {
  Exchange x;
  const std::string uri = "/" + std::string(1000, 'u');
  x.to_server("GET " + uri + " HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(x.sink.requests.size(), 1u);
  EXPECT_TRUE(x.sink.saw(HttpAnomaly::kFieldTruncated));
  x.to_client("HTTP/1.1 414 URI Too Long\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(x.sink.ended.size(), 1u);
  EXPECT_NE(x.sink.events.back().find("uri=" + uri.substr(0, capacity::kUri) + "<cut>"), std::string::npos);
}

TEST(HttpParser, OversizedHostIsTruncatedAndFlagged) {
  Exchange x;
  x.to_server("GET / HTTP/1.1\r\nHost: " + std::string(500, 'H') + ".example:81\r\n\r\n");
  ASSERT_EQ(x.sink.requests.size(), 1u);
  EXPECT_NE(x.sink.events.back().find("host=" + std::string(capacity::kHost, 'h') + "<cut> port=-"),
            std::string::npos);
  EXPECT_TRUE(x.sink.saw(HttpAnomaly::kFieldTruncated));
}

TEST(HttpParser, OverlongHeaderLineIsSkippedAndFlagged) {
  Exchange x;
  x.to_server("GET / HTTP/1.1\r\nX-Big: " + std::string(limit::kHeaderLine + 100, 'x') +
              "\r\nUser-Agent: after\r\n\r\n");
  ASSERT_EQ(x.sink.requests.size(), 1u);
  EXPECT_TRUE(x.sink.saw(HttpAnomaly::kHeaderLineTooLong));
  EXPECT_NE(x.sink.events.back().find("ua=after "), std::string::npos);
}

TEST(HttpParser, HeaderSectionBeyondItsLimitStopsTheDirection) {
  Exchange x;
  std::string headers;
  while (headers.size() <= limit::kHeaderSection) headers += "X-Filler: " + std::string(1000, 'f') + "\r\n";
  x.to_server("GET / HTTP/1.1\r\n" + headers + "\r\n");
  EXPECT_TRUE(x.sink.saw(HttpAnomaly::kHeadersTooLarge));
  EXPECT_TRUE(x.sink.requests.empty());
}

TEST(HttpParser, HeaderWithoutColonStopsTheDirection) {
  Exchange x;
  x.to_server("GET / HTTP/1.1\r\nHost: h\r\nNoColonHere\r\n\r\nGET /2 HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(x.sink.saw(HttpAnomaly::kHeaderWithoutColon));
  EXPECT_TRUE(x.sink.requests.empty());
  x.to_server("GET /3 HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(x.sink.requests.empty());
  EXPECT_EQ(x.counters.anomalies[static_cast<size_t>(HttpAnomaly::kHeaderWithoutColon)], 1u);
}

TEST(HttpParser, SpaceBeforeTheColonIsABadHeaderName) {
  Exchange x;
  x.to_server("GET / HTTP/1.1\r\nHost : h\r\n\r\n");
  EXPECT_TRUE(x.sink.saw(HttpAnomaly::kBadHeaderName));
}

TEST(HttpParser, BareCrIsFatal) {
  Exchange x;
  x.to_server("GET / HTTP/1.1\rHost: h\r\n\r\n");
  EXPECT_TRUE(x.sink.saw(HttpAnomaly::kBareCr));
  EXPECT_TRUE(x.sink.requests.empty());
}

TEST(HttpParser, MalformedRequestLinesAreFatal) {
  for (const std::string bad : {"GET /\r\n", "GET  / HTTP/1.1\r\n", "GET / HTTP/2.0\r\n",
                                "G(T / HTTP/1.1\r\n", "GET /a\x01 HTTP/1.1\r\n", "GET / HTTP/1.1 extra\r\n",
                                "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"}) {
    Exchange x;
    x.to_server(bad);
    EXPECT_TRUE(x.sink.saw(HttpAnomaly::kBadRequestLine)) << bad;
    EXPECT_TRUE(x.sink.requests.empty());
  }
}

TEST(HttpParser, MalformedStatusLinesAreFatal) {
  for (const std::string bad : {"HTTP/1.1 20 OK\r\n", "HTTP/1.1 2000 OK\r\n", "HTTP/2 200 OK\r\n",
                                "HTTP/1.1200 OK\r\n", "http/1.1 200 OK\r\n", "HTTP/1.1 200\r\n"}) {
    Exchange x;
    x.to_server("GET / HTTP/1.1\r\n\r\n");
    x.to_client(bad + "Content-Length: 0\r\n\r\n");
    const bool accepted = bad == "HTTP/1.1 200\r\n";  // an empty reason is allowed
    EXPECT_EQ(x.sink.saw(HttpAnomaly::kBadStatusLine), !accepted) << bad;
    EXPECT_EQ(x.sink.ended.size(), accepted ? 1u : 0u) << bad;
  }
}

TEST(HttpParser, BadChunkSizesAreFatal) {
  for (const std::string bad : {"zz\r\n", "\r\n", "1234567890abcdef0\r\n", ";ext\r\n", "5\x01\r\n"}) {
    Exchange x;
    x.to_server("GET / HTTP/1.1\r\n\r\n");
    x.to_client("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + bad + "hello\r\n0\r\n\r\n");
    EXPECT_TRUE(x.sink.saw(HttpAnomaly::kBadChunkSize)) << bad;
    EXPECT_TRUE(x.sink.ended.empty());
  }
}

TEST(HttpParser, ChunkDataWithoutItsCrlfIsFatal) {
  Exchange x;
  x.to_server("GET / HTTP/1.1\r\n\r\n");
  x.to_client("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhelloworld\r\n0\r\n\r\n");
  EXPECT_TRUE(x.sink.saw(HttpAnomaly::kBadChunkTerminator));
  EXPECT_EQ(x.sink.response_bodies[1], "hel");
}

TEST(HttpParser, HugeChunkSizeIsNotTrustedBeyondTheBytesHeld) {
  Exchange x;
  x.to_server("GET / HTTP/1.1\r\n\r\n");
  x.to_client("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\nshort");
  EXPECT_TRUE(x.sink.anomalies.empty());
  EXPECT_EQ(x.sink.response_bodies[1], "short");
  x.end();
  ASSERT_EQ(x.sink.ended.size(), 1u);
  EXPECT_EQ(x.sink.ended[0].flags, txn_flag::kUnfinished);
}

TEST(HttpParser, BadContentLengthsAreFatal) {
  for (const std::string bad :
       {"-1", "", "12a", "0x10", "99999999999999999999999", "4611686018427387905", "1 2"}) {
    Exchange x;
    x.to_server("POST / HTTP/1.1\r\nContent-Length: " + bad + "\r\n\r\nbody");
    EXPECT_TRUE(x.sink.saw(HttpAnomaly::kBadContentLength)) << bad;
    EXPECT_TRUE(x.sink.requests.empty()) << bad;
  }
}

TEST(HttpParser, ConflictingContentLengthsAreFatalButRepeatsAreNot) {
  {
    Exchange x;
    x.to_server("POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nbody!");
    EXPECT_TRUE(x.sink.saw(HttpAnomaly::kConflictingContentLength));
    EXPECT_TRUE(x.sink.requests.empty());
  }
  {
    Exchange x;
    x.to_server("POST / HTTP/1.1\r\nContent-Length: 4, 5\r\n\r\nbody!");
    EXPECT_TRUE(x.sink.saw(HttpAnomaly::kBadContentLength));
  }
  {
    Exchange x;
    x.to_server("POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 4, 4\r\n\r\nbody");
    EXPECT_TRUE(x.sink.anomalies.empty());
    EXPECT_EQ(x.sink.request_bodies[1], "body");
  }
}

TEST(HttpParser, TransferEncodingWinsOverContentLengthAndIsFlagged) {
  Exchange x;
  x.to_server(
      "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nsmugg\r\n0\r\n\r\nGET /next HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(x.sink.saw(HttpAnomaly::kTransferEncodingWithLength));
  EXPECT_EQ(x.sink.request_bodies[1], "smugg");
  EXPECT_EQ(x.sink.requests.size(), 2u);
}

TEST(HttpParser, RequestTransferEncodingNotEndingInChunkedIsFatal) {
  Exchange x;
  x.to_server("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n");
  EXPECT_TRUE(x.sink.saw(HttpAnomaly::kBadTransferEncoding));
}

TEST(HttpParser, GzipBombStopsAtTheDepth) {
  const std::string bomb = testing::compress(std::string(size_t{20} * 1024 * 1024, '\0'), 16 + 15, 9);
  ASSERT_LT(bomb.size(), 30000u);
  Exchange x(2, HttpLimits{.request_body_depth = 100, .response_body_depth = 100000});
  x.to_server("GET /bomb HTTP/1.1\r\n\r\nGET /after HTTP/1.1\r\n\r\n");
  x.to_client(with_length("HTTP/1.1 200 OK", "Content-Encoding: gzip\r\n", bomb) +
              with_length("HTTP/1.1 200 OK", "", "fine"));
  EXPECT_EQ(x.sink.response_bodies[1].size(), 100000u);
  EXPECT_EQ(x.counters.body_depth_reached, 1u);
  EXPECT_EQ(x.pool.in_use(), 0);
  ASSERT_EQ(x.sink.ended.size(), 2u);
  EXPECT_NE(x.sink.events.back().find("body=4/4"), std::string::npos);
  EXPECT_NE(x.sink.events[3].find("body=" + std::to_string(bomb.size()) + "/100000"), std::string::npos)
      << x.sink.events[3];
}

TEST(HttpParser, GarbageAfterAValidResponseIsFlaggedAndTheResponseKept) {
  Exchange x;
  x.to_server("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  x.to_client(with_length("HTTP/1.1 200 OK", "", "good") + std::string("\x00\x01garbage\r\n\r\n", 13));
  ASSERT_EQ(x.sink.ended.size(), 1u);
  EXPECT_EQ(x.sink.response_bodies[1], "good");
  EXPECT_TRUE(x.sink.saw(HttpAnomaly::kBadStatusLine));
  x.to_client("HTTP/1.1 200 OK\r\n\r\n");  // the direction stays stopped
  EXPECT_EQ(x.counters.responses, 1u);
}

TEST(HttpParser, PoolExhaustionLeavesTheBodyUndecodedAndCounted) {
  InflaterPool pool(1);
  HttpCounters counters;
  HttpContext context{pool, counters, {}};
  testing::RecordingSink sink_a;
  testing::RecordingSink sink_b;
  HttpFlowState a;
  HttpFlowState b;
  const std::string plain(5000, 'p');
  const std::string body = testing::gzip(plain);
  const std::string head =
      "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n";
  for (HttpFlowState* s : {&a, &b}) {
    http_feed(*s, Direction::kToServer, bytes_of("GET / HTTP/1.1\r\n\r\n"), s == &a ? sink_a : sink_b,
              context);
  }
  http_feed(a, Direction::kToClient, bytes_of(head + body.substr(0, 10)), sink_a, context);
  http_feed(b, Direction::kToClient, bytes_of(head + body), sink_b, context);
  EXPECT_EQ(counters.inflater_pool_exhausted, 1u);
  ASSERT_EQ(sink_b.ended.size(), 1u);
  EXPECT_EQ(sink_b.ended[0].flags & txn_flag::kBodyNotDecoded, txn_flag::kBodyNotDecoded);
  EXPECT_EQ(sink_b.response_bodies[1], body);  // passed on as sent
  http_feed(a, Direction::kToClient, bytes_of(body.substr(10)), sink_a, context);
  EXPECT_EQ(sink_a.response_bodies[1], plain);
  EXPECT_EQ(pool.in_use(), 0);
  EXPECT_EQ(counters.bodies_decoded, 1u);
}

TEST(HttpParser, RequestBodyDepthIsHonoured) {
  Exchange x(1, HttpLimits{.request_body_depth = 10, .response_body_depth = 10});
  x.to_server("POST / HTTP/1.1\r\nContent-Length: 26\r\n\r\nabcdefghijklmnopqrstuvwxyz");
  EXPECT_EQ(x.sink.request_bodies[1], "abcdefghij");
  EXPECT_EQ(x.counters.body_depth_reached, 1u);
  x.to_server("GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(x.sink.requests.size(), 2u);
}

TEST(HttpParser, DuplicateHostAndBadPortsAreFlagged) {
  Exchange x;
  x.to_server(
      "GET / HTTP/1.1\r\nHost: first.example\r\nHost: second.example\r\n\r\n"
      "GET / HTTP/1.1\r\nHost: h.example:99999\r\n\r\n"
      "GET / HTTP/1.1\r\nHost: [2001:db8::1]:8443\r\n\r\n");
  ASSERT_EQ(x.sink.requests.size(), 3u);
  EXPECT_TRUE(x.sink.saw(HttpAnomaly::kDuplicateHost));
  EXPECT_TRUE(x.sink.saw(HttpAnomaly::kBadHostPort));
  EXPECT_NE(x.sink.events[1].find("host=first.example port=-"), std::string::npos);
  EXPECT_NE(x.sink.events[3].find("host=h.example port=-"), std::string::npos);
  EXPECT_NE(x.sink.events[4].find("host=[2001:db8::1] port=8443"), std::string::npos);
}

TEST(HttpParser, AbsoluteFormAndEncodedDotsAreNormalised) {
  Exchange x;
  x.to_server("GET http://proxy.example/x/%2E%2e/%61dmin//p?a=..%2f HTTP/1.1\r\nHost: proxy.example\r\n\r\n");
  ASSERT_EQ(x.sink.requests.size(), 1u);
  EXPECT_NE(x.sink.events[0].find("norm=http://proxy.example/admin/p?a=..%2f "), std::string::npos);
}

TEST(HttpParser, EmptyLinesBeforeARequestAreSkipped) {
  Exchange x;
  x.to_server("GET / HTTP/1.1\r\nContent-Length: 2\r\n\r\nab\r\n\r\nGET /2 HTTP/1.1\r\n\r\n");
  EXPECT_EQ(x.sink.requests.size(), 2u);
  EXPECT_TRUE(x.sink.anomalies.empty());
}

TEST(HttpParser, AnomaliesAreCountedByReason) {
  Exchange x;
  x.to_server("GET /%zz HTTP/1.1\nHost: h\n\n");
  EXPECT_EQ(x.counters.anomalies[static_cast<size_t>(HttpAnomaly::kBadPercentEncoding)], 1u);
  EXPECT_EQ(x.counters.anomalies[static_cast<size_t>(HttpAnomaly::kBareLf)], 1u);
  x.to_client("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  ASSERT_EQ(x.sink.ended.size(), 1u);
  EXPECT_EQ(x.sink.ended.size(), 1u);
  EXPECT_NE(
      x.sink.events.back().find("anomalies=" + std::to_string(anomaly_bit(HttpAnomaly::kBadPercentEncoding) |
                                                              anomaly_bit(HttpAnomaly::kBareLf))),
      std::string::npos);
}

TEST(HttpParser, TooManyHeaderLinesStopTheDirection) {
  Exchange x;
  std::string headers;
  for (int i = 0; i <= limit::kHeaderLines; ++i) headers += "X-" + std::to_string(i) + ": v\r\n";
  x.to_server("GET / HTTP/1.1\r\n" + headers + "\r\n");
  EXPECT_TRUE(x.sink.saw(HttpAnomaly::kHeadersTooLarge));
  EXPECT_TRUE(x.sink.requests.empty());
}

TEST(HttpParser, OverlongChunkExtensionIsFatal) {
  Exchange x;
  x.to_server("GET / HTTP/1.1\r\n\r\n");
  x.to_client("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;" +
              std::string(limit::kChunkLine, 'e') + "\r\nhello\r\n0\r\n\r\n");
  EXPECT_TRUE(x.sink.saw(HttpAnomaly::kBadChunkSize));
}

TEST(HttpParser, OverlongTrailerLineIsFatal) {
  Exchange x;
  x.to_server("GET / HTTP/1.1\r\n\r\n");
  x.to_client("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: " +
              std::string(limit::kHeaderLine, 't') + "\r\n\r\n");
  EXPECT_TRUE(x.sink.saw(HttpAnomaly::kHeadersTooLarge));
  EXPECT_TRUE(x.sink.ended.empty());
}

// The integrator keeps the state in a pool slot and may move it: a byte copy mid-message must carry on.
TEST(HttpParser, StateCopiedMidMessageCarriesOn) {
  Exchange x;
  x.to_server("GET /copy HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string body = testing::gzip(std::string(3000, 'c'));
  const std::string all = with_length("HTTP/1.1 200 OK", "Content-Encoding: gzip\r\n", body);
  x.to_client(all.substr(0, all.size() / 2));
  HttpFlowState copy;
  std::memcpy(static_cast<void*>(&copy), &x.state, sizeof(copy));
  http_feed(copy, Direction::kToClient, bytes_of(all.substr(all.size() / 2)), x.sink, x.context);
  ASSERT_EQ(x.sink.ended.size(), 1u);
  EXPECT_EQ(x.sink.response_bodies[1], std::string(3000, 'c'));
  EXPECT_EQ(x.pool.in_use(), 0);
}

TEST(HttpParser, EveryAnomalyHasAName) {
  for (size_t i = 0; i < kHttpAnomalyCount; ++i) {
    EXPECT_NE(anomaly_name(static_cast<HttpAnomaly>(i)), "unknown") << i;
  }
}

}  // namespace
}  // namespace torwart::dataplane::applayer::http
