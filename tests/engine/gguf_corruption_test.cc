// Robustness of the GGUF reader: a valid file truncated at every offset and
// thousands of seeded random corruptions of its header must each either open
// (with every tensor inside the file) or raise FormatError; never crash,
// hang or allocate absurdly. Run under ASan/UBSan in the sanitizer build.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

#include "scribed/engine/gguf.h"
#include "tests/engine/gguf_test_util.h"

namespace scribed::engine::gguf {
namespace {

using testing::Bytes;
using testing::Header;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteBytes;

// A valid file with every kind of entry: scalars, strings, string arrays,
// a nested array (copied from a hand-encoded file) and a few tensors.
std::string BuildBaseFile(const TempDir& dir) {
  Bytes nested = Header(3, 0, 1);
  nested.Str("nested").U32(9).U32(9).U64(2);
  nested.U32(4).U64(2).U32(7).U32(8);
  nested.U32(8).U64(2).Str("ab").Str("");
  WriteBytes(dir / "nested.gguf", nested.str());
  const File nested_file = File::Open(dir / "nested.gguf");

  Writer w;
  w.SetString("general.architecture", "gemma4");
  w.SetU32("general.alignment", 32);
  w.SetU32("gemma4.block_count", 2);
  w.SetF32("gemma4.rope.freq_base", 1e6f);
  w.SetBool("tokenizer.ggml.add_bos_token", true);
  w.SetStringArray("tokenizer.ggml.tokens", {"<pad>", "<eos>", "<bos>", "hello", "world"});
  w.SetF32Array("tokenizer.ggml.scores", {0, -1, -2, -3, -4});
  w.SetI32Array("tokenizer.ggml.token_type", {3, 3, 3, 1, 1});
  w.SetBoolArray("gemma4.attention.sliding_window_pattern", {true, false});
  w.SetU64("big", 1ULL << 40);
  w.CopyKey(nested_file, "nested");
  auto fill = [](std::span<std::byte> out) {
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::byte>(i);
  };
  w.AddTensor("token_embd.weight", TensorType::kF32, {8, 5}, fill);
  w.AddTensor("blk.0.attn_q.weight", TensorType::kQ8_0, {32, 2}, fill);
  w.AddTensor("blk.0.ffn_up.weight", TensorType::kQ4_K, {256, 1, 1, 2}, fill);
  w.AddTensor("output_norm.weight", TensorType::kF16, {8}, fill);
  w.Write(dir / "base.gguf");
  return ReadFile(dir / "base.gguf");
}

// Opens `path`; returns true if it parsed. Touches every parsed value and the
// first and last byte of every tensor so out-of-range views would be caught.
bool OpenAndExercise(const std::filesystem::path& path, size_t file_size) {
  try {
    const File f = File::Open(path);
    size_t text = 0;
    for (size_t i = 0; i < f.key_count(); ++i) text += f.value(i).ToString(4).size();
    EXPECT_GT(text, 0u);
    for (const TensorInfo& t : f.tensors()) {
      EXPECT_LE(f.data_offset() + t.offset + t.bytes, file_size) << t.name;
      if (t.bytes > 0) {
        volatile std::byte first = t.data[0];
        volatile std::byte last = t.data[t.bytes - 1];
        (void)first;
        (void)last;
      }
    }
    return true;
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos);
    return false;
  }
}

TEST(GgufCorruption, EveryTruncationOpensOrFailsCleanly) {
  TempDir dir("gguf-trunc");
  const std::string base = BuildBaseFile(dir);
  const File whole = File::Open(dir / "base.gguf");
  const auto path = dir / "cut.gguf";
  int opened = 0;
  for (size_t len = 0; len < base.size(); ++len) {
    WriteBytes(path, base.substr(0, len));
    if (OpenAndExercise(path, len)) ++opened;
  }
  // Only cuts in the padding after the last tensor could parse; every cut
  // inside the header or a tensor's data must fail.
  const TensorInfo& last = whole.tensors().back();
  EXPECT_LE(opened,
            static_cast<int>(base.size() - (whole.data_offset() + last.offset + last.bytes)));
}

TEST(GgufCorruption, SeededRandomCorruptionsOpenOrFailCleanly) {
  TempDir dir("gguf-fuzz");
  const std::string base = BuildBaseFile(dir);
  const File whole = File::Open(dir / "base.gguf");
  const size_t header = whole.data_offset();
  const auto path = dir / "corrupt.gguf";
  std::mt19937_64 rng(20261123);
  constexpr uint64_t kHuge[] = {
      1ULL << 60, 1ULL << 62, ~0ULL, 1ULL << 32, 0x7fffffffffffffffULL, 0x8000000000000000ULL};
  int opened = 0;
  constexpr int kVariants = 3000;
  for (int n = 0; n < kVariants; ++n) {
    std::string bytes = base;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % header;
      switch (rng() % 4) {
        case 0:  // flip bits of one byte
          bytes[at] = static_cast<char>(bytes[at] ^ static_cast<char>(1 + rng() % 255));
          break;
        case 1: {  // a huge 64-bit count or length
          const uint64_t v = kHuge[rng() % std::size(kHuge)];
          std::memcpy(bytes.data() + at, &v, std::min<size_t>(8, bytes.size() - at));
          break;
        }
        case 2: {  // a random 32-bit type id or dimension count
          const auto v = static_cast<uint32_t>(rng() % 64);
          std::memcpy(bytes.data() + at, &v, std::min<size_t>(4, bytes.size() - at));
          break;
        }
        default:  // cut the file short as well
          bytes.resize(at + rng() % (bytes.size() - at));
          break;
      }
      if (bytes.size() <= header) break;
    }
    WriteBytes(path, bytes);
    if (OpenAndExercise(path, bytes.size())) ++opened;
  }
  // Sanity check of the harness itself: some corruptions (e.g. inside string
  // contents) leave a valid file, most do not.
  EXPECT_GT(opened, 0);
  EXPECT_LT(opened, kVariants);
}

}  // namespace
}  // namespace scribed::engine::gguf
