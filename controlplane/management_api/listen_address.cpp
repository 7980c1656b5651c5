#include "controlplane/management_api/listen_address.hpp"

#include <charconv>
#include <stdexcept>

namespace torwart::controlplane::api {

HostPort split_host_port(const std::string& text) {
  HostPort out;
  std::string port;
  bool port_given = false;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos)
      throw std::invalid_argument("'" + text + "': no ']' after the IPv6 address");
    out.host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') throw std::invalid_argument("'" + text + "': expected ':PORT' after ']'");
      port = text.substr(close + 2);
      port_given = true;
    }
  } else if (const size_t colon = text.find(':'); colon != std::string::npos) {
    if (text.find(':', colon + 1) != std::string::npos)
      throw std::invalid_argument("'" + text + "': write an IPv6 address in brackets, [2001:db8::10]:8443");
    out.host = text.substr(0, colon);
    port = text.substr(colon + 1);
    port_given = true;
  } else {
    out.host = text;
  }
  if (out.host.empty()) throw std::invalid_argument("'" + text + "': no host");
  if (port_given) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
      throw std::invalid_argument("'" + text + "': the port must be a number from 1 to 65535");
    out.port = static_cast<uint16_t>(value);
  }
  return out;
}

boost::asio::ip::tcp::endpoint parse_listen_address(const std::string& text) {
  const HostPort split = split_host_port(text);
  if (!split.port)
    throw std::invalid_argument("'" + text +
                                "' needs ADDRESS:PORT, e.g. 192.0.2.10:8443 or [2001:db8::10]:8443");
  boost::system::error_code bad;
  const auto address = boost::asio::ip::make_address(split.host, bad);
  if (bad) throw std::invalid_argument("'" + text + "': '" + split.host + "' is not an IP address");
  return {address, *split.port};
}

}  // namespace torwart::controlplane::api
