#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "rules/config/load.hpp"
#include "rules/config/load_siem.hpp"

namespace torwart::config {
namespace {

// PEM files the loader checks (only their markers: the shipper parses them when it connects).
class ConfigSiem : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("siem-config-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    write("ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    write("box.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    write("box.key", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
    write("ca.crl", "-----BEGIN X509 CRL-----\nMIIB\n-----END X509 CRL-----\n");
    write("not-pem.txt", "hello\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // A minimal configuration with `siem` (YAML flow-mapping body) under logging.
  std::string with_siem(const std::string& siem) const {
    return "zones:\n  - name: lan\nports:\n  - name: lan\n    backend: null\n    addresses: "
           "[192.168.1.1/24]\n"
           "logging:\n  siem: {" +
           siem + "}\n";
  }
  std::string valid(const std::string& extra = "") const {
    return "host: siem.provider.example, ca: " + path("ca.pem") + ", cert: " + path("box.pem") +
           ", key: " + path("box.key") + extra;
  }
  static std::vector<ConfigError> errors_of(const std::string& text) {
    auto result = load_config_text(text, "test.yaml");
    if (auto* errors = std::get_if<std::vector<ConfigError>>(&result)) return *errors;
    return {};
  }

  std::filesystem::path dir_;
};

TEST_F(ConfigSiem, AbsentMeansNothingIsShipped) {
  auto result = load_config_text(with_siem(valid()).substr(0, with_siem(valid()).find("logging:")), "t.yaml");
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  EXPECT_FALSE(std::get<Config>(result).logging.siem);
}

TEST_F(ConfigSiem, DefaultsPortAllStreamsAnd8192Bytes) {
  auto result = load_config_text(with_siem(valid()), "test.yaml");
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  const auto& siem = std::get<Config>(result).logging.siem;
  ASSERT_TRUE(siem);
  EXPECT_EQ(siem->host, "siem.provider.example");
  EXPECT_EQ(siem->port, 6514);
  EXPECT_EQ(siem->ca, path("ca.pem"));
  EXPECT_EQ(siem->key, path("box.key"));
  EXPECT_TRUE(siem->eve && siem->audit && siem->system);
  EXPECT_EQ(siem->max_message_bytes, 8192u);
  EXPECT_TRUE(siem->crl.empty());
  EXPECT_TRUE(siem->server_name.empty());
}

TEST_F(ConfigSiem, ReadsEveryKey) {
  auto result = load_config_text(
      with_siem(valid(", port: 10514, crl: " + path("ca.crl") +
                      ", server_name: siem.example, streams: [audit, system], max_message_bytes: 65536")),
      "test.yaml");
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  const auto& siem = *std::get<Config>(result).logging.siem;
  EXPECT_EQ(siem.port, 10514);
  EXPECT_EQ(siem.crl, path("ca.crl"));
  EXPECT_EQ(siem.server_name, "siem.example");
  EXPECT_FALSE(siem.eve);
  EXPECT_TRUE(siem.audit && siem.system);
  EXPECT_EQ(siem.max_message_bytes, 65536u);
}

TEST_F(ConfigSiem, AnIpAddressIsAHost) {
  auto result =
      load_config_text(with_siem("host: '2001:db8::5'" + valid().substr(valid().find(','))), "t.yaml");
  ASSERT_TRUE(std::holds_alternative<Config>(result)) << errors_of(with_siem(valid())).size();
  EXPECT_EQ(std::get<Config>(result).logging.siem->host, "2001:db8::5");
}

TEST_F(ConfigSiem, EveryMistakeIsNamedWithItsPlace) {
  struct Case {
    std::string siem, path, reason_part;
  };
  const std::string rest = valid().substr(valid().find(','));  // ", ca: ..., cert: ..., key: ..."
  const std::vector<Case> cases = {
      {"ca: " + path("ca.pem") + ", cert: " + path("box.pem") + ", key: " + path("box.key"),
       "logging.siem.host", "needs 'host'"},
      {"host: -bad-" + rest, "logging.siem.host", "neither an IP address nor a host name"},
      {"host: 10.0.0.300" + rest, "logging.siem.host", "neither"},
      {"host: a..b" + rest, "logging.siem.host", "neither"},
      {valid(", port: 0"), "logging.siem.port", "outside 1..65535"},
      {valid(", port: 70000"), "logging.siem.port", "outside"},
      {"host: h.example, cert: " + path("box.pem") + ", key: " + path("box.key"), "logging.siem.ca",
       "needs 'ca'"},
      {"host: h.example, ca: ca.pem, cert: " + path("box.pem") + ", key: " + path("box.key"),
       "logging.siem.ca", "absolute path"},
      {"host: h.example, ca: " + path("missing.pem") + ", cert: " + path("box.pem") +
           ", key: " + path("box.key"),
       "logging.siem.ca", "cannot read"},
      {"host: h.example, ca: " + path("not-pem.txt") + ", cert: " + path("box.pem") +
           ", key: " + path("box.key"),
       "logging.siem.ca", "no PEM block '-----BEGIN CERTIFICATE-----'"},
      {"host: h.example, ca: " + path("ca.pem") + ", cert: " + path("box.key") + ", key: " + path("box.key"),
       "logging.siem.cert", "no PEM block"},
      {"host: h.example, ca: " + path("ca.pem") + ", cert: " + path("box.pem") + ", key: " + path("nokey"),
       "logging.siem.key", "cannot read"},
      {"host: h.example, ca: " + path("ca.pem") + ", cert: " + path("box.pem") + ", key: " + dir_.string(),
       "logging.siem.key", "cannot read"},
      {valid(", crl: " + path("ca.pem")), "logging.siem.crl", "X509 CRL"},
      {valid(", server_name: 'a b'"), "logging.siem.server_name", "neither a host name"},
      {valid(", streams: []"), "logging.siem.streams", "empty list"},
      {valid(", streams: [eve, eve]"), "logging.siem.streams[1]", "listed twice"},
      {valid(", streams: [eve, dns]"), "logging.siem.streams[1]", "not a log stream"},
      {valid(", max_message_bytes: 480"), "logging.siem.max_message_bytes", "outside 2048..262144"},
      {valid(", protocol: udp"), "logging.siem.protocol", "unknown key"},
  };
  for (const auto& c : cases) {
    const auto errors = errors_of(with_siem(c.siem));
    ASSERT_EQ(errors.size(), 1u) << c.siem;
    EXPECT_EQ(errors[0].file, "test.yaml") << c.siem;
    EXPECT_EQ(errors[0].line, 8) << c.siem;  // the siem line
    EXPECT_EQ(errors[0].path, c.path) << c.siem;
    EXPECT_NE(errors[0].reason.find(c.reason_part), std::string::npos) << c.siem << ": " << errors[0].reason;
  }
}

TEST(ConfigSiemNames, HostNamesByRfc1123) {
  using detail::valid_dns_name;
  EXPECT_TRUE(valid_dns_name("siem"));
  EXPECT_TRUE(valid_dns_name("siem-1.provider.example"));
  EXPECT_TRUE(valid_dns_name("3com.example"));
  EXPECT_FALSE(valid_dns_name(""));
  EXPECT_FALSE(valid_dns_name("a.-b"));
  EXPECT_FALSE(valid_dns_name("a-.b"));
  EXPECT_FALSE(valid_dns_name("a.b."));
  EXPECT_FALSE(valid_dns_name("a_b.example"));
  EXPECT_FALSE(valid_dns_name(std::string(64, 'a') + ".example"));
  EXPECT_FALSE(valid_dns_name("192.0.2.300"));
}

}  // namespace
}  // namespace torwart::config
