#include "scribed/base/xdg.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <optional>
#include <string>

namespace scribed::base {
namespace {

// Sets (or with nullopt unsets) an environment variable for one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = ::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(Xdg, AbsoluteVariableWins) {
  ScopedEnv home("HOME", "/home/u");
  ScopedEnv config("XDG_CONFIG_HOME", "/cfg");
  ScopedEnv state("XDG_STATE_HOME", "/st");
  ScopedEnv cache("XDG_CACHE_HOME", "/ca");
  ScopedEnv runtime("XDG_RUNTIME_DIR", "/run/user/7");
  EXPECT_EQ(XdgBaseDir(XdgDir::kConfig), "/cfg");
  EXPECT_EQ(XdgBaseDir(XdgDir::kState), "/st");
  EXPECT_EQ(XdgBaseDir(XdgDir::kCache), "/ca");
  EXPECT_EQ(ScribedXdgDir(XdgDir::kRuntime), "/run/user/7/scribed");
}

TEST(Xdg, FallsBackUnderHomeAndIgnoresRelativeValues) {
  ScopedEnv home("HOME", "/home/u");
  ScopedEnv config("XDG_CONFIG_HOME", "relative");
  ScopedEnv state("XDG_STATE_HOME", std::nullopt);
  ScopedEnv cache("XDG_CACHE_HOME", "");
  ScopedEnv runtime("XDG_RUNTIME_DIR", std::nullopt);
  EXPECT_EQ(XdgBaseDir(XdgDir::kConfig), "/home/u/.config");
  EXPECT_EQ(ScribedXdgDir(XdgDir::kState), "/home/u/.local/state/scribed");
  EXPECT_EQ(XdgBaseDir(XdgDir::kCache), "/home/u/.cache");
  EXPECT_TRUE(XdgBaseDir(XdgDir::kRuntime).empty());
}

TEST(Xdg, ServiceDirPrefersSystemdsDirectory) {
  ScopedEnv home("HOME", "/home/u");
  ScopedEnv xdg("XDG_STATE_HOME", std::nullopt);
  {
    ScopedEnv systemd("STATE_DIRECTORY", "/var/lib/scribed:/var/lib/other");
    EXPECT_EQ(ServiceDir(XdgDir::kState, "/fallback"), "/var/lib/scribed");
  }
  ScopedEnv systemd("STATE_DIRECTORY", std::nullopt);
  EXPECT_EQ(ServiceDir(XdgDir::kState, "/fallback"), "/home/u/.local/state/scribed");
  ScopedEnv runtime("RUNTIME_DIRECTORY", std::nullopt);
  ScopedEnv runtime_xdg("XDG_RUNTIME_DIR", std::nullopt);
  EXPECT_EQ(ServiceDir(XdgDir::kRuntime, "/run/scribed"), "/run/scribed");
}

TEST(Xdg, RootOrMissingHomeGivesNothing) {
  ScopedEnv state("XDG_STATE_HOME", std::nullopt);
  {
    ScopedEnv home("HOME", "/");
    EXPECT_TRUE(ScribedXdgDir(XdgDir::kState).empty());
  }
  ScopedEnv home("HOME", std::nullopt);
  EXPECT_TRUE(XdgBaseDir(XdgDir::kState).empty());
}

}  // namespace
}  // namespace scribed::base
