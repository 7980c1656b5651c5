#pragma once
// Builds TLS records, handshake messages, hellos and DER for the tests, byte by byte.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tls_test {

using Bytes = std::vector<uint8_t>;

inline void put16(Bytes& b, size_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}
inline void put24(Bytes& b, size_t v) {
  b.push_back(static_cast<uint8_t>(v >> 16));
  put16(b, v);
}
inline void append(Bytes& b, const Bytes& more) {
  b.insert(b.end(), more.begin(), more.end());
}
inline Bytes text(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

inline Bytes record(uint8_t type, const Bytes& payload, uint16_t version = 0x0303) {
  Bytes b{type};
  put16(b, version);
  put16(b, payload.size());
  append(b, payload);
  return b;
}
inline Bytes handshake(uint8_t type, const Bytes& body) {
  Bytes b{type};
  put24(b, body.size());
  append(b, body);
  return b;
}

struct Extension {
  uint16_t type;
  Bytes body;
};

inline Bytes u16_list(std::initializer_list<uint16_t> values, size_t length_bytes = 2) {
  Bytes b;
  if (length_bytes == 2) {
    put16(b, values.size() * 2);
  } else {
    b.push_back(static_cast<uint8_t>(values.size() * 2));
  }
  for (const uint16_t v : values) put16(b, v);
  return b;
}

inline Extension sni(std::string_view host) {
  Bytes body;
  put16(body, host.size() + 3);
  body.push_back(0);
  put16(body, host.size());
  append(body, text(host));
  return {0, body};
}
inline Extension alpn(std::initializer_list<std::string_view> protocols) {
  Bytes list;
  for (const auto p : protocols) {
    list.push_back(static_cast<uint8_t>(p.size()));
    append(list, text(p));
  }
  Bytes body;
  put16(body, list.size());
  append(body, list);
  return {16, body};
}
inline Extension groups(std::initializer_list<uint16_t> v) {
  return {10, u16_list(v)};
}
inline Extension signature_algorithms(std::initializer_list<uint16_t> v) {
  return {13, u16_list(v)};
}
inline Extension supported_versions(std::initializer_list<uint16_t> v) {
  return {43, u16_list(v, 1)};
}
inline Extension point_formats(std::initializer_list<uint8_t> v) {
  Bytes body{static_cast<uint8_t>(v.size())};
  body.insert(body.end(), v.begin(), v.end());
  return {11, body};
}
inline Extension empty(uint16_t type) {
  return {type, {}};
}
inline Extension opaque(uint16_t type, size_t size, uint8_t fill = 0x42) {
  return {type, Bytes(size, fill)};
}

inline Bytes extension_block(const std::vector<Extension>& extensions) {
  Bytes all;
  for (const auto& e : extensions) {
    put16(all, e.type);
    put16(all, e.body.size());
    append(all, e.body);
  }
  Bytes b;
  put16(b, all.size());
  append(b, all);
  return b;
}

inline Bytes client_hello_body(uint16_t version, const std::vector<uint16_t>& ciphers,
                               const std::vector<Extension>& extensions, size_t session_id = 32) {
  Bytes b;
  put16(b, version);
  for (int i = 0; i < 32; ++i) b.push_back(static_cast<uint8_t>(i * 7));
  b.push_back(static_cast<uint8_t>(session_id));
  for (size_t i = 0; i < session_id; ++i) b.push_back(0x55);
  put16(b, ciphers.size() * 2);
  for (const uint16_t c : ciphers) put16(b, c);
  b.push_back(1);
  b.push_back(0);
  append(b, extension_block(extensions));
  return b;
}

inline Bytes server_hello_body(uint16_t version, uint16_t cipher, const std::vector<Extension>& extensions,
                               const Bytes& random = Bytes(32, 0x11)) {
  Bytes b;
  put16(b, version);
  append(b, random);
  b.push_back(0);
  put16(b, cipher);
  b.push_back(0);
  if (!extensions.empty()) append(b, extension_block(extensions));
  return b;
}

// DER: tag, definite length, contents.
inline Bytes der(uint8_t tag, const Bytes& content) {
  Bytes b{tag};
  const size_t n = content.size();
  if (n < 0x80) {
    b.push_back(static_cast<uint8_t>(n));
  } else if (n < 0x100) {
    b.push_back(0x81);
    b.push_back(static_cast<uint8_t>(n));
  } else {
    b.push_back(0x82);
    put16(b, n);
  }
  append(b, content);
  return b;
}
inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes b;
  for (const auto& p : parts) append(b, p);
  return b;
}
// One RDN of attribute 2.5.4.<attribute> with a UTF8String value.
inline Bytes rdn(uint8_t attribute, std::string_view value) {
  return der(0x31, der(0x30, cat({der(0x06, {0x55, 0x04, attribute}), der(0x0c, text(value))})));
}

// A certificate with the given issuer and subject Names (already DER), not signed for real.
inline Bytes certificate(const Bytes& serial, const Bytes& issuer, const Bytes& subject,
                         size_t key_bytes = 64) {
  const Bytes algorithm =
      der(0x30, cat({der(0x06, {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b}), der(0x05, {})}));
  const Bytes validity =
      der(0x30, cat({der(0x17, text("240229120000Z")), der(0x18, text("20510101000000Z"))}));
  const Bytes key = der(0x30, cat({algorithm, der(0x03, Bytes(key_bytes, 0x33))}));
  const Bytes tbs = der(
      0x30, cat({der(0xa0, der(0x02, {2})), der(0x02, serial), algorithm, issuer, validity, subject, key}));
  return der(0x30, cat({tbs, algorithm, der(0x03, Bytes(65, 0x44))}));
}

inline Bytes certificate_message(const std::vector<Bytes>& chain) {
  Bytes list;
  for (const auto& c : chain) {
    put24(list, c.size());
    append(list, c);
  }
  Bytes body;
  put24(body, list.size());
  append(body, list);
  return handshake(11, body);
}

}  // namespace tls_test
