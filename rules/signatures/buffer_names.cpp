#include "rules/signatures/buffer_names.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace torwart::signatures::detail {
namespace {

struct Spelling {
  std::string_view keyword;
  BufferName buffer;
};

constexpr std::array kStickyBuffers = {
    Spelling{"http.uri", {"http.uri", "http"}},
    Spelling{"http.uri.raw", {"http.uri.raw", "http"}},
    Spelling{"http.method", {"http.method", "http"}},
    Spelling{"http.host", {"http.host", "http"}},
    Spelling{"http.host.raw", {"http.host.raw", "http"}},
    Spelling{"http.user_agent", {"http.user_agent", "http"}},
    Spelling{"http.header", {"http.header", "http"}},
    Spelling{"http.header.raw", {"http.header.raw", "http"}},
    Spelling{"http.header_names", {"http.header_names", "http"}},
    Spelling{"http.request_header", {"http.request_header", "http"}},
    Spelling{"http.response_header", {"http.response_header", "http"}},
    Spelling{"http.cookie", {"http.cookie", "http"}},
    Spelling{"http.request_body", {"http.request_body", "http"}},
    Spelling{"http.response_body", {"http.response_body", "http"}},
    Spelling{"http.stat_code", {"http.stat_code", "http"}},
    Spelling{"http.stat_msg", {"http.stat_msg", "http"}},
    Spelling{"http.content_type", {"http.content_type", "http"}},
    Spelling{"http.content_len", {"http.content_len", "http"}},
    Spelling{"http.request_line", {"http.request_line", "http"}},
    Spelling{"http.response_line", {"http.response_line", "http"}},
    Spelling{"http.referer", {"http.referer", "http"}},
    Spelling{"http.start", {"http.start", "http"}},
    Spelling{"http.location", {"http.location", "http"}},
    Spelling{"http.accept", {"http.accept", "http"}},
    Spelling{"http.accept_enc", {"http.accept_enc", "http"}},
    Spelling{"http.accept_lang", {"http.accept_lang", "http"}},
    Spelling{"http.server", {"http.server", "http"}},
    Spelling{"http.connection", {"http.connection", "http"}},
    Spelling{"http.protocol", {"http.protocol", "http"}},
    Spelling{"file.data", {"file.data", "file"}},
    Spelling{"file_data", {"file.data", "file"}},
    Spelling{"file.name", {"file.name", "file"}},
    Spelling{"tls.sni", {"tls.sni", "tls"}},
    Spelling{"tls_sni", {"tls.sni", "tls"}},
    Spelling{"tls.certs", {"tls.certs", "tls"}},
    Spelling{"tls.cert_subject", {"tls.cert_subject", "tls"}},
    Spelling{"tls_cert_subject", {"tls.cert_subject", "tls"}},
    Spelling{"tls.cert_issuer", {"tls.cert_issuer", "tls"}},
    Spelling{"tls_cert_issuer", {"tls.cert_issuer", "tls"}},
    Spelling{"tls.cert_serial", {"tls.cert_serial", "tls"}},
    Spelling{"tls_cert_serial", {"tls.cert_serial", "tls"}},
    Spelling{"tls.cert_fingerprint", {"tls.cert_fingerprint", "tls"}},
    Spelling{"tls_cert_fingerprint", {"tls.cert_fingerprint", "tls"}},
    Spelling{"tls.subjectaltname", {"tls.subjectaltname", "tls"}},
    Spelling{"ja3.hash", {"ja3.hash", "tls"}},
    Spelling{"ja3_hash", {"ja3.hash", "tls"}},
    Spelling{"ja3.string", {"ja3.string", "tls"}},
    Spelling{"ja3_string", {"ja3.string", "tls"}},
    Spelling{"ja3s.hash", {"ja3s.hash", "tls"}},
    Spelling{"ja3s_hash", {"ja3s.hash", "tls"}},
    Spelling{"ja3s.string", {"ja3s.string", "tls"}},
    Spelling{"dns.query", {"dns.query", "dns"}},
    Spelling{"dns_query", {"dns.query", "dns"}},
    Spelling{"ssh.proto", {"ssh.proto", "ssh"}},
    Spelling{"ssh_proto", {"ssh.proto", "ssh"}},
    Spelling{"ssh.software", {"ssh.software", "ssh"}},
    Spelling{"ssh_software", {"ssh.software", "ssh"}},
    Spelling{"ssh.hassh", {"ssh.hassh", "ssh"}},
    Spelling{"ssh.hassh.server", {"ssh.hassh.server", "ssh"}},
    Spelling{"smb.named_pipe", {"smb.named_pipe", "smb"}},
    Spelling{"smb.share", {"smb.share", "smb"}},
    Spelling{"base64_data", {"base64_data", "any"}},
    Spelling{"pkt_data", {"payload", "any"}},
};

constexpr std::array kLegacyContentModifiers = {
    Spelling{"http_uri", {"http.uri", "http"}},
    Spelling{"http_raw_uri", {"http.uri.raw", "http"}},
    Spelling{"http_method", {"http.method", "http"}},
    Spelling{"http_header", {"http.header", "http"}},
    Spelling{"http_raw_header", {"http.header.raw", "http"}},
    Spelling{"http_cookie", {"http.cookie", "http"}},
    Spelling{"http_client_body", {"http.request_body", "http"}},
    Spelling{"http_server_body", {"http.response_body", "http"}},
    Spelling{"http_stat_code", {"http.stat_code", "http"}},
    Spelling{"http_stat_msg", {"http.stat_msg", "http"}},
    Spelling{"http_user_agent", {"http.user_agent", "http"}},
    Spelling{"http_host", {"http.host", "http"}},
    Spelling{"http_raw_host", {"http.host.raw", "http"}},
};

constexpr std::array<std::pair<char, BufferName>, 13> kPcreBufferFlags = {{
    {'U', {"http.uri", "http"}},
    {'I', {"http.uri.raw", "http"}},
    {'P', {"http.request_body", "http"}},
    {'Q', {"http.response_body", "http"}},
    {'H', {"http.header", "http"}},
    {'D', {"http.header.raw", "http"}},
    {'M', {"http.method", "http"}},
    {'C', {"http.cookie", "http"}},
    {'S', {"http.stat_code", "http"}},
    {'Y', {"http.stat_msg", "http"}},
    {'V', {"http.user_agent", "http"}},
    {'W', {"http.host", "http"}},
    {'Z', {"http.host.raw", "http"}},
}};

constexpr std::array<std::pair<std::string_view, TransformArgument>, 14> kTransforms = {{
    {"dotprefix", TransformArgument::none},
    {"to_lowercase", TransformArgument::none},
    {"to_uppercase", TransformArgument::none},
    {"strip_whitespace", TransformArgument::none},
    {"compress_whitespace", TransformArgument::none},
    {"url_decode", TransformArgument::none},
    {"to_md5", TransformArgument::none},
    {"to_sha1", TransformArgument::none},
    {"to_sha256", TransformArgument::none},
    {"header_lowercase", TransformArgument::none},
    {"strip_pseudo_headers", TransformArgument::none},
    {"xor", TransformArgument::required},
    {"pcrexform", TransformArgument::required},
    {"from_base64", TransformArgument::none},
}};

template <typename Table>
std::optional<BufferName> look_up(const Table& table, std::string_view keyword) {
  const auto found =
      std::find_if(table.begin(), table.end(), [keyword](const Spelling& s) { return s.keyword == keyword; });
  if (found == table.end()) return std::nullopt;
  return found->buffer;
}

}  // namespace

