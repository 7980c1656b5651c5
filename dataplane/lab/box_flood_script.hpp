#pragma once
// box_flood.py (a flood of frames at the box's own address, a counting sink and a TCP probe), carried in the
// binary so that `torwart lab` needs no source tree; the end-to-end flood test writes out the same text.
#include <string>
#include <string_view>

namespace torwart::lab {

// The script's text, embedded at build time from dataplane/lab/box_flood.py.
std::string_view box_flood_script();

// Writes box_flood.py into `directory` and returns its path (run it with python3); throws when it cannot.
std::string write_box_flood_script(const std::string& directory);

}  // namespace torwart::lab
