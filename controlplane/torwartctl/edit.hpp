#pragma once
// `torwartctl config edit`: the current version in $VISUAL/$EDITOR, committed with --base of that version.
#include <string>

#include "controlplane/torwartctl/commands.hpp"

namespace torwart::controlplane::ctl {

int cmd_edit(const Options& o, const std::string& confirm_within, const std::string& message);

}  // namespace torwart::controlplane::ctl