std::optional<BufferName> find_sticky_buffer(std::string_view keyword) {
  return look_up(kStickyBuffers, keyword);
}

std::optional<BufferName> find_legacy_content_modifier(std::string_view keyword) {
  return look_up(kLegacyContentModifiers, keyword);
}

std::optional<BufferName> find_pcre_buffer_flag(char flag) {
  for (const auto& [letter, buffer] : kPcreBufferFlags) {
    if (letter == flag) return buffer;
  }
  return std::nullopt;
}

std::optional<BufferName> find_buffer(std::string_view canonical) {
  for (const auto& spelling : kStickyBuffers) {
    if (spelling.buffer.canonical == canonical) return spelling.buffer;
  }
  return std::nullopt;
}

bool buffer_applies_to_protocol(std::string_view family, std::string_view protocol) {
  if (family == "any" || protocol == "ip" || protocol == "tcp" || protocol == "tcp-stream") return true;
  if (family == "http") return protocol == "http" || protocol == "http1" || protocol == "http2";
  if (family == "file") {
    return protocol == "http" || protocol == "http1" || protocol == "http2" || protocol == "smtp" ||
           protocol == "ftp" || protocol == "ftp-data" || protocol == "smb" || protocol == "nfs" ||
           protocol == "udp";
  }
  if (family == "dns") return protocol == "dns" || protocol == "udp";
  return family == protocol;
}

std::optional<TransformArgument> find_transform(std::string_view keyword) {
  for (const auto& [name, argument] : kTransforms) {
    if (name == keyword) return argument;
  }
  return std::nullopt;
}

}  // namespace torwart::signatures::detail
