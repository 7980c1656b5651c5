#include "controlplane/config_store/store_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "controlplane/config_store/atomic_file.hpp"
#include "controlplane/config_store/config_store.hpp"

namespace torwart::controlplane {

StoreLock::StoreLock(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::filesystem::path path = dir / "lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd_ < 0) throw StoreIoError("cannot open " + path.string() + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int saved = errno;
    ::close(fd_);
    fd_ = -1;
    if (saved == EWOULDBLOCK) throw StoreError("another torwartd already uses the store " + dir.string());
    throw StoreIoError("cannot lock " + path.string() + ": " + std::strerror(saved));
  }
}

StoreLock::~StoreLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace torwart::controlplane
