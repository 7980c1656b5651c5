#include "rules/config/vpn_tr02102.hpp"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>

#include "platform/posix/bounded_read.hpp"

namespace torwart::config::tr02102 {
namespace {

enum class Kind { kAead, kCipher, kIntegrity, kPrf, kGroup, kEsn };

struct Keyword {
  std::string_view word;
  Kind kind;
};

// strongSwan's keywords for what TR-02102-3 allows (strongSwan's proposal documentation names the
// synonyms: aes128gcm16 = aes128gcm128 = aes128gcm, aes = aes128, sha256 = sha2_256).
constexpr std::array kAllowed = {
    Keyword{"aes128gcm16", Kind::kAead},
    Keyword{"aes128gcm128", Kind::kAead},
    Keyword{"aes128gcm", Kind::kAead},
    Keyword{"aes256gcm16", Kind::kAead},
    Keyword{"aes256gcm128", Kind::kAead},
    Keyword{"aes256gcm", Kind::kAead},
    Keyword{"aes128", Kind::kCipher},
    Keyword{"aes", Kind::kCipher},
    Keyword{"aes256", Kind::kCipher},
    Keyword{"sha256", Kind::kIntegrity},
    Keyword{"sha2_256", Kind::kIntegrity},
    Keyword{"sha384", Kind::kIntegrity},
    Keyword{"sha2_384", Kind::kIntegrity},
    Keyword{"sha512", Kind::kIntegrity},
    Keyword{"sha2_512", Kind::kIntegrity},
    Keyword{"prfsha256", Kind::kPrf},
    Keyword{"prfsha384", Kind::kPrf},
    Keyword{"prfsha512", Kind::kPrf},
    Keyword{"ecp256", Kind::kGroup},
    Keyword{"ecp384", Kind::kGroup},
    Keyword{"ecp521", Kind::kGroup},
    Keyword{"ecp256bp", Kind::kGroup},
    Keyword{"ecp384bp", Kind::kGroup},
    Keyword{"ecp512bp", Kind::kGroup},
    Keyword{"modp3072", Kind::kGroup},
    Keyword{"modp4096", Kind::kGroup},
    Keyword{"esn", Kind::kEsn},
    Keyword{"noesn", Kind::kEsn},
};

std::optional<Kind> allowed_kind(std::string_view word) {
  for (const auto& k : kAllowed) {
    if (k.word == word) return k.kind;
  }
  return std::nullopt;
}

bool starts(std::string_view word, std::string_view prefix) {
  return word.substr(0, prefix.size()) == prefix;
}

// Why a keyword strongSwan knows is outside the guideline, or empty for a word that is no keyword at all.
std::string refused_keyword(std::string_view w, ProposalKind kind) {
  const std::string enc = kind == ProposalKind::kIke ? "3.2.1" : "3.3";
  const std::string integ = kind == ProposalKind::kIke ? "3.2.3" : "3.3";
  if (starts(w, "aes192"))
    return "AES with 192-bit keys is not among the guideline's key lengths here (TR-02102-3 " + enc +
           "; use aes128 or aes256)";
  if (starts(w, "aes128gcm") || starts(w, "aes256gcm"))
    return "AES-GCM with an ICV shorter than 16 bytes (TR-02102-3 " + enc +
           " names AES-GCM with a 16-byte ICV: aes128gcm16, aes256gcm16)";
  if (starts(w, "aes") &&
      (w.find("ctr") != std::string_view::npos || w.find("ccm") != std::string_view::npos))
    return "AES-CTR and AES-CCM are not offered by this box (TR-02102-3 " + enc + "; use AES-GCM or AES-CBC)";
  if (starts(w, "aes") && w.find("gmac") != std::string_view::npos)
    return "AES-GMAC gives integrity without encryption (TR-02102-3 3.3 requires encryption)";
  if (w == "aesxcbc" || w == "aescmac" || w == "aes128xcbc" || w == "aes128cmac")
    return "AES-XCBC/CMAC integrity is not among the guideline's HMAC-SHA-2 choices (TR-02102-3 " + integ +
           ")";
  if (w == "3des" || w == "des" || w == "cast128" || w == "blowfish" || starts(w, "blowfish") ||
      starts(w, "camellia") || starts(w, "serpent") || starts(w, "twofish") || w == "null")
    return "encryption outside AES-GCM and AES-CBC (TR-02102-3 " + enc + ")";
  if (w == "chacha20poly1305")
    return "ChaCha20-Poly1305 is not among the guideline's encryption algorithms (TR-02102-3 " + enc + ")";
  if (w == "sha1" || w == "sha" || w == "md5" || w == "sha1_160" || w == "md5_128")
    return "HMAC-SHA-1 and HMAC-MD5 integrity are excluded (TR-02102-3 " + integ +
           ": HMAC-SHA-256, -384, -512)";
  if (w == "sha256_96" || w == "sha2_256_96")
    return "HMAC-SHA-256 truncated to 96 bits (TR-02102-3 " + integ + " names HMAC-SHA-256-128)";
  if (w == "prfsha1" || w == "prfmd5" || w == "prfaesxcbc" || w == "prfaescmac")
    return "pseudo-random function outside HMAC-SHA-256, -384, -512 (TR-02102-3 3.2.2)";
  constexpr std::array kGroupsOutside = {"modp768",      "modp1024", "modp1536",     "modp2048",
                                         "modp6144",     "modp8192", "modp1024s160", "modp2048s224",
                                         "modp2048s256", "ecp192",   "ecp224",       "ecp224bp",
                                         "curve25519",   "x25519",   "curve448",     "x448"};
  if (std::find(kGroupsOutside.begin(), kGroupsOutside.end(), w) != kGroupsOutside.end())
    return "Diffie-Hellman group outside 19, 20, 21, 28, 29, 30 (ecp256, ecp384, ecp521, ecp256bp, ecp384bp, "
           "ecp512bp) and 15, 16 (modp3072, modp4096) (TR-02102-3 3.2.4)";
  if (w == "default")
    return "'default' adds strongSwan's built-in proposals, which include algorithms outside TR-02102-3: "
           "name "
           "the algorithms";
  return "";
}

}  // namespace

std::string proposal_problem(std::string_view proposal, ProposalKind kind) {
  if (proposal.empty()) return "an empty proposal";
  unsigned aead = 0, cipher = 0, integrity = 0, prf = 0, group = 0;
  std::string refused;
  size_t start = 0;
  while (start <= proposal.size()) {
    const size_t end = std::min(proposal.find('-', start), proposal.size());
    const std::string_view word = proposal.substr(start, end - start);
    start = end + 1;
    if (word.empty()) return "an empty keyword between dashes";
    const auto kind_of = allowed_kind(word);
    if (!kind_of) {
      // Every refused keyword of the proposal, not only the first.
      const std::string why = refused_keyword(word, kind);
      refused +=
          (refused.empty() ? "" : "; ") +
          (why.empty() ? "'" + std::string(word) + "' is not a strongSwan algorithm keyword this box knows"
                       : "'" + std::string(word) + "': " + why);
      continue;
    }
    switch (*kind_of) {
      case Kind::kAead:
        ++aead;
        break;
      case Kind::kCipher:
        ++cipher;
        break;
      case Kind::kIntegrity:
        ++integrity;
        break;
      case Kind::kPrf:
        if (kind == ProposalKind::kEsp)
          return "'" + std::string(word) + "': a pseudo-random function belongs to IKE proposals, not ESP";
        ++prf;
        break;
      case Kind::kGroup:
        ++group;
        break;
      case Kind::kEsn:
        if (kind == ProposalKind::kIke)
          return "'" + std::string(word) + "': extended sequence numbers belong to ESP proposals, not IKE";
        break;
    }
  }
  if (!refused.empty()) return refused;
  if (aead == 0 && cipher == 0) return "no encryption algorithm (aes256gcm16, aes128gcm16, aes256, aes128)";
  if (aead > 0 && cipher > 0)
    return "AES-GCM and AES-CBC in one proposal (strongSwan needs separate proposals for combined-mode and "
           "classic encryption)";
  if (aead > 0 && integrity > 0)
    return "an integrity algorithm with AES-GCM (GCM protects integrity itself): remove it or use AES-CBC";
  if (cipher > 0 && integrity == 0)
    return "AES-CBC without an integrity algorithm (sha256, sha384, sha512; TR-02102-3 " +
           std::string(kind == ProposalKind::kIke ? "3.2.3" : "3.3") + ")";
  if (kind == ProposalKind::kIke && aead > 0 && prf == 0)
    return "AES-GCM in IKE needs a pseudo-random function (prfsha256, prfsha384, prfsha512; TR-02102-3 "
           "3.2.2)";
  if (group == 0) {
    if (kind == ProposalKind::kEsp)
      return "no Diffie-Hellman group: every rekeying of the tunnel must run a new exchange (perfect forward "
             "secrecy, TR-02102-3 2.1.5); add e.g. -ecp384";
    return "no Diffie-Hellman group (TR-02102-3 3.2.4)";
  }
  return "";
}

std::vector<std::string> default_ike_proposals() {
  return {"aes256gcm16-prfsha384-ecp384", "aes128gcm16-prfsha256-ecp256", "aes256gcm16-prfsha512-ecp512bp"};
}

std::vector<std::string> default_esp_proposals() {
  return {"aes256gcm16-ecp384", "aes128gcm16-ecp256", "aes256gcm16-ecp512bp"};
}

namespace {

constexpr std::size_t kMaxPemBytes = std::size_t{1} << 20;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Bio memory_bio(const std::string& content) {
  return Bio(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
}

// The first certificate of a PEM file, or why there is none.
Cert read_certificate(const std::string& path, std::string& problem) {
  const auto read = platform::read_regular_file(path, kMaxPemBytes);
  if (!read.ok()) {
    problem = "cannot read '" + path + "': " + read.error;
    return nullptr;
  }
  Bio bio = memory_bio(read.content);
  Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) problem = path + ": no PEM certificate ('-----BEGIN CERTIFICATE-----') OpenSSL can read";
  return cert;
}

// Why a public or private key is outside 3.2.5, or empty; sets `type`.
std::string key_problem(EVP_PKEY* key, VpnKeyType& type) {
  const int id = EVP_PKEY_get_base_id(key);
  if (id == EVP_PKEY_EC) {
    type = VpnKeyType::kEcdsa;
    std::array<char, 80> group{};
    size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                       &length) != 1)
      return "an EC key without a named curve (TR-02102-3 3.2.5)";
    const std::string curve(group.data(), length);
    for (const char* allowed : {"prime256v1", "P-256", "secp384r1", "P-384", "brainpoolP256r1",
                                "brainpoolP384r1", "brainpoolP512r1"}) {
      if (curve == allowed) return "";
    }
    return "ECDSA on " + curve +
           ": TR-02102-3 3.2.5 as applied here takes P-256, P-384, brainpoolP256r1, brainpoolP384r1, "
           "brainpoolP512r1";
  }
  if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) {
    type = VpnKeyType::kRsa;
    const int bits = EVP_PKEY_get_bits(key);
    if (bits < 3072)
      return "RSA with " + std::to_string(bits) + " bits: TR-02102-3 3.2.5 needs at least 3072 (3000) bits";
    return "";
  }
  return std::string("a ") + (OBJ_nid2sn(id) != nullptr ? OBJ_nid2sn(id) : "non-RSA, non-ECDSA") +
         " key: TR-02102-3 3.2.5 allows ECDSA (NIST or Brainpool curves) and RSA-PSS signatures";
}

