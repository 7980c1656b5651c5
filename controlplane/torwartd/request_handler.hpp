#pragma once
// One request of the torwartd socket protocol (controlplane/torwartd/PROTOCOL.md) -> one answer. Checks
// every field of the request before it calls the service.
#include <nlohmann/json.hpp>

#include "controlplane/config_store/version_info.hpp"
#include "controlplane/torwartd/service.hpp"

namespace torwart::controlplane {

inline constexpr int kTorwartdProtocol = 1;

// Never throws: errors become {"ok": false, "kind": "bad_input"|"conflict"|"failure", "error", "details"}.
nlohmann::json handle_request(ControlService& service, const nlohmann::json& request, const Author& caller);

}  // namespace torwart::controlplane
