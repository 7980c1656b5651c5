#include "dataplane/core/fixed_json.hpp"

#include <charconv>

namespace torwart::dataplane {

void FixedJson::put(char c) {
  if (length_ + 1 > capacity_) {
    ok_ = false;
    return;
  }
  buffer_[length_++] = c;
}

void FixedJson::put(std::string_view text) {
  if (length_ + text.size() > capacity_) {
    ok_ = false;
    return;
  }
  for (char c : text) buffer_[length_++] = c;
}

void FixedJson::put_escaped(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      put('\\');
      put(c);
    } else if (u < 0x20) {
      put("\\u00");
      put(kHex[u >> 4]);
      put(kHex[u & 0xf]);
    } else {
      put(c);
    }
  }
}

void FixedJson::separator() {
  if (!first_) put(',');
  first_ = false;
}

void FixedJson::key(std::string_view name) {
  separator();
  put('"');
  put_escaped(name);
  put("\":");
}

FixedJson& FixedJson::open_object(std::string_view name) {
  if (!name.empty()) {
    key(name);
  } else if (length_ > 0) {
    separator();  // an element of an array (the very first object of a record has nothing before it)
  }
  put('{');
  first_ = true;
  return *this;
}

FixedJson& FixedJson::close_object() {
  put('}');
  first_ = false;
  return *this;
}

FixedJson& FixedJson::open_array(std::string_view name) {
  key(name);
  put('[');
  first_ = true;
  return *this;
}

FixedJson& FixedJson::close_array() {
  put(']');
  first_ = false;
  return *this;
}

FixedJson& FixedJson::value(std::string_view text) {
  separator();
  put('"');
  put_escaped(text);
  put('"');
  return *this;
}

FixedJson& FixedJson::field(std::string_view name, std::string_view value) {
  key(name);
  put('"');
  put_escaped(value);
  put('"');
  return *this;
}

FixedJson& FixedJson::field(std::string_view name, uint64_t value) {
  key(name);
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  put(std::string_view(digits, static_cast<size_t>(end - digits)));
  return *this;
}

FixedJson& FixedJson::field(std::string_view name, bool value) {
  key(name);
  put(value ? "true" : "false");
  return *this;
}

FixedJson& FixedJson::raw_field(std::string_view name, std::string_view json) {
  key(name);
  put(json);
  return *this;
}

}  // namespace torwart::dataplane
