#include "rules/signatures/signature_parser.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "rules/signatures/buffer_names.hpp"
#include "rules/signatures/network_expression.hpp"
#include "rules/signatures/option_text.hpp"
#include "rules/signatures/parser_state.hpp"

namespace torwart::signatures {
namespace {

const detail::KeywordTable& keyword_table() {
  static const detail::KeywordTable table = [] {
    detail::KeywordTable built;
    detail::add_meta_keywords(built);
    detail::add_payload_keywords(built);
    detail::add_byte_keywords(built);
    detail::add_flow_keywords(built);
    detail::add_buffer_keywords(built);
    detail::add_text_keywords(built);
    return built;
  }();
  return table;
}

[[noreturn]] void fail(ErrorKind kind, const std::string& keyword, const std::string& reason) {
  throw ParseFailure(kind, keyword, reason);
}

// Splits the header at whitespace outside brackets, so that "[1.1.1.1, 2.2.2.2]" stays one part.
std::vector<std::string> header_parts(std::string_view header) {
  std::vector<std::string> parts;
  std::string current;
  int depth = 0;
  for (const char c : header) {
    if (c == '[') ++depth;
    if (c == ']' && --depth < 0) fail(ErrorKind::syntax, "header", "']' without '['");
    if (std::isspace(static_cast<unsigned char>(c)) && depth == 0) {
      if (!current.empty()) parts.push_back(std::move(current));
      current.clear();
      continue;
    }
    current += c;
  }
  if (depth != 0) fail(ErrorKind::syntax, "header", "unbalanced '['");
  if (!current.empty()) parts.push_back(std::move(current));
  return parts;
}

void parse_action(Signature& signature, const std::string& action) {
  constexpr std::array<std::pair<std::string_view, RejectTarget>, 4> kRejects = {{
      {"reject", RejectTarget::source},
      {"rejectsrc", RejectTarget::source},
      {"rejectdst", RejectTarget::destination},
      {"rejectboth", RejectTarget::both},
  }};
  for (const auto& [name, target] : kRejects) {
    if (action == name) {
      signature.action = Action::reject;
      signature.reject_target = target;
      return;
    }
  }
  if (action == "alert") {
    signature.action = Action::alert;
  } else if (action == "drop") {
    signature.action = Action::drop;
  } else if (action == "pass") {
    signature.action = Action::pass;
  } else {
    fail(ErrorKind::syntax, "action", "unknown action '" + action + "'");
  }
}

void parse_protocol(Signature& signature, const std::string& protocol) {
  static const std::set<std::string, std::less<>> kProtocols = {"ip",
                                                                "ipv4",
                                                                "ipv6",
                                                                "tcp",
                                                                "udp",
                                                                "icmp",
                                                                "icmpv4",
                                                                "icmpv6",
                                                                "sctp",
                                                                "pkthdr",
                                                                "tcp-pkt",
                                                                "tcp-stream",
                                                                "http",
                                                                "http1",
                                                                "http2",
                                                                "tls",
                                                                "dns",
                                                                "smb",
                                                                "ssh",
                                                                "ftp",
                                                                "ftp-data",
                                                                "smtp",
                                                                "imap",
                                                                "pop3",
                                                                "dcerpc",
                                                                "nfs",
                                                                "krb5",
                                                                "ntp",
                                                                "dhcp",
                                                                "snmp",
                                                                "sip",
                                                                "rdp",
                                                                "rfb",
                                                                "mqtt",
                                                                "modbus",
                                                                "dnp3",
                                                                "enip",
                                                                "ike",
                                                                "tftp",
                                                                "quic",
                                                                "pgsql",
                                                                "telnet",
                                                                "bittorrent-dht",
                                                                "websocket",
                                                                "ldap",
                                                                "dcerpc-udp"};
  if (!kProtocols.contains(protocol))
    fail(ErrorKind::syntax, "protocol", "unknown protocol '" + protocol + "'");
  signature.protocol = protocol;
}

void parse_header(Signature& signature, std::string_view header) {
  const auto parts = header_parts(header);
  if (parts.size() != 7) {
    fail(ErrorKind::syntax, "header",
         "expected 'action protocol source port direction destination port', got " +
             std::to_string(parts.size()) + " parts");
  }
  parse_action(signature, parts[0]);
  parse_protocol(signature, parts[1]);
  signature.source_address = parse_network_expression(parts[2], ExpressionType::address, "source");
  signature.source_port = parse_network_expression(parts[3], ExpressionType::port, "source_port");
  if (parts[4] == "->") {
    signature.direction = Direction::to_destination;
  } else if (parts[4] == "<>") {
    signature.direction = Direction::both_ways;
  } else {
    fail(ErrorKind::syntax, "direction", "'" + parts[4] + "' is neither '->' nor '<>'");
  }
  signature.destination_address = parse_network_expression(parts[5], ExpressionType::address, "destination");
  signature.destination_port = parse_network_expression(parts[6], ExpressionType::port, "destination_port");
}

// The sid for an error message when the rule did not parse far enough to set it.
std::optional<std::uint32_t> find_sid(std::string_view text) {
  for (std::size_t at = text.find("sid:"); at != std::string_view::npos; at = text.find("sid:", at + 1)) {
    if (at > 0 && text[at - 1] != ';' && text[at - 1] != '(' && text[at - 1] != ' ') continue;
    std::uint32_t sid = 0;
    std::size_t i = at + 4;
    while (i < text.size() && text[i] == ' ') ++i;
    const std::size_t digits_start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && sid < 400000000U) {
      sid = sid * 10 + static_cast<std::uint32_t>(text[i++] - '0');
    }
    if (i > digits_start) return sid;
  }
  return std::nullopt;
}

void check_buffers_fit_protocol(const Signature& signature) {
  for (const Option& option : signature.options) {
    const std::string* buffer = nullptr;
    if (const auto* content = std::get_if<Content>(&option.value)) buffer = &content->buffer;
    if (const auto* pcre = std::get_if<Pcre>(&option.value)) buffer = &pcre->buffer;
    if (!buffer || *buffer == kPayloadBuffer) continue;
    const auto known = detail::find_buffer(*buffer);
    if (known && !detail::buffer_applies_to_protocol(known->family, signature.protocol)) {
      fail(ErrorKind::misplaced, option.keyword,
           "buffer '" + *buffer + "' does not exist in " + signature.protocol + " traffic");
    }
  }
}

void parse_options(Signature& signature, std::string_view body) {
  detail::ParserState state{signature};
  const auto& table = keyword_table();
  for (const auto& raw : detail::split_options(body)) {
    const auto handler = table.find(raw.keyword);
    if (handler == table.end()) fail(ErrorKind::unknown_keyword, raw.keyword, "unknown keyword");
    if (auto value = handler->second(state, raw)) {
      signature.options.push_back(Option{raw.keyword, raw.value, std::move(*value)});
    }
  }
  if (!state.buffer_inspected) {
    fail(ErrorKind::misplaced, state.current_buffer, "sticky buffer at the end with nothing inspecting it");
  }
  if (signature.sid == 0) fail(ErrorKind::missing_required, "sid", "the rule has no sid");
  check_buffers_fit_protocol(signature);
}

std::string join_continuations(std::string_view text) {
  std::string joined;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == '\n' || text[i + 1] == '\r')) {
      while (i + 1 < text.size() && (text[i + 1] == '\n' || text[i + 1] == '\r')) ++i;
      continue;
    }
    joined += text[i];
  }
  return joined;
}

}  // namespace

