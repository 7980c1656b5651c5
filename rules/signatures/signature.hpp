#pragma once
// The typed form of one Suricata rule, as the future matching engine will consume it. Everything a rule
// says is kept; keywords the engine will not honour are kept too, and named in unsupported_features.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace torwart::signatures {

enum class Action { alert, drop, reject, pass };
// Suricata's reject variants: which side receives the reset or ICMP unreachable.
enum class RejectTarget { none, source, destination, both };
enum class Direction { to_destination, both_ways };

// One element of an address or port expression as written: any, $VARIABLE, a literal, or a [list].
// Literals are validated at parse time (IP/prefix, port/range); variables are resolved by variables.hpp.
struct NetworkExpression {
  enum class Kind { any, variable, literal, list };
  Kind kind = Kind::any;
  bool negated = false;
  std::string text;  // variable name without '$', or the literal as written
  std::vector<NetworkExpression> items;
};

// A numeric bound either given directly or named after a byte_extract variable of the same rule.
struct NumberOrVariable {
  std::int64_t number = 0;
  std::string variable;
  bool is_variable() const { return !variable.empty(); }
};

inline constexpr std::string_view kPayloadBuffer = "payload";

struct FastPattern {
  bool only = false;
  std::optional<std::pair<std::uint32_t, std::uint32_t>> offset_length;
};

struct Content {
  std::string bytes;  // decoded: hex and escapes resolved
  bool negated = false;
  std::string buffer = std::string(kPayloadBuffer);
  bool nocase = false;
  bool rawbytes = false;
  bool startswith = false;
  bool endswith = false;
  std::optional<NumberOrVariable> depth, offset, distance, within;
  std::optional<FastPattern> fast_pattern;
};

struct Pcre {
  std::string pattern;
  std::string flags;  // every flag as written, PCRE and Suricata-specific alike
  bool negated = false;
  bool relative = false;
  std::string buffer = std::string(kPayloadBuffer);  // the sticky buffer, or the one a buffer flag names
};

enum class Endian { big, little, dce };
enum class NumberBase { binary, decimal, hex, octal };  // binary = not a string conversion

struct ByteTest {
  std::uint32_t bytes = 0;
  std::string op;  // <, >, =, <=, >=, &, ^ (with negated for '!')
  bool negated = false;
  NumberOrVariable value;
  NumberOrVariable offset;
  bool relative = false;
  Endian endian = Endian::big;
  NumberBase base = NumberBase::binary;
  std::optional<std::uint64_t> bitmask;
  std::string buffer = std::string(kPayloadBuffer);
};

struct ByteJump {
  std::uint32_t bytes = 0;
  NumberOrVariable offset;
  bool relative = false;
  std::optional<std::uint32_t> multiplier;
  Endian endian = Endian::big;
  NumberBase base = NumberBase::binary;
  bool align = false;
  bool from_beginning = false;
  bool from_end = false;
  std::optional<std::int64_t> post_offset;
  std::optional<std::uint64_t> bitmask;
  std::string buffer = std::string(kPayloadBuffer);
};

struct ByteExtract {
  std::uint32_t bytes = 0;
  std::int64_t offset = 0;
  std::string name;
  bool relative = false;
  std::optional<std::uint32_t> multiplier;
  Endian endian = Endian::big;
  NumberBase base = NumberBase::binary;
  std::optional<std::uint32_t> align;
  std::optional<std::uint64_t> bitmask;
  std::string buffer = std::string(kPayloadBuffer);
};

// dsize, bsize, urilen, stream sizes: "N", "<N", ">N", "<=N", ">=N", "!N", "A<>B" or "A-B".
struct NumericCondition {
  enum class Op { equal, not_equal, less, less_equal, greater, greater_equal, between };
  Op op = Op::equal;
  std::uint64_t value = 0;
  std::uint64_t upper = 0;  // only for between (exclusive bounds, as Suricata documents)
};

struct IsDataAt {
  bool negated = false;
  NumberOrVariable position;
  bool relative = false;
  bool rawbytes = false;
  std::string buffer = std::string(kPayloadBuffer);
};

struct SizeCheck {  // bsize, dsize, urilen
  std::string keyword;
  NumericCondition condition;
  std::string buffer;
};

struct Flow {
  std::set<std::string> flags;  // established, to_server, ... as written
};

struct TcpFlags {
  std::string flags;  // the flag letters with an optional leading modifier (+, *, !)
  std::string mask;   // the letters after the comma, if any
};

struct Flowbits {
  enum class Command { set, isset, isnotset, unset, toggle, noalert };
  Command command = Command::set;
  std::vector<std::string> names;  // several with '|' (any) or '&' (all)
  char combinator = 0;             // '|', '&' or 0 for a single name
};

struct Threshold {
  std::string keyword;  // threshold or detection_filter
  std::string type;     // limit, threshold, both; empty for detection_filter
  std::string track;    // by_src, by_dst, by_rule, by_both, by_flow
  std::uint32_t count = 0;
  std::uint32_t seconds = 0;
};

struct AppLayerProtocol {
  std::string protocol;
  bool negated = false;
};

struct StickyBuffer {
  std::string name;  // canonical dotted name, legacy spellings mapped
};

struct Transform {
  std::string name;
  std::string argument;
  std::string buffer;
};

struct Reference {
  std::string system;
  std::string id;
};

// Keywords kept as text: known to the parser, of no further structure the engine needs now.
struct TextOption {
  std::string value;
};

using OptionValue =
    std::variant<TextOption, Content, Pcre, ByteTest, ByteJump, ByteExtract, IsDataAt, SizeCheck, Flow,
                 TcpFlags, Flowbits, Threshold, AppLayerProtocol, StickyBuffer, Transform, Reference>;

struct Option {
  std::string keyword;  // as written
  std::string raw_value;
  OptionValue value;
};

struct Signature {
  Action action = Action::alert;
  RejectTarget reject_target = RejectTarget::none;
  std::string protocol;  // ip, tcp, udp, icmp, or an application protocol name
  NetworkExpression source_address, source_port, destination_address, destination_port;
  Direction direction = Direction::to_destination;

  std::string msg;
  std::uint32_t sid = 0;
  std::uint32_t rev = 0;
  std::uint32_t gid = 1;
  std::string classtype;
  std::optional<std::uint32_t> priority;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::vector<Reference> references;
  std::string target;  // src_ip or dest_ip

  std::vector<Option> options;  // every option in rule order, the fields above included
  std::set<std::string> unsupported_features;

  std::string source_file;
  std::size_t source_line = 0;
  std::string text;

  std::vector<const Content*> contents() const;
};

}  // namespace torwart::signatures
