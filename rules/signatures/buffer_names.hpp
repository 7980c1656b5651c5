#pragma once
// The names of inspection buffers: sticky buffers (dotted and legacy spellings), the legacy content
// modifiers that move one content into a buffer, pcre's buffer flags, and transforms.
#include <optional>
#include <string>
#include <string_view>

namespace torwart::signatures::detail {

struct BufferName {
  std::string_view canonical;  // e.g. "http.uri"
  std::string_view family;     // the application protocol the buffer belongs to: http, tls, dns, ...
};

std::optional<BufferName> find_sticky_buffer(std::string_view keyword);
std::optional<BufferName> find_legacy_content_modifier(std::string_view keyword);
std::optional<BufferName> find_pcre_buffer_flag(char flag);
std::optional<BufferName> find_buffer(std::string_view canonical);

// Whether a buffer of this family can exist in traffic of the rule's protocol.
bool buffer_applies_to_protocol(std::string_view family, std::string_view protocol);

enum class TransformArgument { none, required };
std::optional<TransformArgument> find_transform(std::string_view keyword);

}  // namespace torwart::signatures::detail
