// GGUF reader and writer: round trips, hand-encoded files, the golden vocab
// file, and one malformed file per parse stage.
#include "scribed/engine/gguf.h"

#include <fcntl.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "engine/gguf/mapped_file.h"
#include "scribed/base/unique_fd.h"
#include "tests/engine/gguf_test_util.h"
#include "tests/support/temp_dir.h"

namespace scribed::engine::gguf {
namespace {

using testing::Bytes;
using ::testing::HasSubstr;
using testing::Header;
using testing::TempDir;
using testing::WriteBytes;

// Value v of element i of a test tensor, independent of the writer.
float TestElement(int tensor, int64_t i) { return static_cast<float>(tensor * 1000 + i) * 0.5f; }

TEST(GgufWriter, RoundTripsEveryValueTypeAndTensors) {
  TempDir dir("gguf-rt");
  Writer w;
  w.SetString("general.architecture", "test");
  w.SetU8("v.u8", 200);
  w.SetI8("v.i8", -100);
  w.SetU16("v.u16", 60000);
  w.SetI16("v.i16", -30000);
  w.SetU32("v.u32", 4000000000u);
  w.SetI32("v.i32", -2000000000);
  w.SetU64("v.u64", 0xfedcba9876543210ULL);
  w.SetI64("v.i64", std::numeric_limits<int64_t>::min());
  w.SetF32("v.f32", 1.5e-7f);
  w.SetF64("v.f64", 3.141592653589793);
  w.SetBool("v.bool", true);
  w.SetString("v.str", std::string("a\0b\"c", 5));
  w.SetU32Array("v.u32s", {1, 2, 4000000000u});
  w.SetI32Array("v.i32s", {-1, 0, 7});
  w.SetF32Array("v.f32s", {0.25f, -2.0f});
  w.SetBoolArray("v.bools", {true, false, true});
  w.SetStringArray("v.strs", {"", "x", "hello world"});
  w.SetStringArray("v.empty", {});
  w.SetU32("v.replaced", 1);
  w.SetU32("v.replaced", 2);  // replaces in place
  const std::vector<std::vector<int64_t>> shapes = {{5}, {3, 4}, {2, 3, 2}, {1, 1, 2, 3}, {0, 4}};
  for (int t = 0; t < static_cast<int>(shapes.size()); ++t) {
    w.AddTensor("t" + std::to_string(t), TensorType::kF32, shapes[t],
                [t](std::span<std::byte> out) {
                  for (const std::byte b : out) ASSERT_EQ(b, std::byte{0});  // zeroed as documented
                  for (size_t i = 0; i < out.size() / 4; ++i) {
                    const float v = TestElement(t, static_cast<int64_t>(i));
                    std::memcpy(out.data() + 4 * i, &v, 4);
                  }
                });
  }
  w.AddTensor("q8", TensorType::kQ8_0, {64, 2}, [](std::span<std::byte> out) {
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::byte>(i * 7);
  });
  const auto path = dir / "rt.gguf";
  w.Write(path);
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));

