#include "rules/config/load_inspection.hpp"

#include "platform/posix/bounded_read.hpp"

namespace torwart::config::detail {

void read_inspection(Reader& r, const YAML::Node& node, Inspection& out) {
  const std::string path = "inspection";
  if (!r.expect_map(
          node, path,
          {"enabled", "sessions_per_worker", "reassembly_mb", "held_per_stream_kb", "stream_depth_kb",
           "on_limit", "identify_packets", "http_body_depth_kb", "inflaters_per_worker"}))
    return;
  auto number = [&](const char* key, unsigned min, unsigned max, unsigned& field) {
    if (!node[key]) return;
    if (auto v = r.number(node[key], path + "." + key, min, max)) field = *v;
  };
  if (node["enabled"]) {
    if (auto v = r.boolean(node["enabled"], path + ".enabled")) out.enabled = *v;
  }
  number("sessions_per_worker", 16, 1u << 20, out.sessions_per_worker);
  number("reassembly_mb", 1, 16384, out.reassembly_mb);
  number("held_per_stream_kb", 4, 16384, out.held_per_stream_kb);
  number("stream_depth_kb", 1, 1u << 22, out.stream_depth_kb);
  number("identify_packets", 1, 64, out.identify_packets);
  number("http_body_depth_kb", 0, 1u << 20, out.http_body_depth_kb);
  number("inflaters_per_worker", 0, 65536, out.inflaters_per_worker);
  if (node["on_limit"]) {
    if (auto v = r.string(node["on_limit"], path + ".on_limit")) {
      if (*v == "pass") {
        out.fail_closed = false;
      } else if (*v == "drop") {
        out.fail_closed = true;
      } else {
        r.error(node["on_limit"], path + ".on_limit",
                "expected pass (fail-open: the flow goes on uninspected) or drop (fail-closed)");
      }
    }
  }
  if (out.held_per_stream_kb > out.reassembly_mb * 1024u) {
    r.error(node["held_per_stream_kb"] ? node["held_per_stream_kb"] : node, path + ".held_per_stream_kb",
            std::to_string(out.held_per_stream_kb) +
                " KiB per direction exceeds the worker's reassembly_mb (" +
                std::to_string(out.reassembly_mb) + " MiB)");
  }
}

void read_app_records(Reader& r, const YAML::Node& node, const std::string& path, Logging& out) {
  out.http_records = out.tls_records = out.dns_records = out.anomaly_records = false;
  r.sequence(node, path, [&](const YAML::Node& n, const std::string& p) {
    auto v = r.string(n, p);
    if (!v) return;
    if (*v == "http") {
      out.http_records = true;
    } else if (*v == "tls") {
      out.tls_records = true;
    } else if (*v == "dns") {
      out.dns_records = true;
    } else if (*v == "anomaly") {
      out.anomaly_records = true;
    } else {
      r.error(n, p, "'" + *v + "' is not an application record type (http, tls, dns, anomaly)");
    }
  });
}

void read_pseudonymise(Reader& r, const YAML::Node& node, const std::string& path, Logging& out) {
  if (!r.expect_map(node, path, {"key_file"})) return;
  if (!node["key_file"]) {
    r.error(node, path + ".key_file",
            "pseudonymisation needs a key_file (32 hex digits, e.g. from `openssl rand -hex 16`)");
    return;
  }
  auto file = r.string(node["key_file"], path + ".key_file");
  if (!file) return;
  if (file->empty() || (*file)[0] != '/') {
    r.error(node["key_file"], path + ".key_file", "'" + *file + "': give an absolute path");
    return;
  }
  // 32 hex digits and a newline; the limit leaves room for whitespace around them, not for a wrong file.
  const auto read = platform::read_regular_file(*file, 4096);
  if (!read.ok()) {
    r.error(node["key_file"], path + ".key_file", "cannot read '" + *file + "': " + read.error);
    return;
  }
  std::string hex;
  for (char c : read.content)
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') hex += c;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::array<uint8_t, 16> key{};
  bool valid = hex.size() == 32;
  for (size_t i = 0; valid && i < 16; ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    valid = hi >= 0 && lo >= 0;
    if (valid) key[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  if (!valid) {
    r.error(node["key_file"], path + ".key_file", *file + ": expected 32 hex digits (a 128-bit key)");
    return;
  }
  out.pseudonym_key = key;
}

}  // namespace torwart::config::detail
