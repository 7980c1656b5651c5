#pragma once
// The lab's management phase (issue 14): a "provider" namespace on the box's management interface (a kernel
// interface of the appliance's namespace, never a fast-path port), torwartd beside `torwart run` with the
// management API and the management filter, and the provider's engineer working through torwartctl --host.
// Rows management-filter and remote-commit-confirmed. torwartd and torwartctl are programs of their own: the
// lab only starts them, with a PKI made by the same script the API's tests use (embedded at build time).
#include <memory>
#include <string>

#include "dataplane/lab/appliance.hpp"
#include "dataplane/lab/lab_checks.hpp"

namespace torwart::lab {

class ManagementRows {
 public:
  static constexpr char kBoxAddress[] = "192.0.2.1";  // the box on its management interface mgmt0
  static constexpr char kProvider[] = "192.0.2.10";   // inside management.provider (192.0.2.0/28)
  static constexpr char kStranger[] = "192.0.2.99";   // on the same link, outside it
  static constexpr char kApiPort[] = "8443";

  // Builds the provider namespace and the management link, makes the PKI, writes the running configuration
  // plus a `management` section and starts torwartd with it as --initial (it becomes the next version).
  ManagementRows(const LabContext& ctx, const std::string& prefix, const std::string& running_text,
                 const std::string& fastpath_socket, const std::string& torwartd_binary);
  ~ManagementRows();
  ManagementRows(const ManagementRows&) = delete;
  ManagementRows& operator=(const ManagementRows&) = delete;

  // management-filter: the provider reaches the API (torwartctl --host status answers), a stranger on the
  // same link does not get a TCP connection to its port, and torwartd's status counts the drop.
  CheckResult check_filter();
  // remote-commit-confirmed: from the provider's namespace, a commit-confirmed (8 s) that puts a rule
  // dropping everything from the LAN first; the LAN client loses the KDN server, nobody confirms, torwartd
  // rolls back by itself and the LAN client reaches the KDN server again.
  CheckResult check_remote_commit_confirmed(const ApplianceProcess& appliance);

 private:
  CommandResult remote(const std::string& role, const Argv& args,
                       milliseconds timeout = milliseconds(30000)) const;
  bool stranger_connects() const;

  const LabContext& ctx_;
  std::unique_ptr<Namespace> provider_;
  std::string dir_;
  std::string pki_;
  std::string torwartd_;
  std::string torwartctl_;
  BackgroundProcess daemon_;
};

}  // namespace torwart::lab
