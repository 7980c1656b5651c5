#pragma once
// controlplane/management_api/test_pki.sh (the provider PKI the API's tests use), carried in the binary so
// that `torwart lab` needs no source tree for its management rows.
#include <string_view>

namespace torwart::lab {

std::string_view test_pki_script();

}  // namespace torwart::lab
