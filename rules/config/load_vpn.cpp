#include "rules/config/load_vpn.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <string_view>

#include "rules/config/load_siem.hpp"
#include "rules/config/vpn_tr02102.hpp"

namespace torwart::config::detail {
namespace {

constexpr size_t kMaxTunnels = 64;
constexpr size_t kMaxIdLength = 255;
constexpr uint64_t kMinLifeBytes = uint64_t{1} << 20;
constexpr uint64_t kMaxLifeBytes = uint64_t{1} << 50;

bool overlap(const IpPrefix& a, const IpPrefix& b) {
  if (a.address.family != b.address.family) return false;
  return a.length <= b.length ? a.contains(b.address) : b.contains(a.address);
}

std::string trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return std::string(text);
}

// "1073741824", "512M", "4G", "64K" (binary multiples).
std::optional<uint64_t> parse_bytes(std::string text) {
  if (text.empty()) return std::nullopt;
  uint64_t scale = 1;
  switch (text.back()) {
    case 'K':
      scale = uint64_t{1} << 10;
      break;
    case 'M':
      scale = uint64_t{1} << 20;
      break;
    case 'G':
      scale = uint64_t{1} << 30;
      break;
    default:
      break;
  }
  if (scale != 1) text.pop_back();
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  if (value > kMaxLifeBytes / scale) return std::nullopt;
  return value * scale;
}

// A proposal whose encryption algorithms are all AES-GCM (the loader has checked its keywords; a proposal
// never mixes AES-GCM with AES-CBC).
bool aead_only(std::string_view proposal) {
  return proposal.find("gcm") != std::string_view::npos;
}

// A proposal whose Diffie-Hellman groups are all MODP groups (the loader has checked its keywords).
bool only_modp_groups(std::string_view proposal) {
  bool modp = false;
  size_t start = 0;
  while (start <= proposal.size()) {
    const size_t end = std::min(proposal.find('-', start), proposal.size());
    const std::string_view word = proposal.substr(start, end - start);
    start = end + 1;
    if (word.starts_with("ecp")) return false;
    if (word.starts_with("modp")) modp = true;
  }
  return modp;
}

class TunnelReader {
 public:
  TunnelReader(Reader& r, Config& config) : r_(r), config_(config) {
    for (const auto& port : config.ports) {
      for (const auto& a : port.addresses) connected_.push_back({a.network(), port.name});
      for (const auto& vlan : port.vlans) {
        for (const auto& a : vlan.addresses) connected_.push_back({a.network(), vlan.name});
      }
    }
  }

