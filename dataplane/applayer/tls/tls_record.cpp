// The record layer (RFC 8446 5.1, RFC 5246 6.2) and handshake framing of both directions: records may be
// split anywhere, handshake messages may span records or share one, and each message body streams into
// its parser. Once a direction is encrypted only record headers are read (and counted).
#include <algorithm>

#include "dataplane/applayer/tls/tls_fingerprint.hpp"
#include "dataplane/applayer/tls/tls_messages.hpp"
#include "dataplane/applayer/tls/tls_parser.hpp"

namespace torwart::dataplane::applayer::tls {

namespace {

constexpr uint8_t kChangeCipherSpec = 20;
constexpr uint8_t kAlert = 21;
constexpr uint8_t kHandshake = 22;
constexpr uint8_t kApplicationData = 23;
constexpr uint8_t kHeartbeat = 24;
constexpr uint32_t kMaxRecordLength = (1u << 14) + 2048;

constexpr uint8_t kClientHello = 1;
constexpr uint8_t kServerHello = 2;
constexpr uint8_t kCertificate = 11;

enum MessageParser : uint8_t { kNoParser, kClientHelloParser, kServerHelloParser, kCertificateParser };

struct Feed {
  TlsFlowState& state;
  Direction from;
  TlsDirectionState& side;
  TlsSink& sink;
  TlsContext& context;
};

void stop(Feed& f, TlsAnomaly reason) {
  f.side.stopped = true;
  f.side.anomaly = reason;
  ++f.context.counters.anomalies[static_cast<size_t>(reason)];
  f.sink.on_anomaly(f.state, f.from, reason);
}

void mark_encrypted(Feed& f, Direction d) {
  TlsDirectionState& side = f.state.side(d);
  if (side.encrypted) return;
  side.encrypted = true;
  side.in_handshake_body = false;
  side.handshake_header_have = 0;
  f.sink.on_encrypted(f.state, d);
  if (!f.state.handshake_done && f.state.side(opposite(d)).encrypted) {
    f.state.handshake_done = true;
    ++f.context.counters.handshakes;
    f.sink.on_handshake_done(f.state);
  }
}

bool mid_message(const TlsDirectionState& side) {
  return side.in_handshake_body || side.handshake_header_have > 0;
}

uint8_t choose_parser(const TlsFlowState& state, Direction from, uint8_t type) {
  if (from == Direction::kToServer) {
    return type == kClientHello && state.client_hellos == 1 ? kClientHelloParser : kNoParser;
  }
  if (type == kServerHello) {
    // After a HelloRetryRequest the real ServerHello follows and decides the version.
    return state.server_hellos == 1 || state.server_hello.hello_retry ? kServerHelloParser : kNoParser;
  }
  if (type == kCertificate && state.certificate_messages == 1 &&
      state.server_hello.selected_version < 0x0304) {
    return kCertificateParser;
  }
  return kNoParser;
}

TlsAnomaly begin_message(Feed& f) {
  TlsFlowState& state = f.state;
  const uint8_t type = f.side.handshake_type;
  if (f.from == Direction::kToServer && type == kClientHello) ++state.client_hellos;
  if (f.from == Direction::kToClient && type == kServerHello) ++state.server_hellos;
  if (f.from == Direction::kToClient && type == kCertificate) ++state.certificate_messages;
  f.side.message_parser = choose_parser(state, f.from, type);
  switch (f.side.message_parser) {
    case kClientHelloParser:
      return client_hello_begin(state, f.side.handshake_length, false);
    case kServerHelloParser:
      return server_hello_begin(state, f.side.handshake_length);
    case kCertificateParser:
      return certificate_begin(state, f.side.handshake_length);
    default:
      return TlsAnomaly::kNone;
  }
}

TlsAnomaly feed_message(Feed& f, std::span<const uint8_t> body) {
  switch (f.side.message_parser) {
    case kClientHelloParser:
      return client_hello_feed(f.state, body);
    case kServerHelloParser:
      return server_hello_feed(f.state, body);
    case kCertificateParser:
      return certificate_feed(f.state, body);
    default:
      return TlsAnomaly::kNone;
  }
}

void client_hello_done(Feed& f) {
  TlsFlowState& state = f.state;
  ++f.context.counters.client_hellos;
  if (state.client_hello.truncated) ++f.context.counters.truncated_hellos;
  if (!state.client_hello.sslv2) compute_client_fingerprints(state.client_hello, state.fingerprints);
  f.sink.on_client_hello(state);
}

void server_hello_done(Feed& f) {
  TlsFlowState& state = f.state;
  ++f.context.counters.server_hellos;
  if (state.server_hello.truncated) ++f.context.counters.truncated_hellos;
  compute_server_fingerprint(state.server_hello, state.fingerprints);
  f.sink.on_server_hello(state);
  // TLS 1.3 encrypts everything the server sends after its ServerHello (RFC 8446 2). The client's side is
  // left to its own records (ChangeCipherSpec or application data come next there), so a ClientHello still
  // being fed is never cut off by the other direction.
  if (state.server_hello.selected_version >= 0x0304 && !state.server_hello.hello_retry) {
    mark_encrypted(f, Direction::kToClient);
  }
}

TlsAnomaly finish_message(Feed& f) {
  const uint8_t parser = f.side.message_parser;
  f.side.in_handshake_body = false;
  f.side.handshake_header_have = 0;
  f.side.message_parser = kNoParser;
  TlsAnomaly bad = TlsAnomaly::kNone;
  switch (parser) {
    case kClientHelloParser:
      if ((bad = client_hello_finish(f.state)) == TlsAnomaly::kNone) client_hello_done(f);
      break;
    case kServerHelloParser:
      if ((bad = server_hello_finish(f.state)) == TlsAnomaly::kNone) server_hello_done(f);
      break;
    case kCertificateParser:
      if ((bad = certificate_finish(f.state)) == TlsAnomaly::kNone) {
        ++f.context.counters.certificates_parsed;
        f.sink.on_certificate(f.state);
      }
      break;
    default:
      break;
  }
  return bad;
}

// Handshake bytes of a plaintext record: message headers and bodies, any number per record.
void feed_handshake(Feed& f, std::span<const uint8_t> bytes) {
  TlsDirectionState& side = f.side;
  while (!bytes.empty() && !side.stopped && !side.encrypted) {
    if (!side.in_handshake_body) {
      const size_t take = std::min<size_t>(4 - side.handshake_header_have, bytes.size());
      std::copy_n(bytes.data(), take, side.handshake_header + side.handshake_header_have);
      side.handshake_header_have = static_cast<uint8_t>(side.handshake_header_have + take);
      bytes = bytes.subspan(take);
      if (side.handshake_header_have < 4) return;
      side.handshake_type = side.handshake_header[0];
      side.handshake_length = read_u24(side.handshake_header, 1);
      side.handshake_remaining = side.handshake_length;
      side.in_handshake_body = true;
      ++side.handshake_messages;
      if (side.handshake_length > f.context.limits.max_handshake_message) {
        return stop(f, TlsAnomaly::kHandshakeTooLong);
      }
      TlsAnomaly bad = begin_message(f);
      if (bad == TlsAnomaly::kNone && side.handshake_remaining == 0) bad = finish_message(f);
      if (bad != TlsAnomaly::kNone) return stop(f, bad);
      continue;
    }
    const size_t n = std::min<size_t>(side.handshake_remaining, bytes.size());
    TlsAnomaly bad = feed_message(f, bytes.first(n));
    side.handshake_remaining -= static_cast<uint32_t>(n);
    bytes = bytes.subspan(n);
    if (bad == TlsAnomaly::kNone && side.handshake_remaining == 0) bad = finish_message(f);
    if (bad != TlsAnomaly::kNone) return stop(f, bad);
  }
}

// A record header is complete: check it and account for the record.
TlsAnomaly start_record(Feed& f) {
  TlsDirectionState& side = f.side;
  ++side.records;
  if (side.sslv2_record) {
    side.content_type = kHandshake;
    side.record_remaining =
        static_cast<uint16_t>(((side.record_header[0] & 0x7f) << 8) | side.record_header[1]);
    ++side.handshake_messages;
    ++f.state.client_hellos;
    side.message_parser = kClientHelloParser;
    return client_hello_begin(f.state, side.record_remaining, true);
  }
  const uint8_t type = side.record_header[0];
  const uint16_t length = read_u16(side.record_header, 3);
  if (type < kChangeCipherSpec || type > kHeartbeat) return TlsAnomaly::kBadRecordType;
  if (side.record_header[1] != 3 || side.record_header[2] > 4) return TlsAnomaly::kBadRecordVersion;
  if (length > kMaxRecordLength) return TlsAnomaly::kRecordTooLong;
  side.content_type = type;
  side.record_remaining = length;
  side.alert_have = 0;
  // Handshake messages are never interleaved with other records (RFC 8446 5.1).
  if (type != kHandshake && !side.encrypted && mid_message(side)) return TlsAnomaly::kInterleavedRecord;
  switch (type) {
    case kChangeCipherSpec:
      ++side.change_cipher_specs;
      ++f.context.counters.change_cipher_specs;
      mark_encrypted(f, f.from);
      break;
    case kAlert:
      ++side.alerts;
      ++f.context.counters.alerts;
      break;
    case kApplicationData:
      ++side.application_data_records;
      ++f.context.counters.application_data_records;
      side.application_data_bytes += length;
      // Application data means keys are in use, even where the event that says so was not seen.
      mark_encrypted(f, f.from);
      break;
    default:
      break;
  }
  return TlsAnomaly::kNone;
}

void feed_record_body(Feed& f, std::span<const uint8_t> body) {
  TlsDirectionState& side = f.side;
  if (side.sslv2_record) {
    const TlsAnomaly bad = client_hello_feed(f.state, body);
    if (bad != TlsAnomaly::kNone) stop(f, bad);
  } else if (side.content_type == kHandshake && !side.encrypted) {
    feed_handshake(f, body);
  } else if (side.content_type == kAlert && !side.encrypted && side.alert_have < 2) {
    const size_t take = std::min<size_t>(2 - side.alert_have, body.size());
    std::copy_n(body.data(), take, side.alert_bytes + side.alert_have);
    side.alert_have = static_cast<uint8_t>(side.alert_have + take);
  }
}

void end_record(Feed& f) {
  TlsDirectionState& side = f.side;
  side.record_header_have = 0;
  if (side.sslv2_record) {
    side.sslv2_record = false;
    const TlsAnomaly bad = finish_message(f);
    if (bad != TlsAnomaly::kNone) stop(f, bad);
    return;
  }
  if (side.content_type == kAlert && !side.encrypted) {
    if (side.alert_have < 2) return stop(f, TlsAnomaly::kBadAlert);
    side.last_alert_level = side.alert_bytes[0];
    side.last_alert_description = side.alert_bytes[1];
    f.sink.on_alert(f.state, f.from);
  }
}

}  // namespace

void tls_feed(TlsFlowState& state, Direction direction, std::span<const uint8_t> bytes, TlsSink& sink,
              TlsContext& context) {
  Feed f{state, direction, state.side(direction), sink, context};
  TlsDirectionState& side = f.side;
  side.bytes += bytes.size();
  // Every pass completes a record header or uses up bytes of a record body.
  while (!bytes.empty() && !side.stopped) {
    const size_t header_size = side.sslv2_record ? 2 : 5;
    if (side.record_header_have < header_size) {
      if (side.record_header_have == 0 && side.records == 0 && direction == Direction::kToServer &&
          (bytes[0] & 0x80) != 0) {
        side.sslv2_record = true;  // an SSLv2-compatible ClientHello opens the stream
      }
      const size_t size = side.sslv2_record ? 2 : 5;
      const size_t take = std::min<size_t>(size - side.record_header_have, bytes.size());
      std::copy_n(bytes.data(), take, side.record_header + side.record_header_have);
      side.record_header_have = static_cast<uint8_t>(side.record_header_have + take);
      bytes = bytes.subspan(take);
      if (side.record_header_have < size) return;
      const TlsAnomaly bad = start_record(f);
      if (bad != TlsAnomaly::kNone) return stop(f, bad);
      if (side.record_remaining == 0) end_record(f);
      continue;
    }
    const size_t n = std::min<size_t>(side.record_remaining, bytes.size());
    feed_record_body(f, bytes.first(n));
    side.record_remaining = static_cast<uint16_t>(side.record_remaining - n);
    bytes = bytes.subspan(n);
    if (side.record_remaining == 0 && !side.stopped) end_record(f);
  }
}

}  // namespace torwart::dataplane::applayer::tls