  const File f = File::Open(path);
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 32u);
  EXPECT_EQ(f.data_offset() % 32, 0u);
  ASSERT_EQ(f.key_count(), 20u);
  EXPECT_EQ(f.key(0), "general.architecture");
  EXPECT_EQ(f.key(19), "v.replaced");
  EXPECT_EQ(f.GetString("general.architecture"), "test");
  EXPECT_EQ(f.Find("v.u8")->type(), ValueType::kUint8);
  EXPECT_EQ(f.GetU32("v.u8"), 200u);
  EXPECT_EQ(f.Find("v.i8")->AsInt(), -100);
  EXPECT_EQ(f.Find("v.u16")->AsUint(), 60000u);
  EXPECT_EQ(f.Find("v.i16")->AsInt(), -30000);
  EXPECT_EQ(f.GetU32("v.u32"), 4000000000u);
  EXPECT_EQ(f.Find("v.i32")->AsInt(), -2000000000);
  EXPECT_EQ(f.GetU64("v.u64"), 0xfedcba9876543210ULL);
  EXPECT_EQ(f.Find("v.u64")->AsInt(), std::nullopt);  // does not fit i64
  EXPECT_EQ(f.Find("v.i64")->AsInt(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(f.Find("v.i64")->AsUint(), std::nullopt);
  EXPECT_EQ(f.GetF32("v.f32"), 1.5e-7f);
  EXPECT_EQ(f.Find("v.f64")->AsFloat(), 3.141592653589793);
  EXPECT_EQ(f.GetF32("v.f64"), 3.1415927f);
  EXPECT_TRUE(f.GetBool("v.bool"));
  EXPECT_EQ(f.GetString("v.str"), std::string_view("a\0b\"c", 5));
  EXPECT_EQ(f.Find("v.str")->ToString(), "\"a\\x00b\\\"c\"");
  EXPECT_EQ(f.GetIntArray("v.u32s"), (std::vector<int64_t>{1, 2, 4000000000}));
  EXPECT_EQ(f.GetIntArray("v.i32s"), (std::vector<int64_t>{-1, 0, 7}));
  EXPECT_EQ(f.GetF32Array("v.f32s"), (std::vector<float>{0.25f, -2.0f}));
  EXPECT_EQ(f.GetBoolArray("v.bools"), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(f.GetStringArray("v.strs"), (std::vector<std::string_view>{"", "x", "hello world"}));
  EXPECT_TRUE(f.GetStringArray("v.empty").empty());
  EXPECT_EQ(f.Find("v.strs")->At(2).AsString(), "hello world");
  EXPECT_EQ(f.Find("v.strs")->ToString(2), "[3 strings: \"\", \"x\", ...]");
  EXPECT_EQ(f.Find("v.i32s")->ToString(), "[-1, 0, 7]");
  EXPECT_EQ(f.GetU32("v.replaced"), 2u);

  ASSERT_EQ(f.tensors().size(), shapes.size() + 1);
  for (int t = 0; t < static_cast<int>(shapes.size()); ++t) {
    const TensorInfo* info = f.FindTensor("t" + std::to_string(t));
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->type, TensorType::kF32);
    EXPECT_EQ(info->shape, shapes[t]);
    int64_t n = 1;
    for (int64_t d : shapes[t]) n *= d;
    EXPECT_EQ(info->elements, n);
    EXPECT_EQ(info->bytes, static_cast<uint64_t>(n) * 4);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(info->data) % 32, 0u);
    for (int64_t i = 0; i < n; ++i) {
      float v;
      std::memcpy(&v, info->data + 4 * i, 4);
      ASSERT_EQ(v, TestElement(t, i)) << info->name << " element " << i;
    }
  }
  const TensorInfo* q8 = f.FindTensor("q8");
  ASSERT_NE(q8, nullptr);
  EXPECT_EQ(q8->bytes, 2u * 2u * 34u);
  for (size_t i = 0; i < q8->bytes; ++i) ASSERT_EQ(q8->data[i], static_cast<std::byte>(i * 7));
  EXPECT_EQ(f.FindTensor("missing"), nullptr);
}

TEST(GgufWriter, CopyKeyCopiesEntriesVerbatimIncludingNestedArrays) {
  TempDir dir("gguf-copy");
  // Source file hand-encoded with a nested array, which the writer has no setter for.
  Bytes src = Header(3, 0, 2);
  src.Str("nested").U32(9).U32(9).U64(2);
  src.U32(4).U64(2).U32(7).U32(8);  // [7, 8] as u32
  src.U32(8).U64(1).Str("deep");    // ["deep"]
  src.Str("scalar").U32(12).Put<double>(-0.5);
  WriteBytes(dir / "src.gguf", src.str());
  const File from = File::Open(dir / "src.gguf");
  Writer w;
  w.CopyKey(from, "scalar");
  w.CopyKey(from, "nested");
  EXPECT_THROW(w.CopyKey(from, "absent"), KeyError);
  w.Write(dir / "dst.gguf");
  const File to = File::Open(dir / "dst.gguf");
  ASSERT_EQ(to.key_count(), 2u);
  EXPECT_EQ(to.key(0), "scalar");
  EXPECT_EQ(to.Find("scalar")->AsFloat(), -0.5);
  const Value* nested = to.Find("nested");
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(nested->type(), ValueType::kArray);
  EXPECT_EQ(nested->element_type(), ValueType::kArray);
  ASSERT_EQ(nested->size(), 2u);
  EXPECT_EQ(nested->At(0).At(1).AsUint(), 8u);
  EXPECT_EQ(nested->At(1).At(0).AsString(), "deep");
  EXPECT_EQ(nested->ToString(), "[[7, 8], [\"deep\"]]");
}

