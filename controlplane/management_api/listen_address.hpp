#pragma once
// `HOST[:PORT]` as people write it on a command line, IPv6 in brackets: where the management API listens
// (torwartd --api, an address and a port) and which box torwartctl --host talks to (a name or an address,
// the port optional).
#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace torwart::controlplane::api {

struct HostPort {
  std::string host;  // without the brackets
  std::optional<uint16_t> port;
};

// Throws std::invalid_argument saying what is wrong with `text`.
HostPort split_host_port(const std::string& text);

// `192.0.2.10:8443` or `[2001:db8::10]:8443`: an IP address and a port, both required.
boost::asio::ip::tcp::endpoint parse_listen_address(const std::string& text);

}  // namespace torwart::controlplane::api
