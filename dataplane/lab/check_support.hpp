#pragma once
// What the lab's checks share: waiting until a server listens, reading the namespaces' ICMP counters, and
// turning a command's output into the one line a table cell holds.
#include <string>

#include "dataplane/lab/netns.hpp"
#include "dataplane/lab/process.hpp"

namespace torwart::lab {

struct LabContext;

// The first line of `text` containing `needle`, or "".
std::string first_line_with(const std::string& text, const std::string& needle);
// Without trailing blanks and line breaks.
std::string trim(std::string s);
// "timed out", or "exit N: <the output's last line>".
std::string summary(const CommandResult& r);

// Waits (10 s at most) until `ss -H <proto_flags>` in `ns` shows a socket on `port`; throws
// std::runtime_error naming the server's log when it does not (or the server exited).
void wait_listening(const Namespace& ns, const char* proto_flags, int port, const BackgroundProcess& server);

// One counter of /proc/net/snmp as seen inside a namespace ("Icmp", "InEchos"); throws when it is missing.
long snmp_counter(const LabContext& ctx, const Namespace& ns, const std::string& group,
                  const std::string& field);

}  // namespace torwart::lab
