// QUIC: identified from a long-header Initial (quic/quic_probe.hpp); the payload is encrypted, so nothing is
// parsed and no fact beyond the application itself is learnt (the Initial's SNI needs decryption: not done).
#include "dataplane/applayer/protocols/modules.hpp"
#include "dataplane/applayer/quic/quic_probe.hpp"

namespace torwart::dataplane::applayer {

const ProtocolModule kQuicModule{AppProto::kQuic, false,   true,    nullptr, quic::probe_quic,
                                 nullptr,         nullptr, nullptr, nullptr, nullptr};

}  // namespace torwart::dataplane::applayer
