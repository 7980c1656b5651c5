#pragma once
// The byte layout rte_acl reads a query from, and the field definitions that describe it.
//
// rte_acl's rules: the first field is one byte and is read on its own; every later input_index names a group
// of four consecutive bytes read at once, so each group here is covered completely by fields (the zone group
// gets a wildcard padding field). Input bytes are in network order (the trie walks them most significant
// first); rule values are given in host order. An IPv6 address is four 32-bit MASK fields, each with its
// share of the prefix length.
#include <rte_acl.h>

#include <array>
#include <cstddef>
#include <cstdint>

namespace torwart::policy::acl {

struct KeyV4 {
  uint8_t proto;  // input 0
  uint8_t unused[3];
  uint8_t from_zone;     // input 1
  uint8_t to_zone;       // input 1
  uint16_t padding;      // input 1, always zero and always a wildcard
  uint8_t src[4];        // input 2
  uint8_t dst[4];        // input 3
  uint16_t src_port_be;  // input 4
  uint16_t dst_port_be;  // input 4
};

struct KeyV6 {
  uint8_t proto;
  uint8_t unused[3];
  uint8_t from_zone;
  uint8_t to_zone;
  uint16_t padding;
  uint8_t src[16];       // inputs 2..5
  uint8_t dst[16];       // inputs 6..9
  uint16_t src_port_be;  // input 10
  uint16_t dst_port_be;  // input 10
};

// Field positions inside a rule, shared by both families up to the addresses.
enum CommonField : uint8_t { kProto = 0, kFromZone, kToZone, kPadding, kFirstAddressField };

inline constexpr unsigned kFieldsV4 = kFirstAddressField + 2 + 2;  // src, dst, src port, dst port
inline constexpr unsigned kFieldsV6 = kFirstAddressField + 8 + 2;  // 4 + 4 address words, ports

RTE_ACL_RULE_DEF(RuleV4, kFieldsV4);
RTE_ACL_RULE_DEF(RuleV6, kFieldsV6);

template <typename Key, unsigned kFields, unsigned kAddressWords>
constexpr std::array<rte_acl_field_def, kFields> field_defs() {
  std::array<rte_acl_field_def, kFields> defs{};
  auto def = [](uint8_t type, uint8_t size, uint8_t field, uint8_t input, size_t offset) {
    return rte_acl_field_def{type, size, field, input, static_cast<uint32_t>(offset)};
  };
  defs[kProto] = def(RTE_ACL_FIELD_TYPE_BITMASK, 1, kProto, 0, offsetof(Key, proto));
  defs[kFromZone] = def(RTE_ACL_FIELD_TYPE_BITMASK, 1, kFromZone, 1, offsetof(Key, from_zone));
  defs[kToZone] = def(RTE_ACL_FIELD_TYPE_BITMASK, 1, kToZone, 1, offsetof(Key, to_zone));
  defs[kPadding] = def(RTE_ACL_FIELD_TYPE_BITMASK, 2, kPadding, 1, offsetof(Key, padding));
  uint8_t field = kFirstAddressField;
  uint8_t input = 2;
  for (unsigned w = 0; w < kAddressWords; ++w, ++field, ++input) {
    defs[field] = def(RTE_ACL_FIELD_TYPE_MASK, 4, field, input, offsetof(Key, src) + size_t{4} * w);
  }
  for (unsigned w = 0; w < kAddressWords; ++w, ++field, ++input) {
    defs[field] = def(RTE_ACL_FIELD_TYPE_MASK, 4, field, input, offsetof(Key, dst) + size_t{4} * w);
  }
  defs[field] = def(RTE_ACL_FIELD_TYPE_RANGE, 2, field, input, offsetof(Key, src_port_be));
  ++field;
  defs[field] = def(RTE_ACL_FIELD_TYPE_RANGE, 2, field, input, offsetof(Key, dst_port_be));
  return defs;
}

inline constexpr unsigned kSrcPortFieldV4 = kFieldsV4 - 2;
inline constexpr unsigned kSrcPortFieldV6 = kFieldsV6 - 2;

}  // namespace torwart::policy::acl
