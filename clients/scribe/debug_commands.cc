// `scribe debug ...`: developer tools.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>

#include "clients/scribe/commands.h"
#include "clients/scribe/exit_codes.h"
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

int RunMakeModel(const MakeModelOptions& o) {
  std::ifstream in(o.config);
  if (!in) {
    std::fprintf(stderr, "scribe: cannot read %s\n", o.config.c_str());
    return 2;
  }
  std::stringstream text;
  text << in.rdbuf();
  const auto recipe = engine::testgen::ParseQuantRecipe(o.type);
  if (!recipe) {
    std::fprintf(stderr, "scribe: unknown tensor type %s (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, "
                         "Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K or the mix Q4_K_M)\n", o.type.c_str());
    return 2;
  }
  const int status = RunReportingErrors([&] {
    engine::testgen::TestModelConfig config;
    try {
      config = engine::testgen::TestModelConfigFromJson(text.str());
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(o.config + ": " + e.what());
    }
    // A 12B-shape model takes minutes: one line per 5% (rewritten in place on
    // a terminal), on stderr so that stdout stays the result.
    const bool tty = ::isatty(STDERR_FILENO) != 0;
    int shown = -1;
    auto progress = [&](uint64_t done, uint64_t total) {
      const int percent = total > 0 ? static_cast<int>(done * 100 / total) : 100;
      if (percent / 5 == shown / 5 && percent != 100) return;
      shown = percent;
      std::fprintf(stderr, "%swriting %s: %3d%% (%.2f of %.2f GB)%s", tty ? "\r" : "",
                   o.model_out.c_str(), percent, static_cast<double>(done) / 1e9,
                   static_cast<double>(total) / 1e9, tty && percent < 100 ? "" : "\n");
      std::fflush(stderr);
    };
    engine::testgen::WriteTestModel(config, o.vocab, o.model_out, o.mmproj_out, *recipe,
                                    progress);
    return kExitOk;
  });
  if (status != kExitOk) return status;
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
  make->add_option("--type", o->type, "matrix type: F32, F16, BF16, Q8_0, Q4_0, ..., Q6_K, or the mix Q4_K_M")
      ->capture_default_str();
  make->callback([o] { SetExitCode(RunMakeModel(*o)); });
}

}  // namespace scribed::cli