TEST(GgufReader, ReadsHandEncodedVersion2FileWithCustomAlignment) {
  TempDir dir("gguf-v2");
  Bytes b = Header(2, 2, 2);
  b.Str("general.alignment").U32(4).U32(64);
  b.Str("k").U32(0).Put<uint8_t>(9);
  b.Str("a").U32(1).U64(8).U32(0).U64(0);           // 8 F32 at 0
  b.Str("b").U32(2).U64(32).U64(2).U32(8).U64(64);  // Q8_0 [32, 2] at 64
  b.PadTo(64);
  const size_t data_at = b.size();
  for (int i = 0; i < 8; ++i) b.Put<float>(static_cast<float>(i));
  b.PadTo(64);
  for (int i = 0; i < 68; ++i) b.Put<uint8_t>(static_cast<uint8_t>(i));
  WriteBytes(dir / "v2.gguf", b.str());
  const File f = File::Open(dir / "v2.gguf");
  EXPECT_EQ(f.version(), 2u);
  EXPECT_EQ(f.alignment(), 64u);
  EXPECT_EQ(f.data_offset(), data_at);
  EXPECT_EQ(f.file_size(), b.size());
  EXPECT_EQ(f.GetU32("k"), 9u);
  ASSERT_EQ(f.tensors().size(), 2u);
  const TensorInfo& a = f.tensors()[0];
  EXPECT_EQ(a.ne(0), 8);
  EXPECT_EQ(a.ne(3), 1);
  float x;
  std::memcpy(&x, a.data + 28, 4);
  EXPECT_EQ(x, 7.0f);
  const TensorInfo& q = f.tensors()[1];
  EXPECT_EQ(q.type, TensorType::kQ8_0);
  EXPECT_EQ(q.bytes, 68u);
  EXPECT_EQ(q.data[67], std::byte{67});
}

TEST(GgufReader, TypedGettersReportMissingAndMistypedKeys) {
  TempDir dir("gguf-keys");
  Writer w;
  w.SetF32("gemma4.block_count", 6.0f);
  w.SetI32("neg", -1);
  w.SetU64("big", 1ULL << 40);
  w.SetStringArray("strs", {"a"});
  const auto path = dir / "x.gguf";
  w.Write(path);
  const File f = File::Open(path);
  const std::string p = path.string();
  try {
    f.GetU32("gemma4.context_length");
    FAIL();
  } catch (const KeyError& e) {
    EXPECT_EQ(std::string(e.what()), p + ": key gemma4.context_length missing");
  }
  try {
    f.GetU32("gemma4.block_count");
    FAIL();
  } catch (const KeyError& e) {
    EXPECT_EQ(std::string(e.what()), p + ": key gemma4.block_count is f32, expected u32");
  }
  EXPECT_THROW(f.GetU32("neg"), KeyError);
  EXPECT_THROW(f.GetU64("neg"), KeyError);
  EXPECT_THROW(f.GetU32("big"), KeyError);
  EXPECT_EQ(f.GetU64("big"), 1ULL << 40);
  EXPECT_THROW(f.GetF32Array("strs"), KeyError);
  EXPECT_THROW(f.GetIntArray("strs"), KeyError);
  EXPECT_THROW(f.GetString("strs"), KeyError);
  EXPECT_EQ(f.FindU32("absent"), std::nullopt);
  EXPECT_EQ(f.FindString("absent"), std::nullopt);
  EXPECT_THROW(f.FindString("neg"), KeyError);
  EXPECT_EQ(f.FindF32("gemma4.block_count"), 6.0f);
}

