#pragma once
// torwartd keeps the management interface's kernel filter (ruleset.hpp) equal to the current configuration:
// installed at start and whenever the current version changes; a failure keeps the filter that was in
// place (never none) and is reported. torwartd stopping leaves the table as it is: the box stays protected.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "controlplane/management_filter/nftables.hpp"
#include "controlplane/management_filter/ruleset.hpp"

namespace torwart::controlplane::management_filter {

class ManagementFilter {
 public:
  explicit ManagementFilter(std::optional<uint16_t> api_port) : api_port_(api_port) {}

  // `version` and its text; nothing happens while the version is the one last followed. Returns a sentence
  // for torwartd's log when something changed or failed, "" otherwise. Never throws.
  std::string follow(uint64_t version, const std::string& config_text);

  // installed, interface, provider, api_port, open (no provider networks), dropped and api_admitted packets,
  // last_error.
  nlohmann::json status();

 private:
  std::optional<uint16_t> api_port_;
  std::optional<uint64_t> followed_version_;
  std::optional<FilterInputs> installed_;
  bool removed_ = false;
  std::string last_error_;
  Nftables nft_;
};

}  // namespace torwart::controlplane::management_filter
