#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "platform/json_lines/json_line_client.hpp"
#include "platform/json_lines/json_line_server.hpp"
#include "platform/posix/fd.hpp"

namespace torwart::platform {
namespace {

using namespace std::chrono_literals;

class JsonLines : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("json_lines_test." + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    path_ = (dir_ / "sub" / "control.sock").string();
  }
  void TearDown() override {
    io_.stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  void start(size_t max_bytes = 1024) {
    JsonLineHandlers handlers;
    handlers.request = [this](const nlohmann::json& request, const PeerCredentials& peer) {
      ++answered_;
      return nlohmann::json{{"echo", request}, {"uid", peer.uid}, {"pid", peer.pid}};
    };
    handlers.refusal = [](const std::string& reason) { return nlohmann::json{{"refused", reason}}; };
    handlers.after_request = [this] { ++after_; };
    server_ = std::make_unique<JsonLineServer>(io_, path_, 0640, max_bytes, std::move(handlers));
    thread_ = std::thread([this] { io_.run(); });
  }
  nlohmann::json ask(const nlohmann::json& request) {
    return json_line_request(path_, request, 2s, "the test server", "is it running?");
  }
  // Sends raw bytes and returns the first `lines` lines that came back (fewer when the server closed).
  std::vector<std::string> raw(const std::string& bytes, size_t lines = 1) {
    Fd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
    EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::send(fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
    std::vector<std::string> answers(1);
    char c = 0;
    while (answers.size() <= lines && ::recv(fd.get(), &c, 1, 0) == 1) {
      if (c == '\n')
        answers.emplace_back();
      else
        answers.back() += c;
    }
    answers.pop_back();
    return answers;
  }

  std::filesystem::path dir_;
  std::string path_;
  boost::asio::io_context io_;
  std::unique_ptr<JsonLineServer> server_;
  std::thread thread_;
  std::atomic<int> answered_{0};
  std::atomic<int> after_{0};
};

TEST_F(JsonLines, AnswersRequestsWithTheCallersCredentials) {
  start();
  const auto answer = ask({{"command", "status"}});
  EXPECT_EQ(answer["echo"]["command"], "status");
  EXPECT_EQ(answer["uid"], ::getuid());
  EXPECT_EQ(answer["pid"], ::getpid());
  EXPECT_EQ(answered_, 1);
  EXPECT_EQ(after_, 1);
  EXPECT_EQ(server_->requests(), 1u);
}

TEST_F(JsonLines, SocketGetsTheModeAskedForAndAStaleOneIsReplaced) {
  std::filesystem::create_directories(dir_ / "sub");
  std::ofstream(path_) << "stale";
  start();
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST_F(JsonLines, ALineThatIsNotJsonIsRefusedAndTheConnectionGoesOn) {
  start();
  const auto answers = raw("not json\n{\"a\":1}\n", 2);
  ASSERT_EQ(answers.size(), 2u);
  const auto refusal = nlohmann::json::parse(answers[0]);
  EXPECT_TRUE(refusal["refused"].get<std::string>().starts_with("request is not JSON")) << refusal;
  EXPECT_EQ(nlohmann::json::parse(answers[1])["echo"]["a"], 1) << "the connection went on";
  EXPECT_EQ(server_->refused(), 1u);
  EXPECT_EQ(answered_, 1) << "the refusal is no request";
}

TEST_F(JsonLines, AnOverlongLineIsRefusedAndEndsTheConnection) {
  start(64);
  const auto answers = raw(std::string(200, 'x') + "\n{\"a\":1}\n", 2);
  ASSERT_EQ(answers.size(), 1u) << "the connection ended after the refusal";
  const auto refusal = nlohmann::json::parse(answers[0]);
  EXPECT_NE(refusal["refused"].get<std::string>().find("larger than 64 bytes"), std::string::npos) << refusal;
  EXPECT_EQ(answered_, 0);
}

TEST_F(JsonLines, AnUnusableSocketPathThrowsNamingIt) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / "file") << "x";
  path_ = (dir_ / "file" / "control.sock").string();  // a file where the directory should be
  try {
    start();
    FAIL() << "the server started on an impossible path";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
  }
}

TEST_F(JsonLines, AClientWithoutServerSaysWhereItLooked) {
  try {
    ask({{"command", "status"}});
    FAIL() << "no server, yet an answer";
  } catch (const JsonLineUnreachable& e) {
    EXPECT_NE(std::string(e.what()).find(path_), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("is it running?"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace torwart::platform
