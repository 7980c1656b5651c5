#pragma once
// What BSI TR-02102-3 (IPsec and IKEv2) allows, applied to the `vpn` section (FORMAT.md "vpn"): strongSwan
// proposal strings, the tunnel's certificate and key, and pre-shared keys. Section numbers are those of
// the guideline's 2023 edition: 2.1.2 lifetimes, 2.1.5 perfect forward secrecy, 3.2.1 IKE encryption,
// 3.2.2 pseudo-random functions, 3.2.3 IKE integrity, 3.2.4 Diffie-Hellman groups, 3.2.5 authentication,
// 3.3 ESP. Also used by controlplane/vpn/, which reads the pre-shared key again when it writes swanctl.conf.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "rules/config/config.hpp"

namespace torwart::config::tr02102 {

enum class ProposalKind { kIke, kEsp };

// Empty when `proposal` (strongSwan's dash-separated keywords, e.g. aes256gcm16-prfsha384-ecp384) is one
// TR-02102-3 allows for `kind`; else why not, naming the keyword and the guideline's section.
std::string proposal_problem(std::string_view proposal, ProposalKind kind);

// Used when a tunnel names none: AES-GCM with 16-byte ICV, SHA-2 PRFs and NIST/Brainpool curves only.
std::vector<std::string> default_ike_proposals();
std::vector<std::string> default_esp_proposals();

// IKE and IPsec SA lifetimes (2.1.2): at most 24 hours for the IKE SA and 4 hours for IPsec SAs.
inline constexpr unsigned kMaxIkeRekeySeconds = 24 * 3600;
inline constexpr unsigned kMaxEspRekeySeconds = 4 * 3600;

// The problems of a tunnel's certificate, key and CA file, each empty when that file is fine.
struct CertificateFindings {
  std::string certificate;
  std::string key;
  std::string ca;
  VpnKeyType key_type = VpnKeyType::kEcdsa;
  bool ok() const { return certificate.empty() && key.empty() && ca.empty(); }
};

// Reads the three PEM files with OpenSSL: the certificate's key must be ECDSA on P-256, P-384,
// brainpoolP256r1, brainpoolP384r1 or brainpoolP512r1, or RSA of at least 3072 bits (3.2.5); the key file
// an unencrypted private key matching it and not accessible to others; the CA file a CA certificate (basic
// constraints) that issued the certificate, with a key that passes the same test.
CertificateFindings check_certificate_files(const std::string& certificate, const std::string& key,
                                            const std::string& ca);

// Pre-shared keys: at least this many characters. A random key of 32 characters from a 16-letter alphabet
// (hex) has 128 bits; TR-02102-3 wants pre-shared keys of sufficient entropy for the security level of
// 120 bits it aims at.
inline constexpr std::size_t kMinPskLength = 32;
inline constexpr std::size_t kMaxPskBytes = 1024;

struct PskRead {
  std::string secret;
  std::string error;  // empty when the secret is usable
  bool ok() const { return error.empty(); }
};

// Reads a pre-shared key file: a regular file no other user may read or write, one line of printable
// characters (a final line break is not part of the key), at least kMinPskLength characters.
PskRead read_psk_file(const std::string& path);

}  // namespace torwart::config::tr02102