  void read(const YAML::Node& node, const std::string& path) {
    if (!r_.expect_map(node, path,
                       {"name", "uplink", "peer", "local_id", "remote_id", "auth", "local_subnets",
                        "remote_subnets", "ike_proposals", "esp_proposals", "ike_rekey", "esp_rekey",
                        "esp_life_bytes", "dpd_delay", "replay_window", "encapsulation", "start"}))
      return;
    VpnTunnel t;
    peer_any_ = false;
    read_name(node, path, t);
    read_uplink(node, path, t);
    read_peer(node, path, t);
    for (const char* key : {"local_id", "remote_id"}) {
      std::string& id = std::string_view(key) == "local_id" ? t.local_id : t.remote_id;
      if (!node[key]) {
        r_.error(node, path + "." + key,
                 std::string("a tunnel needs '") + key +
                     "' (fqdn:NAME, email:USER@NAME, a distinguished name or an address)");
      } else if (auto v = r_.string(node[key], path + "." + key)) {
        if (const std::string why = ike_identity_problem(*v); !why.empty()) {
          r_.error(node[key], path + "." + key, why);
        } else {
          id = *v;
        }
      }
    }
    read_auth(node, path, t);
    read_subnets(node, path, "local_subnets", t.local_subnets, false);
    read_subnets(node, path, "remote_subnets", t.remote_subnets, true);
    check_subnet_families(node, path, t);
    read_proposals(node, path, "ike_proposals", tr02102::ProposalKind::kIke, t.ike_proposals);
    read_proposals(node, path, "esp_proposals", tr02102::ProposalKind::kEsp, t.esp_proposals);
    if (t.ike_proposals.empty()) t.ike_proposals = tr02102::default_ike_proposals();
    if (t.esp_proposals.empty()) t.esp_proposals = tr02102::default_esp_proposals();
    read_lifetimes(node, path, t);
    if (node["replay_window"]) {
      if (auto v = r_.number(node["replay_window"], path + ".replay_window", 64, 4096)) t.replay_window = *v;
    }
    if (node["encapsulation"]) {
      if (auto v = r_.string(node["encapsulation"], path + ".encapsulation")) {
        if (*v == "auto") {
          t.encapsulation = VpnEncapsulation::kAuto;
        } else if (*v == "udp") {
          t.encapsulation = VpnEncapsulation::kUdp;
        } else {
          r_.error(node["encapsulation"], path + ".encapsulation",
                   "'" + *v + "' is not auto (ESP in UDP when NAT is detected) or udp (always)");
        }
      }
    }
    if (node["start"]) {
      if (auto v = r_.string(node["start"], path + ".start")) {
        if (*v == "always") {
          t.start = VpnStart::kAlways;
        } else if (*v == "listen") {
          t.start = VpnStart::kListen;
        } else if (*v == "on-traffic") {
          // charon's trap policies wait for the kernel's acquire; the fast path does not send one yet.
          r_.error(node["start"], path + ".start",
                   "'on-traffic' is not available yet: the fast path does not ask charon for a tunnel when "
                   "traffic for it comes; use always (charon keeps the tunnel up) or listen");
        } else {
          r_.error(node["start"], path + ".start", "'" + *v + "' is not always or listen");
        }
      }
    }
    check_peer_family(node, path, t);
    if (peer_any_ && t.start != VpnStart::kListen) {
      r_.error(node["start"] ? node["start"] : node["peer"], path + ".start",
               "a tunnel with peer %any has no address to start it towards: start: listen");
    }
    config_.vpn.tunnels.push_back(std::move(t));
  }

 private:
  struct Connected {
    IpPrefix network;
    std::string interface;
  };

  void read_name(const YAML::Node& node, const std::string& path, VpnTunnel& t) {
    if (!node["name"]) {
      r_.error(node, path + ".name", "a tunnel needs a name");
      return;
    }
    auto v = r_.string(node["name"], path + ".name");
    if (!v) return;
    if (!valid_tunnel_name(*v)) {
      r_.error(node["name"], path + ".name",
               "'" + *v +
                   "': tunnel names are 1-11 of a-z, 0-9, '-', starting with a letter (the zone vpn-<name> "
                   "has at most 15)");
      return;
    }
    if (!names_.insert(*v).second) {
      r_.error(node["name"], path + ".name", "tunnel '" + *v + "' is declared twice");
      return;
    }
    t.name = *v;
    for (const auto& zone : config_.zones) {
      if (zone.name == t.zone())
        r_.error(node["name"], path + ".name",
                 "the tunnel's zone '" + t.zone() + "' is also declared under zones; rename one");
    }
  }

  void read_uplink(const YAML::Node& node, const std::string& path, VpnTunnel& t) {
    if (!node["uplink"]) {
      r_.error(node, path + ".uplink", "a tunnel needs the port IKE and ESP leave through (uplink)");
      return;
    }
    auto v = r_.string(node["uplink"], path + ".uplink");
    if (!v) return;
    const auto port =
        std::find_if(config_.ports.begin(), config_.ports.end(), [&](const Port& p) { return p.name == *v; });
    if (port == config_.ports.end()) {
      const bool vlan = std::any_of(config_.ports.begin(), config_.ports.end(), [&](const Port& p) {
        return std::any_of(p.vlans.begin(), p.vlans.end(), [&](const Vlan& l) { return l.name == *v; });
      });
      r_.error(node["uplink"], path + ".uplink",
               vlan ? "'" + *v +
                          "' is a VLAN; charon speaks IKE on a port's kernel twin, which VLANs have not "
                          "yet: name the port"
                    : "'" + *v + "' is no port of this configuration");
      return;
    }
    if (port->role == "mirror") {
      r_.error(node["uplink"], path + ".uplink", "'" + *v + "' is a mirror port: it sends nothing");
      return;
    }
    if (!port->kernel_twin) {
      r_.error(
          node["uplink"], path + ".uplink",
          "port '" + *v + "' has no kernel twin, where charon sends and receives IKE: set kernel_twin: true");
      return;
    }
    t.uplink = *v;
  }

