#pragma once
// Debian's rsyslogd as the provider's SIEM for log shipping's end-to-end test and benchmark: RFC 5425 over
// TLS (gtls), mutual TLS with x509/name (only the test's client certificate box.torwart.test), on 127.0.0.1,
// with its own configuration and work directory (never the system's /etc/rsyslog.conf), every message as
// "MSGID STRUCTURED-DATA MSG" in one file. Needs the packages rsyslog and rsyslog-gnutls.
#include <signal.h>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "controlplane/log_shipping/test_certificates.hpp"
#include "dataplane/lab/process.hpp"

namespace torwart::lab::e2e {

inline unsigned short free_tcp_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

class RsyslogReceiver {
 public:
  // `direct`: each message is written to the file before the next is read (what rsyslog read, it kept);
  // otherwise rsyslog's default in-memory main queue.
  RsyslogReceiver(std::filesystem::path dir,
                  const controlplane::log_shipping::testing::TestCertificates& certs, unsigned short port,
                  bool direct = true)
      : dir_(std::move(dir)), port_(port) {
    std::filesystem::create_directories(dir_ / "work");
    std::ofstream(dir_ / "rsyslog.conf")
        << "global(workDirectory=\"" << (dir_ / "work").string() << "\" maxMessageSize=\"64k\"\n"
        << "  DefaultNetstreamDriver=\"gtls\"\n"
        << "  DefaultNetstreamDriverCAFile=\"" << certs.ca().string() << "\"\n"
        << "  DefaultNetstreamDriverCertFile=\"" << certs.server_cert().string() << "\"\n"
        << "  DefaultNetstreamDriverKeyFile=\"" << certs.server_key().string() << "\")\n"
        << (direct ? "main_queue(queue.type=\"Direct\")\n" : "")
        << "module(load=\"imtcp\" StreamDriver.Name=\"gtls\" StreamDriver.Mode=\"1\"\n"
        << "       StreamDriver.AuthMode=\"x509/name\" PermittedPeer=[\"box.torwart.test\"])\n"
        << "template(name=\"shipped\" type=\"string\" string=\"%msgid% %structured-data% %msg%\\n\")\n"
        << "ruleset(name=\"siem\") { action(type=\"omfile\" file=\"" << received()
        << "\" template=\"shipped\") }\n"
        << "input(type=\"imtcp\" port=\"" << port_ << "\" address=\"127.0.0.1\" ruleset=\"siem\")\n";
  }

  static std::string missing_packages() {
    if (find_program("rsyslogd").empty()) return "rsyslogd missing (package rsyslog)";
    if (!std::filesystem::exists("/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so"))
      return "rsyslog's gtls driver missing (package rsyslog-gnutls)";
    return "";
  }

  std::string received() const { return (dir_ / "received.log").string(); }
  std::string log() const { return (dir_ / "rsyslogd.log").string(); }
  unsigned short port() const { return port_; }

  // Starts rsyslogd and waits until it listens; throws std::runtime_error with its log otherwise.
  void start() {
    process_ = BackgroundProcess({find_program("rsyslogd"), "-n", "-f", (dir_ / "rsyslog.conf").string(),
                                  "-i", (dir_ / "work" / "rsyslogd.pid").string()},
                                 log());
    for (auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
         std::chrono::steady_clock::now() < end; std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
      if (!process_.running()) break;
      boost::asio::io_context io;
      boost::asio::ip::tcp::socket probe(io);
      boost::system::error_code ec;
      probe.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
      if (!ec) return;
    }
    std::ifstream in(log());
    std::stringstream text;
    text << in.rdbuf();
    throw std::runtime_error("rsyslogd does not listen on " + std::to_string(port_) + ": " + text.str());
  }

  // The receiver dies: whatever it had not written is gone.
  void kill() {
    if (process_.pid() > 0) ::kill(process_.pid(), SIGKILL);
    process_.stop();
  }
  void stop() { process_.stop(); }

 private:
  std::filesystem::path dir_;
  unsigned short port_;
  BackgroundProcess process_;
};

}  // namespace torwart::lab::e2e