TEST(GgufReader, ReadsTheGoldenVocabulary) {
  const File f = File::Open(std::string(SCRIBED_TEST_DATA_DIR) + "/golden/gemma4-vocab.gguf");
  EXPECT_EQ(f.GetString("general.architecture"), "gemma4");
  const auto tokens = f.GetStringArray("tokenizer.ggml.tokens");
  ASSERT_EQ(tokens.size(), 262144u);
  EXPECT_EQ(f.GetStringArray("tokenizer.ggml.merges").size(), 514906u);
  EXPECT_EQ(f.GetU32("tokenizer.ggml.bos_token_id"), 2u);
  EXPECT_EQ(f.GetU32("tokenizer.ggml.eos_token_id"), 1u);
  EXPECT_EQ(tokens[2], "<bos>");
  EXPECT_TRUE(f.tensors().empty());
  EXPECT_THAT(f.Find("tokenizer.ggml.tokens")->ToString(2), HasSubstr("[262144 strings: "));
}

// ---- one malformed file per parse stage ----

struct BadCase {
  const char* name;
  std::string bytes;
  const char* message;
  uint64_t offset;
};

std::string ValidPrefixWithTensor(uint32_t n_dims, uint32_t type, uint64_t offset,
                                  uint64_t data_bytes) {
  Bytes b = Header(3, 1, 0);
  b.Str("w").U32(n_dims);
  for (uint32_t i = 0; i < n_dims; ++i) b.U64(32);
  b.U32(type).U64(offset);
  b.PadTo(32);
  for (uint64_t i = 0; i < data_bytes; ++i) b.Put<uint8_t>(0);
  return b.str();
}

