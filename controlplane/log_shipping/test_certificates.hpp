#pragma once
// Test PKI made with the `openssl` command (Debian's): a CA, a receiver certificate for siem.torwart.test and
// 127.0.0.1, a client certificate for box.torwart.test, and a second CA with its own receiver certificate
// (a receiver the box must refuse). EC P-256 keys: quick to make.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace torwart::controlplane::log_shipping::testing {

struct TestCertificates {
  std::filesystem::path dir;
  std::filesystem::path ca() const { return dir / "ca.pem"; }
  std::filesystem::path server_cert() const { return dir / "server.pem"; }
  std::filesystem::path server_key() const { return dir / "server.key"; }
  std::filesystem::path client_cert() const { return dir / "client.pem"; }
  std::filesystem::path client_key() const { return dir / "client.key"; }
  std::filesystem::path other_ca() const { return dir / "other-ca.pem"; }
  std::filesystem::path other_server_cert() const { return dir / "other-server.pem"; }
  std::filesystem::path other_server_key() const { return dir / "other-server.key"; }

  static void run(const std::string& command) {
    if (std::system((command + " >/dev/null 2>&1").c_str()) != 0)
      throw std::runtime_error("failed: " + command);
  }

  // Makes everything in `directory` (created).
  static TestCertificates make(const std::filesystem::path& directory) {
    TestCertificates t{directory};
    std::filesystem::create_directories(directory);
    const std::string d = directory.string() + "/";
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
    for (const std::string ca : {"ca", "other-ca"}) {
      run("openssl req -x509" + ec + " -keyout " + d + ca + ".key -out " + d + ca +
          ".pem -days 2 -subj /CN=" + ca +
          ".torwart.test -addext basicConstraints=critical,CA:true -addext "
          "keyUsage=critical,keyCertSign,cRLSign");
    }
    auto issue = [&](const std::string& name, const std::string& ca, const std::string& cn,
                     const std::string& san, const std::string& usage) {
      std::ofstream(d + name + ".ext") << "subjectAltName=" << san << "\nextendedKeyUsage=" << usage
                                       << "\nkeyUsage=critical,digitalSignature\n";
      run("openssl req" + ec + " -keyout " + d + name + ".key -out " + d + name + ".csr -subj /CN=" + cn);
      run("openssl x509 -req -in " + d + name + ".csr -CA " + d + ca + ".pem -CAkey " + d + ca +
          ".key -CAcreateserial -out " + d + name + ".pem -days 2 -extfile " + d + name + ".ext");
    };
    issue("server", "ca", "siem.torwart.test", "DNS:siem.torwart.test,IP:127.0.0.1", "serverAuth");
    issue("client", "ca", "box.torwart.test", "DNS:box.torwart.test", "clientAuth");
    issue("other-server", "other-ca", "siem.torwart.test", "DNS:siem.torwart.test,IP:127.0.0.1",
          "serverAuth");
    return t;
  }
};

}  // namespace torwart::controlplane::log_shipping::testing
