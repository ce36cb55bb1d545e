// `scribe bench ...`: performance measurements of the engine on this machine.
#include <cstdio>
#include <memory>

#include "bench/kernel_bench.h"
#include "clients/scribe/commands.h"

namespace scribed::cli {

void AddBenchCommands(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "Measure engine performance on this machine");
  bench->require_subcommand(1);

  auto opts = std::make_shared<bench::KernelBenchOptions>();
  auto* kernels = bench->add_subcommand(
      "kernels", "Matrix kernel throughput at 12B shapes vs memory copy bandwidth");
  kernels->add_option("--threads", opts->threads, "Threads (default: physical cores)")
      ->check(CLI::Range(0, 1024));
  kernels->add_option("--seconds", opts->seconds_per_case, "Minimum seconds per measurement")
      ->check(CLI::Range(0.0, 600.0));
  kernels->add_option("--type", opts->types, "Weight types to run (default: Q4_K Q8_0 Q6_K BF16)");
  kernels->callback([opts] {
    bench::RunKernelBench(*opts, stdout);
    SetExitCode(0);
  });
}

}  // namespace scribed::cli
