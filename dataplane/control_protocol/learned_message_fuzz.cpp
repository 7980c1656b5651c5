// libFuzzer: any bytes as the body of a `learned` request, read at the fast path's edge and merged into a
// configuration by the precedence rule. Nothing may crash, leak or trip the sanitizers; what is taken never
// exceeds what was offered, and the merge never drops what the configuration had.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dataplane/control_protocol/learned_message.hpp"
#include "rules/learned/effective_config.hpp"

namespace {

torwart::config::Config configured() {
  using namespace torwart::config;
  Config c;
  Port lan;
  lan.name = "lan";
  lan.addresses = {*InterfaceAddress::parse("192.168.10.1/24"),
                   *InterfaceAddress::parse("2001:db8:10::1/64")};
  Port inet;
  inet.name = "inet";
  inet.address_by_dhcp = true;
  inet.kernel_twin = true;
  Port tap;
  tap.name = "mon";
  tap.role = "mirror";
  tap.addresses = {*InterfaceAddress::parse("10.9.0.1/24")};
  c.ports = {lan, inet, tap};
  c.routes.push_back({*IpPrefix::parse("10.0.0.0/8"), IpAddress::parse("192.168.10.254"), "lan", false, ""});
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace torwart;
  const auto message =
      nlohmann::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), nullptr, false);
  if (message.is_discarded()) return 0;
  learned::LearnedState state;
  try {
    state = control_protocol::learned_from_json(message);
  } catch (const control_protocol::LearnedMessageError&) {
    return 0;
  }
  static const config::Config base = configured();
  const learned::EffectiveConfig e = learned::effective_config(base, state);
  if (e.routes_taken > state.routes.size() || e.addresses_taken > state.addresses.size() ||
      e.neighbours_taken > state.neighbours.size() ||
      e.config.routes.size() != base.routes.size() + e.routes_taken)
    std::abort();
  if (e.config.routes[0] != base.routes[0]) std::abort();  // the file's route stays first and unchanged
  return 0;
}
