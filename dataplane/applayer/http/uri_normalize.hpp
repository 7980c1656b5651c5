#pragma once
// The normalised form of a request target that policy and signatures match on, so that "/a/./b",
// "/a//b" and "/%61/b" are seen as the same path. The exact rules are in README.md.
#include <string_view>

#include "dataplane/applayer/common.hpp"
#include "dataplane/applayer/http/http_types.hpp"

namespace torwart::dataplane::applayer::http {

struct UriNormalizeResult {
  bool bad_percent_encoding = false;  // a '%' without two hex digits (kept as it is)
};

// Writes the normalised form of `raw` into `out` (cleared first). The output is never longer than `raw`.
UriNormalizeResult normalize_uri(std::string_view raw, FixedString<capacity::kUri>& out);

}  // namespace torwart::dataplane::applayer::http
