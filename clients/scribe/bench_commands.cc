// `scribe bench ...`: performance measurements of the engine on this machine.
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "bench/kernel_bench.h"
#include "bench/model_bench.h"
#include "clients/scribe/commands.h"
#include "clients/scribe/exit_codes.h"
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
  model->add_flag("--resident", model_opts->resident,
                  "read the weights into memory instead of mapping the file");
  model->callback([model_opts, paths] {
    SetExitCode(RunReportingErrors([&] {
      const config::ModelFiles files = ResolveModelFiles(*paths);
      model_opts->model = files.model.string();
      model_opts->mmproj = files.mmproj.string();
      model_opts->backend = paths->backend;
      model_opts->gpu_device = paths->gpu_device;
      bench::RunModelBench(*model_opts, stdout);
      return kExitOk;
    }));
  });
}

}  // namespace scribed::cli
