#pragma once
// Writes one JSON object into a caller's fixed buffer, for the workers' EVE records (no allocation).
// Overflow is sticky: ok() turns false and the record is discarded rather than cut.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace torwart::dataplane {

class FixedJson {
 public:
  FixedJson(char* buffer, size_t capacity) : buffer_(buffer), capacity_(capacity) {}

  FixedJson& open_object(std::string_view key = {});
  FixedJson& close_object();
  // An array under `key`; inside it, open_object() with no key adds an element object, value() a text
  // element.
  FixedJson& open_array(std::string_view key);
  FixedJson& close_array();
  FixedJson& value(std::string_view text);
  FixedJson& field(std::string_view key, std::string_view value);
  FixedJson& field(std::string_view key, uint64_t value);
  FixedJson& field(std::string_view key, bool value);
  FixedJson& raw_field(std::string_view key, std::string_view json);

  bool ok() const { return ok_; }
  size_t size() const { return length_; }

 private:
  void separator();
  void key(std::string_view name);
  void put(char c);
  void put(std::string_view text);
  void put_escaped(std::string_view text);

  char* buffer_;
  size_t capacity_;
  size_t length_ = 0;
  bool ok_ = true;
  bool first_ = true;
};

}  // namespace torwart::dataplane
