#include "dataplane/capture/capture_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace torwart::dataplane::capture {
namespace {

// Little-endian byte strings of pcap and pcapng files, written by hand so that each test can break one.
class Bytes {
 public:
  Bytes& u16(uint16_t v) { return raw(&v, 2); }
  Bytes& u32(uint32_t v) { return raw(&v, 4); }
  Bytes& u64(uint64_t v) { return raw(&v, 8); }
  Bytes& fill(size_t n, char c = 'x') {
    text_.append(n, c);
    return *this;
  }
  const std::string& text() const { return text_; }
  size_t size() const { return text_.size(); }

 private:
  Bytes& raw(const void* p, size_t n) {
    text_.append(static_cast<const char*>(p), n);
    return *this;
  }
  std::string text_;
};

Bytes pcap_header() {
  Bytes b;
  b.u32(0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0).u32(65535).u32(1);  // Ethernet
  return b;
}

void pcap_record(Bytes& b, uint32_t caplen, uint32_t stored) {
  b.u32(1).u32(0).u32(caplen).u32(caplen).fill(stored);
}

void pcapng_section(Bytes& b) {
  b.u32(0x0A0D0D0A).u32(28).u32(0x1A2B3C4D).u16(1).u16(0).u64(~0ull).u32(28);
}
void pcapng_interface(Bytes& b) {
  b.u32(1).u32(20).u16(1).u16(0).u32(65535).u32(20);
}
void pcapng_packet(Bytes& b, uint32_t interface, uint32_t length) {
  const uint32_t padded = (length + 3) & ~3u;
  b.u32(6)
      .u32(32 + padded)
      .u32(interface)
      .u32(0)
      .u32(0)
      .u32(length)
      .u32(length)
      .fill(padded)
      .u32(32 + padded);
}

class CaptureFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("torwart_capture_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const Bytes& bytes) {
    const auto path = (dir_ / "capture").string();
    std::ofstream(path, std::ios::binary) << bytes.text();
    return path;
  }
  // Reads to the end; returns the records read, and the damage (empty for a clean file).
  static std::pair<uint64_t, std::string> read_all(const std::string& path) {
    CaptureFile file(path);
    const pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    for (;;) {
      const auto next = file.next(header, data);
      if (next == CaptureFile::Next::kEnd) return {file.records_read(), ""};
      if (next == CaptureFile::Next::kDamaged) {
        EXPECT_EQ(file.next(header, data), CaptureFile::Next::kDamaged);  // stays damaged
        return {file.records_read(), file.damage()};
      }
    }
  }
  std::filesystem::path dir_;
};

TEST_F(CaptureFileTest, ReadsACleanPcapToTheEnd) {
  Bytes b = pcap_header();
  pcap_record(b, 60, 60);
  pcap_record(b, 70, 70);
  EXPECT_EQ(read_all(write(b)), (std::pair<uint64_t, std::string>{2, ""}));
}

TEST_F(CaptureFileTest, NamesTheRecordCutShortAndItsOffset) {
  Bytes b = pcap_header();
  pcap_record(b, 60, 60);
  pcap_record(b, 60, 20);  // the file ends 40 bytes early
  const auto [records, damage] = read_all(write(b));
  EXPECT_EQ(records, 1u);
  EXPECT_NE(damage.find(": record 2 at byte offset 100: "), std::string::npos) << damage;  // 24 + 16 + 60
  EXPECT_NE(damage.find("truncated"), std::string::npos) << damage;
}

TEST_F(CaptureFileTest, RefusesAnImpossibleCaptureLength) {
  Bytes b = pcap_header();
  pcap_record(b, 0x7fffffff, 10);
  const auto [records, damage] = read_all(write(b));
  EXPECT_EQ(records, 0u);
  EXPECT_NE(damage.find(": record 1 at byte offset 24: "), std::string::npos) << damage;
}

TEST_F(CaptureFileTest, RandomBytesAfterAValidHeaderAreDamage) {
  Bytes b = pcap_header();
  b.u32(0xdeadbeef).u32(0xfeedface).u32(0xabcdef01).u32(0x12345678).fill(5);
  EXPECT_NE(read_all(write(b)).second, "");
}

TEST_F(CaptureFileTest, ReadsACleanPcapng) {
  Bytes b;
  pcapng_section(b);
  pcapng_interface(b);
  pcapng_packet(b, 0, 60);
  pcapng_packet(b, 0, 61);
  EXPECT_EQ(read_all(write(b)), (std::pair<uint64_t, std::string>{2, ""}));
}

TEST_F(CaptureFileTest, PcapngBlockWithAnImpossibleLengthIsDamage) {
  Bytes b;
  pcapng_section(b);
  pcapng_interface(b);
  pcapng_packet(b, 0, 60);
  b.u32(6).u32(0x7ffffff0).fill(64);
  const auto [records, damage] = read_all(write(b));
  EXPECT_EQ(records, 1u);
  EXPECT_NE(damage.find(": record 2 at byte offset 140: "), std::string::npos) << damage;  // 28 + 20 + 92
}

TEST_F(CaptureFileTest, PcapngPacketOnAnUndescribedInterfaceIsDamage) {
  Bytes b;
  pcapng_section(b);
  pcapng_interface(b);
  pcapng_packet(b, 1, 60);
  const auto [records, damage] = read_all(write(b));
  EXPECT_EQ(records, 0u);
  EXPECT_NE(damage.find("interface"), std::string::npos) << damage;
}

TEST_F(CaptureFileTest, OnlyARegularFileOpens) {
  EXPECT_THROW(CaptureFile("/dev/zero"), CaptureOpenError);
  const auto fifo = (dir_ / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  try {
    CaptureFile file(fifo);
    ADD_FAILURE() << "a FIFO opened as a capture";
  } catch (const CaptureOpenError& e) {
    EXPECT_EQ(std::string(e.what()), fifo + ": is a FIFO, not a regular file");
  }
  Bytes junk;
  junk.fill(100, '\x07');
  EXPECT_THROW(CaptureFile(write(junk)), CaptureOpenError);
}

}  // namespace
}  // namespace torwart::dataplane::capture
