// `scribe bench ...`: performance measurements of the engine on this machine.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "bench/kernel_bench.h"
#include "bench/model_bench.h"
#include "clients/scribe/commands.h"
#include "clients/scribe/exit_codes.h"
#include "clients/scribe/live_bench.h"
#include "clients/scribe/model_loading.h"

namespace scribed::cli {

void AddBenchCommands(CLI::App& app) {
  auto* bench = &CommandGroup(app, "bench", "Measure engine performance on this machine");

  auto opts = std::make_shared<bench::KernelBenchOptions>();
  auto* kernels = bench->add_subcommand(
      "kernels", "Matrix kernel throughput at 12B shapes vs memory copy bandwidth");
  kernels->add_option("--threads", opts->threads, "Threads (default: physical cores)")
      ->check(CLI::Range(0, 1024));
  kernels->add_option("--seconds", opts->seconds_per_case, "Minimum seconds per measurement")
      ->check(CLI::Range(0.0, 600.0));
  kernels->add_option("--type", opts->types, "Weight types to run (default: Q4_K Q8_0 Q6_K BF16)");
  kernels->add_option("--tokens", opts->prefill_tokens, "Tokens of the matmul (prefill) case")
      ->check(CLI::Range(1, 4096));
  kernels->add_flag("--packed", opts->packed,
                    "weights in the row-interleaved layout resident models use");
  kernels->callback([opts] {
    SetExitCode(RunReportingErrors([&] {
      bench::RunKernelBench(*opts, stdout);
      return kExitOk;
    }));
  });

  auto model_opts = std::make_shared<bench::ModelBenchOptions>();
  auto paths = std::make_shared<ModelPaths>();
  auto* model = bench->add_subcommand(
      "model", "Prefill and decode tokens/s of a model vs the memory-bandwidth roofline");
  AddModelOptions(*model, *paths);
  model->add_option("--threads", model_opts->threads, "Threads (default: physical cores)")
      ->check(CLI::Range(0, 1024));
  model->add_option("--prompt-tokens", model_opts->prompt_tokens, "Prefill length")
      ->check(CLI::Range(1, 8192));
  model->add_option("--decode-tokens", model_opts->decode_tokens, "Decode steps to time")
      ->check(CLI::Range(1, 4096));
  model->callback([model_opts, paths] {
    SetExitCode(RunReportingErrors([&] {
      const config::ModelFiles files = ResolveModelFiles(*paths);
      model_opts->model = files.model.string();
      model_opts->mmproj = files.mmproj.string();
      model_opts->load = BackendLoadOptions(*paths);
      bench::RunModelBench(*model_opts, stdout);
      return kExitOk;
    }));
  });

  auto live_opts = std::make_shared<LiveBenchOptions>();
  auto live_paths = std::make_shared<ModelPaths>();
  auto live_threads = std::make_shared<int>(0);
  auto* live = bench->add_subcommand(
      "live", "Replay a recording through the live path in real time: latency and keeping up");
  AddModelOptions(*live, *live_paths);
  live->add_option("--audio", live_opts->audio, "recording to replay")->required();
  live->add_option("--speed", live_opts->speed, "replay speed (2: twice as fast as spoken)")
      ->check(CLI::Range(0.01, 1000.0));
  live->add_option("--chunk-ms", live_opts->chunk_ms, "capture period")->check(CLI::Range(1, 1000));
  live->add_option("--queue-s", live_opts->queue_s, "bound of the live queue (capture_queue_s)")
      ->check(CLI::Range(0.1, 3600.0));
  live->add_flag("!--no-streaming", live_opts->stream_prefill,
                 "read each utterance when it ends instead of while it is spoken");
  live->add_option("--partial-ms", live_opts->partial_every_ms,
                   "a partial after every this much new speech (0: none)")
      ->check(CLI::Range(0, 60000));
  live->add_option("--threads", *live_threads, "Threads (default: physical cores)")
      ->check(CLI::Range(0, 1024));
  live->callback([live_opts, live_paths, live_threads] {
    SetExitCode(RunReportingErrors([&] {
      pipeline::PipelineOptions options;
      options.mode = pipeline::FormatMode::kVerbatim;
      options.threads = *live_threads;
      RunLiveBench(LoadModel(*live_paths), options, *live_opts, stdout);
      return kExitOk;
    }));
  });
}

}  // namespace scribed::cli
