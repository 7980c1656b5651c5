#include "dataplane/live/eve_spool.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>
#include <system_error>

#include "dataplane/control_protocol/spool_layout.hpp"

namespace torwart::dataplane::live {
namespace {

constexpr auto kRescanInterval = std::chrono::seconds(1);

std::FILE* open_active(const std::filesystem::path& path) {
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) throw std::runtime_error("cannot open " + path.string() + ": " + std::strerror(errno));
  return file;
}

}  // namespace

EveSpool::EveSpool(std::filesystem::path dir, uint64_t file_bytes, uint64_t spool_bytes,
                   std::string_view host)
    : dir_(std::move(dir)), host_(host), file_limit_(file_bytes), spool_limit_(spool_bytes) {
  file_ = open_active(dir_ / control_protocol::kActiveSpoolFile);
  std::error_code ec;
  const auto size = std::filesystem::file_size(dir_ / control_protocol::kActiveSpoolFile, ec);
  active_bytes_ = ec ? 0 : size;
  rescan();
}

EveSpool::~EveSpool() {
  if (file_ != nullptr) std::fclose(file_);
}

void EveSpool::rescan() {
  uint64_t closed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    if (!control_protocol::is_closed_spool_file(entry.path())) continue;
    std::error_code size_ec;
    const auto size = entry.file_size(size_ec);
    if (!size_ec) closed += size;
  }
  closed_bytes_ = closed;
  full_ = closed_bytes_ + active_bytes_ >= spool_limit_;
  last_rescan_ = std::chrono::steady_clock::now();
}

void EveSpool::rotate() {
  if (std::fflush(file_) != 0) ++write_errors_;
  std::fclose(file_);
  file_ = nullptr;
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  // The sequence starts at 1 with every `torwart run`: a restart within the second of an earlier rotation
  // would otherwise rename over a closed file that log shipping may not have read yet.
  std::filesystem::path closed = dir_ / control_protocol::closed_spool_file_name(stamp, ++sequence_);
  std::error_code ec;
  while (std::filesystem::exists(closed, ec) && !ec)
    closed = dir_ / control_protocol::closed_spool_file_name(stamp, ++sequence_);
  std::filesystem::rename(dir_ / control_protocol::kActiveSpoolFile, closed, ec);
  if (ec) ++write_errors_;
  file_ = open_active(dir_ / control_protocol::kActiveSpoolFile);
  closed_bytes_ += active_bytes_;
  active_bytes_ = 0;
  ++rotations_;
  full_ = closed_bytes_ >= spool_limit_;
}

void EveSpool::write(std::string_view record) {
  const EveHost::Parts line = host_.split(record);
  const uint64_t length = line.head.size() + line.tail.size() + 1;
  if (full_ && std::chrono::steady_clock::now() - last_rescan_ >= kRescanInterval) rescan();
  if (!full_ && active_bytes_ > 0 && active_bytes_ + length > file_limit_) rotate();
  if (full_ || closed_bytes_ + active_bytes_ + length > spool_limit_) {
    full_ = true;
    ++dropped_spool_full_;
    return;
  }
  if (std::fwrite(line.head.data(), 1, line.head.size(), file_) != line.head.size() ||
      std::fwrite(line.tail.data(), 1, line.tail.size(), file_) != line.tail.size() ||
      std::fputc('\n', file_) == EOF) {
    ++write_errors_;
    return;
  }
  active_bytes_ += length;
}

void EveSpool::flush() {
  if (std::fflush(file_) != 0) ++write_errors_;
}

}  // namespace torwart::dataplane::live
