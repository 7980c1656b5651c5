#include "dataplane/applayer/dns/dns_names.hpp"

#include <charconv>

#include "dataplane/applayer/dns/dns_anomaly.hpp"

namespace torwart::dataplane::applayer::dns {
namespace {

struct TypeName {
  uint16_t type;
  std::string_view name;
};

constexpr TypeName kTypeNames[] = {
    {1, "A"},       {2, "NS"},      {3, "MD"},     {4, "MF"},       {5, "CNAME"},       {6, "SOA"},
    {7, "MB"},      {8, "MG"},      {9, "MR"},     {10, "NULL"},    {11, "WKS"},        {12, "PTR"},
    {13, "HINFO"},  {14, "MINFO"},  {15, "MX"},    {16, "TXT"},     {17, "RP"},         {18, "AFSDB"},
    {19, "X25"},    {20, "ISDN"},   {21, "RT"},    {22, "NSAP"},    {23, "NSAP-PTR"},   {24, "SIG"},
    {25, "KEY"},    {26, "PX"},     {27, "GPOS"},  {28, "AAAA"},    {29, "LOC"},        {30, "NXT"},
    {33, "SRV"},    {35, "NAPTR"},  {36, "KX"},    {37, "CERT"},    {38, "A6"},         {39, "DNAME"},
    {41, "OPT"},    {42, "APL"},    {43, "DS"},    {44, "SSHFP"},   {45, "IPSECKEY"},   {46, "RRSIG"},
    {47, "NSEC"},   {48, "DNSKEY"}, {49, "DHCID"}, {50, "NSEC3"},   {51, "NSEC3PARAM"}, {52, "TLSA"},
    {53, "SMIMEA"}, {55, "HIP"},    {59, "CDS"},   {60, "CDNSKEY"}, {61, "OPENPGPKEY"}, {62, "CSYNC"},
    {63, "ZONEMD"}, {64, "SVCB"},   {65, "HTTPS"}, {99, "SPF"},     {108, "EUI48"},     {109, "EUI64"},
    {249, "TKEY"},  {250, "TSIG"},  {251, "IXFR"}, {252, "AXFR"},   {253, "MAILB"},     {254, "MAILA"},
    {255, "ANY"},   {256, "URI"},   {257, "CAA"},
};

constexpr std::string_view kRcodeNames[] = {
    "NOERROR",
    "FORMERR",
    "SERVFAIL",
    "NXDOMAIN",
    "NOTIMP",
    "REFUSED",
    "YXDOMAIN",
    "YXRRSET",
    "NXRRSET",
    "NOTAUTH",
    "NOTZONE",
    "DSOTYPENI",
    "",
    "",
    "",
    "",
    // 16 is BADVERS with OPT and BADSIG with TSIG; a message-level rcode with OPT means BADVERS.
    "BADVERS",
    "BADKEY",
    "BADTIME",
    "BADMODE",
    "BADNAME",
    "BADALG",
    "BADTRUNC",
    "BADCOOKIE",
};

template <size_t N>
void format_with_number(std::string_view name, std::string_view prefix, unsigned number,
                        FixedString<N>& out) {
  if (!name.empty()) {
    out.assign(name);
    return;
  }
  char digits[8];
  const auto result = std::to_chars(digits, digits + sizeof digits, number);
  out.assign(prefix);
  out.append(std::string_view(digits, static_cast<size_t>(result.ptr - digits)));
}

constexpr std::string_view kAnomalyNames[] = {
    "none",
    "short_header",
    "counts_beyond_message",
    "name_out_of_bounds",
    "label_too_long",
    "name_too_long",
    "pointer_not_backwards",
    "pointer_hop_limit",
    "record_out_of_bounds",
    "rdata_out_of_bounds",
    "bad_rdata",
    "bad_opt",
    "tcp_length_too_short",
};
static_assert(std::size(kAnomalyNames) == kDnsAnomalyReasonCount);

}  // namespace

std::string_view dns_rrtype_name(uint16_t type) {
  for (const TypeName& entry : kTypeNames) {
    if (entry.type == type) return entry.name;
  }
  return {};
}

void format_dns_rrtype(uint16_t type, FixedString<16>& out) {
  format_with_number(dns_rrtype_name(type), "TYPE", type, out);
}

std::string_view dns_rcode_name(uint16_t rcode) {
  return rcode < std::size(kRcodeNames) ? kRcodeNames[rcode] : std::string_view{};
}

void format_dns_rcode(uint16_t rcode, FixedString<16>& out) {
  format_with_number(dns_rcode_name(rcode), "RCODE", rcode, out);
}

std::string_view dns_anomaly_name(DnsAnomalyReason reason) {
  const auto index = static_cast<size_t>(reason);
  return index < std::size(kAnomalyNames) ? kAnomalyNames[index] : std::string_view{"unknown"};
}

}  // namespace torwart::dataplane::applayer::dns
