#pragma once
// The fast path's EVE spool (BSI R10): records go to DIR/eve.json; beyond `file_bytes` it is closed and
// renamed to DIR/eve-<UTC time>-<n>.json for torwartd to ship and expire. The spool (closed files plus the
// active one) never grows beyond `spool_bytes`: then records are counted as dropped, never written and never
// waited for, until torwartd's retention (or an operator) frees room. Only the control lcore writes here;
// workers never block on it.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "dataplane/eve/eve_host.hpp"

namespace torwart::dataplane::live {

class EveSpool {
 public:
  // Opens (appends to) DIR/eve.json; throws std::runtime_error when it cannot. `host`: the configuration's
  // name, added to every record (eve_host.hpp).
  EveSpool(std::filesystem::path dir, uint64_t file_bytes, uint64_t spool_bytes, std::string_view host = {});
  ~EveSpool();
  EveSpool(const EveSpool&) = delete;
  EveSpool& operator=(const EveSpool&) = delete;

  void write(std::string_view line);
  void flush();
  void set_host(std::string_view host) { host_ = EveHost(host); }  // a reload renamed the box

  uint64_t write_errors() const { return write_errors_; }
  uint64_t rotations() const { return rotations_; }
  uint64_t dropped_spool_full() const { return dropped_spool_full_; }
  bool full() const { return full_; }
  uint64_t spool_bytes() const { return closed_bytes_ + active_bytes_; }

 private:
  void rotate();
  void rescan();  // sizes of the closed files, which torwartd may have removed meanwhile

  std::filesystem::path dir_;
  EveHost host_;
  uint64_t file_limit_;
  uint64_t spool_limit_;
  std::FILE* file_ = nullptr;
  uint64_t active_bytes_ = 0;
  uint64_t closed_bytes_ = 0;
  bool full_ = false;
  std::chrono::steady_clock::time_point last_rescan_{};
  uint64_t sequence_ = 0;
  uint64_t write_errors_ = 0;
  uint64_t rotations_ = 0;
  uint64_t dropped_spool_full_ = 0;
};

}  // namespace torwart::dataplane::live
