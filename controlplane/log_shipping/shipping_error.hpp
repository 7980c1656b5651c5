#pragma once
#include <stdexcept>

namespace torwart::controlplane::log_shipping {

// A file that cannot be read or written, a cursor that does not parse, a TLS set-up that fails: the message
// names the file (or the peer) and the reason.
struct ShippingError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A listed file is no longer under its name (the fast path rotated it, retention removed it) between the
// listing and the read: nothing is wrong, the work is done again from a new listing.
struct FileReplaced : ShippingError {
  using ShippingError::ShippingError;
};

}  // namespace torwart::controlplane::log_shipping
