#include "dataplane/ipsec/esp.hpp"

#include <netinet/in.h>

#include <algorithm>
#include <atomic>

#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dataplane/ipsec/esp_wire.hpp"

namespace torwart::dataplane::ipsec {

// SaState's fields for the two functions below, which are its only users on the workers.
struct EspAccess {
  static rte_ipsec_session& session(SaState& s) { return s.session_; }
  static SaCounters& counters(SaState& s, uint32_t worker) { return s.counters_[worker]; }
  static ReplayWindow& window(SaState& s) { return s.window_; }

  // Whether the SA may take `packets` more after `used_packets`/`used_bytes` (the burst's start), by hard
  // limit.
  static bool hard_reached(SaState& s, uint64_t packets, uint64_t bytes) {
    const Lifetime& life = s.spec_.lifetime;
    return (life.hard_packets != 0 && packets >= life.hard_packets) ||
           (life.hard_bytes != 0 && bytes >= life.hard_bytes);
  }

  struct Usage {
    bool expired;
    uint64_t packets;
    uint64_t bytes;
  };
  static Usage usage(SaState& s) {
    return {s.hard_expired_.load(std::memory_order_relaxed), s.used_packets_.load(std::memory_order_relaxed),
            s.used_bytes_.load(std::memory_order_relaxed)};
  }

  // SaTable::supersede() pairs with these two (sequentially consistent, see there).
  static bool superseded(SaState& s) { return s.superseded_.load(std::memory_order_seq_cst); }
  static void reserve(SaState& s, uint16_t packets) {
    s.sequence_reserved_.fetch_add(packets, std::memory_order_seq_cst);
  }