  void read_peer(const YAML::Node& node, const std::string& path, VpnTunnel& t) {
    if (!node["peer"]) {
      r_.error(node, path + ".peer",
               "a tunnel needs the peer's address (or %any for a responder-only tunnel)");
      return;
    }
    auto v = r_.string(node["peer"], path + ".peer");
    if (!v) return;
    if (*v == "%any") {
      peer_any_ = true;
      return;
    }
    if (auto address = IpAddress::parse(*v)) {
      t.peer = *address;
    } else {
      r_.error(node["peer"], path + ".peer", "'" + *v + "' is neither an IPv4 or IPv6 address nor %any");
    }
  }

  // IKE leaves the uplink from one of its addresses of the peer's family; a DHCP port has IPv4 only.
  void check_peer_family(const YAML::Node& node, const std::string& path, const VpnTunnel& t) {
    if (!t.peer || t.uplink.empty()) return;
    for (const auto& port : config_.ports) {
      if (port.name != t.uplink) continue;
      if (port.address_by_dhcp && t.peer->is_v4()) return;
      for (const auto& a : port.addresses) {
        if (a.address.family == t.peer->family) return;
      }
    }
    r_.error(node["peer"], path + ".peer",
             "uplink '" + t.uplink + "' has no " + (t.peer->is_v4() ? "IPv4" : "IPv6") +
                 " address to reach " + t.peer->to_string() + " from");
  }

  void read_auth(const YAML::Node& node, const std::string& path, VpnTunnel& t) {
    const std::string p = path + ".auth";
    const YAML::Node auth = node["auth"];
    if (!auth) {
      r_.error(node, p, "a tunnel needs auth: {certificate, key, ca} or {psk_file}");
      return;
    }
    if (auth.IsMap() && (auth["psk"] || auth["secret"])) {
      const char* key = auth["psk"] ? "psk" : "secret";
      r_.error(auth[key], p + "." + key,
               "a pre-shared key is never written into the configuration (it is versioned and shown over the "
               "API): put it into a file of mode 0600 and name it with psk_file");
      return;
    }
    if (!r_.expect_map(auth, p, {"certificate", "key", "ca", "psk_file"})) return;
    const bool psk = static_cast<bool>(auth["psk_file"]);
    const bool cert = auth["certificate"] || auth["key"] || auth["ca"];
    if (psk && cert) {
      r_.error(auth, p, "either certificate, key and ca or psk_file, not both");
      return;
    }
    if (psk) {
      auto file = r_.string(auth["psk_file"], p + ".psk_file");
      if (!file) return;
      const auto read = tr02102::read_psk_file(*file);
      if (!read.ok()) {
        r_.error(auth["psk_file"], p + ".psk_file", read.error);
      } else {
        t.psk_file = *file;
      }
      return;
    }
    VpnCertificateAuth c;
    bool complete = true;
    for (const char* key : {"certificate", "key", "ca"}) {
      std::string& field = std::string_view(key) == "certificate" ? c.certificate
                           : std::string_view(key) == "key"       ? c.key
                                                                  : c.ca;
      if (!auth[key]) {
        r_.error(auth, p + "." + key,
                 std::string("certificate authentication needs '") + key + "' (or give psk_file instead)");
        complete = false;
      } else if (auto v = r_.string(auth[key], p + "." + key)) {
        if (v->empty() || (*v)[0] != '/') {
          r_.error(auth[key], p + "." + key, "'" + *v + "': give an absolute path");
          complete = false;
        } else {
          field = *v;
        }
      } else {
        complete = false;
      }
    }
    if (!complete) return;
    const auto findings = tr02102::check_certificate_files(c.certificate, c.key, c.ca);
    if (!findings.certificate.empty())
      r_.error(auth["certificate"], p + ".certificate", findings.certificate);
    if (!findings.key.empty()) r_.error(auth["key"], p + ".key", findings.key);
    if (!findings.ca.empty()) r_.error(auth["ca"], p + ".ca", findings.ca);
    if (!findings.ok()) return;
    c.key_type = findings.key_type;
    t.certificate = std::move(c);
  }

