#pragma once
// A parsed DNS message (RFC 1035, AAAA from RFC 3596, EDNS(0) from RFC 6891), shaped for an EVE `dns`
// record. Everything is inline with fixed capacities (no allocation); what does not fit is counted, not lost
// silently. The struct is trivially copyable and is meant to live on the caller's stack for one message.
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "dataplane/applayer/common.hpp"

namespace torwart::dataplane::applayer::dns {

inline constexpr size_t kDnsMaxQuestions = 4;
inline constexpr size_t kDnsMaxAnswers = 16;
inline constexpr size_t kDnsMaxAuthorities = 4;
inline constexpr size_t kDnsMaxAdditionals = 4;  // OPT is not stored here; it fills DnsEdns
// A name is at most 255 octets on the wire; its presentation form can be longer when bytes are escaped.
inline constexpr size_t kDnsNameCapacity = 256;
inline constexpr size_t kDnsRdataTextCapacity = 256;

using DnsName = FixedString<kDnsNameCapacity>;
using DnsRdataText = FixedString<kDnsRdataTextCapacity>;

namespace dns_type {
inline constexpr uint16_t kA = 1;
inline constexpr uint16_t kNs = 2;
inline constexpr uint16_t kCname = 5;
inline constexpr uint16_t kSoa = 6;
inline constexpr uint16_t kPtr = 12;
inline constexpr uint16_t kMx = 15;
inline constexpr uint16_t kTxt = 16;
inline constexpr uint16_t kAaaa = 28;
inline constexpr uint16_t kSrv = 33;
inline constexpr uint16_t kOpt = 41;
}  // namespace dns_type

struct DnsHeader {
  uint16_t id = 0;
  uint16_t flags = 0;  // the raw second header word (QR, opcode, AA, TC, RD, RA, Z, AD, CD, rcode)
  uint16_t question_count = 0;
  uint16_t answer_count = 0;
  uint16_t authority_count = 0;
  uint16_t additional_count = 0;

  bool qr() const { return (flags & 0x8000) != 0; }
  uint8_t opcode() const { return static_cast<uint8_t>((flags >> 11) & 0x0f); }
  bool aa() const { return (flags & 0x0400) != 0; }
  bool tc() const { return (flags & 0x0200) != 0; }
  bool rd() const { return (flags & 0x0100) != 0; }
  bool ra() const { return (flags & 0x0080) != 0; }
  bool z() const { return (flags & 0x0040) != 0; }
  bool ad() const { return (flags & 0x0020) != 0; }
  bool cd() const { return (flags & 0x0010) != 0; }
  uint8_t header_rcode() const { return static_cast<uint8_t>(flags & 0x000f); }
};

// From the OPT pseudo-record, when there is one.
struct DnsEdns {
  bool present = false;
  bool dnssec_ok = false;
  uint8_t version = 0;
  uint8_t extended_rcode_high = 0;  // the upper 8 bits of the 12-bit rcode
  uint16_t udp_payload_size = 0;
  uint16_t options_length = 0;  // options are not decoded
};

struct DnsQuestion {
  DnsName name;
  uint16_t type = 0;
  uint16_t qclass = 0;
};

struct DnsRecord {
  DnsName name;
  uint16_t type = 0;
  uint16_t rclass = 0;
  uint32_t ttl = 0;
  uint16_t rdata_length = 0;
  // True for the types decoded below when their RDATA was well-formed; otherwise only type and length.
  bool rdata_decoded = false;
  // Presentation form: A/AAAA address, CNAME/NS/PTR name, MX exchange, SRV target, TXT strings in zone-file
  // quotes, SOA "mname rname serial refresh retry expire minimum".
  DnsRdataText rdata;
  uint16_t priority = 0;     // MX preference, SRV priority
  uint16_t weight = 0;       // SRV
  uint16_t port = 0;         // SRV
  uint8_t address[16] = {};  // A (first 4 bytes), AAAA
  uint32_t soa_serial = 0;
  uint32_t soa_refresh = 0;
  uint32_t soa_retry = 0;
  uint32_t soa_expire = 0;
  uint32_t soa_minimum = 0;
};

struct DnsMessage {
  DnsHeader header;
  DnsEdns edns;
  uint8_t question_stored = 0;
  uint8_t answer_stored = 0;
  uint8_t authority_stored = 0;
  uint8_t additional_stored = 0;
  // Records parsed and checked but not stored for want of room (header count minus stored, OPT excluded).
  uint16_t questions_cut = 0;
  uint16_t answers_cut = 0;
  uint16_t authorities_cut = 0;
  uint16_t additionals_cut = 0;
  bool text_truncated = false;  // some name or RDATA text was longer than its capacity
  // Parsed from a prefix only (a TCP message longer than the framer's buffer): the sections stop where the
  // held bytes stopped; `full_length` is the message's real length.
  bool incomplete = false;
  uint16_t full_length = 0;
  uint16_t trailing_bytes = 0;  // bytes after the last record (not an anomaly, but worth a look)
  DnsQuestion questions[kDnsMaxQuestions];
  DnsRecord answers[kDnsMaxAnswers];
  DnsRecord authorities[kDnsMaxAuthorities];
  DnsRecord additionals[kDnsMaxAdditionals];

  // The 12-bit rcode: the header's 4 bits plus OPT's upper 8 bits.
  uint16_t rcode() const {
    return static_cast<uint16_t>(edns.extended_rcode_high << 4 | header.header_rcode());
  }
  bool is_response() const { return header.qr(); }
  bool cut() const {
    return text_truncated || questions_cut != 0 || answers_cut != 0 || authorities_cut != 0 ||
           additionals_cut != 0;
  }
};

static_assert(std::is_trivially_copyable_v<DnsMessage>);
static_assert(sizeof(DnsRecord) == 576);
static_assert(sizeof(DnsMessage) == 14920);

}  // namespace torwart::dataplane::applayer::dns
