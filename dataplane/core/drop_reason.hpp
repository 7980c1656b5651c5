#pragma once
// Why the fast path dropped a packet. Each reason is counted per port and named in EVE `drop` records;
// the table in drop_reason.cpp is the documentation (README "Drop reasons").
#include <cstdint>
#include <string_view>

namespace torwart::dataplane {

enum class DropReason : uint8_t {
  kNone = 0,
  kTruncatedEthernet,
  kTruncatedVlan,
  kUnsupportedEthertype,
  kTruncatedArp,
  kMalformedArp,
  kTruncatedIpv4,
  kBadIpv4Version,
  kBadIpv4HeaderLength,
  kBadIpv4TotalLength,
  kBadIpv4Checksum,
  kBadIpv4Options,
  kTruncatedIpv6,
  kBadIpv6Version,
  kBadIpv6PayloadLength,
  kBadIpv6ExtensionHeader,
  kTruncatedTcp,
  kBadTcpHeaderLength,
  kTruncatedUdp,
  kBadUdpLength,
  kTruncatedIcmp,
  kBadSourceAddress,  // multicast, broadcast, loopback or unspecified where not allowed
  kUnknownVlan,
  kNotForUs,       // unicast frame for another MAC
  kSpoofedSource,  // source does not belong behind the ingress zone
  kNoRoute,
  kTtlExceeded,
  kMtuExceeded,
  kLocalUnhandled,     // addressed to the box, but no local service answers it
  kLocalRateExceeded,  // for the box (ARP, ND, echo) above the port's local_traffic rate
  kNeighbourUnresolved,
  kNeighbourQueueFull,
  kSlowPathQueueFull,
  kTxQueueFull,
  kDistributionQueueFull,
  // Reassembly (stage_reassembly): all but kFragmentDuplicate drop every held fragment of the datagram.
  kFragmentOverlap,
  kFragmentDuplicate,
  kFragmentTooLarge,
  kFragmentTooSmall,
  kFragmentTooMany,
  kFragmentMemoryFull,
  kFragmentTimeout,
  kInvalidTcpState,     // TCP segment the connection's state does not allow
  kTcpOutOfWindow,      // TCP sequence or acknowledgement outside the tracked window
  kFlowTableFull,       // no room for a new flow and nothing evictable
  kPolicyDrop,          // a policy rule (or the default) said drop
  kPolicyReject,        // a policy rule said reject: dropped, and answered with TCP RST / ICMP
  kUnrelatedIcmpError,  // an ICMP error quoting no tracked flow
  kSynCookieInvalid,    // an ACK that answers no SYN cookie the box sent (forged, foreign or expired)
  kHalfOpenLimit,       // the zone's hard limit of half-open connections was reached
  kNatPortExhausted,    // source NAT found no free port in this worker's slice (or no free mapping)
  kNatUnsolicited,      // to a source-NAT mapping's port, but not from a remote the mapping's flows talk to
  kInspectionLimit,     // inspection.on_limit is drop and the application layer had no room for the segment
  kSignatureDrop,       // a drop signature matched (inline IPS): the flow is ended
  kSignatureReject,     // a reject signature matched: dropped, answered with TCP RST / ICMP, the flow ended
  kKernelFrameRefused,  // sent by the box's kernel on a twin, but not ARP/ND or IP from its address there
  kNatNoAddress,        // a source NAT rule matched, but its out interface has no IPv4 address yet (DHCP)
  kNatAddressChanged,   // a translated connection's external address is no longer the box's: ended
  // IPsec (stage_esp_in, stage_esp_out): dataplane/ipsec's results and the tunnels' checks.
  kEspUnknownSpi,
  kEspReplayed,
  kEspOutsideWindow,
  kEspAuthFailed,
  kEspMalformed,
  kEspWrongInnerProtocol,
  kEspFragment,
  kEspSaExpired,
  kEspSequenceExhausted,
  kEspNoBufferRoom,
  kEspSaSuperseded,
  kEspSelectorMismatch,
  kEspNoPolicy,
  kEspNoSa,
  kCount
};

inline constexpr unsigned kDropReasonCount = static_cast<unsigned>(DropReason::kCount);

struct DropReasonInfo {
  std::string_view name;         // stable identifier, used in counters and EVE
  std::string_view description;  // one line for people
};

const DropReasonInfo& drop_reason_info(DropReason reason);
// Decode failures leave the headers untrusted: nothing beyond the frame length may be read from them.
inline bool is_decode_failure(DropReason reason) {
  return reason >= DropReason::kTruncatedEthernet && reason <= DropReason::kTruncatedIcmp;
}

inline std::string_view drop_reason_name(DropReason reason) {
  return drop_reason_info(reason).name;
}

}  // namespace torwart::dataplane