  void read_subnets(const YAML::Node& node, const std::string& path, const char* key,
                    std::vector<IpPrefix>& out, bool remote) {
    const std::string p = path + "." + key;
    if (!node[key]) {
      r_.error(node, p, std::string("a tunnel needs ") + key + " (the networks it carries)");
      return;
    }
    r_.nonempty_sequence(node[key], p, [&](const YAML::Node& n, const std::string& ip) {
      auto text = r_.string(n, ip);
      if (!text) return;
      auto prefix = IpPrefix::parse(*text);
      if (!prefix) {
        r_.error(n, ip,
                 "'" + *text + "' is not a prefix with host bits clear (e.g. 10.0.0.0/8, 2001:db8::/48)");
        return;
      }
      if (remote) {
        for (const auto& c : connected_) {
          if (overlap(*prefix, c.network)) {
            r_.error(n, ip,
                     "remote network " + prefix->to_string() + " overlaps " + c.network.to_string() +
                         ", connected on '" + c.interface +
                         "': the box could not tell the tunnel's hosts from that network's");
            return;
          }
        }
        for (const auto& [other, where] : remote_subnets_) {
          if (overlap(*prefix, other)) {
            r_.error(n, ip,
                     "remote network " + prefix->to_string() + " overlaps " + other.to_string() + " of " +
                         where + ": traffic for it could go into either tunnel");
            return;
          }
        }
        remote_subnets_.push_back({*prefix, ip});
      }
      out.push_back(*prefix);
    });
  }

  // A CHILD_SA carries one inner family (the fast path's SAs do), so each family needs networks on both
  // sides: charon negotiates one CHILD_SA per family.
  void check_subnet_families(const YAML::Node& node, const std::string& path, const VpnTunnel& t) {
    auto has = [](const std::vector<IpPrefix>& prefixes, bool v4) {
      return std::any_of(prefixes.begin(), prefixes.end(),
                         [&](const IpPrefix& p) { return p.address.is_v4() == v4; });
    };
    if (t.local_subnets.empty() || t.remote_subnets.empty()) return;
    for (const bool v4 : {true, false}) {
      const bool local = has(t.local_subnets, v4), remote = has(t.remote_subnets, v4);
      if (local == remote) continue;
      const char* family = v4 ? "IPv4" : "IPv6";
      const char* key = local ? "remote_subnets" : "local_subnets";
      r_.error(node[key], path + "." + key,
               std::string("has no ") + family + " network while " +
                   (local ? "local_subnets" : "remote_subnets") + " has one: " + family +
                   " traffic needs networks on both sides of the tunnel");
    }
  }

  void read_proposals(const YAML::Node& node, const std::string& path, const char* key,
                      tr02102::ProposalKind kind, std::vector<std::string>& out) {
    if (!node[key]) return;
    const std::string p = path + "." + key;
    std::set<std::string> seen;
    r_.nonempty_sequence(node[key], p, [&](const YAML::Node& n, const std::string& ip) {
      auto text = r_.string(n, ip);
      if (!text) return;
      if (const std::string why = tr02102::proposal_problem(*text, kind); !why.empty()) {
        r_.error(n, ip, why);
      } else if (kind == tr02102::ProposalKind::kEsp && !aead_only(*text)) {
        // TR-02102-3 allows AES-CBC with HMAC-SHA-2 for ESP, but the fast path, which carries the ESP SAs
        // charon negotiates (controlplane/vpn/charon_plugin), implements AES-GCM only: a CBC SA would be
        // refused when charon installs it and the tunnel would not come up.
        r_.error(n, ip,
                 "'" + *text +
                     "': AES-CBC is allowed by TR-02102-3 but the fast path's ESP implements AES-GCM only "
                     "(aes128gcm16, aes256gcm16); an SA with it could not be installed");
      } else if (!seen.insert(*text).second) {
        r_.error(n, ip, "'" + *text + "' is listed twice");
      } else {
        if (only_modp_groups(*text))
          r_.warning(
              n, ip,
              "'" + *text +
                  "' offers MODP groups only: TR-02102-3 allows modp3072 and modp4096, but they are the "
                  "weaker choice (3072 bits just reach the guideline's level, and each exchange costs far "
                  "more than on a curve); offer ecp384 or ecp256bp as well, or instead");
        out.push_back(*text);
      }
    });
  }

