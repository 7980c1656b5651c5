#include "dataplane/lab/box_flood_script.hpp"

#include <fstream>
#include <stdexcept>

namespace torwart::lab {

std::string write_box_flood_script(const std::string& directory) {
  const std::string path = directory + "/box_flood.py";
  const std::string_view text = box_flood_script();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
  return path;
}

}  // namespace torwart::lab
