#pragma once
// The appliance configuration as one validated, self-contained value. The YAML format is described in
// rules/config/FORMAT.md; load.hpp turns text into this or into a list of errors.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/config/ip_address.hpp"

namespace torwart::config {

inline constexpr unsigned kMssClampAuto = 0xffffffff;

enum class PortBackend { kPci, kAfPacket, kPcap, kTap, kNull, kRing };
enum class Distribution { kAuto, kRss, kSoftware };

struct Dataplane {
  unsigned workers = 1;
  std::vector<unsigned> cpus{0};  // workers are pinned round-robin; the main lcore runs on cpus[0]
  bool hugepages = false;
  unsigned memory_mb = 512;
  unsigned mbufs = 32767;
  unsigned burst = 32;
  unsigned rx_descriptors = 1024;
  unsigned tx_descriptors = 1024;
  Distribution distribution = Distribution::kAuto;
  std::string control_socket = "/run/torwart/control.sock";
  unsigned stats_interval_s = 10;
  unsigned idle_sleep_us = 50;         // workers sleep this long after many empty polls; 0 = busy-poll always
  unsigned flows_per_worker = 131072;  // connection-tracking table size per worker
};

// The box itself as a zone of the policy (FORMAT.md "policy"): `to: [local]` are packets for the box's own
// addresses (its input policy), `from: [local]` what the box sends. Never declared under `zones`, and never
// part of a rule that leaves `from` or `to` out: services on the box are reachable only where a rule names
// it. Its classifier index has the high bit, which no declared zone has, so "any zone" excludes it.
inline constexpr std::string_view kLocalZone = "local";
inline constexpr unsigned kLocalZoneIndex = 0x80;
inline constexpr unsigned kMaxZones = kLocalZoneIndex;

// Control-plane protection (FORMAT.md "local_traffic"): packets for the box itself are policed per port
// and per class before the box spends work on them, so that a flood at its addresses cannot starve the
// workers or the slow path. Rates are per port for the whole box (the workers share them).
struct LocalRate {
  unsigned per_second = 0;
  unsigned burst = 0;
  auto operator<=>(const LocalRate&) const = default;
};
struct LocalTraffic {
  LocalRate arp{1000, 200};  // ARP requests and replies
  LocalRate nd{1000, 200};   // neighbour solicitations and advertisements
  LocalRate icmp{500, 100};  // echo requests to the box's addresses
  LocalRate dhcp{50, 10};    // DHCP server messages to a port with `addresses: dhcp`
  // What the input policy accepts into a kernel twin: packets of connections both sides have spoken in
  // (the box's own connections' replies, sessions it answered), and the rest (new or unanswered), whose
  // budget is split over 16 groups of source addresses so that one flooding source cannot take all of it.
  LocalRate input{20000, 2000};
  LocalRate input_new{4000, 800};
  auto operator<=>(const LocalTraffic&) const = default;
};

// SYN-flood protection per zone (BSI NET.3.2.A19), counted per worker: connections in the TCP handshake
// (SYN_SENT, SYN_RECEIVED) whose SYN arrived from this zone. FORMAT.md "zones" explains the thresholds.
struct SynFlood {
  unsigned cookies_above = 256;     // half-open connections from which on SYNs are answered with SYN cookies
  bool cookies = true;              // false (`cookies_above: off`): no SYN proxy, only the hard limit
  unsigned half_open_limit = 1024;  // never more half-open connections than this: further SYNs get no state
};

struct Zone {
  std::string name;
  bool antispoof = true;  // reverse-path check: the source must route back into this zone
  SynFlood syn_flood;
};

struct Vlan {
  uint16_t id = 0;
  std::string name;
  std::string zone;
  std::vector<InterfaceAddress> addresses;
  unsigned mtu = 0;  // 0: the parent port's
};

struct Port {
  std::string name;
  std::string role;
  std::string zone;
  PortBackend backend = PortBackend::kNull;
  std::string device;  // interface name, PCI address or file, by backend
  std::optional<MacAddress> mac;
  unsigned mtu = 1500;
  // TCP MSS clamping for SYNs forwarded through this port: 0 off, kMssClampAuto = MTU - 40 (v4) / - 60 (v6).
  unsigned mss_clamp = 0;
  std::vector<InterfaceAddress> addresses;
  // `addresses: dhcp`: the port's IPv4 address and default route come from the DHCP client on its kernel
  // twin (rules/learned/, "Precedence"); `addresses` stays empty.
  bool address_by_dhcp = false;
  std::vector<Vlan> vlans;
  // A kernel interface named like the port (DPDK net_tap) through which the box's own services use the
  // port's addresses (FORMAT.md "ports"). Set by the loader: default true for pci and af_packet.
  bool kernel_twin = false;
};

struct Route {
  IpPrefix to;
  std::optional<IpAddress> via;  // absent: directly connected on `interface`
  std::string interface;         // optional when `via` is on a connected network
  bool blackhole = false;
  // Empty: the configuration file. Otherwise the route was learned from a kernel twin (rules/learned/) and
  // this is its origin as `ip route` names it ("dhcp", "boot", "static", "ra", "zebra", ...).
  std::string origin;
  bool operator==(const Route&) const = default;
};

struct Neighbour {
  IpAddress address;
  MacAddress mac;
  std::string interface;  // optional: found from the connected networks
};

// --- Objects and policy (FORMAT.md, "objects" and "policy") ---------------------------------------------
// The loader resolves every object reference, so rules carry flat lists the compiler can expand directly.

inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIcmpv6 = 58;

// One protocol with a range of destination ports. For ICMP and ICMPv6 the "port" is type << 8 | code, exactly
// as the fast path's PacketMeta::dst_port encodes it, so one range covers "a type, any code".
struct ServiceItem {
  uint8_t protocol = 0;
  std::optional<Family> family;  // icmp: IPv4 only, icmpv6: IPv6 only; others: both
  uint16_t first_port = 0;
  uint16_t last_port = 0xffff;
  auto operator<=>(const ServiceItem&) const = default;
};

// Host names a rule matches (TLS SNI, HTTP Host, DNS query name): exact names and suffixes ("*.example.de"
// matches every name below example.de, not example.de itself). Stored lower case, sorted, without duplicates.
struct NameList {
  std::vector<std::string> exact;
  std::vector<std::string> suffixes;  // with the leading dot: ".example.de"
  bool operator==(const NameList&) const = default;
  // Case-insensitive; a trailing dot on `name` is ignored. No allocation (names beyond 255 bytes never
  // match).
  bool matches(std::string_view name) const;
  void add(const NameList& other);
  void normalise();  // sorts and removes duplicates
};

// A named list of host names (objects.names), inline or read from a file when the configuration is loaded.
struct NameObject {
  std::string name;
  NameList names;
};

struct AddressObject {
  std::string name;
  std::vector<IpPrefix> prefixes;  // flattened: nested objects already expanded, duplicates removed
};

struct ServiceObject {
  std::string name;
  std::vector<ServiceItem> items;  // flattened like AddressObject::prefixes
};

struct Objects {
  std::vector<AddressObject> addresses;
  std::vector<ServiceObject> services;
  std::vector<NameObject> names;
};

// What a rule asks of the application layer, besides addresses and service (FORMAT.md "Application
// matches"). A rule with any of them is decided when the flow's application is identified.
struct AppMatch {
  std::vector<std::string> apps;  // app_proto names (rules/app_protocols/app_proto.hpp)
  std::optional<NameList> tls_sni;
  std::optional<NameList> http_host;
  std::optional<NameList> dns_name;
  std::vector<std::string> http_content_types;  // "type/subtype" or "type/*", lower case
  bool any() const {
    return !apps.empty() || tls_sni || http_host || dns_name || !http_content_types.empty();
  }
};

enum class PolicyAction : uint8_t { kAccept, kDrop, kReject };

struct PolicyRule {
  std::string name;
  std::vector<std::string> from_zones;  // empty: any zone
  std::vector<std::string> to_zones;    // empty: any zone
  std::vector<IpPrefix> source;         // empty: any address (of either family)
  std::vector<IpPrefix> destination;    // empty: any address
  std::vector<ServiceItem> service;     // empty: any protocol and port
  PolicyAction action = PolicyAction::kDrop;
  bool log = true;
  AppMatch app;  // none: decided on addresses and service alone
};

struct Policy {
  // What matches no rule. Only drop or reject: only connections declared beforehand may pass (BSI R1).
  PolicyAction default_action = PolicyAction::kDrop;
  bool default_log = true;
  std::vector<PolicyRule> rules;  // first match wins
};

// --- NAT (FORMAT.md, "nat"), IPv4 only -------------------------------------------------------------------

inline constexpr uint16_t kNatDefaultFirstPort = 1024;
inline constexpr uint16_t kNatDefaultLastPort = 65535;

// Source NAT (masquerade): connections from `from_zones` leaving through `out_interface` get the interface's
// first IPv4 address as source and a port (TCP/UDP) or echo identifier (ICMP) from the range.
struct SourceNatRule {
  std::string name;
  std::string out_interface;            // a port or VLAN name
  std::vector<std::string> from_zones;  // empty: any zone
  uint16_t first_port = kNatDefaultFirstPort;
  uint16_t last_port = kNatDefaultLastPort;
  bool operator==(const SourceNatRule&) const = default;
};

// Destination NAT: `protocol`/`port` on `in_interface`'s first IPv4 address is forwarded to `to`:`to_port`.
struct PortForward {
  std::string name;
  std::string in_interface;
  uint8_t protocol = kProtoTcp;  // tcp or udp
  uint16_t port = 0;
  IpAddress to;
  uint16_t to_port = 0;
};

struct Nat {
  std::vector<SourceNatRule> source;
  std::vector<PortForward> forwards;
  bool empty() const { return source.empty() && forwards.empty(); }
};

// The kernel interface the provider manages the box through (torwartd, later its HTTPS API). It is never a
// fast-path port, so no policy rule, route or NAT rule of the fast path can block it (anti-lockout).
struct Management {
  std::string interface;           // kernel interface name, e.g. eno1
  std::string pci;                 // optional: its NIC's PCI address, which no pci port may use
  std::vector<IpPrefix> provider;  // the provider's management networks (for the kernel's own filter)
};

// The provider's SIEM that torwartd ships the logs to (FORMAT.md "logging.siem"): RFC 5424 syslog over TLS
// (RFC 5425) with mutual authentication. Paths are absolute; the private key is only checked to be a file
// here (the loader also runs in the fast path, which has no business reading it).
struct Siem {
  std::string host;                   // DNS name or IP address of the receiver
  uint16_t port = 6514;               // RFC 5425's port
  std::string ca;                     // PEM: the CA(s) the receiver's certificate must chain to
  std::string cert;                   // PEM: the box's client certificate (chain)
  std::string key;                    // PEM: its private key
  std::string crl;                    // optional PEM CRL of the CA; empty: no revocation check
  std::string server_name;            // the name the receiver's certificate must carry; empty: host
  bool eve = true;                    // the fast path's EVE records
  bool audit = true;                  // torwartd's audit log
  bool system = true;                 // torwartd's system events
  unsigned max_message_bytes = 8192;  // longer syslog messages are cut (RFC 5425: receivers SHOULD take 8192)
  bool operator==(const Siem&) const = default;
};

// Where the fast path's EVE records wait for torwartd (BSI R10: buffered while management is unreachable)
// and how long they are kept (R14). Sizes in MiB.
struct Logging {
  unsigned eve_file_mb = 64;  // the active eve.json is closed and renamed beyond this size
  unsigned eve_spool_mb =
      1024;  // closed files plus the active one; beyond it records are counted, not written
  unsigned retention_days = 30;  // torwartd deletes closed spool files older than this
  // EVE records of the application layer (`http`, `tls`, `dns`), each switchable.
  bool http_records = true;
  bool tls_records = true;
  bool dns_records = true;
  bool anomaly_records = true;  // malformed application data (Suricata's `anomaly` event type)
  // Addresses in every EVE record pseudonymised, prefix-preserving, with this 128-bit key (R14); read from
  // logging.pseudonymise.key_file when the configuration is loaded. Absent: addresses as they are.
  std::optional<std::array<uint8_t, 16>> pseudonym_key;
  std::optional<Siem> siem;  // absent: nothing leaves the box
};

// The application layer (FORMAT.md "inspection"): stream reassembly, identification, parsers. Per worker.
struct Inspection {
  bool enabled = true;
  unsigned sessions_per_worker = 4096;  // TCP flows reassembled and parsed at once
  unsigned reassembly_mb = 16;          // out-of-order data held, all flows of a worker
  unsigned held_per_stream_kb = 64;     // out-of-order data held per flow direction
  unsigned stream_depth_kb = 1024;      // bytes per direction inspected; beyond, the flow passes uninspected
  bool fail_closed = false;             // at a limit: drop (true) or pass uninspected (false, the default)
  unsigned identify_packets = 8;        // data packets per direction before a flow is `unknown`
  unsigned http_body_depth_kb = 64;     // decoded body bytes per HTTP message
  unsigned inflaters_per_worker = 64;   // gzip/deflate bodies decoded at once
};

// The signature engine (FORMAT.md "ids"): without rule files it is off.
struct Ids {
  std::vector<std::string> rule_files;  // files or directories of *.rules, absolute paths
  std::string classification_file;      // classtype -> category and default priority; empty: none
  bool inline_mode = true;              // mode ips: drop/reject signatures act; mode ids: alerts only
  std::string cache_dir = "/var/lib/torwart/ids-cache";  // compiled databases; empty: compile every time
  std::map<std::string, std::string> address_groups;     // HOME_NET, EXTERNAL_NET, ... (Suricata's defaults)
  std::map<std::string, std::string> port_groups;        // HTTP_PORTS, ...
  bool enabled() const { return !rule_files.empty(); }
};

// --- IPsec site-to-site tunnels (FORMAT.md "vpn"), run by strongSwan's charon ----------------------------
// Every algorithm and key is checked against BSI TR-02102-3 when the configuration is loaded
// (rules/config/vpn_tr02102.hpp); controlplane/vpn/ turns this into charon's swanctl.conf.

enum class VpnStart { kAlways, kListen };
enum class VpnEncapsulation { kAuto, kUdp };  // auto: ESP in UDP only when NAT is detected
enum class VpnKeyType { kEcdsa, kRsa };       // RSA signs with RSASSA-PSS (TR-02102-3 3.2.5)

// A certificate, its private key and the CA the peer's certificate must chain to; absolute paths of PEM
// files, checked with OpenSSL when loaded (key type and size, key matches certificate, CA is a CA).
struct VpnCertificateAuth {
  std::string certificate;
  std::string key;
  std::string ca;
  VpnKeyType key_type = VpnKeyType::kEcdsa;
  bool operator==(const VpnCertificateAuth&) const = default;
};

struct VpnTunnel {
  std::string name;               // 1-11 of a-z 0-9 '-': the zone `vpn-<name>` fits a name of 15
  std::string uplink;             // the port or VLAN IKE and ESP leave through
  std::optional<IpAddress> peer;  // absent: %any (responder only, start: listen)
  std::string local_id;           // as swanctl takes it: fqdn:..., email:..., a DN or an address
  std::string remote_id;
  std::optional<VpnCertificateAuth> certificate;  // exactly one of certificate and psk_file
  std::string psk_file;  // absolute path; the secret itself never enters the configuration text
  std::vector<IpPrefix> local_subnets;
  std::vector<IpPrefix> remote_subnets;
  std::vector<std::string> ike_proposals;  // strongSwan proposal keywords, TR-02102-3 checked
  std::vector<std::string> esp_proposals;  // every one with a DH group (PFS on every rekey)
  unsigned ike_rekey_s = 24 * 3600;
  unsigned esp_rekey_s = 4 * 3600;
  uint64_t esp_life_bytes = 0;  // soft limit (rekey); 0: none
  unsigned dpd_delay_s = 10;
  unsigned replay_window = 1024;
  VpnEncapsulation encapsulation = VpnEncapsulation::kAuto;
  VpnStart start = VpnStart::kAlways;
  std::string zone() const { return "vpn-" + name; }
  // charon's reqid of the tunnel's CHILD_SA for one inner family (an SA carries one: its IPv4 and IPv6
  // selectors are two CHILD_SAs). Derived from the name, so it stays when tunnels are reordered or added;
  // the fast path finds an SA's tunnel by it. The loader refuses two tunnels whose reqids collide.
  uint32_t reqid(bool ipv6) const;
  bool operator==(const VpnTunnel&) const = default;
};

struct Vpn {
  std::vector<VpnTunnel> tunnels;
  bool operator==(const Vpn&) const = default;
};

struct Config {
  unsigned format = 1;
  std::string name;
  Dataplane dataplane;
  std::vector<Zone> zones;
  std::vector<Port> ports;
  std::vector<Route> routes;
  std::vector<Neighbour> neighbours;
  Objects objects;
  Policy policy;  // without a `policy` section: drop and log everything, no rules
  std::optional<Management> management;
  Logging logging;
  Inspection inspection;
  Ids ids;
  Nat nat;  // without a `nat` section: no translation
  LocalTraffic local_traffic;
  Vpn vpn;  // without a `vpn` section: no tunnels
};

const char* to_string(PortBackend backend);
const char* to_string(PolicyAction action);

}  // namespace torwart::config
