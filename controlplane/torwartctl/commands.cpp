#include "controlplane/torwartctl/commands.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "controlplane/config_store/atomic_file.hpp"
#include "controlplane/config_store/version_info.hpp"
#include "controlplane/management_api/remote_client.hpp"
#include "controlplane/torwartctl/duration.hpp"
#include "dataplane/control_protocol/client.hpp"
#include "dataplane/control_protocol/flow_listing.hpp"
#include "platform/posix/bounded_read.hpp"
#include "rules/config/load.hpp"

namespace torwart::controlplane::ctl {
namespace {
using nlohmann::json;

// A commit waits for the fast path's acknowledgement; an export carries every version.
constexpr std::chrono::seconds kTimeout{120};

// Sends the request; prints the refusal and returns nullopt unless torwartd said ok.
json send(const Options& o, json request) {
  if (!o.host.empty()) {
    api::RemoteBox box = api::parse_remote_host(o.host);
    box.files = {o.ca, o.cert, o.key, ""};
    box.timeout = kTimeout;
    return api::remote_request(box, request);
  }
  request["protocol"] = 1;
  return platform::json_line_request(o.socket, std::move(request), kTimeout, "torwartd",
                                     "is torwartd running, and is this its --socket?");
}

std::optional<json> ask(const Options& o, json request, int* code) {
  try {
    json response = send(o, std::move(request));
    if (!response.value("ok", false)) {
      if (o.json) {
        std::cout << response.dump(2) << "\n";
      }
      std::cerr << "torwartctl: " << response.value("error", std::string("refused")) << "\n";
      for (const auto& d : response.value("details", json::array())) {
        std::cerr << "  " << (d.is_string() ? d.get<std::string>() : d.dump()) << "\n";
      }
      *code = response.value("kind", std::string("failure")) == "failure" ? kExitFailure : kExitBadInput;
      return std::nullopt;
    }
    return response["result"];
  } catch (const platform::JsonLineUnreachable& e) {
    std::cerr << "torwartctl: " << e.what() << "\n";
    *code = kExitFailure;
    return std::nullopt;
  } catch (const api::RemoteUnreachable& e) {
    std::cerr << "torwartctl: " << e.what() << "\n";
    *code = kExitFailure;
    return std::nullopt;
  } catch (const std::exception& e) {  // --host or the TLS files unusable
    std::cerr << "torwartctl: " << e.what() << "\n";
    *code = kExitBadInput;
    return std::nullopt;
  }
}

// torwartd takes requests up to 64 MiB; an exported history is one request.
constexpr size_t kMaxHistoryBytes = size_t{64} << 20;

// A configuration text or an exported history, from a regular file or "-" for standard input (a pipe).
std::optional<std::string> read_input(const std::string& file, size_t max_bytes, int* code) {
  if (file == "-") {
    auto read = platform::read_standard_input(max_bytes);
    if (read.ok()) return std::move(read.content);
    std::cerr << "torwartctl: standard input: " << read.error << "\n";
    *code = kExitBadInput;
    return std::nullopt;
  }
  try {
    return read_whole_file(file, max_bytes);
  } catch (const StoreIoError& e) {
    std::cerr << "torwartctl: " << e.what() << "\n";
    *code = kExitBadInput;
    return std::nullopt;
  }
}

std::string author_of(const json& info) {
  const auto& a = info["author"];
  return a["name"].get<std::string>() + " (uid " + std::to_string(a["uid"].get<uint64_t>()) + ")";
}

std::string summary(const json& diff) {
  return std::to_string(diff["lines_added"].get<uint64_t>()) + " lines added, " +
         std::to_string(diff["lines_removed"].get<uint64_t>()) + " removed against version " +
         std::to_string(diff["from"].get<uint64_t>());
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void print_pending(const json& p) {
  const int64_t left_s = (p["deadline_ms"].get<int64_t>() - now_ms()) / 1000;
  std::cout << "version " << p["version"] << " rolls back to version " << p["previous"] << " at "
            << p["deadline"].get<std::string>() << " (in " << std::max<int64_t>(left_s, 0)
            << " s) unless confirmed: torwartctl config confirm\n";
}

// `code` is read only after `result` was computed (ask() sets it).
int print_or_json(const Options& o, const std::optional<json>& result, const int& code,
                  const std::function<void(const json&)>& human) {
  if (!result) return code;
  if (o.json) {
    std::cout << result->dump(2) << "\n";
  } else {
    human(*result);
  }
  return kExitOk;
}

}  // namespace

namespace {

// What the fast path took from the kernel twins (and what not, with the reason), and the mirror's health.
void print_learned(const json& fastpath, const json& mirror) {
  if (!mirror.is_null()) {
    std::cout << "kernel mirror     ";
    if (!mirror.contains("counters")) {
      std::cout << "not following yet: " << mirror.value("problem", std::string()) << "\n";
    } else {
      const auto& c = mirror["counters"];
      std::cout << "following " << mirror["watched"].size() << " twins; generation "
                << mirror["sent_generation"] << " sent; " << c["dumps"] << " dumps, " << c["overruns"]
                << " overruns, " << c["malformed"] << " malformed"
                << (mirror.value("push_pending", false) ? "; PUSH PENDING: " : "")
                << (mirror.value("push_pending", false) ? mirror.value("problem", std::string()) : "")
                << "\n";
      for (const auto& r : mirror["recent_refusals"])
        std::cout << "  refused: " << r.get<std::string>() << "\n";
    }
    if (mirror.contains("dhcp")) {
      for (const auto& [twin, client] : mirror["dhcp"].items()) {
        const json& lease = client["lease"];
        std::cout << "dhcp " << std::left << std::setw(13) << twin << std::right
                  << (lease.contains("address") ? "lease " + lease["address"].get<std::string>() + " via " +
                                                      lease.value("routers", std::string("-"))
                                                : std::string("no lease"))
                  << " (dhclient pid " << client["pid"] << ", started " << client["starts"] << " times)\n";
      }
    }
  }
  if (!fastpath.contains("learned")) return;
  const auto& l = fastpath["learned"];
  std::cout << "learned           generation " << l["generation"] << ": " << l["addresses_taken"]
            << " addresses, " << l["routes_taken"] << " routes, " << l["neighbours_taken"]
            << " neighbours taken; " << l["not_taken"].size() << " not taken\n";
  for (const auto& n : l["not_taken"])
    std::cout << "  not taken: " << n["what"].get<std::string>() << ": " << n["reason"].get<std::string>()
              << "\n";
}

void print_routes(const json& fastpath) {
  if (!fastpath.contains("routes")) return;
  std::cout << "\n"
            << std::left << std::setw(28) << "ROUTE" << std::setw(26) << "VIA" << std::setw(12) << "INTERFACE"
            << "ORIGIN\n";
  for (const auto& r : fastpath["routes"]) {
    std::cout << std::setw(28) << r["to"].get<std::string>() << std::setw(26)
              << (r.contains("via")         ? r["via"].get<std::string>()
                  : r.contains("blackhole") ? "blackhole"
                                            : "-")
              << std::setw(12) << r.value("interface", std::string("-")) << r["origin"].get<std::string>()
              << "\n";
  }
  std::cout << std::right;
}

// `log_shipping` of status: where the logs go and how far they got (controlplane/README.md "Log shipping").
void print_log_shipping(const json& s) {
  if (!s.contains("log_shipping")) return;
  const json& l = s["log_shipping"];
  std::cout << "log shipping      ";
  if (!l.value("configured", false)) {
    std::cout << "off (no logging.siem)\n";
    return;
  }
  std::cout << (l["connected"].get<bool>() ? "connected to " : "NOT connected to ")
            << l["receiver"].get<std::string>();
  if (l.contains("shipped")) {
    std::cout << ", " << l["shipped"] << " records shipped, " << l["in_flight"]["records"]
              << " awaiting confirmation, " << l["pending_bytes"] << " bytes pending\n"
              << "                  next sequence number " << l["cursor"]["next_seq"]
              << ", lost to retention " << l["lost_to_retention"] << ", vanished files "
              << l["vanished_files"] << ", truncated " << l["truncated"] << "\n";
  } else {
    std::cout << "\n";
  }
  if (!l["last_error"].get<std::string>().empty())
    std::cout << "                  last error " << l["last_error_time"].get<std::string>() << ": "
              << l["last_error"].get<std::string>() << "\n";
}

}  // namespace

int cmd_status(const Options& o) {
  int code = kExitOk;
  return print_or_json(o, ask(o, {{"command", "status"}}, &code), code, [](const json& s) {
    std::cout << "current version   ";
    if (s["current"] == 0) {
      std::cout << "none (the store is empty)\n";
    } else if (s["current_info"].is_null()) {
      std::cout << s["current"] << "  (its record is damaged, see below)\n";
    } else {
      const auto& i = s["current_info"];
      std::cout << s["current"] << "  " << i["kind"].get<std::string>() << " by " << author_of(i) << " at "
                << i["time"].get<std::string>() << ": " << i["comment"].get<std::string>() << "\n";
    }
    std::cout << "fast path         ";
    if (s["fastpath"].contains("error")) {
      std::cout << "unreachable: " << s["fastpath"]["error"].get<std::string>() << "\n";
    } else {
      std::cout << "runs version " << s["fastpath"]["config_version"] << " (sha256 "
                << s["fastpath"]["config_digest"].get<std::string>().substr(0, 16) << "…)\n";
    }
    std::cout << "sync              " << s["sync"].get<std::string>() << "\n"
              << "pending confirm   ";
    if (s["pending_confirm"].is_null()) {
      std::cout << "none\n";
    } else {
      print_pending(s["pending_confirm"]);
    }
    std::cout << "store             " << s["state_dir"].get<std::string>() << " (last version " << s["last"]
              << ")\n"
              << "audit log         " << s["audit_log"].get<std::string>() << "\n";
    if (s.contains("store")) {
      const auto& st = s["store"];
      std::cout << "store integrity   "
                << (st["intact"].get<bool>() ? "intact" : "DAMAGED: torwartctl config repair --help") << " ("
                << st["detections"] << " detections since start)\n";
      for (const auto& d : st["damage"]) std::cout << "  " << d["message"].get<std::string>() << "\n";
      for (const auto& l : st["lost"])
        std::cout << "  version " << l["version"] << " lost: " << l["reason"].get<std::string>() << "\n";
    }
    if (s.contains("audit") && !s["audit"]["intact"].get<bool>()) {
      std::cout << "audit integrity   BROKEN at start (recorded in the log): "
                << s["audit"]["problem"].get<std::string>() << "\n";
    }
    print_log_shipping(s);
    print_learned(s["fastpath"], s.contains("kernel_mirror") ? s["kernel_mirror"] : json());
    print_routes(s["fastpath"]);
  });
}

int cmd_flows(const Options& o, unsigned limit) {
  int code = kExitOk;
  return print_or_json(o, ask(o, {{"command", "flows"}, {"limit", limit}}, &code), code,
                       [](const json& listing) { control_protocol::print_flow_listing(std::cout, listing); });
}

int cmd_vpn_status(const Options& o) {
  int code = kExitOk;
  const std::optional<json> status = ask(o, {{"command", "status"}}, &code);
  // The `vpn` part of torwartd's status (--json prints it as it is).
  std::optional<json> vpn;
  if (status) vpn = status->value("vpn", json::object());
  return print_or_json(o, vpn, code, [](const json& v) {
    if (v.empty()) {
      std::cout << "torwartd runs no VPN supervision\n";
      return;
    }
    std::cout << "tunnels           ";
    if (!v["tunnels_configured"].get<bool>()) {
      std::cout << "none in the current version\n";
    } else {
      for (const auto& t : v["tunnels"]) std::cout << t["name"].get<std::string>() << " ";
      std::cout << "(loaded into charon from version " << v["loaded_from_version"] << ")\n";
    }
    const json& charon = v["charon"];
    std::cout << "charon            "
              << (charon["running"].get<bool>() ? "running, pid " + charon["pid"].dump()
                                                : std::string("not running"))
              << " (" << charon["starts"] << " starts" << (charon["adopted"].get<bool>() ? ", adopted" : "")
              << ")\n";
    if (!v["last_problem"].get<std::string>().empty())
      std::cout << "last problem      " << v["last_problem"].get<std::string>() << "\n";
    if (v.contains("sas_error"))
      std::cout << "fast path         " << v["sas_error"].get<std::string>() << "\n";
    if (v["sas"].empty()) return;
    std::cout << "\n"
              << std::left << std::setw(16) << "TUNNEL" << std::setw(5) << "DIR" << std::setw(11) << "SPI"
              << std::setw(18) << "PEER" << std::setw(13) << "CIPHER" << std::right << std::setw(12)
              << "PACKETS" << std::setw(14) << "BYTES" << std::setw(10) << "IDLE S" << std::setw(9) << "DROPS"
              << "\n";
    for (const auto& sa : v["sas"]) {
      const bool in = sa["direction"] == "in";
      uint64_t drops = 0;
      for (const auto& [reason, n] : sa["drops"].items()) drops += n.get<uint64_t>();
      char spi[16];
      std::snprintf(spi, sizeof spi, "%08x", sa["spi"].get<uint32_t>());
      const int64_t idle = sa["idle_ms"].get<int64_t>();
      std::cout << std::left << std::setw(16)
                << (sa["tunnel"].get<std::string>().empty() ? "?" : sa["tunnel"].get<std::string>())
                << std::setw(5) << sa["direction"].get<std::string>() << std::setw(11) << spi << std::setw(18)
                << (in ? sa["source"] : sa["destination"])["address"].get<std::string>() << std::setw(13)
                << sa["cipher"].get<std::string>() << std::right << std::setw(12) << sa["packets"]
                << std::setw(14) << sa["bytes"] << std::setw(10)
                << (idle < 0 ? std::string("-") : std::to_string(idle / 1000)) << std::setw(9) << drops
                << "\n";
    }
  });
}

int cmd_stats(const Options& o) {
  int code = kExitOk;
  return print_or_json(o, ask(o, {{"command", "stats"}}, &code), code, [](const json& s) {
    std::cout << "config version " << s["config_version"] << "\n\n"
              << std::left << std::setw(10) << "PORT" << std::right << std::setw(14) << "RX PKTS"
              << std::setw(16) << "RX BYTES" << std::setw(14) << "TX PKTS" << std::setw(16) << "TX BYTES"
              << std::setw(12) << "DROPPED"
              << "\n";
    const json ports = s.contains("ports") ? s["ports"] : json::object();
    for (const auto& [name, p] : ports.items()) {
      uint64_t dropped = 0;
      const json port_drops = p.contains("drops") ? p["drops"] : json::object();
      for (const auto& [reason, n] : port_drops.items()) dropped += n.get<uint64_t>();
      std::cout << std::left << std::setw(10) << name << std::right << std::setw(14)
                << p.value("rx_packets", 0ull) << std::setw(16) << p.value("rx_bytes", 0ull) << std::setw(14)
                << p.value("tx_packets", 0ull) << std::setw(16) << p.value("tx_bytes", 0ull) << std::setw(12)
                << dropped << "\n";
    }
    std::cout << "\nDROP REASON                     PACKETS\n";
    const json drops = s.contains("drops") ? s["drops"] : json::object();
    if (drops.empty()) std::cout << "(none)\n";
    for (const auto& [reason, n] : drops.items())
      std::cout << std::left << std::setw(32) << reason << n << "\n";
    if (s.contains("flows")) {
      const auto& f = s["flows"];
      std::cout << "\nflows: " << f.value("active", 0ull) << " active, " << f.value("created", 0ull)
                << " created, " << f.value("refused", 0ull) << " refused\n";
    }
  });
}

int cmd_show(const Options& o, std::optional<unsigned long long> version) {
  json request = {{"command", "show"}};
  if (version) request["version"] = *version;
  int code = kExitOk;
  return print_or_json(o, ask(o, request, &code), code,
                       [](const json& r) { std::cout << r["config"].get<std::string>(); });
}

int cmd_validate(const Options& o, const std::string& file) {
  int code = kExitOk;
  auto text = read_input(file, config::kMaxConfigBytes, &code);
  if (!text) return code;
  return print_or_json(o, ask(o, {{"command", "validate"}, {"config", *text}, {"origin", file}}, &code), code,
                       [&](const json&) { std::cout << file << ": valid\n"; });
}

int cmd_commit(const Options& o, const std::string& file, const std::string& confirm_within,
               const std::string& message, std::optional<unsigned long long> base) {
  int code = kExitOk;
  json request = {{"command", "commit"}, {"origin", file}, {"comment", message}};
  if (!confirm_within.empty()) {
    const auto d = parse_duration(confirm_within);
    if (!d) {
      std::cerr << "torwartctl: --confirm-within: '" << confirm_within
                << "' is not a duration from 1s to 24h (e.g. 90s, 5m, 1h30m)\n";
      return kExitBadInput;
    }
    request["confirm_within_ms"] = d->count();
  }
  if (base) request["base"] = *base;
  auto text = read_input(file, config::kMaxConfigBytes, &code);
  if (!text) return code;
  request["config"] = *text;
  return print_or_json(o, ask(o, request, &code), code, [](const json& r) {
    std::cout << "version " << r["version"] << " is running (" << summary(r["diff"]) << ")\n";
    if (!r["pending_confirm"].is_null()) print_pending(r["pending_confirm"]);
  });
}

int cmd_confirm(const Options& o) {
  int code = kExitOk;
  return print_or_json(o, ask(o, {{"command", "confirm"}}, &code), code,
                       [](const json& r) { std::cout << "version " << r["version"] << " confirmed\n"; });
}

int cmd_rollback(const Options& o, unsigned long long version, const std::string& message) {
  int code = kExitOk;
  return print_or_json(o,
                       ask(o, {{"command", "rollback"}, {"version", version}, {"comment", message}}, &code),
                       code, [](const json& r) {
                         std::cout << "version " << r["version"] << " (the text of version " << r["restores"]
                                   << ") is running (" << summary(r["diff"]) << ")\n";
                       });
}

int cmd_audit(const Options& o, unsigned long long after, unsigned limit) {
  int code = kExitOk;
  return print_or_json(
      o, ask(o, {{"command", "audit"}, {"after", after}, {"limit", limit}}, &code), code, [](const json& a) {
        std::cout << std::left << std::setw(8) << "LINE" << std::setw(26) << "TIME (UTC)" << std::setw(30)
                  << "WHO" << std::setw(34) << "ACTION"
                  << "RESULT\n";
        for (const auto& r : a["records"]) {
          if (r.value("damaged", false)) {
            std::cout << std::setw(8) << r["line"].get<uint64_t>() << "DAMAGED "
                      << r["text"].get<std::string>() << "\n";
            continue;
          }
          const json& who = r.value("who", json::object());
          std::string name = who.value("name", std::string("?"));
          if (who.value("via", std::string()) == "api")
            name += " (" + who.value("role", std::string()) + ", api)";
          std::cout << std::setw(8) << r["line"].get<uint64_t>() << std::setw(26)
                    << r.value("time", std::string()) << std::setw(30) << name << std::setw(34)
                    << r.value("action", std::string()) << r.value("result", std::string());
          if (r.contains("reason")) std::cout << ": " << r["reason"].get<std::string>();
          std::cout << "\n";
        }
        std::cout << a["lines"].get<uint64_t>() << " records in " << a["audit_log"].get<std::string>()
                  << "; next page: --after " << a["next"].get<uint64_t>() << "\n";
      });
}

int cmd_history(const Options& o) {
  int code = kExitOk;
  return print_or_json(o, ask(o, {{"command", "history"}}, &code), code, [](const json& h) {
    auto kind_of = [](const json& v) {
      std::string kind = v["kind"].get<std::string>();
      if (v["source"] != 0) kind += " " + std::to_string(v["source"].get<uint64_t>());
      return kind;
    };
    // Wide enough for the longest kind ("auto-rollback 12345") and a space before TIME.
    size_t kind_width = 15;
    for (const auto& v : h["versions"]) kind_width = std::max(kind_width, kind_of(v).size() + 2);
    const int kw = static_cast<int>(kind_width);
    std::cout << std::left << "  " << std::setw(9) << "VERSION" << std::setw(11) << "STATE" << std::setw(kw)
              << "KIND" << std::setw(26) << "TIME (UTC)" << std::setw(22) << "AUTHOR"
              << "COMMENT\n";
    for (const auto& v : h["versions"]) {
      const std::string kind = kind_of(v);
      std::string comment = v["comment"].get<std::string>();
      if (v["state"] == "failed") comment += " [" + v["failure"].get<std::string>() + "]";
      std::cout << (v["version"] == h["current"] ? "* " : "  ") << std::setw(9)
                << v["version"].get<uint64_t>() << std::setw(11) << v["state"].get<std::string>()
                << std::setw(kw) << kind << std::setw(26) << v["time"].get<std::string>() << std::setw(22)
                << author_of(v) << comment << "\n";
    }
    for (const auto& d : h.value("damaged", json::array()))
      std::cout << "! " << std::setw(9) << d["version"].get<uint64_t>() << "DAMAGED    "
                << d["message"].get<std::string>() << "\n";
    for (const auto& l : h.value("lost", json::array()))
      std::cout << "  " << std::setw(9) << l["version"].get<uint64_t>() << std::setw(11) << "lost"
                << l["reason"].get<std::string>() << "\n";
  });
}

int cmd_diff(const Options& o, unsigned long long from, unsigned long long to) {
  int code = kExitOk;
  return print_or_json(o, ask(o, {{"command", "diff"}, {"from", from}, {"to", to}}, &code), code,
                       [](const json& d) {
                         if (d["unified"].get<std::string>().empty()) {
                           std::cout << "versions " << d["from"] << " and " << d["to"] << " are identical\n";
                         } else {
                           std::cout << d["unified"].get<std::string>();
                         }
                       });
}

int cmd_export(const Options& o, const std::string& output) {
  int code = kExitOk;
  auto result = ask(o, {{"command", "export"}}, &code);
  if (!result) return code;
  const std::string text = result->dump(2) + "\n";
  if (output.empty() || output == "-") {
    std::cout << text;
    return kExitOk;
  }
  try {
    write_file_atomic(output, text);
  } catch (const StoreIoError& e) {
    std::cerr << "torwartctl: " << e.what() << "\n";
    return kExitFailure;
  }
  std::cerr << "torwartctl: " << (*result)["versions"].size() << " versions written to " << output << "\n";
  return kExitOk;
}

int cmd_import(const Options& o, const std::string& file) {
  int code = kExitOk;
  auto text = read_input(file, kMaxHistoryBytes, &code);
  if (!text) return code;
  json history;
  try {
    history = json::parse(*text);
  } catch (const json::parse_error& e) {
    std::cerr << "torwartctl: " << file
              << " is not JSON (an export of `torwartctl config export`): " << e.what() << "\n";
    return kExitBadInput;
  }
  return print_or_json(o, ask(o, {{"command", "import"}, {"history", history}}, &code), code,
                       [](const json& r) {
                         std::cout << r["versions"] << " versions imported, current version " << r["current"]
                                   << "; " << r["sync"].get<std::string>() << "\n";
                       });
}

int cmd_repair(const Options& o, unsigned long long version, const std::string& file,
               const std::string& message) {
  int code = kExitOk;
  json request = {{"command", "repair"}, {"version", version}, {"comment", message}};
  if (file.empty()) {
    request["lost"] = true;
  } else {
    auto text = read_input(file, config::kMaxConfigBytes, &code);
    if (!text) return code;
    request["config"] = *text;
  }
  return print_or_json(o, ask(o, request, &code), code, [](const json& r) {
    std::cout << "version " << r["version"]
              << (r["repaired"] == "text" ? ": its text is back" : ": given up as lost") << "; store "
              << (r["store_intact"].get<bool>() ? "intact" : "still damaged (see status)") << "; "
              << r["sync"].get<std::string>() << "\n";
  });
}

}  // namespace torwart::controlplane::ctl
