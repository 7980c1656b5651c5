// Header fields: which ones are kept and where, folding, Content-Length, Transfer-Encoding, Host and port.
#include "dataplane/applayer/http/http_chars.hpp"
#include "dataplane/applayer/http/http_connection.hpp"

namespace torwart::dataplane::applayer::http::detail {
namespace {

bool parse_content_length(std::string_view text, uint64_t& value) {
  bool have = false;
  size_t i = 0;
  while (i <= text.size()) {
    while (i < text.size() && is_space(static_cast<uint8_t>(text[i]))) ++i;
    uint64_t n = 0;
    size_t digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + static_cast<uint64_t>(text[i] - '0');
      if (n > limit::kMaxContentLength) return false;
      ++digits;
      ++i;
    }
    if (digits == 0) return false;
    if (have && n != value) return false;
    value = n;
    have = true;
    while (i < text.size() && is_space(static_cast<uint8_t>(text[i]))) ++i;
    if (i == text.size()) return true;
    if (text[i] != ',') return false;
    ++i;
  }
  return false;
}

HeaderTarget target_of(std::string_view name) {
  if (name == "host") return HeaderTarget::kHost;
  if (name == "user-agent") return HeaderTarget::kUserAgent;
  if (name == "content-type") return HeaderTarget::kContentType;
  if (name == "content-length") return HeaderTarget::kContentLength;
  if (name == "transfer-encoding") return HeaderTarget::kTransferEncoding;
  if (name == "content-encoding") return HeaderTarget::kContentEncoding;
  if (name == "cookie") return HeaderTarget::kCookie;
  if (name == "referer") return HeaderTarget::kReferer;
  if (name == "location") return HeaderTarget::kLocation;
  return HeaderTarget::kNone;
}

template <typename Message>
bool any_field_truncated(const Message& m);

template <>
bool any_field_truncated(const HttpRequest& r) {
  return r.method.truncated || r.uri_raw.truncated || r.uri_normalized.truncated || r.protocol.truncated ||
         r.host.truncated || r.user_agent.truncated || r.content_type.truncated ||
         r.transfer_encoding.truncated || r.content_encoding.truncated || r.cookie.truncated ||
         r.referer.truncated;
}

template <>
bool any_field_truncated(const HttpResponse& r) {
  return r.protocol.truncated || r.reason.truncated || r.content_type.truncated ||
         r.transfer_encoding.truncated || r.content_encoding.truncated || r.location.truncated;
}

}  // namespace

void Connection::header_line_start(Direction d, uint8_t b) {
  HttpDirectionState& s = dir(d);
  if (is_space(b)) {
    if ((s.flags & dir_flag::kHeaderPending) == 0) {
      anomaly(d, HttpAnomaly::kBadHeaderName);  // whitespace before the first field: RFC 9112 2.2
      return;
    }
    if ((s.flags & dir_flag::kFoldSeen) == 0) {
      s.flags |= dir_flag::kFoldSeen;
      anomaly(d, HttpAnomaly::kObsoleteFolding);
    }
    s.flags &= ~dir_flag::kValueStarted;
    if (target_field(d, static_cast<HeaderTarget>(s.target)).size() > s.value_start)
      s.flags |= dir_flag::kFoldSpace;
    set_phase(d, Phase::kHeaderValue);
    return;
  }
  if ((s.flags & dir_flag::kHeaderPending) != 0) {
    finish_header(d);
    if (phase(d) == Phase::kStopped) return;
  }
  if (++s.header_lines > limit::kHeaderLines) {
    anomaly(d, HttpAnomaly::kHeadersTooLarge);
    return;
  }
  s.scratch.clear();
  set_phase(d, Phase::kHeaderName);
  line_char(d, b);
  // line_char counted this byte again as part of the name line.
  --s.line_length;
}

FieldRef Connection::target_field(Direction d, HeaderTarget target) {
  if (d == Direction::kToClient) {
    HttpResponse& r = state_.response;
    switch (target) {
      case HeaderTarget::kContentType:
        return FieldRef::of(r.content_type);
      case HeaderTarget::kTransferEncoding:
        return FieldRef::of(r.transfer_encoding);
      case HeaderTarget::kContentEncoding:
        return FieldRef::of(r.content_encoding);
      case HeaderTarget::kLocation:
        return FieldRef::of(r.location);
      default:
        return {};
    }
  }
  HttpRequest* r = current_request();
  if (r == nullptr) return {};
  switch (target) {
    case HeaderTarget::kHost:
      return FieldRef::of(r->host);
    case HeaderTarget::kUserAgent:
      return FieldRef::of(r->user_agent);
    case HeaderTarget::kContentType:
      return FieldRef::of(r->content_type);
    case HeaderTarget::kTransferEncoding:
      return FieldRef::of(r->transfer_encoding);
    case HeaderTarget::kContentEncoding:
      return FieldRef::of(r->content_encoding);
    case HeaderTarget::kCookie:
      return FieldRef::of(r->cookie);
    case HeaderTarget::kReferer:
      return FieldRef::of(r->referer);
    default:
      return {};
  }
}

