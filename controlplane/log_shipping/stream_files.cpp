#include "controlplane/log_shipping/stream_files.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

#include "controlplane/log_shipping/line_reader.hpp"
#include "controlplane/log_shipping/shipping_error.hpp"
#include "dataplane/control_protocol/spool_layout.hpp"

namespace torwart::controlplane::log_shipping {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

std::optional<StreamFile> stat_file(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::nullopt;
    throw ShippingError(path.string() + ": " + errno_text());
  }
  if (!S_ISREG(st.st_mode)) throw ShippingError(path.string() + ": not a regular file");
  return StreamFile{path, path.filename().string(), static_cast<uint64_t>(st.st_ino),
                    static_cast<uint64_t>(st.st_size)};
}

}  // namespace

StreamFiles StreamFiles::spool(std::filesystem::path dir) {
  return StreamFiles(std::move(dir), true);
}
StreamFiles StreamFiles::single(std::filesystem::path file) {
  return StreamFiles(std::move(file), false);
}

OrderKey StreamFiles::order_key(const std::string& name) const {
  if (!spool_ || name == control_protocol::kActiveSpoolFile) return {1, "", 0, name};
  // eve-<stamp>-<n>.json; the number restarts with every `torwart run`, the stamp orders across restarts.
  const std::string_view body = std::string_view(name).substr(4, name.size() - 4 - 5);
  const auto dash = body.rfind('-');
  uint64_t number = 0;
  if (dash != std::string_view::npos) {
    const std::string_view digits = body.substr(dash + 1);
    std::from_chars(digits.data(), digits.data() + digits.size(), number);
    return {0, std::string(body.substr(0, dash)), number, name};
  }
  return {0, std::string(body), 0, name};
}

std::vector<StreamFile> StreamFiles::list() const {
  std::vector<StreamFile> files;
  if (!spool_) {
    if (auto file = stat_file(where_)) files.push_back(*file);
    return files;
  }
  std::error_code ec;
  std::filesystem::directory_iterator it(where_, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return files;
    throw ShippingError(where_.string() + ": " + ec.message());
  }
  std::optional<StreamFile> active;
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    const bool is_active = name == control_protocol::kActiveSpoolFile;
    if (!is_active && !control_protocol::is_closed_spool_file(entry.path())) continue;
    std::optional<StreamFile> file;
    try {
      file = stat_file(entry.path());
    } catch (const ShippingError&) {
      continue;  // not a regular file: not the fast path's
    }
    if (!file) continue;  // removed by retention between the listing and the stat
    if (is_active) {
      active = file;
    } else {
      files.push_back(*file);
    }
  }
  std::sort(files.begin(), files.end(), [this](const StreamFile& a, const StreamFile& b) {
    return order_key(a.name) < order_key(b.name);
  });
  if (active) files.push_back(*active);
  return files;
}

std::string head_digest(const std::filesystem::path& path, uint64_t inode, uint64_t length) {
  std::string bytes(length, '\0');
  const int fd = open_listed(path, inode);
  std::size_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd, bytes.data() + done, length - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = n < 0 ? errno_text() : "shorter than " + std::to_string(length) + " bytes";
      ::close(fd);
      throw ShippingError(path.string() + ": " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned digest_length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &digest_length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < digest_length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

Position position_at(const std::vector<StreamFile>& files, std::size_t index, uint64_t offset) {
  Position p;
  p.file = files[index].name;
  p.prior = index > 0 ? files[index - 1].name : std::string();
  p.inode = files[index].inode;
  p.offset = offset;
  p.head_bytes = std::min(files[index].size, kHeadBytes);
  p.head = head_digest(files[index].path, files[index].inode, p.head_bytes);
  return p;
}

Located locate(const StreamFiles& stream, const std::vector<StreamFile>& files, const Position& position) {
  Located at;
  bool found = position.at_start();
  if (!found) {
    for (std::size_t i = 0; i < files.size() && !found; ++i) {
      if (files[i].inode != position.inode || files[i].size < std::max(position.offset, position.head_bytes))
        continue;
      if (head_digest(files[i].path, files[i].inode, position.head_bytes) != position.head) continue;
      at = {i, position.offset, false};
      found = true;
    }
  }
  if (!found) {
    // Gone (retention, or removed by hand): go on with the first file written after it. A closed file's name
    // orders it; a file that was the active one then was closed after its prior, so after `prior`.
    const bool was_active = std::get<0>(stream.order_key(position.file)) == 1;
    at.index = files.size();
    for (std::size_t i = 0; i < files.size(); ++i) {
      const OrderKey key = stream.order_key(files[i].name);
      if (was_active ? position.prior.empty() || key > stream.order_key(position.prior)
                     : key > stream.order_key(position.file)) {
        at.index = i;
        break;
      }
    }
    at.offset = 0;
    at.vanished = true;
  }
  while (at.index + 1 < files.size() && at.offset >= files[at.index].size) {
    ++at.index;
    at.offset = 0;
  }
  return at;
}

}  // namespace torwart::controlplane::log_shipping