  // Once per burst and SA: lifetime use, its flags, last use.
  static void account(SaState& s, uint64_t packets, uint64_t bytes, uint64_t now) {
    if (packets == 0) return;
    const uint64_t p = s.used_packets_.fetch_add(packets, std::memory_order_relaxed) + packets;
    const uint64_t b = s.used_bytes_.fetch_add(bytes, std::memory_order_relaxed) + bytes;
    const Lifetime& life = s.spec_.lifetime;
    if ((life.soft_packets != 0 && p >= life.soft_packets) ||
        (life.soft_bytes != 0 && b >= life.soft_bytes)) {
      s.soft_expired_.store(true, std::memory_order_relaxed);
    }
    if (hard_reached(s, p, b)) s.hard_expired_.store(true, std::memory_order_relaxed);
    s.last_used_.store(now, std::memory_order_relaxed);
  }
};

namespace {

constexpr size_t kHeaderReach = 96;  // parse_esp reads at most the first 76 bytes

rte_mbuf* last_segment(rte_mbuf* m) {
  return m->nb_segs == 1 ? m : rte_pktmbuf_lastseg(m);
}

EspResult check_inner(rte_mbuf* m, Family family) {
  if (m->pkt_len == 0 || m->data_len == 0) return EspResult::kTruncated;
  const uint8_t version = *rte_pktmbuf_mtod(m, const uint8_t*) >> 4;
  if (version == 4) {
    if (family != Family::kIpv4) return EspResult::kWrongInnerProtocol;
    if (m->pkt_len < sizeof(rte_ipv4_hdr)) return EspResult::kTruncated;
  } else if (version == 6) {
    if (family != Family::kIpv6) return EspResult::kWrongInnerProtocol;
    if (m->pkt_len < sizeof(rte_ipv6_hdr)) return EspResult::kTruncated;
  } else {
    return EspResult::kWrongInnerProtocol;
  }
  return EspResult::kOk;
}

// rte_ipsec leaves the outer IPv4 checksum to a NIC offload the box does not use, and writes a zero UDP
// checksum, which RFC 3948 allows over IPv4 only (IPv6 needs a real one, RFC 8200 8.1).
void finish_outer(rte_mbuf* m, const SaSpec& spec) {
  if (spec.local.family == Family::kIpv4) {
    auto* h = rte_pktmbuf_mtod(m, rte_ipv4_hdr*);
    h->hdr_checksum = 0;
    h->hdr_checksum = rte_ipv4_cksum(h);
  } else if (spec.udp_encapsulation) {
    auto* h = rte_pktmbuf_mtod(m, rte_ipv6_hdr*);
    auto* udp = rte_pktmbuf_mtod_offset(m, rte_udp_hdr*, sizeof(rte_ipv6_hdr));
    udp->dgram_cksum = 0;
    udp->dgram_cksum = rte_ipv6_udptcp_cksum_mbuf(m, h, sizeof(rte_ipv6_hdr));
  }
}

uint16_t encapsulate_chunk(SaState& sa, rte_mbuf** mbufs, uint16_t n, EspResult* results, uint64_t now,
                           uint32_t worker) {
  const SaSpec& spec = sa.spec();
  SaCounters& counters = EspAccess::counters(sa, worker);
  if (spec.direction != Direction::kOutbound || EspAccess::superseded(sa)) {
    const EspResult r =
        spec.direction != Direction::kOutbound ? EspResult::kUnknownSpi : EspResult::kSaSuperseded;
    std::fill(results, results + n, r);
    counters.drops[static_cast<unsigned>(r)] += n;
    return 0;
  }
  const uint32_t prepend =
      (spec.local.family == Family::kIpv4 ? sizeof(rte_ipv4_hdr) : sizeof(rte_ipv6_hdr)) +
      (spec.udp_encapsulation ? kUdpHeaderLength : 0) + kEspHeaderLength + kEspIvLength;
  // rte_ipsec also parks the ESN high half (4) and the AAD (16) behind the ICV while it works.
  const uint32_t scratch = (spec.extended_sequence_numbers ? 4 : 0) + 16;
  EspAccess::Usage usage = EspAccess::usage(sa);

  rte_mbuf* orig[kMaxEspBurst];
  rte_mbuf* work[kMaxEspBurst];
  uint16_t index[kMaxEspBurst];
  uint32_t inner_length[kMaxEspBurst];
  uint16_t m = 0;
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* mb = mbufs[i];
    EspResult r = check_inner(mb, spec.inner_family);
    if (r == EspResult::kOk) {
      const uint32_t plen = mb->pkt_len;
      const uint32_t padded = (plen + kEspTrailerLength + kEspPadAlign - 1) & ~uint32_t{kEspPadAlign - 1};
      const uint32_t append = padded - plen + kEspIcvLength + scratch;
      if (rte_pktmbuf_headroom(mb) < prepend || rte_pktmbuf_tailroom(last_segment(mb)) < append) {
        r = EspResult::kNoBufferRoom;
      } else if (prepend + padded + kEspIcvLength > UINT16_MAX) {
        r = EspResult::kMalformed;  // would not fit one outer datagram
      } else if (usage.expired || EspAccess::hard_reached(sa, usage.packets + m, usage.bytes + bytes)) {
        usage.expired = true;
        r = EspResult::kSaExpiredHard;
      }
    }
    results[i] = r;
    if (r != EspResult::kOk) {
      ++counters.drops[static_cast<unsigned>(r)];
      continue;
    }
    mb->l2_len = 0;
    mb->ol_flags &= ~RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED;  // rte_ipsec reads it as "crypto failed"
    bytes += mb->pkt_len;
    inner_length[m] = mb->pkt_len;
    orig[m] = work[m] = mb;
    index[m++] = i;
  }
  if (m == 0) return 0;

  EspAccess::reserve(sa, m);
  rte_ipsec_session& session = EspAccess::session(sa);
  rte_errno = 0;  // read below only for packets prepare refused, but never a stale value
  const uint16_t prepared_count = rte_ipsec_pkt_cpu_prepare(&session, work, m);
  const EspResult prepare_failure =
      rte_errno == EOVERFLOW ? EspResult::kSequenceExhausted : EspResult::kNoBufferRoom;
  rte_mbuf* prepared[kMaxEspBurst];
  std::copy(work, work + prepared_count, prepared);
  const uint16_t done = prepared_count == 0 ? 0 : rte_ipsec_pkt_process(&session, work, prepared_count);

