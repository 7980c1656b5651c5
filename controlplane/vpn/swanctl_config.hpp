#pragma once
// charon's configuration from the `vpn` section (rules/config/FORMAT.md "vpn"): the text of a swanctl.conf
// and the credential files beside it, in the layout swanctl reads relative to that file (x509/ for the
// box's certificates, private/ for their keys, x509ca/ for the CAs). README.md beside this file.
#include <string>
#include <string_view>
#include <vector>

#include "rules/config/config.hpp"

namespace torwart::controlplane::vpn {

// A file named by the configuration, to be copied into the swanctl directory.
struct CredentialFile {
  std::string source;   // absolute path from the configuration
  std::string target;   // relative to the swanctl directory: x509/kdn.pem, private/kdn.key, x509ca/kdn.pem
  bool secret = false;  // a private key: written with mode 0600
  bool operator==(const CredentialFile&) const = default;
};

struct SwanctlConfig {
  std::string text;  // swanctl.conf; holds pre-shared keys, so it is written with mode 0600
  std::vector<CredentialFile> files;
};

struct SwanctlResult {
  SwanctlConfig config;
  std::string error;  // empty on success
  bool ok() const { return error.empty(); }
};

// One connection per tunnel (IKEv2 only, one child in tunnel mode); pre-shared keys are read from their
// files (rules/config/vpn_tr02102.hpp, with the same checks as the loader) and written as hex into a
// `secrets` block. Fails, naming the tunnel, when a key file no longer passes or a value could not be
// written without changing swanctl.conf's syntax (the loader already refuses such values).
SwanctlResult swanctl_config(const config::Config& config);

// `value` as a double-quoted swanctl.conf string. Throws std::invalid_argument for a value the syntax
// cannot carry verbatim inside quotes: '"', '\', '$', control characters, bytes beyond ASCII.
std::string quote_value(std::string_view value);

// Writes DIR/swanctl.conf (0600) and the credential files (keys 0600, private/ 0700), creating the
// directories; the sources are read through platform/posix's bounded reader. Empty, or the reason.
std::string write_swanctl_dir(const SwanctlConfig& config, const std::string& dir);

}  // namespace torwart::controlplane::vpn
