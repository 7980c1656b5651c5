#pragma once
// The protocol modules (one file each under protocols/), listed in registry.cpp.
#include "dataplane/applayer/protocol.hpp"

namespace torwart::dataplane::applayer {

extern const ProtocolModule kHttpModule;
extern const ProtocolModule kTlsModule;
extern const ProtocolModule kDnsModule;
extern const ProtocolModule kQuicModule;

}  // namespace torwart::dataplane::applayer
