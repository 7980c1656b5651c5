#pragma once
// The application protocol of a flow (EVE `app_proto`), in Suricata's names where Suricata has one. The table
// in app_proto.cpp is the vocabulary; which of them torwart identifies is `identified_by_torwart`.
#include <cstdint>
#include <optional>
#include <string_view>

namespace torwart::app_protocols {

enum class AppProto : uint8_t {
  kNone = 0,  // not decided yet (no payload, or still probing)
  kUnknown,   // probed to the end without a match, on a port no protocol is known for
  kFailed,    // probed to the end without a match on a well-known port of another protocol
  kHttp,
  kTls,
  kDns,
  kQuic,
  // Named (policy vocabulary, nDPI label mapping) but not identified yet: a rule naming one is refused.
  kSsh,
  kSmtp,
  kFtp,
  kSmb,
  kImap,
  kPop3,
  kNtp,
  kSnmp,
  kSip,
  kKrb5,
  kIke,
  kDhcp,
  kRdp,
  kCount
};

std::string_view app_proto_name(AppProto proto);  // "" for kNone
std::optional<AppProto> app_proto_from_name(std::string_view name);
bool identified_by_torwart(AppProto proto);
// The protocol a server port is registered for (IANA), among those torwart identifies; kNone otherwise.
AppProto well_known_service(uint8_t ip_proto, uint16_t server_port);

}  // namespace torwart::app_protocols
