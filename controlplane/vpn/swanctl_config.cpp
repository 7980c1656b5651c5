#include "controlplane/vpn/swanctl_config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "platform/posix/bounded_read.hpp"
#include "platform/posix/fd.hpp"
#include "rules/config/vpn_tr02102.hpp"

namespace torwart::controlplane::vpn {
namespace {

using config::VpnTunnel;

constexpr std::size_t kMaxCredentialBytes = std::size_t{1} << 20;

// Section names: tunnel names are [a-z0-9-] by the loader; checked again since a name becomes syntax.
void require_section_name(const std::string& name) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
      }))
    throw std::invalid_argument("'" + name + "' cannot name a swanctl.conf section");
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string prefixes(const std::vector<config::IpPrefix>& list) {
  std::vector<std::string> text;
  for (const auto& p : list) text.push_back(p.to_string());
  return join(text);
}

std::string hex(std::string_view bytes) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string out = "0x";
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

// The uplink's addresses IKE is spoken from: those of the peer's family (all for %any); %any when the
// port takes its address by DHCP or has none of that family.
std::string local_addrs(const config::Config& config, const VpnTunnel& t) {
  std::vector<std::string> out;
  for (const auto& port : config.ports) {
    if (port.name != t.uplink) continue;
    for (const auto& a : port.addresses) {
      if (!t.peer || a.address.family == t.peer->family) out.push_back(a.address.to_string());
    }
  }
  return out.empty() ? "%any" : join(out);
}

const char* start_action(config::VpnStart start) {
  switch (start) {
    case config::VpnStart::kAlways:
      return "start";
    case config::VpnStart::kListen:
      return "none";
  }
  return "none";
}

// What charon does when the peer stops answering: bring the tunnel up again (always), forget it (listen: the
// peer comes back by itself).
const char* dpd_action(config::VpnStart start) {
  switch (start) {
    case config::VpnStart::kAlways:
      return "restart";
    case config::VpnStart::kListen:
      return "clear";
  }
  return "clear";
}

class Writer {
 public:
  void line(int depth, const std::string& text) {
    out_ += std::string(static_cast<size_t>(depth) * 2, ' ') + text + "\n";
  }
  void open(int depth, const std::string& name) { line(depth, name + " {"); }
  void close(int depth) { line(depth, "}"); }
  void set(int depth, const std::string& key, const std::string& value) { line(depth, key + " = " + value); }
  std::string text() && { return std::move(out_); }

 private:
  std::string out_;
};

std::vector<config::IpPrefix> prefixes_of_family(const std::vector<config::IpPrefix>& all, bool v6) {
  std::vector<config::IpPrefix> out;
  for (const auto& p : all) {
    if (p.address.is_v4() != v6) out.push_back(p);
  }
  return out;
}

std::string seconds(unsigned s) {
  return std::to_string(s) + "s";
}

void connection(Writer& w, const config::Config& config, const VpnTunnel& t, SwanctlConfig& out) {
  require_section_name(t.name);
  w.open(1, t.name);
  w.set(2, "version", "2");
  w.set(2, "local_addrs", local_addrs(config, t));
  w.set(2, "remote_addrs", t.peer ? t.peer->to_string() : "%any");
  w.set(2, "proposals", join(t.ike_proposals));
  // strongSwan's own defaults written out: the SA ends 10% after its rekey time if rekeying keeps failing,
  // and rekeying starts up to 10% early so that both ends do not rekey at once.
  w.set(2, "rekey_time", seconds(t.ike_rekey_s));
  w.set(2, "over_time", seconds(t.ike_rekey_s / 10));
  w.set(2, "rand_time", seconds(t.ike_rekey_s / 10));
  w.set(2, "dpd_delay", seconds(t.dpd_delay_s));
  w.set(2, "encap", t.encapsulation == config::VpnEncapsulation::kUdp ? "yes" : "no");
  w.set(2, "mobike", "no");
  w.set(2, "unique", "replace");
  w.set(2, "keyingtries", "0");

  w.open(2, "local");
  if (t.certificate) {
    // Plain `rsa/pss` only constrains the certificate chain: charon 5.9.8 then still signs IKE_AUTH with
    // PKCS#1 v1.5 (seen in charon_load_test); the ike: constraint makes it sign with RSASSA-PSS.
    w.set(
        3, "auth",
        t.certificate->key_type == config::VpnKeyType::kRsa ? "ike:rsa/pss-sha256-sha384-sha512" : "pubkey");
    const std::string cert = t.name + ".pem";
    w.set(3, "certs", cert);
    out.files.push_back({t.certificate->certificate, "x509/" + cert, false});
    out.files.push_back({t.certificate->key, "private/" + t.name + ".key", true});
  } else {
    w.set(3, "auth", "psk");
  }
  w.set(3, "id", quote_value(t.local_id));
  w.close(2);

  w.open(2, "remote");
  if (t.certificate) {
    // The peer's IKE_AUTH signature restricted to TR-02102-3 3.2.5 (ECDSA or RSASSA-PSS with SHA-2); each
    // key type needs its own ike: prefix, else charon reads the rest as a constraint on the certificate
    // chain's signatures.
    w.set(3, "auth", "ike:ecdsa-sha256-sha384-sha512-ike:rsa/pss-sha256-sha384-sha512");
    const std::string ca = t.name + ".pem";
    w.set(3, "cacerts", ca);
    out.files.push_back({t.certificate->ca, "x509ca/" + ca, false});
  } else {
    w.set(3, "auth", "psk");
  }
  w.set(3, "id", quote_value(t.remote_id));
  w.close(2);

  w.open(2, "children");
  // One CHILD_SA per inner family (the fast path's SAs carry one each), with the reqid the fast path maps
  // back to this tunnel (config::VpnTunnel::reqid).
  for (const bool v6 : {false, true}) {
    const auto local = prefixes_of_family(t.local_subnets, v6);
    const auto remote = prefixes_of_family(t.remote_subnets, v6);
    if (local.empty() || remote.empty()) continue;
    w.open(3, v6 ? t.name + "-v6" : t.name);
    w.set(4, "mode", "tunnel");
    w.set(4, "reqid", std::to_string(t.reqid(v6)));
    w.set(4, "local_ts", prefixes(local));
    w.set(4, "remote_ts", prefixes(remote));
    w.set(4, "esp_proposals", join(t.esp_proposals));
    w.set(4, "rekey_time", seconds(t.esp_rekey_s));
    w.set(4, "life_time", seconds(t.esp_rekey_s + t.esp_rekey_s / 10));
    w.set(4, "rand_time", seconds(t.esp_rekey_s / 10));
    if (t.esp_life_bytes != 0) {
      w.set(4, "rekey_bytes", std::to_string(t.esp_life_bytes));
      w.set(4, "life_bytes", std::to_string(t.esp_life_bytes + t.esp_life_bytes / 10));
    }
    w.set(4, "replay_window", std::to_string(t.replay_window));
    w.set(4, "dpd_action", dpd_action(t.start));
    w.set(4, "start_action", start_action(t.start));
    w.close(3);
  }
  w.close(2);
  w.close(1);
}

}  // namespace

