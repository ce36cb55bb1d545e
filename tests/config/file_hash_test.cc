// SHA-256 against the FIPS 180-2 test vectors, and the hash cache's keying.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "scribed/config/file_hash.h"
#include "tests/support/temp_dir.h"

namespace scribed::config {
namespace {

namespace fs = std::filesystem;

class FileHash : public ::testing::Test {
 protected:
  fs::path Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name, std::ios::binary) << content;
    return dir_ / name;
  }
  scribed::testing::TempDir tmp_{"hash"};
  const fs::path dir_ = tmp_.path();
};

TEST_F(FileHash, KnownVectors) {
  EXPECT_EQ(Sha256File(Write("empty", "")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256File(Write("abc", "abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // One million 'a': more than the 1 MiB read buffer's worth of boundaries.
  EXPECT_EQ(Sha256File(Write("million", std::string(1000000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_THROW(Sha256File(dir_ / "missing"), std::system_error);
}

TEST_F(FileHash, CacheIsKeyedByPathSizeAndMtime) {
  const fs::path f = Write("model.gguf", "abc");
  const fs::path cache = dir_ / "cache";
  const std::string abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  EXPECT_EQ(CachedSha256File(f, cache), abc);
  EXPECT_TRUE(fs::exists(cache / "file-hashes.json"));

  // Same size and mtime, different bytes: the cached hash is returned (the
  // cache trusts size + mtime, which is what makes it fast).
  struct stat before {};
  ASSERT_EQ(::stat(f.c_str(), &before), 0);
  Write("model.gguf", "abd");
  const timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, f.c_str(), times, 0), 0);
  EXPECT_EQ(CachedSha256File(f, cache), abc);

  // A new mtime invalidates the entry.
  const timespec later[2] = {before.st_atim, {before.st_mtim.tv_sec + 5, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, f.c_str(), later, 0), 0);
  EXPECT_EQ(CachedSha256File(f, cache), Sha256File(f));
  EXPECT_NE(CachedSha256File(f, cache), abc);

  // A corrupt cache file is ignored and rewritten.
  Write("cache/file-hashes.json", "{garbage");
  EXPECT_EQ(CachedSha256File(f, cache), Sha256File(f));
}

}  // namespace
}  // namespace scribed::config
