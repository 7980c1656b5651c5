#include "dataplane/eve/eve_address.hpp"

#include <arpa/inet.h>

#include <cstring>

#include "dataplane/eve/pseudonymise/prefix_pseudonymiser.hpp"

namespace torwart::dataplane {

void pseudonymise_in_place(const config::Logging& logging, bool ipv6, uint8_t* address) {
  if (!logging.pseudonym_key) return;
  namespace p = applayer::pseudonymise;
  if (ipv6) {
    p::Ipv6Bytes in;
    std::memcpy(in.data(), address, 16);
    const p::Ipv6Bytes out = p::pseudonymise_ipv6(*logging.pseudonym_key, in);
    std::memcpy(address, out.data(), 16);
  } else {
    p::Ipv4Bytes in;
    std::memcpy(in.data(), address, 4);
    const p::Ipv4Bytes out = p::pseudonymise_ipv4(*logging.pseudonym_key, in);
    std::memcpy(address, out.data(), 4);
  }
}

void format_eve_address(const config::Logging& logging, bool ipv6, const uint8_t* address, char* out,
                        size_t size) {
  uint8_t copy[16] = {};
  std::memcpy(copy, address, ipv6 ? 16 : 4);
  pseudonymise_in_place(logging, ipv6, copy);
  if (inet_ntop(ipv6 ? AF_INET6 : AF_INET, copy, out, static_cast<socklen_t>(size)) == nullptr && size > 0)
    out[0] = '\0';
}

}  // namespace torwart::dataplane