std::vector<BadCase> BadCases() {
  std::vector<BadCase> cases;
  cases.push_back({"bad magic", Bytes().Raw("GGUX").U32(3).U64(0).U64(0).str(), "bad magic", 0});
  cases.push_back({"version 1", Header(1, 0, 0).str(), "version 1 is not supported", 4});
  cases.push_back({"version 7", Header(7, 0, 0).str(), "unsupported GGUF version 7", 4});
  cases.push_back({"big endian", Header(0x03000000, 0, 0).str(), "big-endian", 4});
  cases.push_back({"truncated header", Bytes().Raw("GGUF").U32(3).U32(0).str(), "tensor count", 8});
  cases.push_back({"huge kv count", Header(3, 0, 1ULL << 62).str(),
                   "key/value count 4611686018427387904 needs more bytes", 16});
  cases.push_back({"huge tensor count", Header(3, 1ULL << 60, 0).Raw(std::string(40, '\0')).str(),
                   "tensor count 1152921504606846976", 8});
  cases.push_back({"bad value type", Header(3, 0, 1).Str("k").U32(13).U32(0).str(),
                   "key 0 ('k'): invalid value type 13", 33});
  cases.push_back({"string longer than file",
                   Header(3, 0, 1).Str("k").U32(8).U64(1000).Raw("abc").str(),
                   "key 0 ('k'): string value of 1000 bytes is longer than the 3 bytes left", 37});
  cases.push_back(
      {"huge string array",
       Header(3, 0, 1)
           .Str("tokenizer.ggml.tokens")
           .U32(9)
           .U32(8)
           .U64(1ULL << 62)
           .Raw(std::string(120, 'x'))
           .str(),
       "key 0 ('tokenizer.ggml.tokens'): array of 4611686018427387904 strings needs more "
       "bytes than the 120 left",
       69});
  cases.push_back({"bad array element type", Header(3, 0, 1).Str("k").U32(9).U32(99).U64(0).str(),
                   "invalid array element type 99", 37});
  cases.push_back(
      {"duplicate key",
       Header(3, 0, 2).Str("k").U32(0).Put<uint8_t>(1).Str("k").U32(0).Put<uint8_t>(1).str(),
       "key 1 ('k'): duplicate key", 38});
  {
    Bytes b = Header(3, 0, 1);
    b.Str("k").U32(9).U32(9).U64(1);
    for (int i = 0; i < 20; ++i) b.U32(9).U64(1);
    cases.push_back({"arrays nested too deep", b.str(), "nested deeper", 0});
  }
  cases.push_back({"bad alignment", Header(3, 0, 1).Str("general.alignment").U32(4).U32(48).str(),
                   "general.alignment 48 is not a power of two", 0});
  cases.push_back({"zero alignment", Header(3, 0, 1).Str("general.alignment").U32(4).U32(0).str(),
                   "general.alignment 0 is not a power of two", 0});
  cases.push_back({"bad tensor type", ValidPrefixWithTensor(1, 39, 0, 128),
                   "tensor info 0 ('w'): unsupported tensor type id 39", 45});
  cases.push_back({"n_dims 5", ValidPrefixWithTensor(5, 0, 0, 0),
                   "tensor info 0 ('w'): dimension count 5 outside 1..4", 33});
  cases.push_back({"misaligned offset", ValidPrefixWithTensor(1, 0, 8, 256),
                   "data offset 8 is not a multiple of the alignment 32", 49});
  cases.push_back({"tensor data past EOF", ValidPrefixWithTensor(2, 0, 0, 100),
                   "tensor info 0 ('w'): data of 4096 bytes at data offset 0 runs past the end",
                   0});
  cases.push_back({"block size mismatch", ValidPrefixWithTensor(1, 12, 0, 0),
                   "not a whole number of Q4_K blocks", 0});
  {
    Bytes b = Header(3, 2, 0);
    b.Str("w").U32(1).U64(1).U32(0).U64(0);
    b.Str("w").U32(1).U64(1).U32(0).U64(32);
    b.PadTo(32).Raw(std::string(64, '\0'));
    cases.push_back({"duplicate tensor", b.str(), "tensor info 1 ('w'): duplicate tensor name", 0});
  }
  {
    Bytes b = Header(3, 1, 0);
    b.Str("w").U32(2).U64(1ULL << 40).U64(1ULL << 40).U32(0).U64(0);
    cases.push_back({"element count overflow", b.str(), "element count overflows", 0});
  }
  cases.push_back({"empty file", "", "magic needs 4 bytes", 0});
  return cases;
}

TEST(GgufReader, RejectsOneMalformedFilePerStageWithAPreciseError) {
  TempDir dir("gguf-bad");
  for (const BadCase& c : BadCases()) {
    SCOPED_TRACE(c.name);
    const auto path = dir / "bad.gguf";
    WriteBytes(path, c.bytes);
    try {
      File::Open(path);
      ADD_FAILURE() << "opened";
    } catch (const FormatError& e) {
      EXPECT_THAT(e.what(), HasSubstr(c.message));
      EXPECT_THAT(e.what(), HasSubstr(path.string() + ": "));
      EXPECT_EQ(e.file(), path.string());
      ASSERT_TRUE(e.byte_offset().has_value());
      if (c.offset != 0) {
        EXPECT_EQ(*e.byte_offset(), c.offset);
      }
    }
  }
}

TEST(GgufReader, MissingFileIsASystemError) {
  EXPECT_THROW(File::Open("/nonexistent/dir/model.gguf"), std::system_error);
}

