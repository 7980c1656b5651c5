// The protocols torwart identifies, in the order their probes run. Adding one: its module file here, its
// line below, its tests.
#include <array>

#include "dataplane/applayer/protocol.hpp"

namespace torwart::dataplane::applayer {

std::span<const ProtocolModule* const> protocol_modules() {
  static constexpr std::array<const ProtocolModule*, 0> kModules{};
  return kModules;
}

}  // namespace torwart::dataplane::applayer
