#include "rules/config/load_app_match.hpp"

#include <algorithm>
#include <sstream>

#include "platform/posix/bounded_read.hpp"
#include "rules/app_protocols/app_proto.hpp"
#include "rules/config/load_policy.hpp"

namespace torwart::config::detail {
namespace {

constexpr size_t kMaxNamesPerFile = 1'000'000;
// A million names of average length with comments fit; a wrong file (a capture, /dev/zero) does not load.
constexpr size_t kMaxNameFileBytes = size_t{64} << 20;

std::string lowered(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  return text;
}

std::string identified_list() {
  using app_protocols::AppProto;
  std::string out;
  for (unsigned i = 1; i < static_cast<unsigned>(AppProto::kCount); ++i) {
    const auto proto = static_cast<AppProto>(i);
    if (!app_protocols::identified_by_torwart(proto)) continue;
    out += (out.empty() ? "" : ", ") + std::string(app_protocols::app_proto_name(proto));
  }
  return out;
}

bool valid_media_range(const std::string& text) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size()) return false;
  if (text.find('/', slash + 1) != std::string::npos) return false;
  auto token = [](std::string_view t) {
    return !t.empty() && std::all_of(t.begin(), t.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == '_';
    });
  };
  const std::string_view type(text.data(), slash);
  const std::string_view subtype(text.data() + slash + 1, text.size() - slash - 1);
  return token(type) && (subtype == "*" || token(subtype));
}

}  // namespace

bool valid_host_pattern(const std::string& text) {
  std::string_view name(text);
  if (name.starts_with("*.")) name.remove_prefix(2);
  if (name.empty() || name.size() > 253) return false;
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok || ++label > 63) return false;
  }
  return label > 0;
}

bool AppMatchReader::add_pattern(const std::string& raw, NameList& out) {
  std::string text = lowered(raw);
  if (!text.empty() && text.back() == '.') text.pop_back();
  if (!valid_host_pattern(text)) return false;
  if (text.starts_with("*."))
    out.suffixes.push_back(text.substr(1));
  else
    out.exact.push_back(text);
  return true;
}

void AppMatchReader::read_name_objects(const YAML::Node& node, const std::string& path) {
  r_.sequence(node, path, [&](const YAML::Node& n, const std::string& p) {
    if (!r_.expect_map(n, p, {"name", "members", "file"})) return;
    NameObject object;
    if (!n["name"]) {
      r_.error(n, p + ".name", "a name list needs a name");
      return;
    }
    auto name = r_.string(n["name"], p + ".name");
    if (!name) return;
    object.name = *name;
    // No dots: a rule's entry with a dot is a host name, one without names a list.
    const bool valid_name = valid_object_name(*name) && name->find('.') == std::string::npos;
    if (!valid_name) {
      r_.error(n["name"], p + ".name",
               "name lists are named with 1-63 of a-z, 0-9, '-', '_' (no dots), starting with a letter");
      return;
    }
    if (object_index_.contains(*name)) {
      r_.error(n["name"], p + ".name", "name list '" + *name + "' is declared twice");
      return;
    }
    if (n["members"].IsDefined() == n["file"].IsDefined()) {
      r_.error(n, p, "a name list needs either members or a file");
      return;
    }
    if (n["members"]) read_names(n["members"], p + ".members", object.names, false);
    if (n["file"]) {
      auto file = r_.string(n["file"], p + ".file");
      if (!file) return;
      if (file->empty() || (*file)[0] != '/') {
        r_.error(n["file"], p + ".file",
                 "'" + *file + "': give an absolute path (the file is read at every load)");
        return;
      }
      const auto read = platform::read_regular_file(*file, kMaxNameFileBytes);
      if (!read.ok()) {
        r_.error(n["file"], p + ".file", "cannot read '" + *file + "': " + read.error);
        return;
      }
      std::istringstream in(read.content);
      std::string line;
      size_t line_number = 0, count = 0;
      while (std::getline(in, line)) {
        ++line_number;
        if (const size_t hash = line.find('#'); hash != std::string::npos) line.erase(hash);
        const size_t first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos) continue;
        line = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
        if (++count > kMaxNamesPerFile) {
          r_.error(n["file"], p + ".file",
                   *file + ": more than " + std::to_string(kMaxNamesPerFile) + " names");
          return;
        }
        if (!add_pattern(line, object.names)) {
          r_.error(n["file"], p + ".file",
                   *file + ":" + std::to_string(line_number) + ": '" + line +
                       "' is not a host name or *.suffix (letters, digits, '-', '_'; labels of 1-63)");
        }
      }
    }
    object.names.normalise();
    object_index_.emplace(object.name, objects_.size());
    objects_.push_back(std::move(object));
  });
}

void AppMatchReader::read_names(const YAML::Node& node, const std::string& path, NameList& out,
                                bool allow_objects) {
  r_.nonempty_sequence(node, path, [&](const YAML::Node& n, const std::string& p) {
    auto text = r_.string(n, p);
    if (!text) return;
    if (allow_objects && text->find('.') == std::string::npos) {
      auto it = object_index_.find(*text);
      if (it == object_index_.end()) {
        r_.error(n, p,
                 "'" + *text + "' is neither a name list under objects.names nor a host name with a dot");
      } else {
        out.add(objects_[it->second].names);
      }
      return;
    }
    if (!add_pattern(*text, out))
      r_.error(n, p,
               "'" + *text + "' is not a host name or *.suffix (letters, digits, '-', '_'; labels of 1-63)");
  });
}

bool AppMatchReader::read_rule_key(const std::string& key, const YAML::Node& node, const std::string& path,
                                   AppMatch& out) {
  if (key == "app") {
    r_.nonempty_sequence(node, path, [&](const YAML::Node& n, const std::string& p) {
      auto text = r_.string(n, p);
      if (!text) return;
      const auto proto = app_protocols::app_proto_from_name(*text);
      if (!proto) {
        r_.error(
            n, p,
            "'" + *text + "' is not an application protocol name (identified: " + identified_list() + ")");
      } else if (!app_protocols::identified_by_torwart(*proto)) {
        r_.error(n, p,
                 "'" + *text + "' is not identified by torwart yet (identified: " + identified_list() + ")");
      } else if (std::find(out.apps.begin(), out.apps.end(), *text) == out.apps.end()) {
        out.apps.push_back(*text);
      }
    });
    return true;
  }
  std::optional<NameList>* names = key == "tls_sni"     ? &out.tls_sni
                                   : key == "http_host" ? &out.http_host
                                   : key == "dns_name"  ? &out.dns_name
                                                        : nullptr;
  if (names != nullptr) {
    NameList list;
    read_names(node, path, list, true);
    list.normalise();
    *names = std::move(list);
    return true;
  }
  if (key == "http_content_type") {
    r_.nonempty_sequence(node, path, [&](const YAML::Node& n, const std::string& p) {
      auto text = r_.string(n, p);
      if (!text) return;
      const std::string media = lowered(*text);
      if (!valid_media_range(media)) {
        r_.error(n, p, "'" + *text + "' is not a media type (type/subtype or type/*, without parameters)");
      } else if (std::find(out.http_content_types.begin(), out.http_content_types.end(), media) ==
                 out.http_content_types.end()) {
        out.http_content_types.push_back(media);
      }
    });
    return true;
  }
  return false;
}

}  // namespace torwart::config::detail
