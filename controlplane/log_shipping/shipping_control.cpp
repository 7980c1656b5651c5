#include "controlplane/log_shipping/shipping_control.hpp"

#include <variant>

#include "rules/config/load.hpp"

namespace torwart::controlplane::log_shipping {

ShippingControl::ShippingControl(boost::asio::io_context& io, ShippingPaths paths, EventSink events,
                                 ShipperTuning tuning)
    : io_(io), paths_(std::move(paths)), events_(std::move(events)), tuning_(tuning) {}

void ShippingControl::follow(uint64_t version, const std::optional<std::string>& text) {
  if (seen_ && version == version_) return;
  if (!text) return;  // damaged: the settings are unknown, so what runs is left running
  const auto loaded = config::load_config_text(*text, "version " + std::to_string(version));
  // Stored versions were validated when committed; one that no longer loads (a key file gone) changes
  // nothing.
  if (!std::holds_alternative<config::Config>(loaded)) return;
  seen_ = true;
  version_ = version;
  const config::Config& config = std::get<config::Config>(loaded);
  if (!config.logging.siem) {
    if (shipper_ && events_) events_("info", "shipping_stopped", "logging.siem removed: nothing is shipped");
    shipper_.reset();
    return;
  }
  ShipperSettings settings{*config.logging.siem, shipping_hostname(config.name),
                           paths_.eve_dir,       paths_.audit_log,
                           paths_.system_log,    paths_.cursor_file};
  if (shipper_ && shipper_->settings().siem == settings.siem &&
      shipper_->settings().hostname == settings.hostname)
    return;
  const bool restart = shipper_ != nullptr;
  shipper_.reset();  // writes the cursor before the new one reads it
  if (events_)
    events_("info", "shipping_started",
            std::string(restart ? "settings changed: " : "") + "shipping to " + settings.siem.host + ":" +
                std::to_string(settings.siem.port));
  shipper_ = std::make_unique<Shipper>(io_, std::move(settings), tuning_, events_);
}

nlohmann::json ShippingControl::status() const {
  if (!shipper_) return {{"configured", false}};
  nlohmann::json out = shipper_->status();
  out["configured"] = true;
  return out;
}

void ShippingControl::before_spool_file_removed(const std::filesystem::path& file) {
  if (shipper_) shipper_->before_spool_file_removed(file);
}

}  // namespace torwart::controlplane::log_shipping
