#include "controlplane/torwartd/request_handler.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "controlplane/config_store/validate.hpp"
#include "controlplane/torwartd/fake_fastpath.hpp"
#include "rules/config/config_digest.hpp"
#include "rules/config/load.hpp"

namespace torwart::controlplane {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

class RequestHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "torwartd-requests-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    store_ = std::make_unique<ConfigStore>(dir_ / "config");
    audit_ = std::make_unique<AuditLog>(dir_ / "audit.jsonl");
    fastpath_.running = {1, config::config_digest(config::default_config_text())};
    service_ = std::make_unique<ControlService>(*store_, fastpath_, *audit_);
    service_->adopt_initial(std::string(config::default_config_text()), "boot.yaml");
  }
  void TearDown() override { fs::remove_all(dir_); }

  json ask(const json& request) { return handle_request(*service_, request, {1000, 1000, 7, "anna"}); }
  std::string refusal(const json& request) {
    const json r = ask(request);
    EXPECT_FALSE(r["ok"].get<bool>()) << r.dump();
    EXPECT_EQ(r["kind"], "bad_input") << r.dump();
    return r.value("error", "");
  }

  fs::path dir_;
  FakeFastPath fastpath_;
  std::unique_ptr<ConfigStore> store_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<ControlService> service_;
};

TEST_F(RequestHandlerTest, EveryFieldIsChecked) {
  const std::string text(config::default_config_text());
  EXPECT_EQ(refusal(json::array()), "a request is a JSON object");
  EXPECT_EQ(refusal({{"command", "status"}, {"protocol", 2}}), "unsupported protocol 2 (torwartd speaks 1)");
  EXPECT_EQ(refusal({{"command", 5}}), "\"command\" must be a string");
  EXPECT_EQ(refusal({{"command", "commit"}}), "request needs \"config\"");
  EXPECT_EQ(refusal({{"command", "commit"}, {"config", text}, {"comment", "two\nlines"}}),
            "\"comment\" must be one line without control characters");
  EXPECT_EQ(refusal({{"command", "commit"}, {"config", text}, {"comment", std::string(1025, 'x')}}),
            "\"comment\" is longer than 1024 bytes");
  EXPECT_EQ(refusal({{"command", "commit"}, {"config", text}, {"base", -1}}),
            "\"base\" must be a version number (0: the empty store)");
  EXPECT_EQ(refusal({{"command", "commit"}, {"config", text}, {"confirm_within_ms", 90000000}}),
            "\"confirm_within_ms\" must be a number of milliseconds from 1 to 24 h");
  EXPECT_EQ(refusal({{"command", "rollback"}, {"version", 0}}),
            "\"version\" must be a version number (1 or more)");
  EXPECT_EQ(refusal({{"command", "show"}, {"version", 9}}), "there is no version 9 (versions 1 to 1)");
  EXPECT_EQ(refusal({{"command", "repair"}, {"version", 1}}),
            "repair needs either \"config\" (the version's exact text) or \"lost\": true");
  EXPECT_EQ(refusal({{"command", "repair"}, {"version", 1}, {"lost", true}, {"config", text}}),
            "repair needs either \"config\" (the version's exact text) or \"lost\": true");
  EXPECT_EQ(refusal({{"command", "repair"}, {"version", 1}, {"lost", "yes"}}),
            "\"lost\" must be true or false");
  EXPECT_EQ(refusal({{"command", "repair"}, {"version", 1}, {"lost", true}}),
            "version 1 is current and cannot be given up; roll back to an intact version first, or put its "
            "text back with repair");
  EXPECT_EQ(store_->last(), 1u) << "nothing stored by refused requests";
  EXPECT_TRUE(fastpath_.pushes.empty());
}

TEST_F(RequestHandlerTest, FlowsPassTheLimitThroughAndRefuseABadOne) {
  const json r = ask({{"command", "flows"}, {"limit", 7}});
  ASSERT_TRUE(r["ok"].get<bool>()) << r.dump();
  EXPECT_EQ(r["result"]["limit_per_worker"], 7);
  EXPECT_EQ(refusal({{"command", "flows"}, {"limit", 0}}), "limit must be a whole number from 1 to 1000");
  EXPECT_EQ(refusal({{"command", "flows"}, {"limit", "many"}}),
            "limit must be a whole number from 1 to 1000");
  EXPECT_TRUE(ask({{"command", "flows"}})["ok"].get<bool>());
  EXPECT_EQ(fastpath_.flow_limits, (std::vector<unsigned>{7, 100}));
}

TEST_F(RequestHandlerTest, ConflictAndFailureKinds) {
  std::string text(config::default_config_text());
  text.insert(text.find("\nroutes:\n") + 9, "  - to: 172.16.0.0/12\n    via: 10.200.0.1\n");
  json r = ask({{"command", "commit"}, {"config", text}, {"base", 1}, {"comment", "ok"}});
  ASSERT_TRUE(r["ok"].get<bool>()) << r.dump();
  EXPECT_NE(r["result"]["diff"]["unified"].get<std::string>().find("+  - to: 172.16.0.0/12\n"),
            std::string::npos);
  r = ask({{"command", "commit"}, {"config", text}, {"base", 1}});
  EXPECT_EQ(r["kind"], "conflict");
  fastpath_.reachable = false;
  r = ask({{"command", "stats"}});
  EXPECT_EQ(r["kind"], "failure");
}

}  // namespace
}  // namespace torwart::controlplane