std::string quote_value(std::string_view value) {
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e || c == '"' || c == '\\' || c == '$')
      throw std::invalid_argument("a swanctl.conf value cannot carry this character verbatim");
  }
  return "\"" + std::string(value) + "\"";
}

SwanctlResult swanctl_config(const config::Config& config) {
  SwanctlResult result;
  Writer w;
  w.line(0, "# swanctl.conf written by torwart from the configuration's vpn section; edits are overwritten.");
  std::string current;
  try {
    w.open(0, "connections");
    for (const auto& t : config.vpn.tunnels) {
      current = t.name;
      connection(w, config, t, result.config);
    }
    w.close(0);
    w.open(0, "secrets");
    for (const auto& t : config.vpn.tunnels) {
      if (t.certificate) continue;
      current = t.name;
      const auto psk = config::tr02102::read_psk_file(t.psk_file);
      if (!psk.ok()) {
        result.error = "tunnel '" + t.name + "': " + psk.error;
        return result;
      }
      w.open(1, "ike-" + t.name);
      w.set(2, "id-local", quote_value(t.local_id));
      w.set(2, "id-remote", quote_value(t.remote_id));
      // Hex: whatever characters the key holds, none can touch the syntax.
      w.set(2, "secret", hex(psk.secret));
      w.close(1);
    }
    w.close(0);
  } catch (const std::invalid_argument& e) {
    result.error = "tunnel '" + current + "': " + e.what();
    return result;
  }
  result.config.text = std::move(w).text();
  return result;
}

namespace {

std::string write_file(const std::filesystem::path& path, const std::string& content, mode_t mode) {
  platform::Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode));
  if (!fd.valid()) return "cannot write " + path.string() + ": " + std::strerror(errno);
  if (::fchmod(fd.get(), mode) != 0) return "cannot chmod " + path.string() + ": " + std::strerror(errno);
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return "cannot write " + path.string() + ": " + std::strerror(errno);
    }
    done += static_cast<size_t>(n);
  }
  if (fd.close_now() != 0) return "cannot write " + path.string() + ": " + std::strerror(errno);
  return "";
}

}  // namespace

std::string write_swanctl_dir(const SwanctlConfig& config, const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path root(dir);
  // Every directory swanctl --load-creds looks into (it reports each missing one), though only x509,
  // x509ca and private are filled.
  for (const char* sub : {"x509", "x509ca", "x509ocsp", "x509aa", "x509ac", "x509crl", "pubkey", "private",
                          "rsa", "ecdsa", "bliss", "pkcs8", "pkcs12"}) {
    fs::create_directories(root / sub, ec);
    if (ec) return "cannot create " + (root / sub).string() + ": " + ec.message();
  }
  fs::permissions(root / "private", fs::perms::owner_all, ec);
  if (ec) return "cannot restrict " + (root / "private").string() + ": " + ec.message();
  for (const auto& file : config.files) {
    const auto read = platform::read_regular_file(file.source, kMaxCredentialBytes);
    if (!read.ok()) return "cannot read '" + file.source + "': " + read.error;
    if (std::string problem = write_file(root / file.target, read.content, file.secret ? 0600 : 0644);
        !problem.empty())
      return problem;
  }
  return write_file(root / "swanctl.conf", config.text, 0600);
}

}  // namespace torwart::controlplane::vpn
