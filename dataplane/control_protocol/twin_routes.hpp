#pragma once
// Routes `torwart run` gives the box's kernel on the twins (the configuration's routes, so that the box's
// own connections reach what lies behind a gateway) carry this rtm_protocol. The kernel mirror leaves them
// alone: they are the configuration's already, not something a Linux tool taught the box.
#include <cstdint>

namespace torwart::control_protocol {

inline constexpr uint8_t kTwinRouteProtocol = 245;  // `ip route` shows "proto 245"

}  // namespace torwart::control_protocol