void Connection::header_name_end(Direction d) {
  HttpDirectionState& s = dir(d);
  if (s.scratch.empty()) {
    anomaly(d, HttpAnomaly::kBadHeaderName);
    return;
  }
  HeaderTarget target = s.scratch.truncated ? HeaderTarget::kNone : target_of(s.scratch.view());
  FieldRef field = target_field(d, target);
  switch (target) {
    case HeaderTarget::kHost:
      if ((s.flags & dir_flag::kSeenHost) != 0) {
        anomaly(d, HttpAnomaly::kDuplicateHost);
        target = HeaderTarget::kNone;
      }
      s.flags |= dir_flag::kSeenHost;
      break;
    case HeaderTarget::kCookie:
      if (field.size() > 0) field.append("; ");
      break;
    case HeaderTarget::kTransferEncoding:
    case HeaderTarget::kContentEncoding:
      if (field.size() > 0) field.append(", ");
      break;
    case HeaderTarget::kUserAgent:
    case HeaderTarget::kContentType:
    case HeaderTarget::kReferer:
    case HeaderTarget::kLocation:
      if (field.size() > 0) target = HeaderTarget::kNone;  // the first one is kept
      break;
    case HeaderTarget::kContentLength:
    case HeaderTarget::kNone:
      break;
  }
  // Content-Length and Transfer-Encoding decide the framing even when their text is not kept.
  const bool frames = target == HeaderTarget::kContentLength || target == HeaderTarget::kTransferEncoding;
  if (!frames && !field.valid()) target = HeaderTarget::kNone;
  s.target = static_cast<uint8_t>(target);
  s.value_start = target_field(d, target).size();
  s.scratch.clear();
  s.flags &= ~(dir_flag::kValueStarted | dir_flag::kFoldSpace);
  s.flags |= dir_flag::kHeaderPending;
  set_phase(d, Phase::kHeaderValue);
}

void Connection::header_value_char(Direction d, uint8_t b) {
  HttpDirectionState& s = dir(d);
  if ((s.flags & dir_flag::kValueStarted) == 0) {
    if (is_space(b)) return;
    s.flags |= dir_flag::kValueStarted;
  }
  const auto target = static_cast<HeaderTarget>(s.target);
  FieldRef field = target_field(d, target);
  if ((s.flags & dir_flag::kFoldSpace) != 0) {
    s.flags &= ~dir_flag::kFoldSpace;
    field.push(' ');
    if (target == HeaderTarget::kContentLength) FieldRef::of(s.scratch).push(' ');
  }
  switch (target) {
    case HeaderTarget::kContentLength:
      FieldRef::of(s.scratch).push(static_cast<char>(b));
      return;
    case HeaderTarget::kTransferEncoding:
      // The scratch holds the last coding of the list: framing depends on whether it is "chunked".
      field.push(static_cast<char>(b));
      if (b == ',') {
        s.scratch.clear();
      } else if (!is_space(b)) {
        FieldRef::of(s.scratch).push(lower(b));
      }
      return;
    case HeaderTarget::kHost:
      field.push(lower(b));
      return;
    default:
      field.push(static_cast<char>(b));
      return;
  }
}

void Connection::finish_header(Direction d) {
  HttpDirectionState& s = dir(d);
  s.flags &= ~dir_flag::kHeaderPending;
  const auto target = static_cast<HeaderTarget>(s.target);
  FieldRef field = target_field(d, target);
  field.trim_trailing_space(s.value_start);
  s.target = static_cast<uint8_t>(HeaderTarget::kNone);
  switch (target) {
    case HeaderTarget::kContentLength: {
      uint64_t value = 0;
      if (s.scratch.truncated || !parse_content_length(s.scratch.view(), value)) {
        anomaly(d, HttpAnomaly::kBadContentLength);
        return;
      }
      if ((s.flags & dir_flag::kHasLength) != 0 && s.remaining != value) {
        anomaly(d, HttpAnomaly::kConflictingContentLength);
        return;
      }
      s.flags |= dir_flag::kHasLength;
      s.remaining = value;  // the body has not started; the length waits here
      break;
    }
    case HeaderTarget::kTransferEncoding:
      s.flags |= dir_flag::kHasTransferEncoding;
      if (!s.scratch.truncated && s.scratch.view() == "chunked") {
        s.flags |= dir_flag::kChunkedLast;
      } else {
        s.flags &= ~dir_flag::kChunkedLast;
      }
      break;
    case HeaderTarget::kHost: {
      HttpRequest* r = current_request();
      if (r == nullptr) break;
      const std::string_view host = r->host.view();
      size_t search_from = 0;
      if (!host.empty() && host[0] == '[') {
        const size_t close = host.find(']');
        search_from = close == std::string_view::npos ? host.size() : close;
      }
      const size_t colon = host.find(':', search_from);
      if (colon == std::string_view::npos) break;
      const std::string_view port = host.substr(colon + 1);
      r->host.length = static_cast<uint16_t>(colon);
      if (port.empty()) break;  // "host:" is allowed (RFC 3986 3.2.3)
      uint32_t value = 0;
      bool ok = port.size() <= 5;
      for (size_t i = 0; ok && i < port.size(); ++i) {
        ok = port[i] >= '0' && port[i] <= '9';
        value = value * 10 + static_cast<uint32_t>(port[i] - '0');
      }
      if (!ok || value > 65535) {
        anomaly(d, HttpAnomaly::kBadHostPort);
        break;
      }
      r->port = static_cast<uint16_t>(value);
      r->has_port = true;
      break;
    }
    default:
      break;
  }
  s.scratch.clear();
}

void Connection::headers_complete(Direction d) {
  HttpDirectionState& s = dir(d);
  s.line_length = 0;
  s.scratch.clear();
  if (d == Direction::kToServer) {
    if (HttpRequest* r = current_request()) {
      r->header_count = s.header_lines;
      if (any_field_truncated(*r)) anomaly(d, HttpAnomaly::kFieldTruncated);
    }
    request_headers_complete();
  } else {
    state_.response.header_count = s.header_lines;
    if (any_field_truncated(state_.response)) anomaly(d, HttpAnomaly::kFieldTruncated);
    response_headers_complete();
  }
}

}  // namespace torwart::dataplane::applayer::http::detail
