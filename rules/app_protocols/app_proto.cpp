#include "rules/app_protocols/app_proto.hpp"

#include <netinet/in.h>

#include <array>

namespace torwart::app_protocols {
namespace {

struct Entry {
  AppProto proto;
  std::string_view name;
  bool identified;
};

constexpr std::array<Entry, static_cast<size_t>(AppProto::kCount)> kTable{{
    {AppProto::kNone, "", false},        {AppProto::kUnknown, "unknown", true},
    {AppProto::kFailed, "failed", true}, {AppProto::kHttp, "http", true},
    {AppProto::kTls, "tls", true},       {AppProto::kDns, "dns", true},
    {AppProto::kQuic, "quic", true},     {AppProto::kSsh, "ssh", false},
    {AppProto::kSmtp, "smtp", false},    {AppProto::kFtp, "ftp", false},
    {AppProto::kSmb, "smb", false},      {AppProto::kImap, "imap", false},
    {AppProto::kPop3, "pop3", false},    {AppProto::kNtp, "ntp", false},
    {AppProto::kSnmp, "snmp", false},    {AppProto::kSip, "sip", false},
    {AppProto::kKrb5, "krb5", false},    {AppProto::kIke, "ike", false},
    {AppProto::kDhcp, "dhcp", false},    {AppProto::kRdp, "rdp", false},
}};

static_assert([] {
  for (size_t i = 0; i < kTable.size(); ++i)
    if (static_cast<size_t>(kTable[i].proto) != i) return false;
  return true;
}());

}  // namespace

std::string_view app_proto_name(AppProto proto) {
  const auto index = static_cast<size_t>(proto);
  return index < kTable.size() ? kTable[index].name : std::string_view("unknown");
}

std::optional<AppProto> app_proto_from_name(std::string_view name) {
  for (const Entry& e : kTable)
    if (!name.empty() && e.name == name) return e.proto;
  return std::nullopt;
}

bool identified_by_torwart(AppProto proto) {
  const auto index = static_cast<size_t>(proto);
  return index < kTable.size() && kTable[index].identified;
}

AppProto well_known_service(uint8_t ip_proto, uint16_t server_port) {
  if (ip_proto == IPPROTO_TCP) {
    switch (server_port) {
      case 80:
      case 8080:
        return AppProto::kHttp;
      case 443:
      case 465:
      case 636:
      case 853:
      case 993:
      case 995:
      case 8443:
        return AppProto::kTls;
      case 53:
        return AppProto::kDns;
      default:
        return AppProto::kNone;
    }
  }
  if (ip_proto == IPPROTO_UDP) {
    if (server_port == 53) return AppProto::kDns;
    if (server_port == 443) return AppProto::kQuic;
  }
  return AppProto::kNone;
}

}  // namespace torwart::app_protocols
