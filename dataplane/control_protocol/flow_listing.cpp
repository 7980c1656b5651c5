#include "dataplane/control_protocol/flow_listing.hpp"

#include <iomanip>
#include <string>

namespace torwart::control_protocol {
namespace {

// "192.168.10.10:40000", "[2001:db8::1]:443"; no port for protocols without one.
std::string endpoint(const nlohmann::json& flow, const char* ip, const char* port) {
  std::string text = flow.value(ip, std::string());
  if (!flow.contains(port)) return text;
  if (text.find(':') != std::string::npos) text = "[" + text + "]";
  return text + ":" + std::to_string(flow[port].get<unsigned>());
}

}  // namespace

void print_flow_listing(std::ostream& out, const nlohmann::json& listing) {
  out << listing.value("active", 0ull) << " connections tracked, " << listing.value("listed", 0ull)
      << " listed (at most " << listing.value("limit_per_worker", 0ull) << " per worker)\n\n"
      << std::left << std::setw(10) << "PROTO" << std::setw(46) << "SOURCE" << std::setw(46) << "DESTINATION"
      << std::setw(14) << "STATE" << std::setw(24) << "RULE" << std::right << std::setw(10) << "PKTS"
      << std::setw(12) << "BYTES" << std::setw(8) << "AGE s"
      << "\n";
  for (const auto& f : listing.value("flows", nlohmann::json::array())) {
    out << std::left << std::setw(10) << f.value("proto", std::string()) << std::setw(46)
        << endpoint(f, "src_ip", "src_port") << std::setw(46) << endpoint(f, "dest_ip", "dest_port")
        << std::setw(14) << f.value("state", std::string()) << std::setw(24)
        << f.value("policy_rule", std::string()) << std::right << std::setw(10)
        << f.value("pkts_toserver", 0ull) + f.value("pkts_toclient", 0ull) << std::setw(12)
        << f.value("bytes_toserver", 0ull) + f.value("bytes_toclient", 0ull) << std::setw(8)
        << f.value("age_s", 0ull) << "\n";
  }
}

}  // namespace torwart::control_protocol
