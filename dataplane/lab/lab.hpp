#pragma once
// `torwart lab`: builds network namespaces that match the built-in default configuration, runs the appliance
// on them, drives real traffic (ICMP, TCP bulk, UDP/DNS, HTTP, TTL expiry, spoofed source, the box's own
// services, a flood at the box, a DHCP uplink with torwartd) and prints one table row per expectation. Needs
// root. Leaves no namespace or process behind, also when interrupted.
#include <chrono>
#include <cstddef>
#include <string>

namespace torwart::lab {

enum class ApplianceKind {
  // The product: `torwart run -c <config> -l <dir>` inside the appliance namespace (af_packet on tw-*).
  kTorwart,
  // HARNESS SELF-TEST ONLY. The appliance namespace becomes a Linux router configured from the same
  // default configuration (addresses, routes, static neighbours, rp_filter as anti-spoofing). It exists
  // to test the lab harness itself (topology, servers, checks) without the product; it says nothing
  // about torwart.
  kKernelRouterSelfTest,
};

struct LabOptions {
  std::string torwart_binary;  // required for ApplianceKind::kTorwart
  // torwartd for the DHCP uplink rows (ApplianceKind::kTorwart); empty: `torwartd` beside torwart_binary.
  std::string torwartd_binary;
  ApplianceKind appliance = ApplianceKind::kTorwart;
  std::string log_dir;     // empty: inside the lab's temporary directory (kept when a check fails)
  bool keep_going = true;  // run the remaining checks after a failure
  bool verbose = false;    // print every command and its output
  std::chrono::seconds ready_timeout{30};
  std::size_t bulk_bytes = 20u << 20;  // TCP bulk transfer size
};

// Returns 0 when every check passed, 1 otherwise (including set-up errors).
int run_lab(const LabOptions& options);

}  // namespace torwart::lab
