#include "controlplane/metrics/prometheus_text.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

namespace torwart::controlplane::metrics {
namespace {
using nlohmann::json;

// The shape of `torwart stats` (dataplane/control_protocol/README.md), trimmed.
const json kStats = json::parse(R"({
  "config_version": 3,
  "ports": {"lan": {"rx_packets": 10, "rx_bytes": 980, "tx_packets": 9, "tx_bytes": 882,
                    "drops": {"spoofed_source": 1, "policy": 4}},
            "inet": {"rx_packets": 5, "rx_bytes": 500, "tx_packets": 5, "tx_bytes": 500, "drops": {}}},
  "totals": {"rx_packets": 15},
  "flows": {"active": 12, "created": 40},
  "nat": {"mappings_active": 2, "ports_exhausted": {"tcp": 0, "udp": 1}},
  "app_layer": {"identified": {"http": 3, "tls": 4}},
  "workers": [{"worker": 0, "snapshot_version": 3}, {"worker": 1, "snapshot_version": 3}],
  "eve_spool": {"bytes": 123456, "full": false},
  "name": "text is no metric"
})");

const json kStatus = json::parse(R"({
  "current": 7, "last": 7, "pending_confirm": null,
  "store": {"intact": true, "detections": 0}, "audit": {"intact": true, "records": 19},
  "management_api": {"port": 8443, "listen": "192.0.2.10:8443", "requests": 5, "tls_refused": 2,
                     "answers": {"200": 4, "403": 1}, "active": 1},
  "log_shipping": {"receiver": "siem.example:6514", "connected": true, "shipped": 16009, "pending_bytes": 512,
                   "in_flight": {"batches": 1, "records": 20}, "lost_to_retention": 0,
                   "cursor": {"next_seq": 16030, "eve": {"file": "eve.json", "offset": 4096}}}
})");

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(PrometheusText, NamesCountersAndGaugesAfterTheConventions) {
  const std::string text = prometheus_text(kStats, kStatus);
  EXPECT_TRUE(has_line(text, "torwart_fastpath_up 1")) << text;
  EXPECT_TRUE(has_line(text, "# TYPE torwart_port_rx_packets_total counter")) << text;
  EXPECT_TRUE(has_line(text, "torwart_port_rx_packets_total{port=\"lan\"} 10")) << text;
  EXPECT_TRUE(has_line(text, "torwart_port_rx_bytes_total{port=\"inet\"} 500")) << text;
  EXPECT_TRUE(has_line(text, "torwart_port_drops_total{port=\"lan\",reason=\"policy\"} 4")) << text;
  EXPECT_TRUE(has_line(text, "# TYPE torwart_flows_active gauge")) << text;
  EXPECT_TRUE(has_line(text, "torwart_flows_created_total 40")) << text;
  EXPECT_TRUE(has_line(text, "torwart_nat_ports_exhausted_total{protocol=\"udp\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "torwart_app_layer_identified_total{app_proto=\"tls\"} 4")) << text;
  EXPECT_TRUE(has_line(text, "torwart_workers_snapshot_version{worker=\"1\"} 3")) << text;
  EXPECT_TRUE(has_line(text, "torwart_eve_spool_bytes 123456")) << text;
  EXPECT_TRUE(has_line(text, "torwart_eve_spool_full 0")) << text;
  EXPECT_TRUE(has_line(text, "torwartd_config_current 7")) << text;
  EXPECT_TRUE(has_line(text, "torwartd_config_pending_confirm 0")) << text;
  EXPECT_TRUE(has_line(text, "torwartd_management_api_answers_total{code=\"403\"} 1")) << text;
  EXPECT_TRUE(has_line(text, "torwartd_management_api_tls_refused_total 2")) << text;
  EXPECT_TRUE(has_line(text, "torwartd_log_shipping_shipped_total 16009")) << text;
  EXPECT_TRUE(has_line(text, "torwartd_log_shipping_connected 1")) << text;
  EXPECT_TRUE(has_line(text, "torwartd_log_shipping_pending_bytes 512")) << text;
  EXPECT_TRUE(has_line(text, "torwartd_log_shipping_in_flight_records 20")) << text;
  EXPECT_EQ(text.find("cursor"), std::string::npos) << "file positions are no metric";
  EXPECT_EQ(text.find("totals"), std::string::npos) << "sums of per-port counters are not exported twice";
  EXPECT_EQ(text.find("8443"), std::string::npos) << "the listening port is no metric";
  EXPECT_EQ(text.find("text is no metric"), std::string::npos);
}

TEST(PrometheusText, AFastPathThatDidNotAnswerIsAMetricToo) {
  const std::string text = prometheus_text(nullptr, kStatus);
  EXPECT_TRUE(has_line(text, "torwart_fastpath_up 0")) << text;
  EXPECT_EQ(text.find("torwart_port"), std::string::npos);
}

TEST(PrometheusText, LabelValuesAreEscaped) {
  json stats = {{"ports", {{"a\"b\\c\nd", {{"rx_packets", 1}}}}}};
  const std::string text = prometheus_text(stats, json::object());
  EXPECT_TRUE(has_line(text, "torwart_port_rx_packets_total{port=\"a\\\"b\\\\c\\nd\"} 1")) << text;
}

// Prometheus' own linter (promtool, Debian's prometheus package) accepts the whole exposition.
TEST(PrometheusText, PromtoolAcceptsIt) {
  const auto file = std::filesystem::temp_directory_path() / ("torwart-metrics-" + std::to_string(getpid()));
  std::ofstream(file) << prometheus_text(kStats, kStatus);
  const std::string command = "promtool check metrics < " + file.string() + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  std::filesystem::remove(file);
  EXPECT_EQ(status, 0) << "promtool (Debian's prometheus package) said:\n" << output;
  EXPECT_EQ(output, "") << output;
}

}  // namespace
}  // namespace torwart::controlplane::metrics