std::string others_may_access(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";  // the read reports it
  if ((st.st_mode & S_IRWXO) == 0) return "";
  std::array<char, 8> mode{};
  std::snprintf(mode.data(), mode.size(), "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return path + " is accessible to other users (mode " + mode.data() + "): chmod o-rwx (e.g. 0600)";
}

}  // namespace

CertificateFindings check_certificate_files(const std::string& certificate, const std::string& key,
                                            const std::string& ca) {
  CertificateFindings out;
  Cert cert = read_certificate(certificate, out.certificate);
  if (cert) {
    EVP_PKEY* public_key = X509_get0_pubkey(cert.get());
    if (public_key == nullptr) {
      out.certificate = certificate + ": the certificate's public key cannot be read";
    } else if (std::string why = key_problem(public_key, out.key_type); !why.empty()) {
      out.certificate = certificate + ": " + why;
    }
  }

  if (std::string why = others_may_access(key); !why.empty()) {
    out.key = why;
  } else if (const auto read = platform::read_regular_file(key, kMaxPemBytes); !read.ok()) {
    out.key = "cannot read '" + key + "': " + read.error;
  } else if (read.content.find("ENCRYPTED") != std::string::npos) {
    out.key = key + ": the key is encrypted; charon loads it unattended, so give it unencrypted (mode 0600)";
  } else {
    Bio bio = memory_bio(read.content);
    // No passphrase callback answer: an encrypted key fails instead of prompting.
    auto no_passphrase = [](char*, int, int, void*) -> int { return -1; };
    Pkey private_key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
    if (!private_key) {
      out.key = key + ": no PEM private key OpenSSL can read";
    } else if (cert && out.certificate.empty() &&
               X509_check_private_key(cert.get(), private_key.get()) != 1) {
      out.key = key + ": this private key does not belong to the certificate " + certificate;
    }
  }

  Cert authority = read_certificate(ca, out.ca);
  if (authority) {
    VpnKeyType ignored = VpnKeyType::kEcdsa;
    EVP_PKEY* ca_key = X509_get0_pubkey(authority.get());
    if (X509_check_ca(authority.get()) != 1) {
      out.ca = ca + ": not a CA certificate (basicConstraints CA:TRUE is missing)";
    } else if (ca_key == nullptr) {
      out.ca = ca + ": the CA's public key cannot be read";
    } else if (std::string why = key_problem(ca_key, ignored); !why.empty()) {
      out.ca = ca + ": the CA's key: " + why;
    } else if (cert && (X509_check_issued(authority.get(), cert.get()) != X509_V_OK ||
                        X509_verify(cert.get(), ca_key) != 1)) {
      out.ca = ca + ": this CA did not issue the certificate " + certificate;
    }
  }
  return out;
}

PskRead read_psk_file(const std::string& path) {
  PskRead out;
  if (path.empty() || path[0] != '/') {
    out.error = "'" + path + "': give an absolute path";
    return out;
  }
  auto read = platform::read_regular_file(path, kMaxPskBytes);
  if (!read.ok()) {
    out.error = "cannot read '" + path + "': " + read.error;
    return out;
  }
  if (std::string why = others_may_access(path); !why.empty()) {
    out.error = why;
    return out;
  }
  std::string secret = std::move(read.content);
  if (!secret.empty() && secret.back() == '\n') secret.pop_back();
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  if (std::any_of(secret.begin(), secret.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7f;
      })) {
    out.error = path + ": the key holds a control character or more than one line";
    return out;
  }
  if (secret.size() < kMinPskLength) {
    out.error = path + ": the key has " + std::to_string(secret.size()) + " characters; at least " +
                std::to_string(kMinPskLength) +
                " (128 bits when random, e.g. `openssl rand -hex 16`; TR-02102-3 wants pre-shared keys of "
                "sufficient entropy)";
    return out;
  }
  out.secret = std::move(secret);
  return out;
}

}  // namespace torwart::config::tr02102
