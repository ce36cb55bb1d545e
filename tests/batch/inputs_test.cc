#include "scribed/batch/inputs.h"

#include <gtest/gtest.h>

#include "tests/batch/batch_test_util.h"

namespace scribed::batch {
namespace {

namespace fs = std::filesystem;
using testing::ScratchDir;
using testing::WriteFile;

std::vector<std::string> Names(const std::vector<Input>& inputs, const fs::path& root) {
  std::vector<std::string> out;
  for (const Input& in : inputs) out.push_back(fs::relative(in.path, root).string());
  return out;
}

TEST(BatchInputsTest, ManifestLinesAreTrimmedCommentedAndRelativeToTheManifest) {
  ScratchDir dir;
  WriteFile(dir.path() / "audio/a.wav", "aaaa");
  WriteFile(dir.path() / "audio/b.flac", "bb");
  WriteFile(dir.path() / "elsewhere/c.mp3", "c");
  const fs::path manifest = WriteFile(dir.path() / "lists/today.txt",
                                      "# recordings of the day\n"
                                      "\n"
                                      "  ../audio/b.flac  \r\n"
                                      "../audio/a.wav\n"
                                      + (dir.path() / "elsewhere/c.mp3").string() + "\n"
                                      "../audio/a.wav\n"
                                      "../audio/missing.wav\n"
                                      "../audio\n");
  const auto inputs = ReadInputs(manifest, DefaultExtensions());
  EXPECT_EQ(Names(inputs, dir.path()),
            (std::vector<std::string>{"audio", "audio/a.wav", "audio/b.flac", "audio/missing.wav",
                                      "elsewhere/c.mp3"}));
  EXPECT_EQ(inputs[0].error, "not a regular file");
  EXPECT_EQ(inputs[1].size, 4u);
  EXPECT_TRUE(inputs[1].error.empty());
  EXPECT_GT(inputs[1].mtime_ns, 0);
  EXPECT_EQ(inputs[3].error, "no such file");
  for (const Input& in : inputs) EXPECT_TRUE(in.path.is_absolute()) << in.path;
}

TEST(BatchInputsTest, DirectoryWalkFiltersByExtensionAndSkipsHiddenFolders) {
  ScratchDir dir;
  WriteFile(dir.path() / "2024/jan/one.WAV", "1");
  WriteFile(dir.path() / "2024/feb/two.m4a", "22");
  WriteFile(dir.path() / "2024/feb/notes.txt", "not audio");
  WriteFile(dir.path() / ".trash/three.wav", "3");
  WriteFile(dir.path() / "four", "no extension");
  EXPECT_EQ(Names(ReadInputs(dir.path(), DefaultExtensions()), dir.path()),
            (std::vector<std::string>{"2024/feb/two.m4a", "2024/jan/one.WAV"}));
  EXPECT_EQ(Names(ReadInputs(dir.path(), ParseExtensions(" .txt, WAV")), dir.path()),
            (std::vector<std::string>{"2024/feb/notes.txt", "2024/jan/one.WAV"}));
}

TEST(BatchInputsTest, BadSourcesAreClearErrors) {
  ScratchDir dir;
  EXPECT_THROW(ReadInputs(dir.path() / "nope", DefaultExtensions()), std::invalid_argument);
  EXPECT_THROW(ParseExtensions(" , "), std::invalid_argument);
  EXPECT_EQ(ParseExtensions("wav,,FLAC"), (std::vector<std::string>{"wav", "flac"}));
}

}  // namespace
}  // namespace scribed::batch