  // rte_ipsec moves refused mbufs behind the good ones but keeps both groups in order: walk them together.
  uint16_t ok = 0;
  uint64_t ok_bytes = 0;  // inner bytes, as RFC 4301 counts an SA's lifetime
  for (uint16_t t = 0, p = 0, d = 0; t < m; ++t) {
    EspResult r;
    if (p < prepared_count && orig[t] == prepared[p]) {
      ++p;
      if (d < done && orig[t] == work[d]) {
        ++d;
        r = EspResult::kOk;
      } else {
        r = EspResult::kMalformed;  // the cipher refused it: nothing a caller can fix
      }
    } else {
      r = prepare_failure;
    }
    results[index[t]] = r;
    if (r == EspResult::kOk) {
      finish_outer(orig[t], spec);
      ++ok;
      ok_bytes += inner_length[t];
    } else {
      ++counters.drops[static_cast<unsigned>(r)];
    }
  }
  counters.packets += ok;
  counters.bytes += ok_bytes;
  EspAccess::account(sa, ok, ok_bytes, now);
  return ok;
}

// Why rte_ipsec_pkt_process refused a prepared inbound packet. It checks in this order: the cipher's verdict,
// the trailer (pad length, pad bytes, next header), and last the replay window, which it updates only after
// it has already stripped the packet.
EspResult process_failure(rte_mbuf* mb, uint32_t prepared_length, const SaSpec& spec) {
  if ((mb->ol_flags & RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED) != 0) return EspResult::kAuthFailed;
  if (mb->pkt_len != prepared_length) return EspResult::kReplayed;  // a duplicate within this burst
  const uint32_t sqh = spec.extended_sequence_numbers ? 4 : 0;
  uint8_t trailer_copy[kEspTrailerLength];
  const auto* trailer = static_cast<const uint8_t*>(rte_pktmbuf_read(
      mb, mb->pkt_len - kEspIcvLength - sqh - kEspTrailerLength, kEspTrailerLength, trailer_copy));
  const uint8_t expected = spec.inner_family == Family::kIpv4 ? IPPROTO_IPIP : IPPROTO_IPV6;
  if (trailer != nullptr && trailer[1] != expected) return EspResult::kWrongInnerProtocol;
  return EspResult::kBadPadding;
}

// One SA's packets of a burst, in arrival order.
uint16_t decapsulate_group(SaState& sa, rte_mbuf** mbufs, const uint16_t* group, uint16_t count,
                           const uint64_t* sequence, EspResult* results, uint64_t now, uint32_t worker) {
  const SaSpec& spec = sa.spec();
  SaCounters& counters = EspAccess::counters(sa, worker);
  EspAccess::Usage usage = EspAccess::usage(sa);

  rte_mbuf* orig[kMaxEspBurst];
  rte_mbuf* work[kMaxEspBurst];
  uint16_t index[kMaxEspBurst];
  uint16_t m = 0;
  for (uint16_t g = 0; g < count; ++g) {
    const uint16_t i = group[g];
    // The byte limit is checked at the burst's start only: inner sizes are known after decryption.
    if (usage.expired || EspAccess::hard_reached(sa, usage.packets + m, usage.bytes)) {
      usage.expired = true;
      results[i] = EspResult::kSaExpiredHard;
      ++counters.drops[static_cast<unsigned>(EspResult::kSaExpiredHard)];
      continue;
    }
    orig[m] = work[m] = mbufs[i];
    index[m++] = i;
  }
  if (m == 0) return 0;

  uint32_t length[kMaxEspBurst];
  const uint32_t sqh = spec.extended_sequence_numbers ? 4 : 0;
  for (uint16_t t = 0; t < m; ++t) length[t] = orig[t]->pkt_len + sqh;  // prepare inserts the ESN high half

  rte_ipsec_session& session = EspAccess::session(sa);
  const uint16_t prepared_count = rte_ipsec_pkt_cpu_prepare(&session, work, m);
  rte_mbuf* prepared[kMaxEspBurst];
  std::copy(work, work + prepared_count, prepared);
  const uint16_t done = prepared_count == 0 ? 0 : rte_ipsec_pkt_process(&session, work, prepared_count);

  ReplayWindow& window = EspAccess::window(sa);
  const uint64_t highest_before = window.highest();
  uint16_t ok = 0;
  uint64_t ok_bytes = 0;
  for (uint16_t t = 0, p = 0, d = 0; t < m; ++t) {
    const uint16_t i = index[t];
    EspResult r;
    if (p < prepared_count && orig[t] == prepared[p]) {
      ++p;
      if (d < done && orig[t] == work[d]) {
        ++d;
        r = EspResult::kOk;
      } else {
        r = process_failure(orig[t], length[t], spec);
      }
    } else if (spec.replay_window != 0) {
      // prepare refuses only for the window (the lengths and room were checked before).
      r = replay_reason(highest_before, sequence[i], spec.replay_window);
    } else {
      r = EspResult::kNoBufferRoom;
    }
    // Marking here, in arrival order, also catches a duplicate within the burst.
    if (r == EspResult::kOk && !window.update(sequence[i])) r = EspResult::kReplayed;
    results[i] = r;
    if (r == EspResult::kOk) {
      ++ok;
      ok_bytes += orig[t]->pkt_len;
    } else {
      ++counters.drops[static_cast<unsigned>(r)];
    }
  }
  counters.packets += ok;
  counters.bytes += ok_bytes;
  EspAccess::account(sa, ok, ok_bytes, now);
  return ok;
}

uint16_t decapsulate_chunk(const SaTableVersion& table, rte_mbuf** mbufs, uint16_t n, EspResult* results,
                           uint64_t now, uint32_t worker, SaState** matched) {
  SaState* sa_of[kMaxEspBurst];
  uint64_t sequence[kMaxEspBurst];
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* mb = mbufs[i];
    sa_of[i] = nullptr;
    uint8_t copy[kHeaderReach];
    const uint32_t reach = std::min<uint32_t>(mb->pkt_len, kHeaderReach);
    const auto* data = static_cast<const uint8_t*>(rte_pktmbuf_read(mb, 0, reach, copy));
    EspPacket packet;
    EspResult r = data == nullptr ? EspResult::kTruncated : parse_esp(data, mb->pkt_len, packet);
    SaState* sa = nullptr;
    if (r == EspResult::kOk) {
      sa = table.find_inbound(packet.spi, packet.outer_version, packet.destination);
      if (sa == nullptr) r = EspResult::kUnknownSpi;
    }
    if (r == EspResult::kOk) {
      const SaSpec& spec = sa->spec();
      const uint32_t scratch = (spec.extended_sequence_numbers ? 4 : 0) + 16;
      // Link padding behind a short datagram would be taken for the ICV.
      if (mb->pkt_len > packet.packet_length &&
          rte_pktmbuf_trim(mb, mb->pkt_len - packet.packet_length) != 0) {
        r = EspResult::kMalformed;
      } else if (rte_pktmbuf_tailroom(last_segment(mb)) < scratch) {
        r = EspResult::kNoBufferRoom;
      }
      if (r == EspResult::kOk) {
        // Outer IP and UDP as "L3": rte_ipsec finds ESP behind them and strips them all.
        mb->l2_len = 0;
        mb->l3_len = packet.header_length;
        mb->ol_flags &= ~RTE_MBUF_F_RX_SEC_OFFLOAD_FAILED;
        const ReplayWindow& window = EspAccess::window(*sa);
        sequence[i] = spec.extended_sequence_numbers
                          ? reconstruct_sequence(window.highest(), packet.sequence, spec.replay_window)
                          : packet.sequence;
        // Refused before the cipher runs: a replay costs no decryption.
        r = window.check(sequence[i]);
      }
      if (r == EspResult::kOk) {
        sa_of[i] = sa;
      } else {
        ++EspAccess::counters(*sa, worker).drops[static_cast<unsigned>(r)];
      }
    }
    results[i] = r;
    if (matched != nullptr) matched[i] = sa;
  }