TEST(GgufWriter, RejectsBadTensorsAndLeavesNoFileWhenAFillThrows) {
  Writer w;
  EXPECT_THROW(w.AddTensor("a", TensorType::kQ4_K, {100}, nullptr), std::invalid_argument);
  EXPECT_THROW(w.AddTensor("a", TensorType::kF32, {}, nullptr), std::invalid_argument);
  EXPECT_THROW(w.AddTensor("a", TensorType::kF32, {1, 1, 1, 1, 1}, nullptr), std::invalid_argument);
  EXPECT_THROW(w.AddTensor("a", TensorType::kF32, {-1}, nullptr), std::invalid_argument);
  w.AddTensor("a", TensorType::kF32, {4},
              [](std::span<std::byte>) { throw std::runtime_error("boom"); });
  EXPECT_THROW(w.AddTensor("a", TensorType::kF32, {4}, nullptr), std::invalid_argument);
  TempDir dir("gguf-wfail");
  EXPECT_THROW(w.Write(dir / "out.gguf"), std::runtime_error);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace scribed::engine::gguf

namespace scribed::engine::gguf {
namespace {

TEST(GgufWriter, ReportsProgressAfterEachTensorUpToTheFileSize) {
  TempDir dir("gguf-progress");
  Writer w;
  w.SetU32("n", 1);
  for (int i = 0; i < 3; ++i) {
    std::string name = "t";
    name += std::to_string(i);
    w.AddTensor(name, TensorType::kF32, {64, 2 + i}, [](std::span<std::byte>) {});
  }
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  w.Write(dir / "p.gguf", [&](uint64_t done, uint64_t total) { calls.emplace_back(done, total); });
  ASSERT_EQ(calls.size(), 3u);
  const uint64_t size = std::filesystem::file_size(dir / "p.gguf");
  for (size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i].second, size);
    if (i > 0) {
      EXPECT_GT(calls[i].first, calls[i - 1].first);
    }
  }
  EXPECT_EQ(calls.back().first, size);
}

TEST(GgufResident, ReadsTheSameBytesAsTheMapping) {
  const std::filesystem::path vocab =
      std::filesystem::path(SCRIBED_TEST_DATA_DIR) / "golden" / "gemma4-vocab.gguf";
  const File mapped = File::Open(vocab);
  const File resident = File::Open(vocab, /*resident=*/true);
  ASSERT_EQ(mapped.key_count(), resident.key_count());
  EXPECT_EQ(mapped.GetStringArray("tokenizer.ggml.tokens"),
            resident.GetStringArray("tokenizer.ggml.tokens"));
  EXPECT_EQ(mapped.GetString("tokenizer.chat_template"),
            resident.GetString("tokenizer.chat_template"));
}


// A resident copy big enough to be read by several threads (256 MiB or more
// each) is the file byte for byte, also where the readers' ranges meet. The
// file is sparse, so writing it costs no disk.
TEST(MappedFileTest, ResidentCopyOfAFileReadInPiecesEqualsTheFile) {
  const scribed::testing::TempDir dir("mapped-file");
  const std::filesystem::path path = dir / "big.bin";
  constexpr uint64_t kSize = (600ull << 20) + 12345;  // two readers or more, uneven ranges
  {
    base::UniqueFd fd(::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600));
    ASSERT_GE(fd.get(), 0);
    ASSERT_EQ(::ftruncate(fd.get(), static_cast<off_t>(kSize)), 0);
    // A marker every 4 MiB, and at both sides of every MiB boundary near the
    // range ends whatever the reader count.
    for (uint64_t off = 0; off + 8 <= kSize; off += 4ull << 20) {
      for (const uint64_t at : {off, off + uint64_t{1 << 20} - 1}) {
        const uint64_t v = at * 0x9E3779B97F4A7C15ull;
        if (at + 8 <= kSize) {
          ASSERT_EQ(::pwrite(fd.get(), &v, 8, static_cast<off_t>(at)), 8);
        }
      }
    }
    const uint64_t tail = 0x0123456789ABCDEFull;
    ASSERT_EQ(::pwrite(fd.get(), &tail, 8, static_cast<off_t>(kSize - 8)), 8);
  }
  const auto mapped = MappedFile::Open(path, MappedFile::Mode::kMapped);
  const auto resident = MappedFile::Open(path, MappedFile::Mode::kResident);
  ASSERT_TRUE(resident.resident());
  ASSERT_EQ(resident.size(), kSize);
  ASSERT_EQ(mapped.size(), kSize);
  EXPECT_EQ(std::memcmp(mapped.data(), resident.data(), kSize), 0);
}

}  // namespace
}  // namespace scribed::engine::gguf
