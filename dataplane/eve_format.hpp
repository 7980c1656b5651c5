#pragma once
// EVE JSON records in Suricata's field names (https://docs.suricata.io/ "Eve JSON Format").
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <rte_mbuf.h>

#include "dataplane/packet_meta.hpp"

namespace torwart::dataplane {

// "2026-11-22T21:05:15.123456+0000" from nanoseconds since the epoch; returns the length (31).
size_t format_eve_timestamp(char* out, size_t capacity, uint64_t unix_ns);

// One `drop` record for a packet the fast path dropped; 0 when it does not fit `capacity`.
size_t format_drop_record(char* out, size_t capacity, const rte_mbuf* m, const PacketMeta& meta, uint64_t unix_ns,
                          std::string_view in_iface);

}  // namespace torwart::dataplane