  // Group by SA in order of first appearance; a burst usually holds one or few SAs.
  uint16_t ok = 0;
  bool taken[kMaxEspBurst] = {};
  uint16_t group[kMaxEspBurst];
  for (uint16_t i = 0; i < n; ++i) {
    if (sa_of[i] == nullptr || taken[i]) continue;
    uint16_t count = 0;
    for (uint16_t j = i; j < n; ++j) {
      if (sa_of[j] == sa_of[i]) {
        group[count++] = j;
        taken[j] = true;
      }
    }
    ok += decapsulate_group(*sa_of[i], mbufs, group, count, sequence, results, now, worker);
  }
  return ok;
}

}  // namespace

uint16_t encapsulate(SaState& sa, rte_mbuf** mbufs, uint16_t n, EspResult* results, uint64_t now,
                     uint32_t worker) {
  uint16_t ok = 0;
  for (uint16_t base = 0; base < n; base += kMaxEspBurst) {
    const uint16_t chunk = std::min<uint16_t>(kMaxEspBurst, n - base);
    ok += encapsulate_chunk(sa, mbufs + base, chunk, results + base, now, worker);
  }
  return ok;
}

uint16_t decapsulate(const SaTableVersion& table, rte_mbuf** mbufs, uint16_t n, EspResult* results,
                     uint64_t now, uint32_t worker, SaState** matched) {
  uint16_t ok = 0;
  for (uint16_t base = 0; base < n; base += kMaxEspBurst) {
    const uint16_t chunk = std::min<uint16_t>(kMaxEspBurst, n - base);
    ok += decapsulate_chunk(table, mbufs + base, chunk, results + base, now, worker,
                            matched == nullptr ? nullptr : matched + base);
  }
  return ok;
}

}  // namespace torwart::dataplane::ipsec
