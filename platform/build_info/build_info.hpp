#pragma once
// What was built: the project version and the source revision, for --version, status, stats and logs.
#include <string>

namespace torwart::platform {

// "0.1.0 (git 1a0dc12)", or "0.1.0" when the build had no git checkout.
std::string build_version();

}  // namespace torwart::platform
