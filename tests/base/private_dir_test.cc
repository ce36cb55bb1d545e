// EnsurePrivateDirectory creates private directories and refuses existing
// ones that are not private, without ever changing them.
#include "scribed/base/private_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/temp_dir.h"

namespace scribed::base {
namespace {

namespace fs = std::filesystem;
using scribed::testing::TempDir;

constexpr uid_t kNobody = 65534;

mode_t ModeOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

fs::path MakeDir(const fs::path& p, mode_t mode) {
  fs::create_directories(p);
  EXPECT_EQ(::chmod(p.c_str(), mode), 0);
  return p;
}

// The message EnsurePrivateDirectory refuses `dir` with, or "" when accepted.
std::string RefusalOf(const fs::path& dir) {
  try {
    EnsurePrivateDirectory(dir);
    return "";
  } catch (const PrivateDirError& e) {
    return e.what();
  }
}

TEST(PrivateDirectory, CreatesMissingDirectoryAndParentsWithMode0700) {
  TempDir tmp;
  const fs::path dir = tmp / "a" / "b" / "c";
  EnsurePrivateDirectory(dir);
  for (const fs::path& p : {tmp / "a", tmp / "a" / "b", dir}) {
    ASSERT_TRUE(fs::is_directory(p)) << p;
    EXPECT_EQ(ModeOf(p), 0700u) << p;
  }
  EXPECT_NO_THROW(EnsurePrivateDirectory(dir));  // again: now it exists
}

TEST(PrivateDirectory, WorldWritableDirectoryIsRefusedAndLeftAlone) {
  TempDir tmp;
  const fs::path shared = MakeDir(tmp / "shared", 01777);
  const std::string why = RefusalOf(shared);
  EXPECT_NE(why.find(shared.string() + ": has mode 1777"), std::string::npos) << why;
  EXPECT_NE(why.find("group and others must have no access"), std::string::npos) << why;
  EXPECT_EQ(ModeOf(shared), 01777u);
}

TEST(PrivateDirectory, GroupAccessIsRefused) {
  TempDir tmp;
  const fs::path dir = MakeDir(tmp / "group", 0750);
  EXPECT_NE(RefusalOf(dir).find("has mode 0750"), std::string::npos) << RefusalOf(dir);
  EXPECT_EQ(ModeOf(dir), 0750u);
}

TEST(PrivateDirectory, ExistingPrivateDirectoryIsAccepted) {
  TempDir tmp;
  const fs::path dir = MakeDir(tmp / "mine", 0700);
  EXPECT_EQ(RefusalOf(dir), "");
  EXPECT_EQ(ModeOf(dir), 0700u);
}

TEST(PrivateDirectory, SymbolicLinkTargetIsCheckedNotChanged) {
  TempDir tmp;
  const fs::path shared = MakeDir(tmp / "shared", 01777);
  fs::create_directory_symlink(shared, tmp / "link");
  const std::string why = RefusalOf(tmp / "link");
  EXPECT_NE(why.find("has mode 1777 (the target of a symbolic link)"), std::string::npos) << why;
  EXPECT_EQ(ModeOf(shared), 01777u);

  const fs::path mine = MakeDir(tmp / "mine", 0700);
  fs::create_directory_symlink(mine, tmp / "good-link");
  EXPECT_EQ(RefusalOf(tmp / "good-link"), "");
}

TEST(PrivateDirectory, FileIsNotADirectory) {
  TempDir tmp;
  std::ofstream(tmp / "file") << "x";
  EXPECT_NE(RefusalOf(tmp / "file").find("is not a directory"), std::string::npos);
}

TEST(PrivateDirectory, SomeoneElsesDirectoryIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another user";
  TempDir tmp;
  const fs::path theirs = MakeDir(tmp / "theirs", 0700);
  ASSERT_EQ(::chown(theirs.c_str(), kNobody, kNobody), 0);
  const std::string why = RefusalOf(theirs);
  EXPECT_NE(why.find(theirs.string() + ": belongs to uid 65534, not to this user (uid 0)"),
            std::string::npos)
      << why;
  EXPECT_EQ(ModeOf(theirs), 0700u);
}

TEST(PrivateDirectory, SomeoneElsesSymbolicLinkIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a link to another user";
  TempDir tmp;
  const fs::path mine = MakeDir(tmp / "mine", 0700);
  fs::create_directory_symlink(mine, tmp / "their-link");
  ASSERT_EQ(::lchown((tmp / "their-link").c_str(), kNobody, kNobody), 0);
  const std::string why = RefusalOf(tmp / "their-link");
  EXPECT_NE(why.find("is a symbolic link owned by uid 65534"), std::string::npos) << why;
}

}  // namespace
}  // namespace scribed::base
