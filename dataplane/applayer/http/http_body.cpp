#include <algorithm>

#include "dataplane/applayer/http/http_connection.hpp"

namespace torwart::dataplane::applayer::http::detail {
namespace {

int hex_digit(uint8_t b) {
  if (b >= '0' && b <= '9') return b - '0';
  if (b >= 'a' && b <= 'f') return b - 'a' + 10;
  if (b >= 'A' && b <= 'F') return b - 'A' + 10;
  return -1;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

// Only a single gzip or deflate coding is decoded; anything else is handed on as sent.
BodyCoding coding_of(const FixedString<capacity::kCoding>& content_encoding, bool& unsupported) {
  unsupported = false;
  const std::string_view v = content_encoding.view();
  if (v.empty() || equals_ignoring_case(v, "identity")) return BodyCoding::kIdentity;
  if (!content_encoding.truncated) {
    if (equals_ignoring_case(v, "gzip") || equals_ignoring_case(v, "x-gzip")) return BodyCoding::kGzip;
    if (equals_ignoring_case(v, "deflate")) return BodyCoding::kDeflate;
  }
  unsupported = true;
  return BodyCoding::kIdentity;
}

// RFC 1950 2.2: CM is 8 and CMF*256 + FLG is a multiple of 31. Raw deflate rarely looks like that.
bool looks_like_zlib_header(uint8_t cmf, uint8_t flg) {
  return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((static_cast<unsigned>(cmf) << 8) | flg) % 31 == 0;
}

constexpr size_t kInflateChunk = 4096;

}  // namespace

void Connection::start_body(Direction d, Phase body_phase) {
  HttpDirectionState& s = dir(d);
  s.delivered = 0;
  s.digits = 0;
  s.line_length = 0;
  s.flags &= ~(dir_flag::kDepthDone | dir_flag::kDecodeDone | dir_flag::kDeflateUndecided);
  s.coding = static_cast<uint8_t>(BodyCoding::kIdentity);
  if (body_phase == Phase::kChunkSize) s.remaining = 0;
  set_phase(d, body_phase);

  const FixedString<capacity::kCoding>* content_encoding = nullptr;
  uint16_t* txn_flags = nullptr;
  if (d == Direction::kToClient) {
    content_encoding = &state_.response.content_encoding;
    txn_flags = &state_.response_flags;
  } else if (kept_request(d)) {
    content_encoding = &state_.requests[s.slot].content_encoding;
    txn_flags = &state_.slot_flags[s.slot];
  }
  if (content_encoding == nullptr) return;  // a request beyond the queue: framed, not reported
  bool unsupported = false;
  const BodyCoding coding = coding_of(*content_encoding, unsupported);
  if (unsupported) *txn_flags |= txn_flag::kBodyNotDecoded;
  if (coding == BodyCoding::kIdentity) return;
  const InflateFormat format = coding == BodyCoding::kGzip ? InflateFormat::kGzip : InflateFormat::kZlib;
  const uint16_t inflater = context_.inflaters.acquire(format);
  if (inflater == InflaterPool::kNone) {
    ++context_.counters.inflater_pool_exhausted;
    *txn_flags |= txn_flag::kBodyNotDecoded;
    return;
  }
  s.inflater = inflater;
  s.coding = static_cast<uint8_t>(coding);
  s.prefix_length = 0;
  if (coding == BodyCoding::kDeflate) s.flags |= dir_flag::kDeflateUndecided;
}

size_t Connection::body_bytes(Direction d, std::span<const uint8_t> bytes) {
  HttpDirectionState& s = dir(d);
  const Phase p = phase(d);
  size_t n = bytes.size();
  if (p != Phase::kUntilClose) n = static_cast<size_t>(std::min<uint64_t>(n, s.remaining));
  deliver(d, bytes.first(n));
  if (p == Phase::kUntilClose) return n;
  s.remaining -= n;
  if (s.remaining == 0) {
    if (p == Phase::kLengthBody) {
      message_complete(d);
    } else {
      set_phase(d, Phase::kChunkDataEnd);
    }
  }
  return std::max<size_t>(n, 1);
}

void Connection::chunk_size_char(Direction d, uint8_t b) {
  HttpDirectionState& s = dir(d);
  if (s.line_length > limit::kChunkLine) {
    anomaly(d, HttpAnomaly::kBadChunkSize);
    return;
  }
  if (phase(d) == Phase::kChunkExtension) {
    if (b < 0x20 && b != '\t') anomaly(d, HttpAnomaly::kBadChunkSize);
    return;
  }
  const int v = hex_digit(b);
  if (v >= 0) {
    // 15 hex digits stay below 2^60: no overflow, and no real chunk is that large.
    if (s.digits >= 15) {
      anomaly(d, HttpAnomaly::kBadChunkSize);
      return;
    }
    s.remaining = s.remaining * 16 + static_cast<uint64_t>(v);
    ++s.digits;
    return;
  }
  if ((b == ';' || b == ' ' || b == '\t') && s.digits > 0) {
    set_phase(d, Phase::kChunkExtension);
    return;
  }
  anomaly(d, HttpAnomaly::kBadChunkSize);
}

void Connection::chunk_line_end(Direction d) {
  HttpDirectionState& s = dir(d);
  if (s.digits == 0) {
    anomaly(d, HttpAnomaly::kBadChunkSize);
    return;
  }
  if (s.remaining == 0) {
    s.header_lines = 0;
    set_phase(d, Phase::kTrailerLineStart);
  } else {
    set_phase(d, Phase::kChunkData);
  }
}

void Connection::deliver(Direction d, std::span<const uint8_t> bytes) {
  HttpDirectionState& s = dir(d);
  if (bytes.empty()) return;
  if (d == Direction::kToClient) {
    state_.response.body_bytes += bytes.size();
  } else if (kept_request(d)) {
    state_.requests[s.slot].body_bytes += bytes.size();
  } else {
    return;
  }
  if ((s.flags & dir_flag::kDepthDone) != 0) return;
  const uint64_t depth = body_depth(d);
  if (static_cast<BodyCoding>(s.coding) == BodyCoding::kIdentity) {
    if (s.delivered >= depth) {
      s.flags |= dir_flag::kDepthDone;
      ++context_.counters.body_depth_reached;
      return;
    }
    const size_t take = static_cast<size_t>(std::min<uint64_t>(bytes.size(), depth - s.delivered));
    report_body(d, bytes.first(take));
    if (take < bytes.size()) {
      s.flags |= dir_flag::kDepthDone;
      ++context_.counters.body_depth_reached;
    }
    return;
  }
  if (s.inflater == InflaterPool::kNone) return;  // decoding ended (stream end, error or depth)
  if ((s.flags & dir_flag::kDeflateUndecided) != 0) {
    while (s.prefix_length < 2 && !bytes.empty()) {
      s.prefix[s.prefix_length++] = bytes[0];
      bytes = bytes.subspan(1);
    }
    if (s.prefix_length < 2) return;
    s.flags &= ~dir_flag::kDeflateUndecided;
    if (!looks_like_zlib_header(s.prefix[0], s.prefix[1])) {
      context_.inflaters.reformat(s.inflater, InflateFormat::kRawDeflate);
    }
    const uint8_t prefix[2] = {s.prefix[0], s.prefix[1]};
    inflate_into_sink(d, prefix);
    if (s.inflater == InflaterPool::kNone) return;
  }
  inflate_into_sink(d, bytes);
}

void Connection::inflate_into_sink(Direction d, std::span<const uint8_t> input) {
  HttpDirectionState& s = dir(d);
  const uint64_t depth = body_depth(d);
  uint8_t out[kInflateChunk];
  // Every round consumes input or produces output (or returns), and output stops at the depth.
  const uint64_t max_rounds = input.size() + (depth - std::min(depth, s.delivered)) + 2;
  for (uint64_t round = 0; round < max_rounds && s.inflater != InflaterPool::kNone; ++round) {
    if (s.delivered >= depth) {
      s.flags |= dir_flag::kDepthDone;
      ++context_.counters.body_depth_reached;
      release_inflater(d, true);
      return;
    }
    const size_t budget = static_cast<size_t>(std::min<uint64_t>(sizeof(out), depth - s.delivered));
    const InflateOutcome outcome = context_.inflaters.inflate(s.inflater, input, {out, budget});
    input = input.subspan(outcome.consumed);
    if (outcome.produced > 0) report_body(d, {out, outcome.produced});
    if (outcome.status == InflateStatus::kError) {
      release_inflater(d, false);
      anomaly(d, HttpAnomaly::kBodyDecodeError);
      return;
    }
    if (outcome.status == InflateStatus::kStreamEnd) {
      release_inflater(d, true);
      return;
    }
    if (outcome.produced < budget && input.empty()) return;
    if (outcome.produced == 0 && outcome.consumed == 0) return;
  }
}

void Connection::report_body(Direction d, std::span<const uint8_t> decoded) {
  HttpDirectionState& s = dir(d);
  s.delivered += decoded.size();
  if (d == Direction::kToClient) {
    state_.response.body_decoded_bytes = s.delivered;
    sink_.on_body(d, response_view(), decoded);
  } else {
    state_.requests[s.slot].body_decoded_bytes = s.delivered;
    sink_.on_body(d, request_view(s.slot), decoded);
  }
}

void Connection::finish_body(Direction d) {
  HttpDirectionState& s = dir(d);
  if (s.inflater != InflaterPool::kNone && (s.flags & dir_flag::kDeflateUndecided) != 0 &&
      s.prefix_length > 0) {
    // Fewer than two bytes of deflate data: too short to be zlib-wrapped.
    s.flags &= ~dir_flag::kDeflateUndecided;
    context_.inflaters.reformat(s.inflater, InflateFormat::kRawDeflate);
    const uint8_t prefix[1] = {s.prefix[0]};
    inflate_into_sink(d, prefix);
  }
  release_inflater(d, true);
}

void Connection::release_inflater(Direction d, bool decoded_cleanly) {
  HttpDirectionState& s = dir(d);
  if (s.inflater == InflaterPool::kNone) return;
  context_.inflaters.release(s.inflater);
  s.inflater = InflaterPool::kNone;
  s.flags |= dir_flag::kDecodeDone;
  if (decoded_cleanly) ++context_.counters.bodies_decoded;
}

}  // namespace torwart::dataplane::applayer::http::detail
