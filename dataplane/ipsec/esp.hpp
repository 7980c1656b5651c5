#pragma once
// ESP tunnel mode on bursts of mbufs (RFC 4303), through rte_ipsec with synchronous CPU-crypto sessions:
// no crypto queues, no allocation, no locks, no system calls per packet.
//
// Packets enter and leave without a link header: data_off at the (inner or outer) IP header. The mbufs stay
// at their index; results[i] says what happened to mbufs[i]. A packet whose result is not kOk is to be
// dropped by the caller (its content is then unspecified). mbuf l2_len/l3_len are overwritten.
//
// Room: encapsulate prepends up to 40 + 8 + 16 bytes (outer IPv6, UDP, ESP header and IV) and appends up to
// 41 bytes to the last segment (padding, trailer, ICV, and rte_ipsec's scratch for the AAD and ESN high
// bits); decapsulate needs 20 bytes of tailroom in the last segment for that scratch. Missing room is
// kNoBufferRoom, never a write past the buffer.
#include <cstdint>

#include <rte_mbuf.h>

#include "dataplane/ipsec/esp_result.hpp"
#include "dataplane/ipsec/sa_table.hpp"

namespace torwart::dataplane::ipsec {

// Encrypts inner IP packets (the SA's inner family) into ESP tunnel packets of `sa` (outbound). Any number
// of workers may call this on one SA at once; `worker` < SaTableConfig::workers is the caller's counter
// slot and must be unique per thread. `now` is the burst clock (stored as the SA's last use). Returns the
// number of kOk results.
uint16_t encapsulate(SaState& sa, rte_mbuf** mbufs, uint16_t n, EspResult* results, uint64_t now,
                     uint32_t worker);

// Checks, decrypts and strips ESP tunnel packets (IP, or UDP port-4500 style encapsulation per RFC 3948),
// looking each up in `table` by SPI and outer destination. One inbound SA must be decapsulated by one worker
// at a time (its replay window is single-writer; README.md). `matched`, when not null, receives each
// packet's SA (null when none was found) so the caller can check the inner packet against its selectors.
uint16_t decapsulate(const SaTableVersion& table, rte_mbuf** mbufs, uint16_t n, EspResult* results,
                     uint64_t now, uint32_t worker, SaState** matched = nullptr);

}  // namespace torwart::dataplane::ipsec
