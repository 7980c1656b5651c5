#pragma once
// The configuration text seen as its top-level sections (FORMAT.md, "Top level"): which sections a change
// touches (so that a role may be held to its own), and one section read or replaced without touching the
// rest of the text, its comments included (the data protection officer edits `logging` without ever seeing
// the firewall's rules).
#include <set>
#include <stdexcept>
#include <string>

namespace torwart::controlplane::api {

struct SectionError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The top-level keys whose value differs between the two texts (by their YAML meaning: comments, quoting and
// layout do not count). A text that is not a YAML mapping throws SectionError naming which one and why.
std::set<std::string> changed_sections(const std::string& before, const std::string& after);

// Whether `section`.`key` differs between the texts (by meaning, as above; absent on both sides: no).
bool subsection_changed(const std::string& before, const std::string& after, const std::string& section,
                        const std::string& key);

// The section's lines (the `key:` line and its indented block), "" when absent.
std::string section_text(const std::string& text, const std::string& key);

// `text` with section `key` replaced by `section` verbatim (appended when absent; removed when `section` is
// empty). `section` must be a YAML mapping whose only key is `key` (SectionError otherwise), as
// section_text() returns it.
std::string replace_section(const std::string& text, const std::string& key, const std::string& section);

}  // namespace torwart::controlplane::api