SignatureParseResult parse_signature(std::string_view text, std::string_view file, std::size_t line) {
  const std::string joined = join_continuations(text);
  const std::string_view rule = detail::trim(joined);
  Signature signature;
  signature.source_file = std::string(file);
  signature.source_line = line;
  signature.text = std::string(rule);
  try {
    const auto open = rule.find('(');
    if (open == std::string_view::npos) fail(ErrorKind::syntax, "options", "no '(' opening the option list");
    if (rule.back() != ')') fail(ErrorKind::syntax, "options", "the rule does not end with ')'");
    parse_header(signature, rule.substr(0, open));
    parse_options(signature, rule.substr(open + 1, rule.size() - open - 2));
  } catch (const ParseFailure& failure) {
    return {
        ParseError{std::string(file), line, find_sid(rule), failure.kind, failure.keyword, failure.what()}};
  } catch (const std::exception& unexpected) {
    // A rule must never stop the others from loading, not even one that finds a gap in the checks.
    return {ParseError{std::string(file), line, find_sid(rule), ErrorKind::syntax, "", unexpected.what()}};
  }
  return {std::move(signature)};
}

const std::set<std::string>& known_keywords() {
  static const std::set<std::string> names = [] {
    std::set<std::string> built;
    for (const auto& entry : keyword_table()) built.insert(entry.first);
    return built;
  }();
  return names;
}

std::vector<const Content*> Signature::contents() const {
  std::vector<const Content*> found;
  for (const Option& option : options) {
    if (const auto* content = std::get_if<Content>(&option.value)) found.push_back(content);
  }
  return found;
}

}  // namespace torwart::signatures
