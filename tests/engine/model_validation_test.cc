// Files that are readable but wrong get a message a user can act on, before
// any weight is used: the test rewrites a valid tiny model with one defect
// at a time.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>

#include "engine/kernels/packed_matmul.h"
#include "scribed/engine/engine.h"
#include "scribed/engine/gguf.h"
#include "scribed/engine/test_model.h"
#include "tests/support/temp_dir.h"

namespace scribed::engine {
namespace {

namespace fs = std::filesystem;

fs::path GoldenDir() { return fs::path(SCRIBED_TEST_DATA_DIR) / "golden"; }

class ModelValidation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new scribed::testing::TempDir("model-validation");
    dir_ = tmp_->path();
    testgen::TestModelConfig c{};
    c.seed = 7;
    c.hidden = 64;
    c.layers = 2;
    c.heads = 2;
    c.kv_heads_swa = 1;
    c.head_dim_swa = 32;
    c.kv_heads_full = 1;
    c.head_dim_full = 64;
    c.ffn = 128;
    c.window = 16;
    c.full_every = 2;
    c.rope_base = 1e6f;
    c.rope_base_swa = 1e4f;
    c.partial_rotary_full = 0.25f;
    c.softcap = 30;
    c.eps = 1e-6f;
    testgen::WriteTestModel(c, GoldenDir() / "gemma4-vocab.gguf", dir_ / "model.gguf",
                            dir_ / "mmproj.gguf");
    c.hidden = 96;  // a projector for another model size
    testgen::WriteTestModel(c, GoldenDir() / "gemma4-vocab.gguf", dir_ / "other-model.gguf",
                            dir_ / "other-mmproj.gguf");
  }
  static void TearDownTestSuite() { delete tmp_; }

  // Copies `src` to `dst`, letting `key_hook` replace keys (return true when it
  // wrote the key itself) and `tensor_hook` replace tensors.
  static fs::path Rewrite(const fs::path& src, const std::string& dst,
                          const std::function<bool(gguf::Writer&, std::string_view)>& key_hook,
                          const std::function<bool(gguf::Writer&, const gguf::TensorInfo&)>&
                              tensor_hook = nullptr) {
    const gguf::File in = gguf::File::Open(src);
    gguf::Writer w;
    for (size_t i = 0; i < in.key_count(); ++i) {
      if (!key_hook(w, in.key(i))) w.CopyKey(in, in.key(i));
    }
    for (const auto& t : in.tensors()) {
      if (tensor_hook && tensor_hook(w, t)) continue;
      const gguf::TensorInfo* info = &t;
      w.AddTensor(t.name, t.type, t.shape,
                  [info](std::span<std::byte> out) { std::memcpy(out.data(), info->data, out.size()); });
    }
    w.Write(dir_ / dst);
    return dir_ / dst;
  }

  static std::string LoadError(const fs::path& model, const fs::path& mmproj = {}) {
    try {
      Model::Load(model, mmproj);
    } catch (const std::exception& e) {
      return e.what();
    }
    return "(loaded)";
  }

  static scribed::testing::TempDir* tmp_;
  static fs::path dir_;
};

scribed::testing::TempDir* ModelValidation::tmp_ = nullptr;
fs::path ModelValidation::dir_;

TEST_F(ModelValidation, TheValidPairLoads) {
  EXPECT_EQ(LoadError(dir_ / "model.gguf", dir_ / "mmproj.gguf"), "(loaded)");
}

TEST_F(ModelValidation, AutoWeightMemoryKeepsASmallModelResidentWhereThePackedKernelsRun) {
  // The default is kAuto: a model this small fits in any machine's free
  // memory, so only the CPU decides.
  auto m = Model::Load(dir_ / "model.gguf", dir_ / "mmproj.gguf");
  EXPECT_EQ(m->info().weights, kernels::PackedKernelsFast() ? "resident" : "mapped");
  EXPECT_EQ(m->info().backend, "cpu");
}

TEST(WeightMemory, ParsesTheThreeChoicesAndNamesThemOnAnError) {
  EXPECT_EQ(ParseWeightMemory("auto"), WeightMemory::kAuto);
  EXPECT_EQ(ParseWeightMemory("mapped"), WeightMemory::kMapped);
  EXPECT_EQ(ParseWeightMemory("resident"), WeightMemory::kResident);
  try {
    ParseWeightMemory("mmap");
    ADD_FAILURE() << "mmap was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("auto, mapped or resident"), std::string::npos) << e.what();
  }
}

