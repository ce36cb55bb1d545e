#include "bench/kernel_bench.h"
#include "bench/measure.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/kernels/matmul.h"
#include "engine/kernels/packed_weights.h"
#include "engine/runtime/thread_pool.h"
#include "engine/tensor/quantize.h"

namespace scribed::bench {
namespace {

using engine::TensorType;
using engine::ThreadPool;

// Gemma 4 12B text decoder: hidden 3840, FFN 15360.
constexpr int64_t kHidden = 3840;
constexpr int64_t kFfn = 15360;

uint64_t Next(uint64_t& s) {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

// Random codes with sane scales: the speed of a kernel does not depend on the
// values, but NaNs or denormals in scale fields could.
void FillWeights(TensorType type, uint8_t* p, size_t bytes, ThreadPool& pool) {
  constexpr int64_t kChunk = 1 << 20;
  const int64_t chunks = static_cast<int64_t>((bytes + kChunk - 1) / kChunk);
  pool.ParallelFor(chunks, [&](int64_t c, int) {
    uint64_t s = 0x9E3779B97F4A7C15ull ^ static_cast<uint64_t>(c + 1) * 0xBF58476D1CE4E5B9ull;
    const size_t begin = static_cast<size_t>(c * kChunk);
    const size_t end = std::min(bytes, begin + kChunk);
    for (size_t i = begin; i + 8 <= end; i += 8) {
      const uint64_t v = Next(s);
      std::memcpy(p + i, &v, 8);
    }
  });
  const uint16_t small_half = engine::F32ToF16(0.002f);
  auto set_halves = [&](size_t block, std::initializer_list<size_t> offsets) {
    for (size_t b = 0; b + block <= bytes; b += block) {
      for (size_t off : offsets) std::memcpy(p + b + off, &small_half, 2);
    }
  };
  switch (type) {
    case TensorType::kQ8_0:
      set_halves(sizeof(engine::BlockQ8_0), {0});
      break;
    case TensorType::kQ4_0:
      set_halves(sizeof(engine::BlockQ4_0), {0});
      break;
    case TensorType::kQ5_0:
      set_halves(sizeof(engine::BlockQ5_0), {0});
      break;
    case TensorType::kQ4_1:
      set_halves(sizeof(engine::BlockQ4_1), {0, 2});
      break;
    case TensorType::kQ5_1:
      set_halves(sizeof(engine::BlockQ5_1), {0, 2});
      break;
    case TensorType::kQ2_K:
      set_halves(sizeof(engine::BlockQ2_K), {80, 82});
      break;
    case TensorType::kQ3_K:
      set_halves(sizeof(engine::BlockQ3_K), {108});
      break;
    case TensorType::kQ4_K:
      set_halves(sizeof(engine::BlockQ4_K), {0, 2});
      break;
    case TensorType::kQ5_K:
      set_halves(sizeof(engine::BlockQ5_K), {0, 2});
      break;
    case TensorType::kQ6_K:
      set_halves(sizeof(engine::BlockQ6_K), {208});
      break;
    case TensorType::kF16:
    case TensorType::kF32:
      for (size_t i = 0; i + 4 <= bytes; i += 4) {
        const float v = static_cast<float>(static_cast<int>(p[i] % 201) - 100) / 1000.0f;
        if (type == TensorType::kF32) {
          std::memcpy(p + i, &v, 4);
        } else {
          const uint16_t h = engine::F32ToF16(v);
          std::memcpy(p + i, &h, 2);
          std::memcpy(p + i + 2, &h, 2);
        }
      }
      break;
    case TensorType::kBF16:
      for (size_t i = 0; i + 2 <= bytes; i += 2) {
        uint16_t v;
        std::memcpy(&v, p + i, 2);
        v = static_cast<uint16_t>((v & 0x807F) | 0x3C00);  // +-[2^-7, 2^-6)
        std::memcpy(p + i, &v, 2);
      }
      break;
    default:
      break;
  }
}

struct FfnResult {
  double matvec_gbps = 0;
  double matmul_gflops = 0;
};

// The three FFN matrices of one layer (gate, up: 15360x3840; down:
// 3840x15360), together far larger than any cache.
FfnResult BenchFfn(TensorType type, ThreadPool& pool, const KernelBenchOptions& opt) {
  struct Shape {
    int64_t rows, cols;
  };
  const Shape shapes[] = {{kFfn, kHidden}, {kFfn, kHidden}, {kHidden, kFfn}};
  std::vector<std::unique_ptr<Buffer>> weights;
  std::vector<engine::kernels::Matrix> mats;
  uint64_t total_bytes = 0;
  for (const auto& s : shapes) {
    const uint64_t bytes = *engine::RowBytes(type, s.cols) * static_cast<uint64_t>(s.rows);
    weights.push_back(std::make_unique<Buffer>(bytes, pool));
    auto* data = reinterpret_cast<std::byte*>(weights.back()->data.get());
    FillWeights(type, weights.back()->data.get(), bytes, pool);
    const bool packed = opt.packed && engine::kernels::Packable(type, s.rows, s.cols);
    if (packed) engine::kernels::PackInPlace(type, data, s.rows, s.cols);
    mats.push_back({type, data, s.rows, s.cols, packed});
    total_bytes += bytes;
  }
  const int64_t ntok = opt.prefill_tokens;
  std::vector<float> x(static_cast<size_t>(kFfn * ntok)), y(static_cast<size_t>(kFfn * ntok));
  uint64_t s = 12345;
  for (auto& v : x) v = static_cast<float>(static_cast<int64_t>(Next(s) % 2001) - 1000) / 1000.0f;

  auto pass = [&](int64_t tokens) {
    for (const auto& m : mats) engine::kernels::MatMul(m, x.data(), tokens, y.data(), pool);
  };
  FfnResult r;
  pass(1);  // warm-up
  const double matvec_s = MedianSeconds(5, opt.seconds_per_case, [&] { pass(1); });
  r.matvec_gbps = static_cast<double>(total_bytes) / matvec_s / 1e9;

  double flops = 0;
  for (const auto& m : mats) flops += 2.0 * static_cast<double>(m.rows * m.cols * ntok);
  const double matmul_s = MedianSeconds(3, opt.seconds_per_case, [&] { pass(ntok); });
  r.matmul_gflops = flops / matmul_s / 1e9;
  return r;
}

}  // namespace

void RunKernelBench(const KernelBenchOptions& options, std::FILE* out) {
  std::vector<TensorType> types = {TensorType::kQ4_K, TensorType::kQ8_0, TensorType::kQ6_K,
                                   TensorType::kBF16};
  if (!options.types.empty()) {
    types.clear();
    for (const auto& name : options.types) {
      bool found = false;
      for (uint32_t id = 0; id < 64 && !found; ++id) {
        const auto t = engine::FindTensorType(id);
        if (t && t->name == name && engine::CanQuantize(t->type) && t->type != TensorType::kQ8_K) {
          types.push_back(t->type);
          found = true;
        }
      }
      if (!found) throw std::invalid_argument("bench kernels: unknown weight type '" + name + "'");
    }
  }
  ThreadPool pool(options.threads);
  std::fprintf(out, "threads=%d shapes: FFN gate+up %lldx%lld, down %lldx%lld; prefill %d tokens\n",
               pool.size(), static_cast<long long>(kFfn), static_cast<long long>(kHidden),
               static_cast<long long>(kHidden), static_cast<long long>(kFfn),
               options.prefill_tokens);
  // Copy bandwidth is measured again next to each type so that both sides of
  // a ratio see the same machine load.
  CopyBandwidth copy(pool);
  std::fprintf(out, "memcpy 1 GiB: %.2f GB/s (read + write)\n",
               copy.Measure(options.seconds_per_case));
  std::fflush(out);

  std::vector<std::string> summary;
  std::fprintf(out, "%-6s %12s %10s %8s %16s\n", "type", "matvec GB/s", "copy GB/s", "ratio",
               "matmul GFLOP/s");
  for (TensorType type : types) {
    const double copy_gbps = copy.Measure(options.seconds_per_case);
    const FfnResult r = BenchFfn(type, pool, options);
    const double ratio = r.matvec_gbps / copy_gbps;
    std::fprintf(out, "%-6s %12.2f %10.2f %8.3f %16.1f\n", std::string(engine::Name(type)).c_str(),
                 r.matvec_gbps, copy_gbps, ratio, r.matmul_gflops);
    std::fflush(out);
    char line[160];
    std::snprintf(line, sizeof(line), "kernel=matvec type=%s gbps=%.2f copy_gbps=%.2f ratio=%.3f",
                  std::string(engine::Name(type)).c_str(), r.matvec_gbps, copy_gbps, ratio);
    summary.emplace_back(line);
  }
  for (const auto& l : summary) std::fprintf(out, "%s\n", l.c_str());
  std::fflush(out);
}

}  // namespace scribed::bench
