// The protocols torwart identifies, in the order their probes run. Adding one: its module file here, its
// line below, its tests.
#include <array>

#include "dataplane/applayer/protocols/modules.hpp"

namespace torwart::dataplane::applayer {

std::span<const ProtocolModule* const> protocol_modules() {
  static const std::array<const ProtocolModule*, 4> kModules{&kHttpModule, &kTlsModule, &kDnsModule,
                                                             &kQuicModule};
  return kModules;
}

}  // namespace torwart::dataplane::applayer
