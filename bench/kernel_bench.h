// Kernel throughput benchmark behind `scribe bench kernels`: matvec/matmul at
// Gemma 4 12B shapes for the common weight types, measured against this
// machine's memory copy bandwidth.
//
// Thread-compatible. Allocates about 2.5 GiB while running.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace scribed::bench {

struct KernelBenchOptions {
  int threads = 0;  // < 1: DefaultThreadCount()
  double seconds_per_case = 1.0;
  int prefill_tokens = 64;
  bool packed = false;  // row-interleaved layout (packed_weights.h) where the type has one
  std::vector<std::string> types;  // empty: Q4_K, Q8_0, Q6_K, BF16
};

// Runs every case, printing progress and a table to `out`; the output ends
// with one line per weight type benchmarked:
//   kernel=matvec type=Q4_K gbps=<weights GB/s> copy_gbps=<copy GB/s> ratio=<gbps/copy_gbps>
// Throws std::invalid_argument for an unknown type name, std::bad_alloc if the
// buffers cannot be allocated.
void RunKernelBench(const KernelBenchOptions& options, std::FILE* out);

}  // namespace scribed::bench
