#pragma once
// One log record as one RFC 5424 frame: which facility, severity, time and structured data each stream's
// records get (controlplane/README.md "Log shipping" lists them for the SIEM operator).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "controlplane/log_shipping/line_reader.hpp"

namespace torwart::controlplane::log_shipping {

enum class Stream : uint8_t { kAudit = 0, kSystem = 1, kEve = 2 };
// The order of the streams inside a batch (and so of their sequence numbers).
inline constexpr std::array<Stream, 3> kStreams = {Stream::kAudit, Stream::kSystem, Stream::kEve};
std::string_view stream_name(Stream stream);  // also the messages' MSGID: "audit", "system", "eve"

struct FrameContext {
  std::string hostname;  // HOSTNAME, already checked (header_field)
  std::size_t max_message_bytes = 8192;
};

// Appends the frame of `line` with sequence number `seq`; returns whether it was truncated.
bool append_record_frame(std::string& out, Stream stream, const Line& line, uint64_t seq,
                         const FrameContext& context);

}  // namespace torwart::controlplane::log_shipping
