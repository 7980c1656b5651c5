// torwartd: the control plane daemon. Owns the versioned configuration, drives `torwart run` through its
// control socket, serves torwartctl on a local socket.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>

#include <CLI/CLI.hpp>

#include "controlplane/config_store/atomic_file.hpp"
#include "controlplane/config_store/store_lock.hpp"
#include "controlplane/dhcp/dhcp_clients.hpp"
#include "controlplane/kernel_mirror/learned_publisher.hpp"
#include "controlplane/log_shipping/shipping_control.hpp"
#include "controlplane/log_shipping/system_events.hpp"
#include "controlplane/logging/spool_retention.hpp"
#include "controlplane/management_api/api_handler.hpp"
#include "controlplane/management_api/https_server.hpp"
#include "controlplane/management_api/listen_address.hpp"
#include "controlplane/management_api/openapi_document.hpp"
#include "controlplane/management_filter/management_filter.hpp"
#include "controlplane/tls/tr02102_tls.hpp"
#include "controlplane/torwartd/audit_log.hpp"
#include "controlplane/torwartd/confirm_timer.hpp"
#include "controlplane/torwartd/server.hpp"
#include "controlplane/torwartd/service.hpp"
#include "controlplane/vpn/charon_supervisor.hpp"
#include "dataplane/control_protocol/client.hpp"
#include "dataplane/control_protocol/control_protocol.hpp"
#include "platform/build_info/build_info.hpp"
#include "rules/config/load.hpp"

