#include "controlplane/management_api/listen_address.hpp"

#include <charconv>
#include <stdexcept>

namespace torwart::controlplane::api {

boost::asio::ip::tcp::endpoint parse_listen_address(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size())
    throw std::invalid_argument("'" + text +
                                "' needs ADDRESS:PORT, e.g. 192.0.2.10:8443 or [2001:db8::10]:8443");
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    throw std::invalid_argument("'" + text + "': write an IPv6 address in brackets, [2001:db8::10]:8443");
  }
  unsigned port = 0;
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, port);
  if (ec != std::errc() || end != last || port == 0 || port > 65535)
    throw std::invalid_argument("'" + text + "': the port must be a number from 1 to 65535");
  boost::system::error_code bad;
  const auto address = boost::asio::ip::make_address(host, bad);
  if (bad) throw std::invalid_argument("'" + text + "': '" + host + "' is not an IP address");
  return {address, static_cast<unsigned short>(port)};
}

}  // namespace torwart::controlplane::api
