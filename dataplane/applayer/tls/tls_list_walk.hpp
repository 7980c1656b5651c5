#pragma once
// Internal: the walk over the list of length-prefixed items that ends a message (a hello's extensions, the
// certificates of a Certificate message) as its bytes stream through the parser's FieldReader. field_end
// counts an item whole once its header is read, so leaving an item only passes over what of it was not
// gathered. The walk sets the stages below; a parser using it numbers its own from kParserStages on.
#include <cstdint>

namespace torwart::dataplane::applayer::tls {

enum WalkStage : uint8_t { kItemHeader, kItemBody, kSkipToEnd, kDone, kParserStages };

// The list's length was read: false unless the list runs to the message's end.
template <class Parser>
bool walk_begin(Parser& p, uint32_t length) {
  if (uint64_t{p.field_end} + length != p.message_length) return false;
  p.list_end = p.message_length;
  return true;
}

// An item of `length` bytes follows its header: false if it reaches past the list.
template <class Parser>
bool walk_item(Parser& p, uint32_t length) {
  if (uint64_t{p.field_end} + length > p.list_end) return false;
  p.field_end += length;
  return true;
}

// After the current item's last `leftover` bytes: the next item's header, or the end of the list. The end
// is a field of no bytes, so a message that stops right there is still complete (walk_finish).
template <class Parser>
bool walk_next(Parser& p, uint32_t leftover, uint16_t header_bytes) {
  if (p.field_end == p.list_end) {
    p.stage = kSkipToEnd;
    p.reader.expect(leftover, 0);
    return true;
  }
  p.stage = kItemHeader;
  if (uint64_t{p.field_end} + header_bytes > p.list_end) return false;
  p.field_end += header_bytes;
  p.reader.expect(leftover, header_bytes);
  return true;
}

// At the message's end: whether the parser got there.
template <class Parser>
bool walk_finish(Parser& p) {
  if (p.stage == kSkipToEnd && p.reader.skip == 0) p.stage = kDone;
  return p.stage == kDone;
}

}  // namespace torwart::dataplane::applayer::tls
