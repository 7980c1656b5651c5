// Keywords kept as their text: those whose value the future engine needs no structure of (yet), and
// those it cannot honour at all, which are flagged so that the loader skips the rule with the reason.
#include <array>
#include <string_view>

#include "rules/signatures/parser_state.hpp"

namespace torwart::signatures::detail {
namespace {

enum class Value { required, none };

struct TextKeyword {
  std::string_view name;
  Value value;
  bool unsupported;
};

// Unsupported, and why (the README repeats this): xbits and flowint keep state across hosts and
// counters the flow table has no room for; base64_decode, asn1 and byte_math decode data the pattern
// engine never sees; stream_size needs TCP reassembly counters; tag, filestore and replace act on
// packets rather than match them; app-layer-event and ftpbounce need parser events torwart does not
// raise; lua and luajit run scripts; dataset, datarep and iprep need external lists; file* keywords need
// file extraction.
constexpr std::array kTextKeywords = {
    TextKeyword{"itype", Value::required, false},
    TextKeyword{"icode", Value::required, false},
    TextKeyword{"icmp_id", Value::required, false},
    TextKeyword{"icmp_seq", Value::required, false},
    TextKeyword{"ttl", Value::required, false},
    TextKeyword{"tos", Value::required, false},
    TextKeyword{"id", Value::required, false},
    TextKeyword{"ipopts", Value::required, false},
    TextKeyword{"fragbits", Value::required, false},
    TextKeyword{"fragoffset", Value::required, false},
    TextKeyword{"seq", Value::required, false},
    TextKeyword{"ack", Value::required, false},
    TextKeyword{"window", Value::required, false},
    TextKeyword{"ip_proto", Value::required, false},
    TextKeyword{"tls.version", Value::required, false},
    TextKeyword{"ssl_version", Value::required, false},
    TextKeyword{"ssl_state", Value::required, false},
    TextKeyword{"dns.opcode", Value::required, false},
    TextKeyword{"tcp.mss", Value::required, false},
    TextKeyword{"requires", Value::required, false},
    TextKeyword{"sameip", Value::none, false},
    TextKeyword{"noalert", Value::none, false},
    TextKeyword{"tls.store", Value::none, true},
    TextKeyword{"xbits", Value::required, true},
    TextKeyword{"flowint", Value::required, true},
    TextKeyword{"base64_decode", Value::required, true},
    TextKeyword{"asn1", Value::required, true},
    TextKeyword{"byte_math", Value::required, true},
    TextKeyword{"stream_size", Value::required, true},
    TextKeyword{"tag", Value::required, true},
    TextKeyword{"filestore", Value::none, true},
    TextKeyword{"replace", Value::required, true},
    TextKeyword{"app-layer-event", Value::required, true},
    TextKeyword{"ftpbounce", Value::none, true},
    TextKeyword{"lua", Value::required, true},
    TextKeyword{"luajit", Value::required, true},
    TextKeyword{"dataset", Value::required, true},
    TextKeyword{"datarep", Value::required, true},
    TextKeyword{"iprep", Value::required, true},
    TextKeyword{"filemagic", Value::required, true},
    TextKeyword{"filemd5", Value::required, true},
    TextKeyword{"filesha1", Value::required, true},
    TextKeyword{"filesha256", Value::required, true},
    TextKeyword{"filesize", Value::required, true},
    TextKeyword{"filename", Value::required, true},
    TextKeyword{"fileext", Value::required, true},
};

}  // namespace

void add_text_keywords(KeywordTable& table) {
  for (const TextKeyword& keyword : kTextKeywords) {
    table.emplace(std::string(keyword.name), [keyword](ParserState& state, const RawOption& option) {
      if (keyword.value == Value::none) {
        ParserState::no_value(option);
      } else {
        ParserState::value_of(option);
      }
      if (keyword.unsupported) state.signature.unsupported_features.insert(option.keyword);
      return std::optional<OptionValue>(TextOption{option.value});
    });
  }
}

}  // namespace torwart::signatures::detail
