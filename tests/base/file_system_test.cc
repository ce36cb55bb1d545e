#include "scribed/base/file_system.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include "tests/support/fault_file_system.h"
#include "tests/support/read_file.h"
#include "tests/support/temp_dir.h"

namespace scribed::base {
namespace {

namespace fs = std::filesystem;
using scribed::testing::FaultFileSystem;
using scribed::testing::TempDir;

using scribed::testing::ReadFile;

size_t Entries(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(AtomicWrite, ReplacesWholeFilesAndLeavesNoTemporaries) {
  TempDir dir("atomic");
  const fs::path p = dir / "out.srt";
  WriteFileAtomically(RealFileSystem(), p, "first version, longer than the second");
  WriteFileAtomically(RealFileSystem(), p, "second");
  EXPECT_EQ(ReadFile(p), "second");
  EXPECT_EQ(Entries(dir.path()), 1u);
  EXPECT_THROW(WriteFileAtomically(RealFileSystem(), dir / "missing" / "x.srt", "x"),
               std::system_error);
}

TEST(AtomicWrite, ModeDecidesPermissions) {
  TempDir dir("atomic-mode");
  const mode_t old = ::umask(022);
  WriteFileAtomically(RealFileSystem(), dir / "private", "p", FileMode::kPrivate);
  WriteFileAtomically(RealFileSystem(), dir / "shared", "s", FileMode::kShared);
  ::umask(old);
  EXPECT_EQ(fs::status(dir / "private").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(fs::status(dir / "shared").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                fs::perms::others_read);
}

TEST(AtomicWrite, FailedWriteKeepsTheOldFileAndRemovesTheTemporary) {
  TempDir dir("atomic-fault");
  FaultFileSystem fs;
  const fs::path p = dir / "out.txt";
  WriteFileAtomically(fs, p, "old");
  fs.FailWrites();
  try {
    WriteFileAtomically(fs, p, "new");
    FAIL() << "the write did not fail";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::no_space_on_device);
  }
  EXPECT_EQ(ReadFile(p), "old");
  EXPECT_EQ(Entries(dir.path()), 1u);
}

TEST(AtomicWrite, SurvivesAPowerCutOnceReturned) {
  TempDir dir("atomic-power");
  FaultFileSystem fs;
  const fs::path p = dir / "out.txt";
  WriteFileAtomically(fs, p, "durable");
  fs.DropUnsyncedData();
  EXPECT_EQ(ReadFile(p), "durable");
}

TEST(PosixFileSystem, ReadAllAndRemove) {
  TempDir dir("posix");
  PosixFileSystem fs;
  EXPECT_EQ(fs.ReadAll(dir / "none"), std::nullopt);
  {
    auto f = fs.OpenAppend(dir / "a");
    f->Append("one ");
    f->Append("two");
    f->Sync();
  }
  EXPECT_EQ(fs.ReadAll(dir / "a"), "one two");
  fs.Remove(dir / "a");
  fs.Remove(dir / "a");  // already gone: not an error
  EXPECT_FALSE(fs::exists(dir / "a"));
}

}  // namespace
}  // namespace scribed::base
