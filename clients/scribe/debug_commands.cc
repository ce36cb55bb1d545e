// `scribe debug ...`: developer tools.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>

#include "clients/scribe/commands.h"
#include "scribed/engine/gguf.h"
#include "scribed/engine/test_model.h"

namespace scribed::cli {
namespace {

struct MakeModelOptions {
  std::string config;
  std::string vocab;
  std::string model_out;
  std::string mmproj_out;
  std::string type = "F32";
};

std::optional<engine::TensorType> ParseTensorType(const std::string& name) {
  for (uint32_t id = 0; id < 64; ++id) {
    const auto t = engine::FindTensorType(id);
    if (t && t->name == name) return t->type;
  }
  return std::nullopt;
}

int RunMakeModel(const MakeModelOptions& o) {
  std::ifstream in(o.config);
  if (!in) {
    std::fprintf(stderr, "scribe: cannot read %s\n", o.config.c_str());
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  const auto type = ParseTensorType(o.type);
  if (!type) {
    std::fprintf(stderr, "scribe: unknown tensor type %s\n", o.type.c_str());
    return 2;
  }
  try {
    const auto config = engine::testgen::TestModelConfigFromJson(text.str());
    engine::testgen::WriteTestModel(config, o.vocab, o.model_out, o.mmproj_out, *type);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "scribe: %s: %s\n", o.config.c_str(), e.what());
    return 2;
  } catch (const engine::gguf::FormatError& e) {
    std::fprintf(stderr, "scribe: %s\n", e.what());
    return 2;
  } catch (const engine::gguf::KeyError& e) {
    std::fprintf(stderr, "scribe: %s\n", e.what());
    return 2;
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "scribe: %s\n", e.what());
    return 1;
  }
  std::printf("wrote %s and %s\n", o.model_out.c_str(), o.mmproj_out.c_str());
  return 0;
}

}  // namespace

void AddDebugCommands(CLI::App& app) {
  CLI::App* debug = &CommandGroup(app, "debug", "Developer tools");
  auto o = std::make_shared<MakeModelOptions>();
  CLI::App* make = debug->add_subcommand(
      "make-model", "Write a testgen-1 test model and its audio projector from a configuration");
  make->add_option(
          "--config", o->config,
          "JSON configuration: a bare config object or a golden case with a \"config\" field")
      ->required();
  make->add_option("--vocab", o->vocab, "tokenizer GGUF whose tokenizer.* keys are copied")
      ->required();
  make->add_option("-o,--output", o->model_out, "text model GGUF to write")->required();
  make->add_option("--mmproj", o->mmproj_out, "audio projector GGUF to write")->required();
  make->add_option("--type", o->type, "matrix tensor type (F32 only for now)")
      ->capture_default_str();
  make->callback([o] { SetExitCode(RunMakeModel(*o)); });
}

}  // namespace scribed::cli
