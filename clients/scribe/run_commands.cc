// `scribe generate` (try the model) and `scribe debug logits` (compare the
// engine with a reference implementation; its JSON output is a contract).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "clients/scribe/commands.h"
#include "clients/scribe/exit_codes.h"
#include "clients/scribe/model_loading.h"
#include "scribed/base/json.h"
#include "scribed/engine/prompt_text.h"

namespace scribed::cli {
namespace {

using nlohmann::json;

// Raw prompt text with the media marker replaced by `audio` (when given).
engine::Prompt RawPrompt(const std::string& raw, const std::vector<float>* audio) {
  engine::Prompt prompt;
  prompt.Bos();
  const auto media = raw.find(engine::kMediaMarker);
  if (media == std::string::npos) {
    if (audio != nullptr) {
      throw std::invalid_argument("--audio given but the prompt has no <__media__> marker");
    }
    return prompt.Text(raw);
  }
  if (audio == nullptr) throw std::invalid_argument("the prompt has <__media__> but no --audio was given");
  prompt.Text(raw.substr(0, media));
  prompt.Audio(*audio);
  return prompt.Text(raw.substr(media + engine::kMediaMarker.size()));
}

json StepJson(std::span<const float> logits) {
  std::vector<int32_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  // Largest first, ties to the lowest id (so [0] is the argmax).
  std::partial_sort(order.begin(), order.begin() + 10, order.end(), [&](int32_t a, int32_t b) {
    return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
  });
  json top10 = json::array();
  for (int i = 0; i < 10; ++i) top10.push_back({order[i], logits[order[i]]});
  json first16 = json::array();
  for (size_t i = 0; i < 16 && i < logits.size(); ++i) first16.push_back(logits[i]);
  return {{"argmax", order[0]}, {"top10", top10}, {"first16", first16}};
}

struct LogitsOptions {
  ModelPaths paths;
  std::string audio;
  std::string prompt;
  int steps = 8;
  int threads = 0;
};

int RunLogits(const LogitsOptions& o) try {
  auto model = LoadModel(o.paths);
  std::vector<float> audio;
  if (!o.audio.empty()) audio = LoadAudio(o.audio);
  engine::SessionOptions session_options;
  session_options.threads = o.threads;
  engine::Session session(model, session_options);
  const auto prompt = RawPrompt(o.prompt, o.audio.empty() ? nullptr : &audio);
  json out;
  out["prompt_tokens"] = session.Append(prompt);
  json steps = json::array();
  steps.push_back(StepJson(session.logits()));
  for (int k = 0; k < o.steps; ++k) {
    const int32_t next = steps.back()["argmax"];
    session.AppendToken(next);
    steps.push_back(StepJson(session.logits()));
  }
  out["steps"] = steps;
  std::printf("%s\n", out.dump().c_str());
  return 0;
} catch (const std::exception& e) {
  return ReportError(e);
}

struct GenerateOptions {
  ModelPaths paths;
  std::string audio;
  std::string instruction;
  int threads = 0;
  int max_tokens = 256;
  float temperature = 0.0f;
  uint64_t seed = 0;
};

int RunGenerate(const GenerateOptions& o) try {
  auto model = LoadModel(o.paths);
  engine::PromptSpec spec;
  spec.instruction = o.instruction;
  std::vector<float> audio;
  if (!o.audio.empty()) {
    audio = LoadAudio(o.audio);
    spec.audio = engine::AudioPlacement::kAfterText;
  }
  engine::SessionOptions session_options;
  session_options.threads = o.threads;
  session_options.n_ctx = std::min<int64_t>(
      model->info().context_length,
      256 + engine::Model::AudioFrames(static_cast<int64_t>(audio.size())) + o.max_tokens);
  engine::Session session(model, session_options);
  session.Append(RawPrompt(engine::RenderPrompt(spec), o.audio.empty() ? nullptr : &audio));
  engine::GenerateParams params;
  params.max_tokens = o.max_tokens;
  params.sampling.temperature = o.temperature;
  params.sampling.seed = o.seed;
  params.on_token = [](int32_t, std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return true;
  };
  session.Generate(params);
  std::printf("\n");
  return 0;
} catch (const std::exception& e) {
  return ReportError(e);
}

}  // namespace

void AddRunCommands(CLI::App& app) {
  auto g = std::make_shared<GenerateOptions>();
  CLI::App* generate = app.add_subcommand(
      "generate", "Run the model on an instruction, optionally with an audio file, and print its answer");
  AddModelOptions(*generate, g->paths);
  generate->add_option("--audio", g->audio, "audio file (any supported format; resampled to 16 kHz mono)");
  generate->add_option("instruction", g->instruction, "what to ask, e.g. \"Transcribe this audio.\"")
      ->required();
  generate->add_option("--threads", g->threads, "worker threads (default: physical cores)");
  generate->add_option("--max-tokens", g->max_tokens, "most tokens to generate")->check(CLI::PositiveNumber);
  generate->add_option("--temperature", g->temperature, "0 for greedy decoding (default)")
      ->check(CLI::NonNegativeNumber);
  generate->add_option("--seed", g->seed, "random seed for sampling");
  generate->callback([g] { SetExitCode(RunGenerate(*g)); });

  CLI::App& debug = CommandGroup(app, "debug", "Developer tools");
  auto l = std::make_shared<LogitsOptions>();
  CLI::App* logits = debug.add_subcommand(
      "logits", "Print prompt token ids and raw logits after the prefill and N greedy steps, as JSON");
  AddModelOptions(*logits, l->paths);
  logits->add_option("--audio", l->audio, "audio that replaces <__media__> in the prompt");
  logits->add_option("--prompt", l->prompt,
                     "raw prompt text (BOS is prepended; special tokens are parsed)")
      ->required();
  logits->add_option("--steps", l->steps, "greedy steps after the prefill")->check(CLI::NonNegativeNumber);
  logits->add_option("--threads", l->threads, "worker threads (default: physical cores)");
  logits->callback([l] { SetExitCode(RunLogits(*l)); });
}

}  // namespace scribed::cli
