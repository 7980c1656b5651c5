// The control socket's IPsec commands as any bytes: parsed as JSON, then read by every IPsec reader. A
// refusal is an IpsecMessageError; anything else escaping, or a crash, is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "dataplane/control_protocol/ipsec_messages.hpp"

namespace {

template <typename Read>
void read_or_refuse(Read read) {
  try {
    read();
  } catch (const torwart::control_protocol::IpsecMessageError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto request = nlohmann::json::parse(data, data + size, nullptr, false);
  if (request.is_discarded()) return 0;
  using namespace torwart::control_protocol;
  read_or_refuse([&] { (void)read_ipsec_spi_request(request); });
  read_or_refuse([&] { (void)read_ipsec_sa_add(request); });
  read_or_refuse([&] { (void)read_ipsec_sa_update(request); });
  read_or_refuse([&] { (void)read_ipsec_sa_reference(request, "ipsec_sa_delete"); });
  read_or_refuse([&] { (void)read_ipsec_policy(request, "ipsec_policy_add"); });
  return 0;
}
