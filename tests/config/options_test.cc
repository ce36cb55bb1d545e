// Config file and flags: every key of the table round-trips through
// --print-config, and every kind of bad input names file:line or the flag.
#include <gtest/gtest.h>

#include <fstream>

#include "scribed/config/options.h"
#include "tests/support/temp_dir.h"

namespace scribed::config {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  fs::path Write(const std::string& text) {
    const fs::path p = dir_ / "config.toml";
    std::ofstream(p) << text;
    return p;
  }
  std::string ErrorOf(const std::string& text) {
    const fs::path p = Write(text);
    DaemonOptions o;
    try {
      LoadConfigFile(p, o);
    } catch (const ConfigError& e) {
      return e.what();
    }
    ADD_FAILURE() << "accepted: " << text;
    return {};
  }
  scribed::testing::TempDir tmp_{"config"};
  const fs::path dir_ = tmp_.path();
};

TEST_F(ConfigTest, ReadsEveryKind) {
  DaemonOptions o;
  LoadConfigFile(
      Write("model = \"/m/a.gguf\"\nthreads = 6\nallow_remote = false\nmode = \"verbatim\"\n"), o);
  EXPECT_EQ(o.model, "/m/a.gguf");
  EXPECT_EQ(o.threads, 6);
  EXPECT_EQ(o.mode, "verbatim");
  EXPECT_EQ(o.heartbeat_ms, 5000);  // untouched default
}

TEST_F(ConfigTest, ErrorsNameFileAndLine) {
  const std::string file = (dir_ / "config.toml").string();
  EXPECT_EQ(ErrorOf("model = \"a\"\n\nmodle = \"b\"\n"), file + ":3: unknown key \"modle\"");
  EXPECT_EQ(ErrorOf("threads = \"four\"\n"), file + ":1: threads must be an integer in [0, 1024]");
  EXPECT_EQ(ErrorOf("\nthreads = 5000\n"), file + ":2: threads = 5000 is outside [0, 1024]");
  EXPECT_EQ(ErrorOf("allow_remote = 1\n"), file + ":1: allow_remote must be true or false");
  EXPECT_EQ(ErrorOf("mode = \"fancy\"\n"),
            file + ":1: mode = \"fancy\" is not one of: clean, verbatim");
  EXPECT_EQ(ErrorOf("model = 3\n"), file + ":1: model must be a string");
  const std::string syntax = ErrorOf("model = \"a\"\nthreads = = 2\n");
  EXPECT_EQ(syntax.rfind(file + ":2: ", 0), 0u) << syntax;
  const std::string table = ErrorOf("[section]\nkey = 1\n");
  EXPECT_EQ(table.rfind(file + ":1: unknown key \"section\"", 0), 0u) << table;
}

TEST_F(ConfigTest, FlagsParseWithTheSameRules) {
  DaemonOptions o;
  const auto& table = OptionTable();
  auto spec = [&](const char* key) -> const OptionSpec& {
    for (const auto& s : table) {
      if (std::string(s.key) == key) return s;
    }
    throw std::logic_error(key);
  };
  ApplyFlag(o, spec("threads"), "3");
  EXPECT_EQ(o.threads, 3);
  ApplyFlag(o, spec("allow_remote"), "true");
  EXPECT_TRUE(o.allow_remote);
  EXPECT_EQ(FlagName(spec("state_dir")), "--state-dir");
  try {
    ApplyFlag(o, spec("threads"), "3x");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "--threads: \"3x\" is not an integer in [0, 1024]");
  }
  EXPECT_THROW(ApplyFlag(o, spec("heartbeat_ms"), "5"), ConfigError);
  EXPECT_THROW(ApplyFlag(o, spec("log_level"), "loud"), ConfigError);
}

TEST_F(ConfigTest, PrintConfigRoundTrips) {
  DaemonOptions o;
  o.model = "/path with \"quotes\"/m.gguf";
  o.threads = 7;
  o.allow_remote = true;
  o.replay_events = 100;
  DaemonOptions back;
  LoadConfigFile(Write(PrintConfig(o)), back);
  EXPECT_EQ(PrintConfig(back), PrintConfig(o));
  EXPECT_EQ(back.model, o.model);
  EXPECT_TRUE(back.allow_remote);
}

TEST_F(ConfigTest, EventsAndControlNeedTheirOwnEndpoints) {
  DaemonOptions o;
  EXPECT_NO_THROW(ValidateOptions(o));
  o.events = o.control = "ipc:///run/x/sock";
  try {
    ValidateOptions(o);
    ADD_FAILURE() << "accepted one endpoint for both sockets";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "events and control are both ipc:///run/x/sock; each socket needs its own "
                 "endpoint");
  }
  o.control = "ipc:///run/x/control";
  EXPECT_NO_THROW(ValidateOptions(o));
}

}  // namespace
}  // namespace scribed::config

namespace scribed::config {
namespace {

// docs/config.md documents every key of the table, and no key that is gone.
TEST(ConfigDocsTest, EveryKeyIsDocumented) {
  std::ifstream in(std::filesystem::path(SCRIBED_TEST_DATA_DIR) / "../../docs/config.md");
  const std::string doc((std::istreambuf_iterator<char>(in)), {});
  ASSERT_FALSE(doc.empty());
  for (const OptionSpec& spec : OptionTable()) {
    const std::string row = "| `" + std::string(spec.key) + "` / `" + FlagName(spec) + "` |";
    EXPECT_NE(doc.find(row), std::string::npos) << "docs/config.md lacks " << spec.key;
  }
  size_t rows = 0;
  for (size_t pos = 0; (pos = doc.find("\n| `", pos)) != std::string::npos; ++pos) ++rows;
  EXPECT_EQ(rows, OptionTable().size());
}

}  // namespace
}  // namespace scribed::config