TEST_F(ModelValidation, ResidentWeightsGiveTheSameLogitsAsMappedOnes) {
  LoadOptions mapped, resident;
  mapped.weights = WeightMemory::kMapped;
  resident.weights = WeightMemory::kResident;
  auto a = Model::Load(dir_ / "model.gguf", dir_ / "mmproj.gguf", mapped);
  auto b = Model::Load(dir_ / "model.gguf", dir_ / "mmproj.gguf", resident);
  EXPECT_EQ(a->info().weights, "mapped");
  EXPECT_EQ(b->info().weights, "resident");
  Session sa(a), sb(b);
  const auto prompt = Prompt().Bos().Text("<|turn>user\nHello world<turn|>\n");
  sa.Append(prompt);
  sb.Append(prompt);
  ASSERT_EQ(sa.logits().size(), sb.logits().size());
  EXPECT_TRUE(std::equal(sa.logits().begin(), sa.logits().end(), sb.logits().begin()));
}

TEST_F(ModelValidation, OtherArchitectureIsNamed) {
  const auto bad = Rewrite(dir_ / "model.gguf", "gemma3.gguf", [](gguf::Writer& w, std::string_view k) {
    if (k != "general.architecture") return false;
    w.SetString("general.architecture", "gemma3");
    return true;
  });
  EXPECT_EQ(LoadError(bad), "gemma3.gguf: this is a gemma3 model; scribed needs Gemma 4 12B "
                            "Unified (architecture gemma4)");
}

TEST_F(ModelValidation, MisShapedTensorIsNamedWithBothShapes) {
  const auto bad = Rewrite(
      dir_ / "model.gguf", "shape.gguf", [](gguf::Writer&, std::string_view) { return false; },
      [](gguf::Writer& w, const gguf::TensorInfo& t) {
        if (t.name != "blk.1.attn_q.weight") return false;
        w.AddTensor(t.name, t.type, {64, 64}, [](std::span<std::byte>) {});
        return true;
      });
  EXPECT_EQ(LoadError(bad),
            "shape.gguf: tensor blk.1.attn_q.weight has shape [64, 64], expected [64, 128]");
}

TEST_F(ModelValidation, MissingTensorIsNamed) {
  const auto bad = Rewrite(
      dir_ / "model.gguf", "missing.gguf", [](gguf::Writer&, std::string_view) { return false; },
      [](gguf::Writer&, const gguf::TensorInfo& t) { return t.name == "blk.0.ffn_up.weight"; });
  EXPECT_EQ(LoadError(bad), "missing.gguf: tensor blk.0.ffn_up.weight is missing");
}

TEST_F(ModelValidation, ProjectorWithoutGemma4AudioIsRejected) {
  const auto bad = Rewrite(dir_ / "mmproj.gguf", "whisper-mmproj.gguf",
                           [](gguf::Writer& w, std::string_view k) {
                             if (k != "clip.audio.projector_type") return false;
                             w.SetString("clip.audio.projector_type", "whisper");
                             return true;
                           });
  EXPECT_EQ(LoadError(dir_ / "model.gguf", bad),
            "whisper-mmproj.gguf: mmproj has no gemma4ua audio projector (audio projector: "
            "whisper); scribed needs the mmproj of Gemma 4 12B Unified");
}

TEST_F(ModelValidation, MismatchedPairIsRejected) {
  EXPECT_EQ(LoadError(dir_ / "model.gguf", dir_ / "other-mmproj.gguf"),
            "other-mmproj.gguf: the audio projector outputs 96 values but the text model's "
            "embeddings have 64; the two files are not from the same model");
}

TEST_F(ModelValidation, TextModelGivenAsProjectorIsRejected) {
  EXPECT_EQ(LoadError(dir_ / "model.gguf", dir_ / "model.gguf"),
            "model.gguf: this is a gemma4 file, not a multimodal projector (mmproj, architecture "
            "clip)");
}

TEST_F(ModelValidation, AudioWithoutProjectorIsAnArgumentError) {
  auto model = Model::Load(dir_ / "model.gguf");
  Session session(model);
  EXPECT_THROW(session.Append(Prompt().Bos().Audio(std::vector<float>(640))), std::invalid_argument);
  EXPECT_THROW(session.Append(Prompt().Tokens({-5})), std::invalid_argument);
  EXPECT_THROW(session.Append(Prompt().Tokens({262144})), std::invalid_argument);
}

}  // namespace
}  // namespace scribed::engine
