#include "rules/signatures/network_expression.hpp"

#include <charconv>

#include "rules/config/ip_address.hpp"
#include "rules/signatures/option_text.hpp"
#include "rules/signatures/parse_error.hpp"

namespace torwart::signatures {
namespace {

std::optional<std::uint16_t> parse_port_number(std::string_view text) {
  unsigned value = 0;
  const auto* const end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, value);
  if (text.empty() || result.ec != std::errc() || result.ptr != end || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

class ExpressionParser {
 public:
  ExpressionParser(std::string_view text, ExpressionType type, const std::string& keyword)
      : text_(text), type_(type), keyword_(keyword) {}

  NetworkExpression parse_all() {
    NetworkExpression expression = parse_element();
    if (position_ != text_.size()) fail("unexpected '" + std::string(text_.substr(position_)) + "'");
    return expression;
  }

 private:
  [[noreturn]] void fail(const std::string& reason) const {
    throw ParseFailure(ErrorKind::malformed_value, keyword_, reason + " in '" + std::string(text_) + "'");
  }

  void skip_spaces() {
    while (position_ < text_.size() && text_[position_] == ' ') ++position_;
  }

  NetworkExpression parse_element() {
    skip_spaces();
    bool negated = false;
    while (position_ < text_.size() && text_[position_] == '!') {
      negated = !negated;
      ++position_;
      skip_spaces();
    }
    if (position_ >= text_.size()) fail("missing element");
    NetworkExpression expression = text_[position_] == '[' ? parse_list() : parse_atom();
    if (negated && expression.kind == NetworkExpression::Kind::any) fail("'!any' matches nothing");
    expression.negated = negated != expression.negated;
    skip_spaces();
    return expression;
  }

  NetworkExpression parse_list() {
    ++position_;  // '['
    NetworkExpression list;
    list.kind = NetworkExpression::Kind::list;
    while (true) {
      list.items.push_back(parse_element());
      if (position_ >= text_.size()) fail("unbalanced '['");
      if (text_[position_] == ',') {
        ++position_;
        continue;
      }
      if (text_[position_] == ']') {
        ++position_;
        return list;
      }
      fail(std::string("unexpected '") + text_[position_] + "'");
    }
  }

  NetworkExpression parse_atom() {
    const std::size_t start = position_;
    while (position_ < text_.size() && text_[position_] != ',' && text_[position_] != ']' &&
           text_[position_] != '[' && text_[position_] != ' ') {
      ++position_;
    }
    const std::string_view atom = text_.substr(start, position_ - start);
    if (atom.empty()) fail("empty element");
    NetworkExpression expression;
    if (atom == "any") return expression;
    if (atom.front() == '$') {
      if (!detail::is_identifier(atom.substr(1))) fail("'" + std::string(atom) + "' is not a variable name");
      expression.kind = NetworkExpression::Kind::variable;
      expression.text = std::string(atom.substr(1));
      return expression;
    }
    const bool valid = type_ == ExpressionType::address ? parse_address_literal(atom).has_value()
                                                        : parse_port_range(atom).has_value();
    if (!valid) {
      fail(
          "'" + std::string(atom) + "' is not " +
          (type_ == ExpressionType::address ? "an IP address or prefix" : "a port or port range (0..65535)"));
    }
    expression.kind = NetworkExpression::Kind::literal;
    expression.text = std::string(atom);
    return expression;
  }

  std::string_view text_;
  ExpressionType type_;
  const std::string& keyword_;
  std::size_t position_ = 0;
};

}  // namespace

std::optional<config::IpPrefix> parse_address_literal(std::string_view text) {
  if (auto prefix = config::IpPrefix::parse(text)) return prefix;
  // Suricata masks host bits (ET Open writes 108.160.162.0/20) where the configuration refuses them.
  if (const auto with_host_bits = config::InterfaceAddress::parse(text)) return with_host_bits->network();
  // Suricata also takes a dotted netmask: 10.0.0.0/255.0.0.0.
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto address = config::IpAddress::parse(text.substr(0, slash));
  const auto mask = config::IpAddress::parse(text.substr(slash + 1));
  if (!address || !mask || !address->is_v4() || !mask->is_v4()) return std::nullopt;
  const std::uint32_t bits = mask->v4_host_order();
  if ((~bits & (~bits + 1)) != 0) return std::nullopt;  // not contiguous ones from the top
  const int length = bits == 0 ? 0 : 32 - __builtin_ctz(bits);
  return config::InterfaceAddress{*address, static_cast<std::uint8_t>(length)}.network();
}

std::optional<std::pair<std::uint16_t, std::uint16_t>> parse_port_range(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    const auto port = parse_port_number(text);
    if (!port) return std::nullopt;
    return std::pair{*port, *port};
  }
  const std::string_view low_text = text.substr(0, colon);
  const std::string_view high_text = text.substr(colon + 1);
  if (low_text.empty() && high_text.empty()) return std::nullopt;
  const auto low = low_text.empty() ? std::optional<std::uint16_t>(0) : parse_port_number(low_text);
  const auto high = high_text.empty() ? std::optional<std::uint16_t>(65535) : parse_port_number(high_text);
  if (!low || !high || *low > *high) return std::nullopt;
  return std::pair{*low, *high};
}

NetworkExpression parse_network_expression(std::string_view text, ExpressionType type,
                                           const std::string& keyword) {
  return ExpressionParser(text, type, keyword).parse_all();
}

std::string to_string(const NetworkExpression& expression) {
  std::string text = expression.negated ? "!" : "";
  switch (expression.kind) {
    case NetworkExpression::Kind::any:
      return text + "any";
    case NetworkExpression::Kind::variable:
      return text + "$" + expression.text;
    case NetworkExpression::Kind::literal:
      return text + expression.text;
    case NetworkExpression::Kind::list:
      break;
  }
  text += "[";
  for (std::size_t i = 0; i < expression.items.size(); ++i) {
    text += (i ? "," : "") + to_string(expression.items[i]);
  }
  return text + "]";
}

}  // namespace torwart::signatures
