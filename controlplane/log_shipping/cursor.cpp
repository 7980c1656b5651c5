#include "controlplane/log_shipping/cursor.hpp"

#include <nlohmann/json.hpp>

#include <system_error>

#include "controlplane/config_store/atomic_file.hpp"
#include "controlplane/log_shipping/shipping_error.hpp"

namespace torwart::controlplane::log_shipping {
namespace {

using nlohmann::json;

constexpr std::string_view kFormat = "torwart-log-shipping-cursor";
constexpr std::size_t kMaxCursorBytes = 4 << 20;  // 1024 batches of three ranges fit several times

json position_json(const Position& p) {
  return {{"file", p.file},     {"prior", p.prior},           {"inode", p.inode},
          {"offset", p.offset}, {"head_bytes", p.head_bytes}, {"head", p.head}};
}

json range_json(const StreamRange& r) {
  return {{"start", position_json(r.start)}, {"end", position_json(r.end)}, {"records", r.records}};
}

// Reads the document field by field, naming the path of whatever is wrong.
class Fields {
 public:
  explicit Fields(std::string origin) : origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& where, const std::string& why) const {
    throw ShippingError(origin_ + ": " + where + ": " + why);
  }
  const json& member(const json& object, const std::string& where, const char* key) const {
    if (!object.is_object()) fail(where, "expected an object");
    const auto it = object.find(key);
    if (it == object.end()) fail(where + "." + key, "missing");
    return *it;
  }
  uint64_t number(const json& object, const std::string& where, const char* key) const {
    const json& v = member(object, where, key);
    if (!v.is_number_unsigned()) fail(where + "." + key, "expected a whole number");
    return v.get<uint64_t>();
  }
  std::string text(const json& object, const std::string& where, const char* key) const {
    const json& v = member(object, where, key);
    if (!v.is_string()) fail(where + "." + key, "expected a text");
    return v.get<std::string>();
  }
  Position position(const json& object, const std::string& where) const {
    Position p;
    p.file = text(object, where, "file");
    p.prior = text(object, where, "prior");
    p.inode = number(object, where, "inode");
    p.offset = number(object, where, "offset");
    p.head_bytes = number(object, where, "head_bytes");
    p.head = text(object, where, "head");
    if (p.head_bytes > kHeadBytes) fail(where + ".head_bytes", "more than " + std::to_string(kHeadBytes));
    for (const std::string* name : {&p.file, &p.prior})
      if (name->find('/') != std::string::npos || *name == "." || *name == "..")
        fail(where, "'" + *name + "' is not a file name");
    const bool hex = p.head.size() == 64 && p.head.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (!p.file.empty() && !hex) fail(where + ".head", "expected a SHA-256 in hex");
    if (p.file.empty() && (p.inode != 0 || p.offset != 0 || p.head_bytes != 0 || !p.head.empty()))
      fail(where, "a stream's start has no inode, offset or head");
    return p;
  }

 private:
  std::string origin_;
};

}  // namespace

std::string cursor_text(const CursorState& state) {
  json streams = json::object(), batches = json::array();
  for (Stream s : kStreams)
    streams[std::string(stream_name(s))] = position_json(state.confirmed[static_cast<std::size_t>(s)]);
  for (const Batch& b : state.batches) {
    json ranges = json::object();
    for (Stream s : kStreams)
      ranges[std::string(stream_name(s))] = range_json(b.ranges[static_cast<std::size_t>(s)]);
    batches.push_back({{"first_seq", b.first_seq}, {"ranges", ranges}});
  }
  return json{{"format", kFormat},
              {"format_version", 1},
              {"next_seq", state.next_seq},
              {"confirmed", streams},
              {"batches", batches},
              {"shipped", state.shipped},
              {"lost_to_retention", state.lost_to_retention},
              {"vanished_files", state.vanished_files},
              {"truncated", state.truncated}}
             .dump() +
         "\n";
}

CursorState parse_cursor(std::string_view text, const std::string& origin) {
  const json doc = json::parse(text, nullptr, false);
  Fields f(origin);
  if (doc.is_discarded()) f.fail("document", "not JSON");
  if (f.text(doc, "document", "format") != kFormat) f.fail("format", "not a log shipping cursor");
  if (f.number(doc, "document", "format_version") != 1) f.fail("format_version", "unknown version");
  CursorState state;
  state.next_seq = f.number(doc, "document", "next_seq");
  if (state.next_seq == 0) f.fail("next_seq", "sequence numbers start at 1");
  const json& confirmed = f.member(doc, "document", "confirmed");
  for (Stream s : kStreams) {
    const std::string name(stream_name(s));
    state.confirmed[static_cast<std::size_t>(s)] =
        f.position(f.member(confirmed, "confirmed", name.c_str()), "confirmed." + name);
  }
  const json& batches = f.member(doc, "document", "batches");
  if (!batches.is_array()) f.fail("batches", "expected a list");
  if (batches.size() > kMaxBatches) f.fail("batches", "more than " + std::to_string(kMaxBatches));
  uint64_t seq = state.next_seq;
  for (std::size_t i = 0; i < batches.size(); ++i) {
    const std::string where = "batches[" + std::to_string(i) + "]";
    Batch b;
    b.first_seq = f.number(batches[i], where, "first_seq");
    // Numbers follow on without a gap: batch i starts where the one before it ended.
    if (b.first_seq != seq) f.fail(where + ".first_seq", "expected " + std::to_string(seq));
    const json& ranges = f.member(batches[i], where, "ranges");
    for (Stream s : kStreams) {
      const std::string name(stream_name(s));
      const std::string at = where + ".ranges." + name;
      const json& r = f.member(ranges, where + ".ranges", name.c_str());
      StreamRange& range = b.ranges[static_cast<std::size_t>(s)];
      range.start = f.position(f.member(r, at, "start"), at + ".start");
      range.end = f.position(f.member(r, at, "end"), at + ".end");
      range.records = f.number(r, at, "records");
      if (range.records > (uint64_t{1} << 32)) f.fail(at + ".records", "implausibly many");
      if (range.records > 0 &&
          (range.start.inode != range.end.inode || range.end.offset < range.start.offset))
        f.fail(at, "a range lies in one file, from its start to its end");
    }
    seq += b.records();
    state.batches.push_back(std::move(b));
  }
  state.shipped = f.number(doc, "document", "shipped");
  state.lost_to_retention = f.number(doc, "document", "lost_to_retention");
  state.vanished_files = f.number(doc, "document", "vanished_files");
  state.truncated = f.number(doc, "document", "truncated");
  return state;
}

CursorState load_cursor(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return CursorState{};
  std::string text;
  try {
    text = read_whole_file(path, kMaxCursorBytes);
  } catch (const StoreIoError& e) {
    throw ShippingError(e.what());
  }
  return parse_cursor(text, path.string());
}

void save_cursor(const std::filesystem::path& path, const CursorState& state) {
  try {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    write_file_atomic(path, cursor_text(state));
  } catch (const StoreIoError& e) {
    throw ShippingError(e.what());
  }
}

}  // namespace torwart::controlplane::log_shipping
