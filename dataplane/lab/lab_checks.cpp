#include "dataplane/lab/lab_checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "dataplane/lab/check_support.hpp"

namespace torwart::lab {
namespace {

using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

const Namespace& ns_of(const LabContext& ctx, const std::string& role) {
  return role == "app" ? *ctx.topology->appliance : ctx.topology->host(role);
}

bool same_content(const std::string& a, const std::string& b) {
  std::ifstream fa(a, std::ios::binary), fb(b, std::ios::binary);
  if (!fa || !fb) return false;
  return std::equal(std::istreambuf_iterator<char>(fa), std::istreambuf_iterator<char>(),
                    std::istreambuf_iterator<char>(fb), std::istreambuf_iterator<char>());
}

void write_random_file(const std::string& path, std::size_t bytes) {
  std::mt19937_64 rng(20261122);
  std::ofstream out(path, std::ios::binary);
  for (std::size_t i = 0; i < bytes; i += 8) {
    uint64_t word = rng();
    out.write(reinterpret_cast<const char*>(&word),
              static_cast<std::streamsize>(std::min<std::size_t>(8, bytes - i)));
  }
  if (!out) throw std::runtime_error("cannot write " + path);
}

// `bytes` of random data with kLabMarker at `at`: the signature must find it deep in the stream, wherever the
// segments split it.
void write_marked_file(const std::string& path, std::size_t bytes, std::size_t at) {
  write_random_file(path, bytes);
  std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
  f.seekp(static_cast<std::streamoff>(at));
  f.write(kLabMarker, static_cast<std::streamsize>(std::strlen(kLabMarker)));
  if (!f) throw std::runtime_error("cannot write " + path);
}

}  // namespace

CommandResult LabContext::run(const Namespace& ns, const Argv& argv, milliseconds timeout) const {
  if (verbose) std::cout << "  $ [" << ns.name() << "] " << describe(argv) << std::endl;
  CommandResult r = ns.run(argv, timeout);
  if (verbose) {
    std::cout << r.output << (r.output.empty() || r.output.back() == '\n' ? "" : "\n") << "  -> "
              << (r.timed_out ? "timed out" : fmt::format("exit {}", r.exit_code)) << std::endl;
  }
  return r;
}

Servers::Servers(const LabContext& ctx) {
  const Topology& t = *ctx.topology;
  dns_ = t.inet->start(
      {"dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces",
       "--listen-address=198.51.100.10", "--listen-address=2001:db8:f000::10",
       fmt::format("--address=/{}/198.51.100.10", kLabDnsName),
       fmt::format("--address=/{}/2001:db8:f000::10", kLabDnsName),
       "--pid-file=" + ctx.work_dir + "/dnsmasq.pid", "--log-queries", "--log-facility=-"},
      ctx.log_dir + "/dnsmasq.log");
  std::string www = ctx.work_dir + "/www";
  std::filesystem::create_directories(www);
  http_file_ = www + "/blob.bin";
  write_random_file(http_file_, 4u << 20);
  http_ = t.kdn->start(
      {ctx.python, "-m", "http.server", std::to_string(kHttpPort), "--bind", "::", "--directory", www},
      ctx.log_dir + "/http.log");
  write_random_file(www + "/setup.exe", 1u << 20);
  write_marked_file(www + "/marked.bin", 1u << 20, 600000);
  const std::string cert = ctx.work_dir + "/lab-cert.pem", key = ctx.work_dir + "/lab-key.pem";
  CommandResult made = ctx.run(*t.kdn,
                               {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                                "/CN=lab.torwart.test", "-keyout", key, "-out", cert, "-days", "2"},
                               seconds(30));
  if (!made.ok()) throw std::runtime_error("openssl req: " + summary(made));
  tls_ = t.kdn->start({"openssl", "s_server", "-accept", "443", "-cert", cert, "-key", key, "-www", "-quiet"},
                      ctx.log_dir + "/s_server.log");
  wait_listening(*t.inet, "-lun", 53, dns_);
  wait_listening(*t.kdn, "-ltn", kHttpPort, http_);
  wait_listening(*t.kdn, "-ltn", 443, tls_);
}

CheckResult wait_ready(const LabContext& ctx, std::chrono::seconds timeout,
                       const std::function<bool()>& alive) {
  CheckResult row{"ready", "lan: single pings to 192.168.10.1, 2001:db8:10::1",
                  fmt::format("both answer within {} s", timeout.count()), "", false};
  const auto start = Clock::now();
  const auto deadline = start + timeout;
  int attempts = 0;
  for (const char* gateway : {"192.168.10.1", "2001:db8:10::1"}) {
    bool answered = false;
    while (!answered && Clock::now() < deadline) {
      if (!alive()) {
        row.observed = "appliance process exited";
        return row;
      }
      ++attempts;
      answered = ctx.run(*ctx.topology->lan, {"ping", "-c", "1", "-W", "1", "-n", gateway}, seconds(3)).ok();
      if (!answered) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (!answered) {
      row.observed = fmt::format("{} silent after {} attempts", gateway, attempts);
      return row;
    }
  }
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  row.observed = fmt::format("ready after {} ms ({} pings)", ms, attempts);
  row.pass = true;
  return row;
}

CheckResult check_ping(const LabContext& ctx, const std::string& name, const std::string& from_role,
                       const std::string& address) {
  const bool v6 = address.find(':') != std::string::npos;
  // Three replies within a 10 s deadline (-w), not three replies each within 2 s (-W): on a busy two-core
  // machine a first reply that waits for the next hop's resolution and a sleeping worker can take longer
  // than ping's per-reply wait and was counted as lost although it arrived. Every reply must still arrive.
  Argv argv{"ping", v6 ? "-6" : "-4", "-c", "3", "-i", "0.2", "-w", "10", "-n", address};
  CheckResult row{name,
                  fmt::format("{}: echo requests to {} until 3 replies (10 s at most)", from_role, address),
                  "3 echo replies", "", false};
  CommandResult r = ctx.run(ns_of(ctx, from_role), argv, seconds(15));
  std::string stats = first_line_with(r.output, "packets transmitted");
  auto comma = stats.find(", ");
  auto received = stats.find(" received");
  if (comma == std::string::npos || received == std::string::npos) {
    row.observed = summary(r);
  } else {
    row.observed = stats.substr(0, stats.find(',')) + ", " + stats.substr(comma + 2, received - comma - 2) +
                   " echo replies";
  }
  row.pass = r.ok() && stats.find(" 3 received") != std::string::npos;
  return row;
}

CheckResult check_ttl_expiry(const LabContext& ctx, bool ipv6) {
  const char* target = ipv6 ? "2001:db8:f000::10" : "198.51.100.10";
  const char* gateway = ipv6 ? "2001:db8:10::1" : "192.168.10.1";
  const char* message = ipv6 ? "Time exceeded" : "Time to live exceeded";
  CheckResult row{ipv6 ? "ttl-expiry-v6" : "ttl-expiry-v4",
                  fmt::format("lan: echo request to {} with {} 1", target, ipv6 ? "hop limit" : "TTL"),
                  fmt::format("{} from {}", message, gateway),
                  "",
                  false,
                  true};
  CommandResult r =
      ctx.run(*ctx.topology->lan, {"ping", ipv6 ? "-6" : "-4", "-c", "1", "-t", "1", "-W", "2", "-n", target},
              seconds(10));
  std::string line = first_line_with(r.output, "From ");
  row.observed = line.empty() ? summary(r) : line;
  row.pass = line.find(fmt::format("From {} ", gateway)) != std::string::npos &&
             line.find(message) != std::string::npos;
  return row;
}

BulkTransfer bulk_transfer(const LabContext& ctx, std::size_t bytes) {
  BulkTransfer out;
  const std::string source = ctx.work_dir + "/bulk.bin";
  const std::string received = ctx.work_dir + "/bulk-received.bin";
  write_random_file(source, bytes);
  // A one-shot receiver that writes what it gets to a file, so that every byte can be compared.
  BackgroundProcess sink = ctx.topology->inet->start(
      {"socat", "-u", fmt::format("TCP-LISTEN:{},bind=198.51.100.10,reuseaddr", kBulkPort),
       "CREATE:" + received},
      ctx.log_dir + "/bulk-sink.log");
  wait_listening(*ctx.topology->inet, "-ltn", kBulkPort, sink);
  const auto start = Clock::now();
  CommandResult r = ctx.run(*ctx.topology->lan,
                            {"socat", "-u", "OPEN:" + source + ",rdonly",
                             fmt::format("TCP:198.51.100.10:{},connect-timeout=3", kBulkPort)},
                            seconds(90));
  for (auto deadline = Clock::now() + seconds(10); sink.running() && Clock::now() < deadline;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  sink.stop();
  std::error_code ec;
  out.received = std::filesystem::file_size(received, ec);
  if (ec) out.received = 0;
  if (!r.ok()) out.error = "sender " + summary(r);
  out.same_content = r.ok() && out.received == bytes && same_content(source, received);
  std::filesystem::remove(source, ec);
  std::filesystem::remove(received, ec);
  return out;
}

CheckResult check_tcp_bulk(const LabContext& ctx, double* mbit_per_s) {
  const std::size_t bytes = ctx.bulk_bytes;
  CheckResult row{
      "tcp-bulk-v4",
      fmt::format("lan: {} MiB over one TCP connection to 198.51.100.10:{}", bytes >> 20, kBulkPort),
      fmt::format("{} bytes arrive, same content", bytes), "", false};
  const BulkTransfer t = bulk_transfer(ctx, bytes);
  if (!t.error.empty()) {
    row.observed = fmt::format("{}; {} bytes arrived", t.error, t.received);
  } else {
    row.observed = fmt::format("{} bytes in {:.2f} s ({:.0f} Mbit/s), {}", t.received, t.seconds,
                               t.mbit_per_s(), t.same_content ? "same content" : "CONTENT DIFFERS");
    row.pass = t.same_content;
  }
  if (mbit_per_s != nullptr) *mbit_per_s = row.pass ? t.mbit_per_s() : 0.0;
  return row;
}

CheckResult check_dns(const LabContext& ctx, bool ipv6) {
  const char* server = ipv6 ? "2001:db8:f000::10" : "198.51.100.10";
  const char* type = ipv6 ? "AAAA" : "A";
  CheckResult row{ipv6 ? "udp-dns-v6" : "udp-dns-v4",
                  fmt::format("lan: dig {} {} @{} (UDP)", kLabDnsName, type, server), server, "", false};
  CommandResult r = ctx.run(*ctx.topology->lan,
                            {"dig", ipv6 ? "-6" : "-4", std::string("@") + server, kLabDnsName, type,
                             "+short", "+notcp", "+time=2", "+tries=3"},
                            seconds(20));
  row.observed = r.ok() ? trim(r.output) : summary(r);
  if (row.observed.empty()) row.observed = "(no answer)";
  row.pass = r.ok() && trim(r.output) == server;
  return row;
}

CheckResult check_http(const LabContext& ctx, const Servers& servers, bool ipv6) {
  const std::string host = ipv6 ? "[2001:db8:1000::10]" : "10.20.0.10";
  const std::string url = fmt::format("http://{}:{}/blob.bin", host, kHttpPort);
  const std::string out = ctx.work_dir + (ipv6 ? "/download-v6.bin" : "/download-v4.bin");
  const auto size = std::filesystem::file_size(servers.http_file());
  CheckResult row{ipv6 ? "http-get-v6" : "http-get-v4", "lan: curl GET " + url,
                  fmt::format("200, {} bytes, same content", size), "", false};
  CommandResult r = ctx.run(
      *ctx.topology->lan,
      {"curl", "-sS", "-g", "--max-time", "30", "-o", out, "-w", "%{http_code} %{size_download}", url},
      seconds(40));
  if (!r.ok()) {
    row.observed = summary(r);
    return row;
  }
  bool same = same_content(servers.http_file(), out);
  row.observed = fmt::format("{} bytes, {}", trim(r.output), same ? "same content" : "CONTENT DIFFERS");
  row.pass = trim(r.output) == fmt::format("200 {}", size) && same;
  std::filesystem::remove(out);
  return row;
}

CheckResult check_spoofed_source(const LabContext& ctx) {
  const Namespace& inet = *ctx.topology->inet;
  const Namespace& lan = *ctx.topology->lan;
  const std::string spoofed = "192.168.10.99";
  CheckResult row{"spoofed-source",
                  "inet: 5 echo requests " + spoofed + " -> 192.168.10.10",
                  "0 arrive at the LAN client (spoofed_source drop)",
                  "",
                  false,
                  true};
  inet.add_address("lo", spoofed + "/32");
  long sent_before = snmp_counter(ctx, inet, "Icmp", "OutEchos");
  long arrived_before = snmp_counter(ctx, lan, "Icmp", "InEchos");
  ctx.run(inet, {"ping", "-4", "-c", "5", "-i", "0.2", "-W", "1", "-n", "-I", spoofed, "192.168.10.10"},
          seconds(15));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  long sent = snmp_counter(ctx, inet, "Icmp", "OutEchos") - sent_before;
  long arrived = snmp_counter(ctx, lan, "Icmp", "InEchos") - arrived_before;
  ctx.run(inet, {"ip", "address", "del", spoofed + "/32", "dev", "lo"}, seconds(5));
  row.observed = fmt::format("{} sent by inet, {} arrived at LAN client", sent, arrived);
  row.pass = sent >= 5 && arrived == 0;
  return row;
}

namespace {

// A one-shot TCP listener: it exits after one connection, so that "still running" proves nothing reached it.
BackgroundProcess start_listener(const LabContext& ctx, const Namespace& ns, const std::string& address,
                                 int port, const std::string& name) {
  BackgroundProcess listener = ns.start(
      {"socat", "-u", fmt::format("TCP-LISTEN:{},bind={},reuseaddr", port, address), "OPEN:/dev/null"},
      ctx.log_dir + "/" + name + ".log");
  wait_listening(ns, "-ltn", port, listener);
  return listener;
}

}  // namespace

CheckResult check_inbound_blocked(const LabContext& ctx) {
  const int port = 2222;
  CheckResult row{"inbound-blocked",
                  fmt::format("inet: TCP connect to 192.168.10.10:{} (a LAN listener waits)", port),
                  "times out, nothing reaches the listener (policy_drop: default deny)",
                  "",
                  false,
                  true};
  BackgroundProcess listener =
      start_listener(ctx, *ctx.topology->lan, "192.168.10.10", port, "inbound-listener");
  CommandResult r =
      ctx.run(*ctx.topology->inet,
              {"socat", "-u", "OPEN:/dev/null", fmt::format("TCP:192.168.10.10:{},connect-timeout=2", port)},
              seconds(10));
  const bool untouched = listener.running();
  listener.stop();
  const std::string error = first_line_with(r.output, "E ");
  row.observed =
      fmt::format("{}; listener {}", error.empty() ? summary(r) : error.substr(error.find("E ") + 2),
                  untouched ? "untouched" : "GOT A CONNECTION");
  row.pass = !r.ok() && r.output.find("timed out") != std::string::npos && untouched;
  return row;
}

CheckResult check_tls_sni(const LabContext& ctx, bool blocked) {
  const std::string name =
      blocked ? std::string("www.") + kLabBlockedSuffix : std::string("www.") + kLabDnsName;
  CheckResult row{blocked ? "tls-sni-blocked" : "tls-sni-allowed",
                  "lan: curl https://" + name + "/ (10.20.0.10:443, openssl s_server)",
                  blocked ? "reset by the box at the ClientHello (rule lab-blocked-sites), no page"
                          : "200: the handshake and the page pass",
                  "", false};
  const auto start = Clock::now();
  CommandResult r = ctx.run(*ctx.topology->lan,
                            {"curl", "-sk", "--max-time", "8", "--resolve", name + ":443:10.20.0.10", "-o",
                             "/dev/null", "-w", "%{http_code}", "https://" + name + "/"},
                            seconds(15));
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  if (blocked) {
    // curl: 35 (handshake failed) or 56 (receive failure) after the RST; a timeout would mean a drop.
    row.pass = !r.ok() && !r.timed_out && trim(r.output) == "000" && elapsed < 5.0;
    row.observed =
        fmt::format("curl exit {} after {:.2f} s, status {}", r.exit_code, elapsed, trim(r.output));
  } else {
    row.pass = r.ok() && trim(r.output) == "200";
    row.observed = r.ok() ? "status " + trim(r.output) : summary(r);
  }
  return row;
}

CheckResult check_http_program_blocked(const LabContext& ctx) {
  const std::string url = fmt::format("http://10.20.0.10:{}/setup.exe", kHttpPort);
  CheckResult row{
      "http-program-blocked", "lan: curl GET " + url + " (1 MiB)",
      "the response is stopped at its headers (rule lab-no-windows-programs): no complete download", "",
      false};
  CommandResult r = ctx.run(
      *ctx.topology->lan,
      {"curl", "-sS", "--max-time", "6", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", url},
      seconds(15));
  row.observed = r.ok() ? "completed: " + trim(r.output) : summary(r);
  row.pass = !r.ok() && r.output.find("1048576") == std::string::npos;
  return row;
}

CheckResult check_smtp_rejected(const LabContext& ctx) {
  CheckResult row{"smtp-rejected",
                  "lan: TCP connect to 198.51.100.10:25 (an Internet listener waits)",
                  "refused at once by the box's RST (rule lan-smtp-to-inet), nothing reaches the listener",
                  "",
                  false,
                  true};
  BackgroundProcess listener = start_listener(ctx, *ctx.topology->inet, "198.51.100.10", 25, "smtp-listener");
  const auto start = Clock::now();
  CommandResult r =
      ctx.run(*ctx.topology->lan, {"socat", "-u", "OPEN:/dev/null", "TCP:198.51.100.10:25,connect-timeout=3"},
              seconds(10));
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const bool untouched = listener.running();
  listener.stop();
  const bool refused = r.output.find("Connection refused") != std::string::npos;
  row.observed = fmt::format("{} after {:.2f} s; listener {}", refused ? "refused" : summary(r), elapsed,
                             untouched ? "untouched" : "GOT A CONNECTION");
  row.pass = !r.ok() && refused && untouched && elapsed < 2.0;
  return row;
}

std::string lab_signatures_text() {
  return fmt::format(
      "drop tcp any any -> $HOME_NET any (msg:\"torwart lab: download carrying the lab marker\"; "
      "flow:established,to_client; content:\"{}\"; classtype:trojan-activity; sid:9000001; rev:1;)\n"
      "reject http $HOME_NET any -> any any (msg:\"torwart lab: request for the reject path\"; "
      "flow:established,to_server; http.uri; content:\"{}\"; startswith; sid:9000002; rev:1;)\n",
      kLabMarker, kLabRejectPath);
}

CheckResult check_signature_drop(const LabContext& ctx) {
  const std::string url = fmt::format("http://10.20.0.10:{}/marked.bin", kHttpPort);
  CheckResult row{"signature-drop", "lan: curl GET " + url + " (1 MiB, the marker at 600000)",
                  "stopped by drop signature 9000001 before the marker arrives: no complete download", "",
                  false};
  CommandResult r = ctx.run(
      *ctx.topology->lan,
      {"curl", "-sS", "--max-time", "6", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", url},
      seconds(15));
  const std::string out = trim(r.output);
  long downloaded = -1;
  if (const auto space = out.rfind(' '); space != std::string::npos) {
    try {
      downloaded = std::stol(out.substr(space + 1));
    } catch (const std::exception&) {
    }
  }
  row.observed = fmt::format("curl exit {}, {}", r.exit_code, out);
  row.pass = !r.ok() && downloaded >= 0 && downloaded < 600000 + static_cast<long>(std::strlen(kLabMarker));
  return row;
}

CheckResult check_signature_reject(const LabContext& ctx) {
  const std::string url = fmt::format("http://10.20.0.10:{}{}", kHttpPort, kLabRejectPath);
  CheckResult row{"signature-reject", "lan: curl GET " + url,
                  "reset by the box (reject signature 9000002): curl fails at once, no response", "", false};
  const auto start = Clock::now();
  CommandResult r =
      ctx.run(*ctx.topology->lan,
              {"curl", "-sS", "--max-time", "6", "-o", "/dev/null", "-w", "%{http_code}", url}, seconds(15));
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const bool reset =
      r.output.find("reset") != std::string::npos || r.output.find("Empty reply") != std::string::npos;
  row.observed = fmt::format("curl exit {} after {:.2f} s: {}", r.exit_code, elapsed,
                             first_line_with(r.output, "curl:"));
  row.pass = !r.ok() && !r.timed_out && reset && elapsed < 5.0;
  return row;
}

}  // namespace torwart::lab
