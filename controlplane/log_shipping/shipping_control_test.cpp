#include "controlplane/log_shipping/shipping_control.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "controlplane/log_shipping/test_certificates.hpp"
#include "controlplane/log_shipping/test_spool.hpp"

namespace torwart::controlplane::log_shipping {
namespace {

class ShippingControlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    certs_ = testing::TestCertificates::make(std::filesystem::temp_directory_path() /
                                             ("shipping-control-pki-" + std::to_string(::getpid())));
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(certs_.dir); }

  static std::string config(const std::string& name, const std::string& siem) {
    return "name: " + name + "\nzones:\n  - name: lan\nports:\n  - name: lan\n    backend: null\n" +
           "    addresses: [192.168.1.1/24]\n" + siem;
  }
  static std::string siem(unsigned port) {
    return "logging:\n  siem: {host: 127.0.0.1, port: " + std::to_string(port) +
           ", ca: " + certs_.ca().string() + ", cert: " + certs_.client_cert().string() +
           ", key: " + certs_.client_key().string() + "}\n";
  }

  static testing::TestCertificates certs_;
  testing::TempDir dir_{"shipping-control"};
  boost::asio::io_context io_;
};
testing::TestCertificates ShippingControlTest::certs_;

TEST_F(ShippingControlTest, FollowsTheCurrentVersionsSiemBlock) {
  std::vector<std::string> events;
  ShippingControl control(
      io_, {dir_ / "spool", dir_ / "audit.jsonl", dir_ / "system.jsonl", dir_ / "cursor.json"},
      [&](std::string_view, std::string_view event, const std::string&) { events.emplace_back(event); });
  EXPECT_EQ(control.status(), (nlohmann::json{{"configured", false}}));
  control.follow(1, config("rathaus-1", ""));
  EXPECT_FALSE(control.status()["configured"].get<bool>());

  control.follow(2, config("rathaus-1", siem(1)));
  EXPECT_TRUE(control.status()["configured"].get<bool>());
  EXPECT_EQ(control.status()["receiver"], "127.0.0.1:1");
  EXPECT_EQ(events, std::vector<std::string>{"shipping_started"});

  control.follow(2, config("rathaus-1", siem(2)));  // the same version again: not even loaded
  control.follow(3, config("rathaus-1", siem(1)));  // a new version with the same block: left running
  EXPECT_EQ(control.status()["receiver"], "127.0.0.1:1");
  EXPECT_EQ(events.size(), 1u);

  control.follow(4, config("rathaus-1", siem(2)));  // another port: started anew
  EXPECT_EQ(control.status()["receiver"], "127.0.0.1:2");
  control.follow(5, config("rathaus-2", siem(2)));  // another name: the messages' HOSTNAME changes
  EXPECT_EQ(events.size(), 3u);

  control.follow(6, std::nullopt);  // the current version is damaged: what runs keeps running
  EXPECT_TRUE(control.status()["configured"].get<bool>());

  control.follow(7, config("rathaus-2", ""));
  EXPECT_FALSE(control.status()["configured"].get<bool>());
  EXPECT_EQ(events.back(), "shipping_stopped");
}

}  // namespace
}  // namespace torwart::controlplane::log_shipping
