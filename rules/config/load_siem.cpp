#include "rules/config/load_siem.hpp"

#include <algorithm>
#include <set>

#include "platform/posix/bounded_read.hpp"

namespace torwart::config::detail {
namespace {

// Certificates, CA bundles and CRLs are small; a provider's CA bundle with a few hundred certificates fits.
constexpr std::size_t kMaxPemBytes = std::size_t{1} << 20;

// An absolute path whose file holds the PEM block `marker` names (e.g. "CERTIFICATE"); nullopt after an
// error.
std::optional<std::string> pem_file(Reader& r, const YAML::Node& node, const std::string& path,
                                    const std::string& marker) {
  auto file = r.string(node, path);
  if (!file) return std::nullopt;
  if (file->empty() || (*file)[0] != '/') {
    r.error(node, path, "'" + *file + "': give an absolute path");
    return std::nullopt;
  }
  const auto read = platform::read_regular_file(*file, kMaxPemBytes);
  if (!read.ok()) {
    r.error(node, path, "cannot read '" + *file + "': " + read.error);
    return std::nullopt;
  }
  if (read.content.find("-----BEGIN " + marker + "-----") == std::string::npos) {
    r.error(node, path, *file + ": no PEM block '-----BEGIN " + marker + "-----'");
    return std::nullopt;
  }
  return file;
}

}  // namespace

bool valid_dns_name(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  size_t label = 0;
  for (size_t i = 0; i <= name.size(); ++i) {
    if (i == name.size() || name[i] == '.') {
      if (label == 0 || label > 63 || name[i - 1] == '-' || name[i - label] == '-') return false;
      label = 0;
      continue;
    }
    const char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
      return false;
    ++label;
  }
  // "10.0.0.300" is a mistyped address, not a name: a top-level label is never all digits (RFC 3696 2).
  const std::string_view top =
      name.substr(name.rfind('.') == std::string_view::npos ? 0 : name.rfind('.') + 1);
  return !std::all_of(top.begin(), top.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void read_siem(Reader& r, const YAML::Node& node, const std::string& path, Logging& out) {
  if (!r.expect_map(
          node, path,
          {"host", "port", "ca", "cert", "key", "crl", "server_name", "streams", "max_message_bytes"}))
    return;
  Siem siem;
  bool ok = true;
  auto required = [&](const char* key) {
    if (node[key]) return true;
    r.error(node, path + "." + key, std::string("the SIEM needs '") + key + "'");
    ok = false;
    return false;
  };
  if (required("host")) {
    if (auto host = r.string(node["host"], path + ".host")) {
      if (IpAddress::parse(*host) || valid_dns_name(*host)) {
        siem.host = *host;
      } else {
        r.error(node["host"], path + ".host",
                "'" + *host + "' is neither an IP address nor a host name (letters, digits, '-', '.')");
        ok = false;
      }
    }
  }
  if (node["port"]) {
    if (auto v = r.number(node["port"], path + ".port", 1, 65535)) siem.port = static_cast<uint16_t>(*v);
  }
  auto pem = [&](const char* key, const std::string& marker, std::string& field) {
    if (auto file = pem_file(r, node[key], path + "." + key, marker)) {
      field = *file;
    } else {
      ok = false;
    }
  };
  if (required("ca")) pem("ca", "CERTIFICATE", siem.ca);
  if (required("cert")) pem("cert", "CERTIFICATE", siem.cert);
  if (node["crl"]) pem("crl", "X509 CRL", siem.crl);
  if (required("key")) {
    // Only that it is a file: the loader also runs in the fast path, which must not read the box's key.
    if (auto file = r.string(node["key"], path + ".key")) {
      if (file->empty() || (*file)[0] != '/') {
        r.error(node["key"], path + ".key", "'" + *file + "': give an absolute path");
        ok = false;
      } else if (const std::string problem = platform::regular_file_problem(*file); !problem.empty()) {
        r.error(node["key"], path + ".key", "cannot read '" + *file + "': " + problem);
        ok = false;
      } else {
        siem.key = *file;
      }
    }
  }
  if (node["server_name"]) {
    if (auto name = r.string(node["server_name"], path + ".server_name")) {
      if (IpAddress::parse(*name) || valid_dns_name(*name)) {
        siem.server_name = *name;
      } else {
        r.error(node["server_name"], path + ".server_name",
                "'" + *name +
                    "' is neither a host name nor an IP address (what the receiver's certificate "
                    "must carry)");
        ok = false;
      }
    }
  }
  if (node["streams"]) {
    siem.eve = siem.audit = siem.system = false;
    std::set<std::string> seen;
    r.nonempty_sequence(node["streams"], path + ".streams", [&](const YAML::Node& n, const std::string& p) {
      auto v = r.string(n, p);
      if (!v) return;
      if (!seen.insert(*v).second) {
        r.error(n, p, "'" + *v + "' is listed twice");
      } else if (*v == "eve") {
        siem.eve = true;
      } else if (*v == "audit") {
        siem.audit = true;
      } else if (*v == "system") {
        siem.system = true;
      } else {
        r.error(n, p, "'" + *v + "' is not a log stream (eve, audit, system)");
      }
    });
  }
  if (node["max_message_bytes"]) {
    // 2048: what RFC 5425 says every receiver MUST take; far above 256 KiB no SIEM is configured for.
    if (auto v = r.number(node["max_message_bytes"], path + ".max_message_bytes", 2048, 262144))
      siem.max_message_bytes = *v;
  }
  if (ok) out.siem = std::move(siem);
}

}  // namespace torwart::config::detail
