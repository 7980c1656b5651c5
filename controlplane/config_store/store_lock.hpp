#pragma once
// One torwartd per store: an exclusive flock on DIR/lock, held for the owner's lifetime.
#include <filesystem>

namespace torwart::controlplane {

class StoreLock {
 public:
  // Throws StoreError naming the directory when another process holds the lock, StoreIoError when the
  // lock file cannot be opened.
  explicit StoreLock(const std::filesystem::path& dir);
  ~StoreLock();
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace torwart::controlplane
