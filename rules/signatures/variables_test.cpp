// Suricata's default variables, overrides, and the flat lists a header expression resolves to.
#include <gtest/gtest.h>

#include "rules/signatures/network_expression.hpp"
#include "rules/signatures/variables.hpp"

namespace torwart::signatures {
namespace {

NetworkExpression address(const std::string& text) {
  return parse_network_expression(text, ExpressionType::address, "test");
}
NetworkExpression port(const std::string& text) {
  return parse_network_expression(text, ExpressionType::port, "test");
}

std::vector<std::string> texts(const ResolvedAddresses& resolved) {
  std::vector<std::string> out;
  for (const auto& entry : resolved.entries)
    out.push_back((entry.negated ? "!" : "") + entry.prefix.to_string());
  return out;
}

TEST(Variables, DefaultsFromSuricataYaml) {
  const auto variables = Variables::suricata_defaults();
  for (const char* name : {"HOME_NET", "EXTERNAL_NET", "HTTP_SERVERS", "SMTP_SERVERS", "SQL_SERVERS",
                           "DNS_SERVERS", "TELNET_SERVERS", "AIM_SERVERS", "DC_SERVERS", "DNP3_SERVER",
                           "DNP3_CLIENT", "MODBUS_CLIENT", "MODBUS_SERVER", "ENIP_CLIENT", "ENIP_SERVER"}) {
    EXPECT_TRUE(variables.address_groups().contains(name)) << name;
  }
  for (const char* name :
       {"HTTP_PORTS", "SHELLCODE_PORTS", "ORACLE_PORTS", "SSH_PORTS", "DNP3_PORTS", "MODBUS_PORTS",
        "FILE_DATA_PORTS", "FTP_PORTS", "GENEVE_PORTS", "VXLAN_PORTS", "TEREDO_PORTS"}) {
    EXPECT_TRUE(variables.port_groups().contains(name)) << name;
  }
  EXPECT_EQ(texts(variables.resolve_addresses(address("$HOME_NET"))),
            (std::vector<std::string>{"192.168.0.0/16", "10.0.0.0/8", "172.16.0.0/12"}));
}

TEST(Variables, ExternalNetIsTheNegatedHomeNet) {
  const auto resolved = Variables::suricata_defaults().resolve_addresses(address("$EXTERNAL_NET"));
  EXPECT_TRUE(resolved.any);
  EXPECT_EQ(texts(resolved), (std::vector<std::string>{"!192.168.0.0/16", "!10.0.0.0/8", "!172.16.0.0/12"}));
  // AIM_SERVERS is $EXTERNAL_NET: two levels of indirection.
  EXPECT_EQ(texts(Variables::suricata_defaults().resolve_addresses(address("$AIM_SERVERS"))),
            texts(resolved));
}

TEST(Variables, DoubleNegationAndMixedLists) {
  const auto resolved = Variables::suricata_defaults().resolve_addresses(
      address("[!$EXTERNAL_NET,!10.1.0.0/16,2001:db8::/32]"));
  EXPECT_FALSE(resolved.any);
  EXPECT_EQ(texts(resolved), (std::vector<std::string>{"192.168.0.0/16", "10.0.0.0/8", "172.16.0.0/12",
                                                       "!10.1.0.0/16", "2001:db8::/32"}));
}

TEST(Variables, OverridesReplaceDefaultsAndDependentsFollow) {
  auto variables = Variables::suricata_defaults();
  variables.apply_overrides({{"HOME_NET", "[198.51.100.0/24]"}}, {{"HTTP_PORTS", "[80,8080:8088]"}});
  EXPECT_EQ(texts(variables.resolve_addresses(address("$HTTP_SERVERS"))),
            (std::vector<std::string>{"198.51.100.0/24"}));
  const auto ports = variables.resolve_ports(port("$FILE_DATA_PORTS"));
  ASSERT_EQ(ports.entries.size(), 4U);
  EXPECT_EQ(ports.entries[1], (PortEntry{8080, 8088, false}));
  EXPECT_EQ(ports.entries[3], (PortEntry{143, 143, false}));
  EXPECT_THROW(variables.set_address_group("BAD", "[10.0.0.1"), VariableError);
  EXPECT_THROW(variables.set_port_group("BAD", "99999"), VariableError);
}

TEST(Variables, PortNegationAndAny) {
  const auto variables = Variables::suricata_defaults();
  const auto shellcode = variables.resolve_ports(port("$SHELLCODE_PORTS"));
  EXPECT_TRUE(shellcode.any);
  EXPECT_EQ(shellcode.entries, (std::vector<PortEntry>{{80, 80, true}}));
  EXPECT_TRUE(variables.resolve_ports(port("any")).any);
  EXPECT_EQ(variables.resolve_ports(port("[1024:,!2000:2010]")).entries,
            (std::vector<PortEntry>{{1024, 65535, false}, {2000, 2010, true}}));
}

TEST(Variables, UndefinedAndCyclicVariablesAreErrors) {
  auto variables = Variables::suricata_defaults();
  try {
    variables.resolve_addresses(address("[10.0.0.0/8,$NOPE]"));
    FAIL() << "resolved an undefined variable";
  } catch (const VariableError& error) {
    EXPECT_EQ(error.variable, "NOPE");
    EXPECT_STREQ(error.what(), "variable $NOPE: undefined");
  }
  EXPECT_THROW(variables.resolve_ports(port("$HOME_NET")),
               VariableError);  // an address group, not a port group
  variables.set_address_group("A", "$B");
  variables.set_address_group("B", "[1.1.1.1,$A]");
  EXPECT_THROW(variables.resolve_addresses(address("$A")), VariableError);
  variables.set_address_group("ALL", "any");
  EXPECT_THROW(variables.resolve_addresses(address("!$ALL")), VariableError);
}

}  // namespace
}  // namespace torwart::signatures
