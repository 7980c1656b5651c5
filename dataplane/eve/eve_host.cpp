#include "dataplane/eve/eve_host.hpp"

#include "dataplane/core/fixed_json.hpp"

namespace torwart::dataplane {

EveHost::EveHost(std::string_view name) {
  if (name.empty()) return;
  // The writer's own escaping, so that the name reads back as configured whatever it contains.
  std::string object(name.size() * 6 + 16, '\0');
  FixedJson json(object.data(), object.size());
  json.open_object().field("host", name).close_object();
  object.resize(json.size());
  suffix_ = "," + object.substr(1);
}

EveHost::Parts EveHost::split(std::string_view record) const {
  if (suffix_.empty() || record.size() < 2 || record.back() != '}') return {record, {}};
  const std::string_view head = record.substr(0, record.size() - 1);
  std::string_view tail = suffix_;
  if (head.back() == '{') tail.remove_prefix(1);  // an empty object takes no comma
  return {head, tail};
}

}  // namespace torwart::dataplane
