#pragma once
// Counters as JSON for `torwart stats`, counters.json and EVE `stats` records; the EVE output file.
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "dataplane/eve/eve_host.hpp"
#include "dataplane/pipeline/counters.hpp"
#include "dataplane/snapshot/snapshot.hpp"

namespace torwart::dataplane {

// {"ports": {"lan": {"rx_packets":…, "drops": {"spoofed_source": 2}}}, "drops": {...totals}, ...}
// The application layer's counters: identification per protocol, limits, verdicts, reassembly.
nlohmann::json app_layer_json(const WorkerCounters& total);
nlohmann::json counters_json(const Snapshot& snapshot, const WorkerCounters& total);

// One EVE `stats` record (Suricata's decoder.* and ips.* names where they mean the same thing).
std::string stats_record(const Snapshot& snapshot, const WorkerCounters& total, uint64_t unix_ns,
                         uint64_t uptime_s);

// Appends EVE lines to DIR/eve.json. Never blocks a worker: only the control lcore writes here.
class EveFile {
 public:
  // `host`: the configuration's name, added to every record (eve_host.hpp).
  explicit EveFile(const std::string& path, std::string_view host = {});
  ~EveFile();
  EveFile(const EveFile&) = delete;
  EveFile& operator=(const EveFile&) = delete;
  void write(std::string_view line);
  void flush();
  uint64_t write_errors() const { return write_errors_; }

 private:
  std::FILE* file_ = nullptr;
  EveHost host_;
  uint64_t write_errors_ = 0;
};

}  // namespace torwart::dataplane
