#include "platform/posix/bounded_read.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace torwart::platform {
namespace {

class BoundedReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("torwart_bounded_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
  std::filesystem::path dir_;
};

TEST_F(BoundedReadTest, ReadsARegularFileWhole) {
  const auto read = read_regular_file(write("a", std::string("x\0y", 3)), 3);
  ASSERT_TRUE(read.ok()) << read.error;
  EXPECT_EQ(read.content, std::string("x\0y", 3));
}

TEST_F(BoundedReadTest, RefusesAFileAboveTheLimit) {
  const auto read = read_regular_file(write("big", std::string(4097, 'a')), 4096);
  EXPECT_FALSE(read.ok());
  EXPECT_EQ(read.error, "larger than the limit of 4 KiB");
  EXPECT_TRUE(read.content.empty());
}

TEST_F(BoundedReadTest, RefusesADeviceThatNeverEnds) {
  const auto read = read_regular_file("/dev/zero", 1 << 20);
  EXPECT_EQ(read.error, "is a device, not a regular file");
}

TEST_F(BoundedReadTest, RefusesAFifoWithoutWaitingForAWriter) {
  const auto fifo = (dir_ / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(read_regular_file(fifo, 1 << 20).error, "is a FIFO, not a regular file");
  EXPECT_EQ(regular_file_problem(fifo), "is a FIFO, not a regular file");
}

TEST_F(BoundedReadTest, RefusesADirectoryAndNamesAMissingFile) {
  EXPECT_EQ(read_regular_file(dir_.string(), 100).error, "is a directory, not a file");
  EXPECT_EQ(read_regular_file((dir_ / "absent").string(), 100).error, "No such file or directory");
  EXPECT_EQ(regular_file_problem(write("present", "x")), "");
}

TEST_F(BoundedReadTest, StandardInputStopsAtTheLimit) {
  const int saved = ::dup(STDIN_FILENO);
  const int zero = ::open("/dev/zero", O_RDONLY);
  ASSERT_GE(zero, 0);
  ::dup2(zero, STDIN_FILENO);
  const auto read = read_standard_input(1 << 20);
  ::dup2(saved, STDIN_FILENO);
  ::close(zero);
  ::close(saved);
  EXPECT_EQ(read.error, "larger than the limit of 1 MiB");
}

TEST(DescribeSize, NamesTheLargestExactUnit) {
  EXPECT_EQ(describe_size(64u << 20), "64 MiB");
  EXPECT_EQ(describe_size(1u << 30), "1 GiB");
  EXPECT_EQ(describe_size(1536), "1536 bytes");
  EXPECT_EQ(describe_size(1), "1 byte");
}

}  // namespace
}  // namespace torwart::platform
