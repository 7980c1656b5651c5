#pragma once
// What the application layer has learnt about a flow that the policy may match on (rules with `app`,
// `tls_sni`, `http_host`, `http_content_type`, `dns_name`). A fact that is not known yet is absent from
// `known`, so a rule that needs it can wait instead of guessing.
#include <cstdint>

#include "dataplane/applayer/app_proto.hpp"
#include "dataplane/applayer/common.hpp"

namespace torwart::dataplane::applayer {

namespace fact {
inline constexpr uint8_t kApp = 1 << 0;  // app_proto decided (possibly unknown/failed)
inline constexpr uint8_t kTlsSni = 1 << 1;
inline constexpr uint8_t kHttpHost = 1 << 2;
inline constexpr uint8_t kHttpContentType = 1 << 3;  // of the response being looked at
inline constexpr uint8_t kDnsName = 1 << 4;          // of the query being looked at
// The protocol's part of the exchange that could carry a fact is over (ClientHello without SNI, request
// without Host): a rule waiting for it decides on its absence.
inline constexpr uint8_t kTlsHelloSeen = 1 << 5;
inline constexpr uint8_t kHttpRequestSeen = 1 << 6;
inline constexpr uint8_t kHttpResponseSeen = 1 << 7;
}  // namespace fact

struct AppFacts {
  AppProto proto = AppProto::kNone;
  uint8_t known = 0;  // fact::*
  FixedString<256> tls_sni;
  FixedString<256> http_host;
  FixedString<128> http_content_type;
  FixedString<256> dns_name;
};

}  // namespace torwart::dataplane::applayer