  void read_lifetimes(const YAML::Node& node, const std::string& path, VpnTunnel& t) {
    // `limit`: why `max` is the maximum (the guideline's lifetimes), or empty for a plain range.
    auto duration = [&](const char* key, unsigned min, unsigned max, unsigned& field, const char* why,
                        const std::string& limit = "") {
      if (!node[key]) return true;
      auto v = r_.seconds(node[key], path + "." + key, limit.empty() ? max : 7 * 24 * 3600);
      if (!v) return false;
      if (*v > max) {
        r_.error(node[key], path + "." + key, std::to_string(*v) + "s is longer than " + limit);
        return false;
      }
      if (*v < min) {
        r_.error(node[key], path + "." + key,
                 std::to_string(*v) + "s is shorter than " + std::to_string(min) + "s" + why);
        return false;
      }
      field = *v;
      return true;
    };
    const bool ike =
        duration("ike_rekey", 300, tr02102::kMaxIkeRekeySeconds, t.ike_rekey_s,
                 " (rekeying that often only adds load)", "TR-02102-3 2.1.2 allows for an IKE SA (24h)");
    const bool esp =
        duration("esp_rekey", 60, tr02102::kMaxEspRekeySeconds, t.esp_rekey_s,
                 " (rekeying that often only adds load)", "TR-02102-3 2.1.2 allows for an IPsec SA (4h)");
    duration("dpd_delay", 1, 3600, t.dpd_delay_s, " (0 would switch dead peer detection off)");
    if (ike && esp && t.ike_rekey_s < t.esp_rekey_s) {
      const YAML::Node at = node["ike_rekey"]   ? node["ike_rekey"]
                            : node["esp_rekey"] ? node["esp_rekey"]
                                                : node;
      r_.error(at, path + ".ike_rekey",
               "ike_rekey (" + std::to_string(t.ike_rekey_s) + "s) is shorter than esp_rekey (" +
                   std::to_string(t.esp_rekey_s) +
                   "s): the IKE SA, which creates the ESP SAs, should live at least as long as they do");
    }
    if (node["esp_life_bytes"]) {
      const YAML::Node n = node["esp_life_bytes"];
      auto text = r_.string(n, path + ".esp_life_bytes");
      if (!text) return;
      const auto bytes = parse_bytes(*text);
      if (!bytes || *bytes < kMinLifeBytes) {
        r_.error(
            n, path + ".esp_life_bytes",
            "'" + *text + "' is not a byte count of at least 1M (a number, or with K, M, G: 1024-based)");
      } else {
        t.esp_life_bytes = *bytes;
      }
    }
  }

  Reader& r_;
  Config& config_;
  std::vector<Connected> connected_;
  std::set<std::string> names_;
  bool peer_any_ = false;  // the tunnel being read has peer: %any
  std::vector<std::pair<IpPrefix, std::string>> remote_subnets_;
};

bool dn_key(std::string_view key) {
  for (const char* known : {"C", "ST", "L", "O", "OU", "CN", "E", "emailAddress", "DC", "SN", "serialNumber",
                            "GN", "T", "UID", "street", "postalCode"}) {
    if (key == known) return true;
  }
  return false;
}

}  // namespace

