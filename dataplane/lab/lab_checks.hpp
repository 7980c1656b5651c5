#pragma once
// The lab's traffic checks. Each sends real traffic between the namespaces and returns one table row.
#include <functional>
#include <string>

#include "dataplane/lab/lab_topology.hpp"
#include "dataplane/lab/process.hpp"

namespace torwart::lab {

struct CheckResult {
  std::string name;
  std::string sent;
  std::string expected;
  std::string observed;
  bool pass = false;
  // Under the kernel-router self-test, Linux (not torwart) produces this behaviour (ICMP errors,
  // rp_filter); the row still tests the harness, not the product.
  bool kernel_differs = false;
};

struct LabContext {
  const Topology* topology = nullptr;
  std::string work_dir;  // scratch files (served and downloaded content)
  std::string log_dir;   // server logs
  std::string python;    // python3 for http.server
  std::size_t bulk_bytes = 0;
  bool verbose = false;

  // Runs argv in a namespace; echoes command and output when verbose.
  CommandResult run(const Namespace& ns, const Argv& argv, milliseconds timeout) const;
};

// The long-running servers the checks talk to: dnsmasq in inet, python3 http.server in kdn. The constructor
// starts them and waits until each listens (throws otherwise).
class Servers {
 public:
  explicit Servers(const LabContext& ctx);
  const std::string& http_file() const { return http_file_; }

 private:
  BackgroundProcess dns_;
  BackgroundProcess http_;
  BackgroundProcess tls_;  // openssl s_server in kdn on 443, for the application-layer rows
  std::string http_file_;
};

inline constexpr char kLabDnsName[] = "lab.torwart.test";
inline constexpr char kLabBlockedSuffix[] = "blocked.torwart.test";  // the lab's tls_sni rule names *.this
inline constexpr int kHttpPort = 8080;
inline constexpr int kBulkPort =
    443;  // plain TCP on the HTTPS port: the default policy lets LAN clients reach it

CheckResult check_ping(const LabContext& ctx, const std::string& name, const std::string& from_role,
                       const std::string& address);
CheckResult check_ttl_expiry(const LabContext& ctx, bool ipv6);
// A file of `bytes` random bytes sent LAN -> Internet server over one TCP connection (socat on both ends).
struct BulkTransfer {
  std::size_t received = 0;
  double seconds = 0;
  bool same_content = false;  // every byte arrived, unchanged
  std::string error;          // the sender's failure, if any
  double mbit_per_s() const { return seconds > 0 ? static_cast<double>(received) * 8 / seconds / 1e6 : 0; }
};
BulkTransfer bulk_transfer(const LabContext& ctx, std::size_t bytes);
// tcp-bulk-v4: ctx.bulk_bytes as above; `mbit_per_s` (when given) receives the throughput of a passing
// transfer, 0 otherwise: the unflooded figure the flood-at-box row compares with.
CheckResult check_tcp_bulk(const LabContext& ctx, double* mbit_per_s = nullptr);
CheckResult check_dns(const LabContext& ctx, bool ipv6);
CheckResult check_http(const LabContext& ctx, const Servers& servers, bool ipv6);
CheckResult check_spoofed_source(const LabContext& ctx);
// Application rules of the lab configuration (lab_topology.cpp): a TLS connection whose SNI is on the blocked
// list is reset by the box, another name passes; a Windows program download over HTTP is stopped.
CheckResult check_tls_sni(const LabContext& ctx, bool blocked);
CheckResult check_http_program_blocked(const LabContext& ctx);
// Signatures inline (the lab's `ids` section runs lab_signatures_text() in mode ips): a download carrying
// kLabMarker is stopped by a drop signature, a request for kLabRejectPath is answered by the box's RST, and
// every other row of the lab runs with the signatures active.
inline constexpr char kLabMarker[] = "TORWART-LAB-MALWARE-MARKER-7f3a9c";
inline constexpr char kLabRejectPath[] = "/reject-me";
std::string lab_signatures_text();
CheckResult check_signature_drop(const LabContext& ctx);
CheckResult check_signature_reject(const LabContext& ctx);
// Default deny: a connection from the Internet to a LAN host never arrives.
CheckResult check_inbound_blocked(const LabContext& ctx);
// A reject rule: SMTP from the LAN straight to the Internet is refused by the box's RST.
CheckResult check_smtp_rejected(const LabContext& ctx);

// Retries single pings from the LAN client to the appliance's LAN addresses until both answer.
// `alive` is polled in between so that a crashed appliance fails fast.
CheckResult wait_ready(const LabContext& ctx, std::chrono::seconds timeout,
                       const std::function<bool()>& alive);

}  // namespace torwart::lab
