#pragma once
// The buffers the application layer hands to the signature engine (dataplane/ids/), named as Suricata's
// sticky buffers, and the moments it hands them over. A signature is evaluated once, at the phase in which
// the last of its buffers becomes known (the request line and headers, the response headers, a piece of a
// body, a TLS handshake step, a DNS query); every buffer of that moment is available, those of earlier
// phases of the same transaction included (the request's at the response).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "dataplane/applayer/common.hpp"

namespace torwart::dataplane::applayer {

enum class BufferId : uint8_t {
  kPayload,  // one packet's payload (packet signatures)
  kStream,   // reassembled stream data of one direction (stream signatures)
  kHttpUri,  // normalised
  kHttpUriRaw,
  kHttpMethod,
  kHttpHost,
  kHttpUserAgent,
  kHttpHeader,  // the message's header lines as received (request or response, by direction)
  kHttpCookie,
  kHttpReferer,
  kHttpProtocol,
  kHttpRequestLine,
  kHttpRequestBody,
  kHttpStatCode,
  kHttpStatMsg,
  kHttpResponseLine,
  kHttpContentType,
  kHttpLocation,
  kHttpResponseBody,  // file.data on HTTP responses too
  kTlsSni,
  kTlsCertSubject,
  kTlsCertIssuer,
  kTlsCertSerial,
  kTlsCertFingerprint,
  kJa3Hash,
  kJa3String,
  kJa3sHash,
  kJa3sString,
  kDnsQuery,
  // Derived from the header lines of the message (request or response, by direction): their names, one
  // header's value each, the start line with the headers, the raw lines.
  kHttpHeaderNames,
  kHttpAccept,
  kHttpAcceptEnc,
  kHttpAcceptLang,
  kHttpConnection,
  kHttpContentLen,
  kHttpServer,
  kHttpStart,
  kHttpHeaderRaw,
  kCount
};
inline constexpr size_t kBufferCount = static_cast<size_t>(BufferId::kCount);

// Suricata's canonical name of a buffer ("http.uri"); the inverse is buffer_of().
std::string_view buffer_name(BufferId id);
// The buffer for a canonical sticky-buffer name; false for buffers torwart does not produce.
bool buffer_of(std::string_view name, BufferId& id);

// In order: a transaction's later phases see the buffers of its earlier header phases.
enum class Phase : uint8_t {
  kPacket,
  kStream,
  kHttpRequest,
  kHttpRequestBody,
  kHttpResponse,
  kHttpResponseBody,
  kTlsClientHello,
  kTlsServerHello,  // server hello and certificate
  kDnsQuery,
  kCount
};
inline constexpr size_t kPhaseCount = static_cast<size_t>(Phase::kCount);
std::string_view phase_name(Phase phase);

// The phase at which a buffer is first known.
Phase phase_of(BufferId id);
// A signature may combine buffers of `earlier` with those of `later` (a request's with its response's).
bool phase_sees(Phase later, Phase earlier);

// One moment's buffers; absent ones are empty with `present` unset.
struct AppEvent {
  Phase phase = Phase::kPacket;
  Direction direction = Direction::kToServer;
  std::array<std::span<const uint8_t>, kBufferCount> buffers{};
  uint64_t present = 0;  // bit per BufferId
  static_assert(kBufferCount <= 64);

  void set(BufferId id, std::span<const uint8_t> bytes) {
    buffers[static_cast<size_t>(id)] = bytes;
    present |= uint64_t{1} << static_cast<unsigned>(id);
  }
  void set(BufferId id, std::string_view text) {
    set(id, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  }
  bool has(BufferId id) const { return ((present >> static_cast<unsigned>(id)) & 1u) != 0; }
  std::span<const uint8_t> get(BufferId id) const { return buffers[static_cast<size_t>(id)]; }
};

// The last bytes of one direction's stream, kept in the session for the signature engine so that a
// signature spanning two segments is found.
inline constexpr uint32_t kStreamTailBytes = 255;
struct StreamTail {
  uint64_t end_offset;  // stream bytes seen
  uint16_t length;
  uint8_t bytes[kStreamTailBytes];
};

}  // namespace torwart::dataplane::applayer
