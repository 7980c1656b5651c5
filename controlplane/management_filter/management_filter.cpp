#include "controlplane/management_filter/management_filter.hpp"

#include <variant>

#include "rules/config/load.hpp"

namespace torwart::controlplane::management_filter {

std::string ManagementFilter::follow(uint64_t version, const std::string& config_text) {
  if (followed_version_ == version) return "";
  followed_version_ = version;
  const auto loaded = config::load_config_text(config_text, "version " + std::to_string(version));
  if (!std::holds_alternative<config::Config>(loaded)) {
    // Only valid versions become current; a text that no longer loads is damage, and the old filter stays.
    last_error_ = "version " + std::to_string(version) + " does not load; the filter in place stays";
    return "management filter: " + last_error_;
  }
  const auto& management = std::get<config::Config>(loaded).management;
  try {
    if (!management) {
      if (installed_ || !removed_) {
        nft_.run(removal_ruleset());
        installed_.reset();
        removed_ = true;
        last_error_.clear();
        return "management filter: version " + std::to_string(version) +
               " has no management section: removed";
      }
      return "";
    }
    FilterInputs wanted{management->interface, management->provider, api_port_};
    if (installed_ == wanted) return "";
    nft_.run(management_ruleset(wanted));
    installed_ = wanted;
    removed_ = false;
    last_error_.clear();
    return "management filter: installed for " + wanted.interface + " (version " + std::to_string(version) +
           (wanted.provider.empty() ? "; no management.provider networks: the API is open on the interface)"
                                    : ")");
  } catch (const std::exception& e) {
    last_error_ = e.what();
    return "management filter: " + last_error_ + " (the filter in place stays)";
  }
}

nlohmann::json ManagementFilter::status() {
  nlohmann::json s = {{"installed", installed_.has_value()}, {"last_error", last_error_}};
  if (!installed_) return s;
  nlohmann::json provider = nlohmann::json::array();
  for (const auto& p : installed_->provider) provider.push_back(p.to_string());
  s["interface"] = installed_->interface;
  s["provider"] = provider;
  s["open"] = installed_->provider.empty();
  s["api_port"] = installed_->api_port ? nlohmann::json(*installed_->api_port) : nlohmann::json(nullptr);
  for (const char* counter : {"dropped", "api_admitted"}) {
    try {
      const auto listing = nft_.list(std::string("list counter inet ") + kTable + " " + counter);
      for (const auto& item : listing.value("nftables", nlohmann::json::array()))
        if (item.contains("counter"))
          s[std::string(counter) + "_packets"] = item["counter"].value("packets", 0);
    } catch (const NftError& e) {
      s["last_error"] = e.what();  // the table was removed behind torwartd's back
      s["installed"] = false;
    }
  }
  return s;
}

}  // namespace torwart::controlplane::management_filter
