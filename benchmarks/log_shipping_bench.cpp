// Log shipping's rate: records per second from a spool to Debian's rsyslog over TLS 1.3 (mutual TLS,
// RFC 5425 framing), with the shipper's product settings (batches of up to 4096 records or 1 MiB, 2 s grace
// before a batch counts as confirmed). benchmarks/README.md "Log shipping".
//
//   log_shipping_bench [RECORDS] [RECORD_BYTES]     (defaults 200000, 400; needs rsyslog and rsyslog-gnutls)
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "controlplane/log_shipping/shipper.hpp"
#include "controlplane/log_shipping/test_certificates.hpp"
#include "tests/e2e/rsyslog_receiver.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace ls = torwart::controlplane::log_shipping;

std::size_t lines_in(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::size_t lines = 0;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0)
    for (std::streamsize i = 0; i < in.gcount(); ++i) lines += buffer[i] == '\n';
  return lines;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t records = argc > 1 ? std::stoul(argv[1]) : 200000;
  const std::size_t record_bytes = argc > 2 ? std::stoul(argv[2]) : 400;
  if (const std::string missing = torwart::lab::e2e::RsyslogReceiver::missing_packages(); !missing.empty()) {
    std::cerr << "log_shipping_bench: " << missing << "\n";
    return 1;
  }
  const auto dir =
      std::filesystem::temp_directory_path() / ("log-shipping-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "spool");
  const auto certs = ls::testing::TestCertificates::make(dir / "pki");
  // rsyslog's default in-memory main queue: the receiver as a SIEM would run it, not the e2e test's direct
  // one.
  torwart::lab::e2e::RsyslogReceiver rsyslog(dir / "rsyslog", certs, torwart::lab::e2e::free_tcp_port(),
                                             false);
  rsyslog.start();

  // EVE-like records, 10 000 to a closed spool file.
  uint64_t bytes = 0;
  {
    std::ofstream out;
    for (std::size_t n = 0; n < records; ++n) {
      if (n % 10000 == 0) {
        out.close();
        char name[64];
        std::snprintf(name, sizeof name, "eve-20261122T100000Z-%zu.json", n / 10000 + 1);
        out.open(dir / "spool" / name);
      }
      std::string line = "{\"timestamp\":\"2026-11-22T10:00:00.000000+0000\",\"event_type\":\"flow\",\"n\":" +
                         std::to_string(n) + ",\"pad\":\"";
      line.append(record_bytes > line.size() + 3 ? record_bytes - line.size() - 3 : 0, 'x');
      line += "\"}\n";
      bytes += line.size();
      out << line;
    }
  }

  boost::asio::io_context io;
  ls::ShipperSettings s;
  s.siem.host = "127.0.0.1";
  s.siem.port = rsyslog.port();
  s.siem.server_name = "siem.torwart.test";
  s.siem.ca = certs.ca().string();
  s.siem.cert = certs.client_cert().string();
  s.siem.key = certs.client_key().string();
  s.hostname = "rathaus-bench";
  s.eve_dir = dir / "spool";
  s.audit_log = dir / "audit.jsonl";
  s.system_log = dir / "system.jsonl";
  s.cursor_file = dir / "cursor.json";
  const auto start = Clock::now();
  auto shipper_owner = std::make_unique<ls::Shipper>(io, s);  // gone (cursor written) before the cleanup
  ls::Shipper& shipper = *shipper_owner;
  Clock::time_point sent{}, received{}, confirmed{};
  while (confirmed == Clock::time_point{} && Clock::now() - start < std::chrono::minutes(5)) {
    io.run_for(std::chrono::milliseconds(20));
    const auto status = shipper.status();
    if (sent == Clock::time_point{} && status["sent_since_start"] >= records) sent = Clock::now();
    if (sent != Clock::time_point{} && received == Clock::time_point{} &&
        lines_in(rsyslog.received()) >= records)
      received = Clock::now();
    if (received != Clock::time_point{} && status["shipped"] >= records) confirmed = Clock::now();
  }
  rsyslog.stop();
  if (confirmed == Clock::time_point{}) {
    std::cerr << "log_shipping_bench: not done within 5 minutes: " << shipper.status().dump() << "\n";
    return 1;
  }
  auto seconds = [&](Clock::time_point t) { return std::chrono::duration<double>(t - start).count(); };
  std::printf("log shipping: %zu records of %zu bytes (%.1f MB) to rsyslog over %s\n", records, record_bytes,
              bytes / 1e6, "TLS 1.3");
  std::printf("  sent (written to TLS)      %6.2f s  %9.0f records/s  %6.1f MB/s\n", seconds(sent),
              records / seconds(sent), bytes / 1e6 / seconds(sent));
  std::printf("  in rsyslog's file          %6.2f s  %9.0f records/s  %6.1f MB/s\n", seconds(received),
              records / seconds(received), bytes / 1e6 / seconds(received));
  std::printf(
      "  confirmed (cursor moved)   %6.2f s  (the 2 s grace after the last acknowledgement included)\n",
      seconds(confirmed));
  shipper_owner.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
