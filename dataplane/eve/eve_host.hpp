#pragma once
// The box's name (configuration `name`) as the `host` field of every EVE record, so that a SIEM collecting
// from a fleet knows which box wrote what. Added where records leave the workers' rings for the spool or the
// file (as Suricata adds its sensor-name where it writes a record): workers format nothing for it, the
// control lcore's stats records get it the same way, and a reload that renames the box needs no worker.
#include <string>
#include <string_view>

namespace torwart::dataplane {

class EveHost {
 public:
  EveHost() = default;
  explicit EveHost(std::string_view name);  // empty: records are written as they are

  struct Parts {
    std::string_view head;  // the record up to its closing brace
    std::string_view tail;  // ,"host":"<name>"} (or the brace alone)
  };
  // `record`: one JSON object as a worker wrote it. Writing head then tail writes it with the host field.
  Parts split(std::string_view record) const;

 private:
  std::string suffix_;
};

}  // namespace torwart::dataplane