bool valid_tunnel_name(std::string_view name) {
  if (name.empty() || name.size() > 11 || !(name[0] >= 'a' && name[0] <= 'z')) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

std::string ike_identity_problem(std::string_view id) {
  if (id.empty()) return "an empty identity";
  if (id.size() > kMaxIdLength)
    return "an identity longer than " + std::to_string(kMaxIdLength) + " characters";
  for (char c : id) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e)
      return "identities are printable ASCII (a DN's non-ASCII names are not supported yet)";
    if (c == '"' || c == '\\' || c == '{' || c == '}' || c == '#' || c == '$')
      return std::string("'") + c +
             "' in an identity would be read by swanctl.conf's syntax; identities have none";
  }
  if (IpAddress::parse(id)) return "";
  if (id.starts_with("fqdn:")) {
    return valid_dns_name(id.substr(5))
               ? ""
               : "'" + std::string(id.substr(5)) + "' after fqdn: is not a host name";
  }
  if (id.starts_with("email:")) {
    const std::string_view mail = id.substr(6);
    const size_t at = mail.find('@');
    const bool local_ok =
        at != std::string_view::npos && at > 0 &&
        std::all_of(mail.begin(), mail.begin() + static_cast<std::ptrdiff_t>(at), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                 c == '_' || c == '+' || c == '-';
        });
    if (local_ok && valid_dns_name(mail.substr(at + 1))) return "";
    return "'" + std::string(mail) + "' after email: is not an address such as vpn@stadt.example";
  }
  if (id.find('=') != std::string_view::npos) {
    size_t start = 0;
    while (start <= id.size()) {
      const size_t end = std::min(id.find(',', start), id.size());
      const std::string part = trim(id.substr(start, end - start));
      start = end + 1;
      const size_t eq = part.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == part.size())
        return "'" + part + "' is not a KEY=value part of a distinguished name";
      const std::string key = trim(std::string_view(part).substr(0, eq));
      if (!dn_key(key))
        return "'" + key +
               "' is not a distinguished name attribute (C, ST, L, O, OU, CN, E, DC, serialNumber, ...)";
    }
    return "";
  }
  return "'" + std::string(id) +
         "' is neither an address, fqdn:NAME, email:USER@NAME nor a distinguished name (C=DE, O=..., CN=...)";
}

void read_vpn(Reader& r, const YAML::Node& root, Config& config) {
  const YAML::Node node = root["vpn"];
  if (!node) return;
  if (!r.expect_map(node, "vpn", {"tunnels"})) return;
  if (!node["tunnels"]) return;
  TunnelReader tunnels(r, config);
  r.sequence(node["tunnels"], "vpn.tunnels",
             [&](const YAML::Node& n, const std::string& p) { tunnels.read(n, p); });
  if (node["tunnels"].IsSequence() && node["tunnels"].size() > kMaxTunnels) {
    r.error(node["tunnels"], "vpn.tunnels",
            std::to_string(node["tunnels"].size()) + " tunnels; at most " + std::to_string(kMaxTunnels));
  }
  std::map<uint32_t, std::string> reqids;
  for (const VpnTunnel& t : config.vpn.tunnels) {
    if (t.name.empty()) continue;
    const auto [it, fresh] = reqids.emplace(t.reqid(false), t.name);
    if (!fresh) {
      r.error(node["tunnels"], "vpn.tunnels",
              "tunnels '" + it->second + "' and '" + t.name +
                  "' get the same charon reqid (derived from the name); rename one");
    }
  }
  // The tunnel's traffic is a zone of its own: rules and NAT name it (tunnel_zone_names() let them), and
  // the fast path puts the tunnel's decrypted packets into it.
  for (const VpnTunnel& t : config.vpn.tunnels) {
    if (!t.name.empty()) config.zones.push_back(Zone{t.zone()});
  }
}

std::vector<std::string> tunnel_zone_names(const YAML::Node& root) {
  std::vector<std::string> zones;
  const YAML::Node vpn = root["vpn"];
  if (!vpn || !vpn.IsMap() || !vpn["tunnels"] || !vpn["tunnels"].IsSequence()) return zones;
  for (const YAML::Node& tunnel : vpn["tunnels"]) {
    if (!tunnel.IsMap() || !tunnel["name"] || !tunnel["name"].IsScalar()) continue;
    const std::string name = tunnel["name"].Scalar();
    if (valid_tunnel_name(name)) zones.push_back("vpn-" + name);
  }
  return zones;
}

}  // namespace torwart::config::detail

namespace torwart::config {

uint32_t VpnTunnel::reqid(bool ipv6) const {
  // FNV-1a: stable across builds and versions, which a reqid charon keeps in its SAs must be.
  uint32_t hash = 2166136261u;
  for (const char c : name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 16777619u;
  }
  // Even, non-zero and below 2^31 for IPv4, the next number for IPv6.
  return ((hash % 0x3ffffffeu) + 1u) * 2u + (ipv6 ? 1u : 0u);
}

}  // namespace torwart::config