namespace {

constexpr const char* kFooter =
    "\nOn start torwartd settles versions a previous run left unacknowledged, rolls back an unconfirmed\n"
    "commit whose deadline has passed (a pending one is re-armed), and pushes the current version when the\n"
    "fast path runs another one; it checks that again every --sync-interval seconds. If torwartd stops,\n"
    "`torwart run` keeps running its last configuration (fail-static).\n"
    "\nIt also checks every stored version against its SHA-256 and the audit log against the head\n"
    "state.json anchors; damage is reported (stderr, `torwartctl status`, the audit log), never used:\n"
    "a damaged current version is not pushed and the fast path keeps what it runs (`torwartctl config\n"
    "repair --help`).\n"
    "\nWith logging.siem in the current configuration it ships the EVE spool, the audit log and its system\n"
    "events (--system-log) to the provider's SIEM (RFC 5424 over TLS), resuming from --shipping-cursor.\n"
    "\nEXIT CODES\n"
    "  0  stopped by SIGINT/SIGTERM\n"
    "  1  runtime failure (state directory, socket)\n"
    "  2  bad input (command line, --initial file); --verify-audit: the chain is broken\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace torwart::controlplane;
  CLI::App app{
      "torwartd - the torwart control plane: versioned configuration with commit-confirmed; drives the\n"
      "fast path (`torwart run`) through its control socket; serves torwartctl on a local socket.\n"};
  app.footer(kFooter);
  app.set_version_flag("--version", "torwartd " + torwart::platform::build_version());
  std::string state_dir = "/var/lib/torwart/config", socket = "/run/torwart/torwartd.sock";
  std::string fastpath_socket = "/run/torwart/control.sock", audit_path = "/var/log/torwart/audit.jsonl";
  std::string initial, socket_mode = "0660", eve_dir = "/var/log/torwart";
  std::string system_log = "/var/log/torwart/system.jsonl";
  std::string shipping_cursor = "/var/lib/torwart/log-shipping/cursor.json";
  unsigned sync_interval_s = 5;
  app.add_option("--state-dir", state_dir, "Configuration store (versions, state.json)")
      ->capture_default_str();
  app.add_option("--socket", socket, "Local socket torwartctl connects to")->capture_default_str();
  app.add_option("--socket-mode", socket_mode,
                 "Permissions of --socket (octal); whoever can connect can change the configuration")
      ->capture_default_str();
  app.add_option("-s,--fastpath-socket", fastpath_socket,
                 "Control socket of `torwart run` (dataplane.control_socket)")
      ->capture_default_str();
  app.add_option("--audit-log", audit_path, "Append-only audit log (JSON lines)")->capture_default_str();
  app.add_option(
         "--initial", initial,
         "When the store is empty: record this file as the first version (the file `torwart run` was\n"
         "started with; adopted without a reload when the fast path already runs exactly this text)")
      ->check(CLI::ExistingFile);
  app.add_option("--sync-interval", sync_interval_s,
                 "Seconds between checks that the fast path runs the current version")
      ->check(CLI::Range(1u, 3600u))
      ->capture_default_str();
  app.add_option("--eve-dir", eve_dir,
                 "The fast path's EVE spool (`torwart run -l DIR`): closed files older than the current\n"
                 "configuration's logging.retention_days are deleted every minute")
      ->capture_default_str();
  app.add_option(
         "--system-log", system_log,
         "torwartd's system events (start, stop, retention, log shipping), JSON lines; shipped as the\n"
         "`system` stream")
      ->capture_default_str();
  app.add_option(
         "--shipping-cursor", shipping_cursor,
         "Where log shipping keeps its position and the batches it wrote ahead (controlplane/README.md\n"
         "\"Log shipping\")")
      ->capture_default_str();
  bool kernel_mirror = false;
  app.add_flag(
      "--kernel-mirror", kernel_mirror,
      "Follow the addresses, routes and permanent neighbours Linux tools (a DHCP client, ip, FRR)\n"
      "set on the fast path's kernel twins and hand them to `torwart run` (README \"Kernel mirror\").\n"
      "torwartd must run in the network namespace of `torwart run`");
  std::string dhclient = "/sbin/dhclient", dhcp_dir = "/var/lib/torwart/dhcp";
  std::string dhcp_script =
      (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "torwart-dhclient-script").string();
  app.add_option("--dhclient", dhclient,
                 "ISC dhclient for ports with `addresses: dhcp` (with --kernel-mirror)")
      ->capture_default_str();
  app.add_option("--dhcp-script", dhcp_script, "The dhclient script (default: beside torwartd)")
      ->capture_default_str();
  app.add_option("--dhcp-dir", dhcp_dir, "dhclient's pid files, lease databases and lease summaries")
      ->capture_default_str();
  torwart::controlplane::vpn::CharonOptions charon_options;
  charon_options.plugin = TORWART_CHARON_PLUGIN_DEFAULT;
  charon_options.directory = "/var/lib/torwart/vpn";
  app.add_option("--vpn-dir", charon_options.directory,
                 "charon's strongswan.conf, swanctl.conf, VICI socket, log and /run, written while the\n"
                 "current version has tunnels (vpn section); charon runs from them")
      ->capture_default_str();
  app.add_option("--charon", charon_options.charon, "strongSwan's charon")->capture_default_str();
  app.add_option("--swanctl", charon_options.swanctl, "strongSwan's swanctl")->capture_default_str();
  app.add_option("--charon-plugin", charon_options.plugin,
                 "torwart's kernel-ipsec plugin for charon (libstrongswan-torwart.so)")
      ->capture_default_str();
  std::string api_listen;
  torwart::controlplane::tls::TlsFiles api_files{"/etc/torwart/api/provider-ca.pem",
                                                 "/etc/torwart/api/box.pem", "/etc/torwart/api/box.key",
                                                 "/etc/torwart/api/provider-ca.crl"};
  app.add_option("--api", api_listen,
                 "Serve the management API (HTTPS, mutual TLS only) on ADDRESS:PORT of the management\n"
                 "interface, e.g. 192.0.2.10:8443 (README \"Management API\"); off when not given");
  app.add_option("--api-ca", api_files.ca, "The provider's CA: clients need a certificate it issued")
      ->capture_default_str();
  app.add_option("--api-cert", api_files.cert, "The box's certificate (chain) for the API")
      ->capture_default_str();
  app.add_option("--api-key", api_files.key, "Its private key")->capture_default_str();
  app.add_option("--api-crl", api_files.crl,
                 "The provider CA's revocation list (required: a revoked\n"
                 "certificate must not get in; reread at torwartd's start)")
      ->capture_default_str();
  bool management_filter = false;
  app.add_flag("--management-filter", management_filter,
               "Keep the kernel's filter on management.interface (nftables table inet torwart_management):\n"
               "only management.provider networks reach the --api port; the rest is dropped, counted and\n"
               "logged. Installed at start and with every new current version; left in place when torwartd\n"
               "stops");
  bool verify_audit = false;
  app.add_flag(
      "--verify-audit", verify_audit,
      "Check the --audit-log's hash chain (every record names the SHA-256 of the one before) and that it\n"
      "still reaches the newest record --state-dir's state.json anchors (a cut-off end), print the verdict\n"
      "and exit: 0 intact (breaks torwartd found and recorded earlier are listed), 2 broken (the first\n"
      "broken line is named), 1 state.json unreadable");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (verify_audit) {
    std::optional<AuditHead> head;
    try {
      head = read_audit_head(state_dir);  // read only: torwartd may be running
    } catch (const StoreError& e) {
      std::cerr << "torwartd: " << e.what() << "\n";
      return 1;
    }
    if (const auto broken = verify_audit_log(audit_path, head)) {
      std::cerr << "torwartd: " << audit_path << ": " << *broken << "\n";
      return 2;
    }
    std::cout << audit_path << ": chain intact"
              << (head ? ", reaches the anchored record " + std::to_string(head->records)
                       : std::string(", no anchor in ") + state_dir + "/state.json")
              << "\n";
    for (const auto& b : recorded_audit_breaks(audit_path))
      std::cout << "  an earlier break, found and recorded by torwartd at " << b << "\n";
    return 0;
  }
  std::optional<boost::asio::ip::tcp::endpoint> api_at;
  if (!api_listen.empty()) {
    try {
      api_at = torwart::controlplane::api::parse_listen_address(api_listen);
    } catch (const std::invalid_argument& e) {
      std::cerr << "torwartd: --api: " << e.what() << "\n";
      return 2;
    }
  }
  unsigned mode = 0;
  try {
    size_t used = 0;
    mode = static_cast<unsigned>(std::stoul(socket_mode, &used, 8));
    if (used != socket_mode.size() || mode > 0777) throw std::invalid_argument("range");
  } catch (const std::exception&) {
    std::cerr << "torwartd: --socket-mode: '" << socket_mode << "' is not an octal mode such as 0660\n";
    return 2;
  }

