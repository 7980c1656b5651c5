// Sticky buffers and transforms: which buffer the following content, pcre and byte keywords inspect.
#include "rules/signatures/buffer_names.hpp"
#include "rules/signatures/parser_state.hpp"

namespace torwart::signatures::detail {
namespace {

std::optional<OptionValue> sticky_buffer(ParserState& state, const RawOption& option) {
  ParserState::no_value(option);
  const auto buffer = find_sticky_buffer(option.keyword);
  if (!buffer_applies_to_protocol(buffer->family, state.signature.protocol)) {
    ParserState::fail(ErrorKind::misplaced, option,
                      "buffer '" + std::string(buffer->canonical) + "' does not exist in " +
                          state.signature.protocol + " traffic");
  }
  if (!state.buffer_inspected) {
    ParserState::fail(ErrorKind::misplaced, option,
                      "follows sticky buffer '" + state.current_buffer + "' with nothing inspecting it");
  }
  if (option.keyword == "base64_data") state.signature.unsupported_features.insert("base64_data");
  state.current_buffer = std::string(buffer->canonical);
  state.buffer_switched_since_content = true;
  state.buffer_inspected = buffer->canonical == kPayloadBuffer;
  return StickyBuffer{state.current_buffer};
}

std::optional<OptionValue> transform(ParserState& state, const RawOption& option) {
  const auto argument = find_transform(option.keyword);
  if (*argument == TransformArgument::none) {
    ParserState::no_value(option);
  } else {
    ParserState::value_of(option);
  }
  if (state.current_buffer == kPayloadBuffer) {
    ParserState::fail(ErrorKind::misplaced, option, "a transform needs a sticky buffer before it");
  }
  if (state.buffer_inspected) {
    ParserState::fail(ErrorKind::misplaced, option,
                      "a transform must directly follow its sticky buffer, before anything inspects '" +
                          state.current_buffer + "'");
  }
  // The future engine gets its literal patterns from the transformed buffer; these need code of their own.
  if (option.keyword == "pcrexform" || option.keyword == "xor" || option.keyword == "from_base64") {
    state.signature.unsupported_features.insert("transform:" + option.keyword);
  }
  return Transform{option.keyword, option.value, state.current_buffer};
}

}  // namespace

void add_buffer_keywords(KeywordTable& table) {
  for (const char* name : {"http.uri",
                           "http.uri.raw",
                           "http.method",
                           "http.host",
                           "http.host.raw",
                           "http.user_agent",
                           "http.header",
                           "http.header.raw",
                           "http.header_names",
                           "http.request_header",
                           "http.response_header",
                           "http.cookie",
                           "http.request_body",
                           "http.response_body",
                           "http.stat_code",
                           "http.stat_msg",
                           "http.content_type",
                           "http.content_len",
                           "http.request_line",
                           "http.response_line",
                           "http.referer",
                           "http.start",
                           "http.location",
                           "http.accept",
                           "http.accept_enc",
                           "http.accept_lang",
                           "http.server",
                           "http.connection",
                           "http.protocol",
                           "file.data",
                           "file_data",
                           "file.name",
                           "tls.sni",
                           "tls_sni",
                           "tls.certs",
                           "tls.cert_subject",
                           "tls_cert_subject",
                           "tls.cert_issuer",
                           "tls_cert_issuer",
                           "tls.cert_serial",
                           "tls_cert_serial",
                           "tls.cert_fingerprint",
                           "tls_cert_fingerprint",
                           "tls.subjectaltname",
                           "ja3.hash",
                           "ja3_hash",
                           "ja3.string",
                           "ja3_string",
                           "ja3s.hash",
                           "ja3s_hash",
                           "ja3s.string",
                           "dns.query",
                           "dns_query",
                           "ssh.proto",
                           "ssh_proto",
                           "ssh.software",
                           "ssh_software",
                           "ssh.hassh",
                           "ssh.hassh.server",
                           "smb.named_pipe",
                           "smb.share",
                           "base64_data",
                           "pkt_data"}) {
    table.emplace(name, sticky_buffer);
  }
  for (const char* name : {"dotprefix", "to_lowercase", "to_uppercase", "strip_whitespace",
                           "compress_whitespace", "url_decode", "to_md5", "to_sha1", "to_sha256",
                           "header_lowercase", "strip_pseudo_headers", "xor", "pcrexform", "from_base64"}) {
    table.emplace(name, transform);
  }
}

}  // namespace torwart::signatures::detail
