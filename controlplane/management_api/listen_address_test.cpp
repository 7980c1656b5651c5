#include "controlplane/management_api/listen_address.hpp"

#include <gtest/gtest.h>

namespace torwart::controlplane::api {
namespace {

TEST(ListenAddress, TakesIpv4AndBracketedIpv6) {
  EXPECT_EQ(parse_listen_address("192.0.2.10:8443"),
            boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("192.0.2.10"), 8443));
  EXPECT_EQ(parse_listen_address("[2001:db8::10]:443").address().to_string(), "2001:db8::10");
}

TEST(ListenAddress, SaysWhatIsWrong) {
  for (const char* bad : {"192.0.2.10", "192.0.2.10:", "192.0.2.10:0", "192.0.2.10:70000", "host:8443",
                          "2001:db8::10:8443", "192.0.2.10:84x"}) {
    EXPECT_THROW(parse_listen_address(bad), std::invalid_argument) << bad;
  }
}

}  // namespace
}  // namespace torwart::controlplane::api
