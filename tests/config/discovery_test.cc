// Model discovery on stores laid out by the test: an Ollama store with real
// manifest JSON and blob files, LM Studio folders and a config file.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "scribed/base/json.h"
#include "scribed/config/model_discovery.h"
#include "tests/support/temp_dir.h"

namespace scribed::config {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

class Discovery : public ::testing::Test {
 protected:

  // A manifest in Ollama's format; `hexes` are the layers' digests.
  void OllamaTag(const fs::path& root, const std::string& tag, const std::string& model_hex,
                 const std::string& projector_hex, bool write_blobs = true) {
    nlohmann::json m = {
        {"schemaVersion", 2},
        {"mediaType", "application/vnd.docker.distribution.manifest.v2+json"},
        {"config", {{"mediaType", "application/vnd.docker.container.image.v1+json"},
                    {"digest", "sha256:" + std::string(64, 'c')}, {"size", 490}}},
        {"layers", nlohmann::json::array()}};
    auto layer = [](const std::string& type, const std::string& hex) {
      return nlohmann::json{{"mediaType", type}, {"digest", "sha256:" + hex}, {"size", 5}};
    };
    m["layers"].push_back(layer("application/vnd.ollama.image.model", model_hex));
    if (!projector_hex.empty()) {
      m["layers"].push_back(layer("application/vnd.ollama.image.projector", projector_hex));
    }
    m["layers"].push_back(layer("application/vnd.ollama.image.template", std::string(64, 't')));
    Write(root / "manifests/registry.ollama.ai/library/gemma4" / tag, m.dump());
    if (write_blobs) {
      Write(root / "blobs" / ("sha256-" + model_hex), "GGUF model");
      if (!projector_hex.empty()) Write(root / "blobs" / ("sha256-" + projector_hex), "GGUF proj");
    }
  }

  SearchPlaces Empty() const {
    SearchPlaces p;
    p.config_file = dir_ / "no-config.toml";
    return p;
  }

  scribed::testing::TempDir tmp_{"discovery"};
  const fs::path dir_ = tmp_.path();
};

TEST_F(Discovery, OllamaManifestGivesModelAndProjectorBlobs) {
  const fs::path root = dir_ / "ollama";
  const std::string m(64, '1'), p(64, '2');
  OllamaTag(root, "12b", m, p);
  auto found = FindInOllama(root);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->model, root / "blobs" / ("sha256-" + m));
  EXPECT_EQ(found->mmproj, root / "blobs" / ("sha256-" + p));
  EXPECT_NE(found->source.find("gemma4:12b"), std::string::npos);
}

TEST_F(Discovery, OllamaPrefers12bTagsAndSkipsIncompleteOnes) {
  const fs::path root = dir_ / "ollama";
  OllamaTag(root, "a-latest", std::string(64, '3'), std::string(64, '4'));
  OllamaTag(root, "12b-it-qat", std::string(64, '5'), "");                          // no projector
  OllamaTag(root, "12b", std::string(64, '6'), std::string(64, '7'), false);        // blobs missing
  OllamaTag(root, "12b-q8", std::string(64, '8'), std::string(64, '9'));
  Write(root / "manifests/registry.ollama.ai/library/gemma4/12b-broken", "{not json");
  auto found = FindInOllama(root);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->model.filename(), "sha256-" + std::string(64, '8'));
}

TEST_F(Discovery, OllamaWithoutGemma4IsNothing) {
  EXPECT_FALSE(FindInOllama(dir_ / "missing"));
  Write(dir_ / "o/manifests/registry.ollama.ai/library/llama3/latest", "{}");
  EXPECT_FALSE(FindInOllama(dir_ / "o"));
}

TEST_F(Discovery, LmStudioNeedsAProjectorBesideTheModel) {
  const fs::path root = dir_ / "lms";
  Write(root / "lmstudio-community/gemma-4-12b-it-GGUF/gemma-4-12b-it-Q4_K_M.gguf", "m");
  EXPECT_FALSE(FindInLmStudio(root));  // no mmproj yet
  Write(root / "other/gemma-4-4b-it/gemma-4-4b-it-Q4_K_M.gguf", "small model");
  Write(root / "other/gemma-4-4b-it/mmproj-model-f16.gguf", "p");
  EXPECT_FALSE(FindInLmStudio(root));  // not the 12B
  Write(root / "lmstudio-community/gemma-4-12b-it-GGUF/mmproj-gemma-4-12b-it-F16.gguf", "p");
  auto found = FindInLmStudio(root);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->model.filename(), "gemma-4-12b-it-Q4_K_M.gguf");
  EXPECT_EQ(found->mmproj.filename(), "mmproj-gemma-4-12b-it-F16.gguf");
}

TEST_F(Discovery, OrderIsEnvironmentConfigOllamaLmStudio) {
  SearchPlaces p = Empty();
  const fs::path ollama = dir_ / "ollama", lms = dir_ / "lms";
  p.ollama_roots = {dir_ / "empty-ollama", ollama};
  p.lmstudio_roots = {lms};
  Write(lms / "x/gemma-4-12B-it-Q8_0.gguf", "m");
  Write(lms / "x/mmproj-F16.gguf", "p");
  auto r = DiscoverModel(p);
  ASSERT_TRUE(r.found);
  EXPECT_EQ(r.found->model.filename(), "gemma-4-12B-it-Q8_0.gguf");

  OllamaTag(ollama, "12b", std::string(64, 'a'), std::string(64, 'b'));
  r = DiscoverModel(p);
  ASSERT_TRUE(r.found);
  EXPECT_EQ(r.found->model.parent_path(), ollama / "blobs");

  p.config_file = dir_ / "config.toml";
  Write(p.config_file, "# scribed\nmodel = \"/models/g.gguf\"\nmmproj = \"/models/p.gguf\"\n");
  r = DiscoverModel(p);
  ASSERT_TRUE(r.found);
  EXPECT_EQ(r.found->model, "/models/g.gguf");
  EXPECT_EQ(r.found->mmproj, "/models/p.gguf");

  p.env_model = "/env/m.gguf";
  r = DiscoverModel(p);
  ASSERT_TRUE(r.found);
  EXPECT_EQ(r.found->model, "/env/m.gguf");
  EXPECT_EQ(r.found->source, "SCRIBE_MODEL");
}

TEST_F(Discovery, BadConfigNamesTheFile) {
  SearchPlaces p = Empty();
  p.config_file = dir_ / "config.toml";
  Write(p.config_file, "model = [1, 2]\n");
  try {
    DiscoverModel(p);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("config.toml"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("model"), std::string::npos) << e.what();
  }
  Write(p.config_file, "model = \"unterminated\n");
  EXPECT_THROW(DiscoverModel(p), std::invalid_argument);
}

TEST_F(Discovery, NothingFoundListsEveryPlace) {
  SearchPlaces p = Empty();
  p.ollama_roots = {dir_ / "o1", dir_ / "o2"};
  p.lmstudio_roots = {dir_ / "l1"};
  const auto r = DiscoverModel(p);
  EXPECT_FALSE(r.found);
  EXPECT_EQ(r.searched.size(), 5u);  // env, config, two Ollama stores, LM Studio
  const std::string msg = NoModelMessage(r);
  for (const char* where : {"SCRIBE_MODEL", "no-config.toml", "o1", "o2", "l1", "ollama pull"}) {
    EXPECT_NE(msg.find(where), std::string::npos) << where;
  }
}

}  // namespace
}  // namespace scribed::config
