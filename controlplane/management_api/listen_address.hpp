#pragma once
// `192.0.2.10:8443` or `[2001:db8::10]:8443`: where the management API listens (torwartd --api).
#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace torwart::controlplane::api {

// Throws std::invalid_argument saying what is wrong with `text`.
boost::asio::ip::tcp::endpoint parse_listen_address(const std::string& text);

}  // namespace torwart::controlplane::api
