#pragma once
// What happened to one packet in encapsulate() or decapsulate(). DPDK-free: the fuzz target uses it.
#include <cstdint>

namespace torwart::dataplane::ipsec {

enum class EspResult : uint8_t {
  kOk,
  kUnknownSpi,          // no inbound SA for this SPI and outer destination
  kReplayed,            // sequence number already seen inside the window
  kOutsideWindow,       // sequence number left of the replay window
  kAuthFailed,          // ICV check failed (tampered, wrong key)
  kTruncated,           // shorter than its headers, or than the smallest ESP packet
  kMalformed,           // header fields inconsistent (lengths, version, ESP payload not 4-byte aligned)
  kBadPadding,          // decrypted trailer: pad length beyond the payload or pad bytes not 1, 2, 3, ...
  kWrongInnerProtocol,  // next header (or the inner packet's version) is not the SA's inner family
  kNotEsp,              // not ESP: another protocol, an IKE packet or NAT keepalive on the UDP port, IPv6
                        // extension headers before ESP
  kFragment,            // an outer fragment: reassemble before decapsulating
  kSaExpiredHard,       // the SA reached its hard byte or packet limit
  kSequenceExhausted,   // outbound: no sequence number left (2^32 - 1 without ESN); rekey
  kNoBufferRoom,        // mbuf lacks the headroom or tailroom ESP needs
  kSaSuperseded,        // outbound: replace() or update() has put another state in this SA's place
  kCount,
};

inline constexpr unsigned kEspResultCount = static_cast<unsigned>(EspResult::kCount);

const char* esp_result_name(EspResult result);

}  // namespace torwart::dataplane::ipsec
