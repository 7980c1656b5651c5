#include "dataplane/applayer/http/uri_normalize.hpp"

namespace torwart::dataplane::applayer::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

char upper_hex(char c) {
  return c >= 'a' && c <= 'f' ? static_cast<char>(c - 'a' + 'A') : c;
}

// Step 1 and 2: unreserved escapes decoded (others kept, hex uppercased), runs of '/' collapsed to one.
size_t decode_and_collapse(std::string_view path, char* out, UriNormalizeResult& result) {
  size_t n = 0;
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '%') {
      const int hi = i + 1 < path.size() ? hex_value(path[i + 1]) : -1;
      const int lo = i + 2 < path.size() ? hex_value(path[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        result.bad_percent_encoding = true;
        out[n++] = c;
        continue;
      }
      const char decoded = static_cast<char>(hi * 16 + lo);
      if (is_unreserved(decoded)) {
        c = decoded;
      } else {
        out[n++] = '%';
        out[n++] = upper_hex(path[i + 1]);
        out[n++] = upper_hex(path[i + 2]);
        i += 2;
        continue;
      }
      i += 2;
    }
    if (c == '/' && n > 0 && out[n - 1] == '/') continue;
    out[n++] = c;
  }
  return n;
}

void drop_last_segment(char* out, size_t& n) {
  while (n > 0 && out[n - 1] != '/') --n;
  if (n > 0) --n;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Step 3: RFC 3986 section 5.2.4, reading `in` and appending to `out`.
size_t remove_dot_segments(std::string_view in, char* out) {
  size_t n = 0;
  while (!in.empty()) {
    if (starts_with(in, "../")) {
      in.remove_prefix(3);
    } else if (starts_with(in, "./") || starts_with(in, "/./")) {
      in.remove_prefix(2);  // "/./x" leaves "/x"
    } else if (in == "/.") {
      out[n++] = '/';
      in = {};
    } else if (starts_with(in, "/../")) {
      in.remove_prefix(3);
      drop_last_segment(out, n);
    } else if (in == "/..") {
      drop_last_segment(out, n);
      out[n++] = '/';
      in = {};
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      size_t end = in.find('/', 1);
      if (end == std::string_view::npos) end = in.size();
      std::copy_n(in.data(), end, out + n);
      n += end;
      in.remove_prefix(end);
    }
  }
  return n;
}

}  // namespace

UriNormalizeResult normalize_uri(std::string_view raw, FixedString<capacity::kUri>& out) {
  UriNormalizeResult result;
  out.clear();
  raw = raw.substr(0, capacity::kUri);  // the raw field never holds more; keeps the scratch bounded
  std::string_view prefix;              // scheme and authority of an absolute-form target, kept as they are
  std::string_view path = raw;
  std::string_view query;
  if (path.empty() || path == "*" || (path[0] != '/' && path.find("://") == std::string_view::npos)) {
    out.assign(raw);  // asterisk-form, authority-form (CONNECT) or something we do not rewrite
    return result;
  }
  if (path[0] != '/') {
    const size_t authority = path.find("://") + 3;
    const size_t path_start = path.find_first_of("/?", authority);
    prefix = path.substr(0, path_start == std::string_view::npos ? path.size() : path_start);
    path.remove_prefix(prefix.size());
  }
  const size_t question = path.find('?');
  if (question != std::string_view::npos) {
    query = path.substr(question);
    path = path.substr(0, question);
  }
  char decoded[capacity::kUri];
  char cleaned[capacity::kUri];
  const size_t decoded_length = decode_and_collapse(path, decoded, result);
  const size_t cleaned_length = remove_dot_segments({decoded, decoded_length}, cleaned);
  out.append(prefix);
  out.append({cleaned, cleaned_length});
  out.append(query);
  return result;
}

}  // namespace torwart::dataplane::applayer::http