  try {
    StoreLock lock(state_dir);  // before anything is read or the socket is replaced
    ConfigStore store(state_dir);
    AuditLog audit(audit_path);
    log_shipping::SystemEvents system_events(system_log);
    system_events.record("info", "torwartd_started",
                         "torwartd " + torwart::platform::build_version() + ", store " + state_dir);
    SocketFastPathLink fastpath(fastpath_socket);
    ControlService service(store, fastpath, audit);
    // Before anything else is recorded: a damaged store or a cut audit log is reported, not started over.
    for (const auto& finding : service.check_integrity()) {
      std::cerr << "torwartd: " << finding << "\n";
      system_events.record("error", "integrity", finding);
    }
    if (!initial.empty() && store.empty()) {
      try {
        service.set_initial(read_whole_file(initial, torwart::config::kMaxConfigBytes),
                            initial);  // recorded by the first resynchronise()
      } catch (const ServiceError& e) {
        std::cerr << "torwartd: " << e.what() << "\n";
        for (const auto& d : e.details) std::cerr << "  " << d << "\n";
        return 2;
      }
    }
    if (service.expire_if_due())
      std::cerr << "torwartd: an unconfirmed commit's deadline had passed: rolled back\n";
    std::cerr << "torwartd: " << service.resynchronise() << "\n";

    boost::asio::io_context io;
    ServiceTimers timers(io, service, std::chrono::seconds(sync_interval_s));
    // The management interface's kernel filter follows the current version (after every request, and on the
    // sync timer for the versions torwartd makes itself: automatic rollbacks, resynchronisations).
    std::unique_ptr<torwart::controlplane::management_filter::ManagementFilter> filter;
    std::function<void()> follow_filter = [] {};
    if (management_filter) {
      filter = std::make_unique<torwart::controlplane::management_filter::ManagementFilter>(
          api_at ? std::optional<uint16_t>(api_at->port()) : std::nullopt);
      follow_filter = [&] {
        const uint64_t version = store.current();
        if (version == 0) return;
        try {
          const std::string said = filter->follow(version, store.text(version));
          if (!said.empty()) std::cerr << "torwartd: " << said << "\n";
        } catch (const StoreError& e) {
          std::cerr << "torwartd: management filter: the current version cannot be read, the filter in place "
                       "stays: "
                    << e.what() << "\n";
        }
      };
      service.add_status_report("management_filter", [&] { return filter->status(); });
    }
    boost::asio::steady_timer filter_timer(io);
    std::function<void()> refollow_filter = [&] {
      follow_filter();
      filter_timer.expires_after(std::chrono::seconds(sync_interval_s));
      filter_timer.async_wait([&](boost::system::error_code ec) {
        if (!ec) refollow_filter();
      });
    };
    if (management_filter) refollow_filter();
    Server server(io, service, socket, mode, [&timers, &follow_filter] {
      timers.rearm();
      follow_filter();
    });
    // Log shipping follows the current version's logging.siem, checked every second (a commit, a rollback).
    log_shipping::ShippingControl shipping(
        io, {eve_dir, audit_path, system_log, shipping_cursor},
        [&system_events](std::string_view severity, std::string_view event, const std::string& text) {
          std::cerr << "torwartd: " << event << ": " << text << "\n";
          system_events.record(severity, event, text);
        });
    service.add_status_report("log_shipping", [&shipping, &system_events] {
      nlohmann::json report = shipping.status();
      report["system_log"] = {{"dropped", system_events.dropped()},
                              {"last_failure", system_events.last_failure()}};
      return report;
    });
    boost::asio::steady_timer shipping_timer(io);
    std::function<void()> follow_shipping = [&] {
      std::optional<std::string> text;
      try {
        if (store.current() != 0) text = store.text(store.current());
      } catch (const StoreError&) {
        // damaged: reported by the store; shipping keeps its settings
      }
      shipping.follow(store.current(), text);
      shipping_timer.expires_after(std::chrono::seconds(1));
      shipping_timer.async_wait([&](boost::system::error_code ec) {
        if (!ec) follow_shipping();
      });
    };
    follow_shipping();
    // Retention of the EVE spool, by the current version's logging.retention_days.
    boost::asio::steady_timer retention_timer(io);
    std::function<void()> expire_spool_files = [&] {
      std::optional<std::chrono::seconds> retention;
      try {
        retention = retention_of(store.current() != 0 ? store.text(store.current()) : std::string());
      } catch (const StoreError& e) {
        // The configured retention is unknown: deleting by the default could destroy what must be kept.
        std::cerr << "torwartd: retention: nothing deleted, the current version is damaged: " << e.what()
                  << "\n";
      }
      if (retention) {
        const RetentionResult r = expire_spool(
            eve_dir, *retention, std::filesystem::file_time_type::clock::now(),
            [&shipping](const std::filesystem::path& file) { shipping.before_spool_file_removed(file); });
        if (r.removed > 0) {
          const std::string text = "removed " + std::to_string(r.removed) + " EVE spool files (" +
                                   std::to_string(r.bytes) + " bytes)";
          std::cerr << "torwartd: retention: " << text << "\n";
          system_events.record("info", "spool_expired", text);
        }
        for (const auto& e : r.errors) {
          std::cerr << "torwartd: retention: " << e << "\n";
          system_events.record("warning", "spool_expiry_failed", e);
        }
      }
      retention_timer.expires_after(std::chrono::minutes(1));
      retention_timer.async_wait([&](boost::system::error_code ec) {
        if (!ec) expire_spool_files();
      });
    };
    expire_spool_files();
    // charon follows the current version's tunnels, checked every second (a commit, a rollback, a charon
    // that ended).
    charon_options.fastpath_socket = fastpath_socket;
    torwart::controlplane::vpn::CharonSupervisor charon(charon_options);
    // With the SAs the fast path holds (charon's plugin installed them), each named by its tunnel.
    service.add_status_report("vpn", [&charon, &fastpath_socket] {
      nlohmann::json report = charon.status();
      report["sas"] = nlohmann::json::array();
      if (!report["tunnels_configured"].get<bool>()) return report;
      namespace protocol = torwart::control_protocol;
      try {
        const nlohmann::json reply = protocol::fastpath_request(
            fastpath_socket, protocol::make_request(protocol::command::kIpsecSas), std::chrono::seconds(2));
        nlohmann::json sas =
            reply.value("result", nlohmann::json::object()).value("sas", nlohmann::json::array());
        for (auto& sa : sas) sa["tunnel"] = charon.tunnel_of(sa.value("reqid", 0u));
        report["sas"] = sas;
      } catch (const std::exception& e) {
        report["sas_error"] = e.what();
      }
      return report;
    });
    boost::asio::steady_timer charon_timer(io);
    uint64_t charon_version = 0;
    std::string charon_text;
    std::function<void()> follow_charon = [&] {
      try {
        const uint64_t current = store.current();
        if (current != charon_version) {
          charon_text = current != 0 ? store.text(current) : std::string();
          charon_version = current;
        }
        charon.follow(charon_version, charon_text);
      } catch (const std::exception& e) {
        std::cerr << "torwartd: vpn: " << e.what() << "\n";
      }
      charon_timer.expires_after(std::chrono::seconds(1));
      charon_timer.async_wait([&](boost::system::error_code ec) {
        if (!ec) follow_charon();
      });
    };
    follow_charon();
    // The kernel mirror: checked at start and with every sync interval (a restarted fast path is refilled).
    std::unique_ptr<LearnedPublisher> publisher;
    std::unique_ptr<DhcpClients> dhcp;
    boost::asio::steady_timer mirror_timer(io);
    std::function<void()> check_mirror = [&] {
      const FastPathView view = publisher->check();
      if (view.reachable) dhcp->follow(view.dhcp_ports, view.restarted);
      mirror_timer.expires_after(std::chrono::seconds(sync_interval_s));
      mirror_timer.async_wait([&](boost::system::error_code ec) {
        if (!ec) check_mirror();
      });
    };
    if (kernel_mirror) {
      publisher = std::make_unique<LearnedPublisher>(io, fastpath_socket);
      dhcp = std::make_unique<DhcpClients>(DhcpClientOptions{dhclient, dhcp_script, dhcp_dir});
      service.set_kernel_mirror_status([&publisher, &dhcp] {
        nlohmann::json report = publisher->status();
        report["dhcp"] = dhcp->status();
        return report;
      });
      check_mirror();
    }
    // The management API: the same service, on the same thread, so API and socket requests never interleave.
    std::unique_ptr<boost::asio::ssl::context> api_tls;
    std::unique_ptr<torwart::controlplane::api::ApiHandler> api_handler;
    std::unique_ptr<torwart::controlplane::api::HttpsServer> api_server;
    if (!api_listen.empty()) {
      namespace api = torwart::controlplane::api;
      const boost::asio::ip::tcp::endpoint at = *api_at;
      api_tls = std::make_unique<boost::asio::ssl::context>(
          torwart::controlplane::tls::make_server_context(api_files));
      api_handler = std::make_unique<api::ApiHandler>(service, std::string(api::openapi_document()));
      api_server = std::make_unique<api::HttpsServer>(
          io, *api_tls, at, [&](const api::ApiRequest& request, const api::ClientIdentity& identity) {
            api::ApiResponse answer = api_handler->handle(request, identity);
            timers.rearm();
            follow_filter();
            return answer;
          });
      service.add_status_report("management_api", [&] {
        nlohmann::json report = api_server->status();
        report["listen"] = api_listen;
        report["refused_by_role"] = api_handler->refusals();
        nlohmann::json answers = nlohmann::json::object();
        for (const auto& [status, count] : api_handler->answers()) answers[std::to_string(status)] = count;
        report["answers"] = answers;
        return report;
      });
      std::cerr << "torwartd: management API on " << api_listen << " (mutual TLS, CA " << api_files.ca
                << ")\n";
    }
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&io](boost::system::error_code, int) { io.stop(); });
    std::signal(SIGPIPE, SIG_IGN);
    std::cerr << "torwartd: store " << state_dir << " (current version " << store.current()
              << "), listening on " << socket << ", fast path at " << fastpath_socket << "\n";
    io.run();
    system_events.record("info", "torwartd_stopped", "stopped by a signal");
    std::cerr << "torwartd: stopped\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "torwartd: " << e.what() << "\n";
    return 1;
  }
}
