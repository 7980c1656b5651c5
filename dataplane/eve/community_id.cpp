// libcrypto's plain SHA_CTX: deprecated in OpenSSL 3.0, but EVP allocates a provider context per digest
// (see dataplane/applayer/tls/tls_digest.hpp); this file and tls_digest.cpp alone use it.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "dataplane/eve/community_id.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <cstring>

namespace torwart::dataplane {
namespace {

constexpr uint8_t kIcmp = 1;
constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;
constexpr uint8_t kIcmpv6 = 58;
constexpr uint8_t kSctp = 132;

// The type a request or reply pairs with (the spec's table, taken from Zeek); -1 for a one-way message.
int icmp_counterpart(bool ipv6, uint8_t type) {
  static constexpr uint8_t kV4[][2] = {{8, 0}, {13, 14}, {15, 16}, {10, 9}, {17, 18}};
  static constexpr uint8_t kV6[][2] = {{128, 129}, {130, 131}, {133, 134},
                                       {135, 136}, {139, 140}, {144, 145}};
  auto look = [type](const auto& pairs) {
    for (const auto& pair : pairs) {
      if (pair[0] == type) return int{pair[1]};
      if (pair[1] == type) return int{pair[0]};
    }
    return -1;
  };
  return ipv6 ? look(kV6) : look(kV4);
}

void put16(uint8_t* out, uint16_t value) {
  out[0] = static_cast<uint8_t>(value >> 8);
  out[1] = static_cast<uint8_t>(value);
}

}  // namespace

size_t community_id(const CommunityIdTuple& tuple, char (&out)[kCommunityIdLength], uint16_t seed) {
  const size_t address_length = tuple.ipv6 ? 16 : 4;
  const uint8_t* source = tuple.source;
  const uint8_t* destination = tuple.destination;
  uint16_t source_port = tuple.source_port;
  uint16_t destination_port = tuple.destination_port;
  const bool icmp = tuple.protocol == (tuple.ipv6 ? kIcmpv6 : kIcmp);
  const bool has_ports = icmp || tuple.protocol == kTcp || tuple.protocol == kUdp || tuple.protocol == kSctp;
  bool one_way = false;
  if (icmp) {
    const int counterpart = icmp_counterpart(tuple.ipv6, static_cast<uint8_t>(tuple.source_port));
    one_way = counterpart < 0;
    if (!one_way) destination_port = static_cast<uint16_t>(counterpart);
  }
  // A one-way message keeps its direction: there is no answer whose id it would have to share.
  if (!one_way) {
    const int order = std::memcmp(source, destination, address_length);
    if (order > 0 || (order == 0 && source_port > destination_port)) {
      std::swap(source, destination);
      std::swap(source_port, destination_port);
    }
  }
  uint8_t input[2 + 16 + 16 + 2 + 4];
  size_t length = 0;
  put16(input, seed);
  length += 2;
  std::memcpy(input + length, source, address_length);
  length += address_length;
  std::memcpy(input + length, destination, address_length);
  length += address_length;
  input[length++] = tuple.protocol;
  input[length++] = 0;
  if (has_ports) {
    put16(input + length, source_port);
    put16(input + length + 2, destination_port);
    length += 4;
  }
  uint8_t digest[SHA_DIGEST_LENGTH];
  SHA_CTX context;
  SHA1_Init(&context);
  SHA1_Update(&context, input, length);
  SHA1_Final(digest, &context);

  static constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out[0] = '1';
  out[1] = ':';
  char* text = out + 2;
  // 20 bytes: six full groups of three, then two bytes and one '='.
  for (size_t i = 0; i < 18; i += 3) {
    const uint32_t group = uint32_t{digest[i]} << 16 | uint32_t{digest[i + 1]} << 8 | digest[i + 2];
    *text++ = kBase64[group >> 18];
    *text++ = kBase64[(group >> 12) & 63];
    *text++ = kBase64[(group >> 6) & 63];
    *text++ = kBase64[group & 63];
  }
  const uint32_t last = uint32_t{digest[18]} << 16 | uint32_t{digest[19]} << 8;
  *text++ = kBase64[last >> 18];
  *text++ = kBase64[(last >> 12) & 63];
  *text++ = kBase64[(last >> 6) & 63];
  *text = '=';
  return kCommunityIdLength;
}

}  // namespace torwart::dataplane
