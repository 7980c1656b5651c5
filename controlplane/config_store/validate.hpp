#pragma once
// Validation of a candidate configuration: exactly what `torwart check` refuses that a reload can hit (the
// configuration loader and the policy compiler's checks), without DPDK.
#include <string>
#include <string_view>
#include <vector>

namespace torwart::controlplane {

// Every error, each "file:line:column: path: reason" (loader) or "file: policy rule 'NAME': reason"
// (policy); empty when the text is valid.
std::vector<std::string> validate_config(std::string_view text, std::string_view file_name);

// Anti-lockout across versions: once a committed version protects a management interface, a candidate may
// move the protection to another interface but not drop it (a later commit could then put a fast-path port
// on the old management interface). The reason when `candidate_text` drops it, else empty. Both texts must
// be valid.
std::string management_guard_error(std::string_view current_text, std::string_view candidate_text);

}  // namespace torwart::controlplane
