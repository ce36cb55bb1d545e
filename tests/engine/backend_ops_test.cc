// Every op of the Vulkan backend against the CPU backend on random inputs,
// over shapes with ragged tails, batches and cache-ring wrap-around. Runs on
// any Vulkan device, lavapipe included; skips where there is none.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "engine/backends/backend.h"
#include "engine/backends/cpu/cpu_backend.h"
#include "engine/backends/select.h"
#include "engine/tensor/quantize.h"
#include "scribed/engine/engine.h"

namespace scribed::engine::backend {
namespace {

std::vector<float> Random(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Max |a - b| / (1 + |b|) over all elements.
float MaxRelDiff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]) / (1.0f + std::abs(b[i])));
  return m;
}

// A random matrix in `type`, as the bytes a GGUF would hold.
struct TestMatrix {
  std::vector<std::byte> bytes;
  kernels::Matrix m;
};

TestMatrix MakeMatrix(TensorType type, int64_t rows, int64_t cols, uint32_t seed) {
  TestMatrix t;
  const uint64_t row_bytes = *RowBytes(type, cols);
  t.bytes.resize(row_bytes * rows);
  const std::vector<float> src = Random(static_cast<size_t>(rows * cols), seed, 0.5f);
  for (int64_t r = 0; r < rows; ++r) {
    QuantizeRow(type, src.data() + r * cols, t.bytes.data() + r * row_bytes, cols);
  }
  t.m = kernels::Matrix{type, t.bytes.data(), rows, cols};
  return t;
}

model::ModelConfig TinyConfig(int n_kv_head, int head_dim, int window) {
  model::ModelConfig c;
  c.n_layer = 2;
  c.n_embd = 64;
  c.n_head = 4;
  c.window = window;
  c.n_vocab = 64;
  for (int l = 0; l < 2; ++l) {
    model::LayerConfig lc;
    lc.sliding = l == 0;
    lc.n_kv_head = n_kv_head;
    lc.head_dim = head_dim;
    lc.n_rot = l == 0 ? head_dim : head_dim / 4;
    lc.n_ff = 96;
    c.layers.push_back(lc);
  }
  return c;
}

class BackendOpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (ListGpus().empty()) {
      GTEST_SKIP() << "no Vulkan device on this machine (apt-get install mesa-vulkan-drivers "
                      "provides lavapipe)";
    }
    cpu_ = NewCpuBackend();
    gpu_ = CreateBackend(BackendChoice::kVulkan, "", 0);
    cpu_ctx_ = cpu_->NewContext(2);
    gpu_ctx_ = gpu_->NewContext(0);
  }

  // The same values in a buffer of each backend.
  struct Pair {
    std::unique_ptr<Buffer> cpu, gpu;
  };
  Pair Both(const std::vector<float>& v) {
    Pair p{cpu_ctx_->NewBuffer(static_cast<int64_t>(v.size())),
           gpu_ctx_->NewBuffer(static_cast<int64_t>(v.size()))};
    cpu_ctx_->Write(*p.cpu, 0, v);
    gpu_ctx_->Write(*p.gpu, 0, v);
    return p;
  }
  static std::vector<float> ReadAll(Context& ctx, const Buffer& b) {
    std::vector<float> v(static_cast<size_t>(b.size()));
    ctx.Read(b, 0, v);
    return v;
  }
  // Max relative difference between the two backends' copies of `p`.
  float Diff(const Pair& p) { return MaxRelDiff(ReadAll(*gpu_ctx_, *p.gpu), ReadAll(*cpu_ctx_, *p.cpu)); }

  std::unique_ptr<Backend> cpu_, gpu_;
  std::unique_ptr<Context> cpu_ctx_, gpu_ctx_;
};

TEST_F(BackendOpsTest, MatMulEveryTypeAndRaggedShapes) {
  struct Case {
    TensorType type;
    int64_t rows, cols, n;
    float tolerance;  // CPU quantizes activations to int8 for the quantized types
  };
  const Case cases[] = {
      {TensorType::kF32, 1, 1, 1, 1e-5f},      {TensorType::kF32, 67, 33, 3, 1e-5f},
      {TensorType::kF32, 130, 200, 13, 1e-5f}, {TensorType::kF16, 70, 66, 9, 1e-5f},
      {TensorType::kBF16, 33, 130, 2, 1e-5f},  {TensorType::kQ8_0, 65, 96, 10, 2e-2f},
      {TensorType::kQ4_0, 31, 64, 1, 2e-2f},   {TensorType::kQ4_K, 17, 512, 11, 2e-2f},
      {TensorType::kQ5_K, 9, 256, 1, 2e-2f},   {TensorType::kQ6_K, 40, 768, 17, 2e-2f},
  };
  uint32_t seed = 1;
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(Name(c.type)) + " " + std::to_string(c.rows) + "x" +
                 std::to_string(c.cols) + " n=" + std::to_string(c.n));
    const TestMatrix m = MakeMatrix(c.type, c.rows, c.cols, seed++);
    const auto wc = cpu_->Upload(m.m);
    const auto wg = gpu_->Upload(m.m);
    const std::vector<float> xs = Random(static_cast<size_t>(c.n * c.cols), seed++);
    Pair x = Both(xs);
    Pair y = Both(std::vector<float>(static_cast<size_t>(c.n * c.rows), 0.0f));
    cpu_ctx_->MatMul(*wc, *x.cpu, c.n, *y.cpu);
    gpu_ctx_->MatMul(*wg, *x.gpu, c.n, *y.gpu);
    const std::vector<float> got = ReadAll(*gpu_ctx_, *y.gpu);
    // Against the exact product of the dequantized weights (what the shader computes) ...
    std::vector<float> row(static_cast<size_t>(c.cols)), exact(got.size());
    for (int64_t r = 0; r < c.rows; ++r) {
      DequantizeRow(c.type, m.bytes.data() + *RowBytes(c.type, c.cols) * r, row.data(), c.cols);
      for (int64_t t = 0; t < c.n; ++t) {
        double s = 0;
        for (int64_t k = 0; k < c.cols; ++k) s += double{row[k]} * xs[t * c.cols + k];
        exact[t * c.rows + r] = static_cast<float>(s);
      }
    }
    EXPECT_LT(MaxRelDiff(got, exact), 1e-4f);
    // ... and the CPU backend's result.
    const float scale = std::sqrt(static_cast<float>(c.cols));
    std::vector<float> cpu = ReadAll(*cpu_ctx_, *y.cpu), g = got;
    for (float& v : cpu) v /= scale;
    for (float& v : g) v /= scale;
    EXPECT_LT(MaxRelDiff(g, cpu), c.tolerance);
  }
}

TEST_F(BackendOpsTest, MatrixLargerThanOneBufferIsSplitByRows) {
  // lavapipe binds at most 128 MiB; 150 MiB of F32 rows spans two buffers.
  const int64_t rows = 150 * 1024, cols = 256;
  const TestMatrix m = MakeMatrix(TensorType::kF32, rows, cols, 7);
  const auto wc = cpu_->Upload(m.m);
  const auto wg = gpu_->Upload(m.m);
  Pair x = Both(Random(cols, 8));
  Pair y = Both(std::vector<float>(rows, 0.0f));
  cpu_ctx_->MatMul(*wc, *x.cpu, 1, *y.cpu);
  gpu_ctx_->MatMul(*wg, *x.gpu, 1, *y.gpu);
  EXPECT_LT(Diff(y), 1e-5f);

  // Embedding rows from both parts.
  const std::vector<InputRow> ids = {{0, nullptr}, {static_cast<int32_t>(rows - 1), nullptr},
                                     {static_cast<int32_t>(rows / 2 + 3), nullptr}};
  Pair e = Both(std::vector<float>(3 * cols, 0.0f));
  cpu_ctx_->Embed(ids, *wc, 2.0f, *e.cpu);
  gpu_ctx_->Embed(ids, *wg, 2.0f, *e.gpu);
  EXPECT_EQ(ReadAll(*gpu_ctx_, *e.gpu), ReadAll(*cpu_ctx_, *e.cpu));
}

TEST_F(BackendOpsTest, EmbedTokensAndHostRowsEveryType) {
  const int64_t d = 96;
  const std::vector<float> host = Random(2 * d, 11);
  const std::vector<InputRow> rows = {{5, nullptr}, {-1, host.data()}, {0, nullptr}, {-1, host.data() + d}, {9, nullptr}};
  for (TensorType type : {TensorType::kF32, TensorType::kF16, TensorType::kBF16, TensorType::kQ8_0,
                          TensorType::kQ4_0}) {
    SCOPED_TRACE(Name(type));
    const TestMatrix m = MakeMatrix(type, 10, d, 12);
    const auto wc = cpu_->Upload(m.m);
    const auto wg = gpu_->Upload(m.m);
    Pair x = Both(std::vector<float>(rows.size() * d, 0.0f));
    cpu_ctx_->Embed(rows, *wc, 3.5f, *x.cpu);
    gpu_ctx_->Embed(rows, *wg, 3.5f, *x.gpu);
    EXPECT_LT(Diff(x), 1e-6f);
  }
  for (TensorType type : {TensorType::kQ4_K, TensorType::kQ5_K, TensorType::kQ6_K}) {
    SCOPED_TRACE(Name(type));
    const TestMatrix m = MakeMatrix(type, 10, 256, 13);
    const auto wc = cpu_->Upload(m.m);
    const auto wg = gpu_->Upload(m.m);
    const std::vector<InputRow> ids = {{3, nullptr}, {9, nullptr}, {0, nullptr}};
    Pair x = Both(std::vector<float>(3 * 256, 0.0f));
    cpu_ctx_->Embed(ids, *wc, 1.0f, *x.cpu);
    gpu_ctx_->Embed(ids, *wg, 1.0f, *x.gpu);
    EXPECT_LT(Diff(x), 1e-6f);
  }
}

TEST_F(BackendOpsTest, RowOps) {
  for (int64_t d : {1, 7, 64, 65, 300}) {
    for (int64_t n : {1, 5}) {
      SCOPED_TRACE("d=" + std::to_string(d) + " n=" + std::to_string(n));
      const std::vector<float> xs = Random(static_cast<size_t>((n + 2) * d), 21);
      Pair x = Both(xs);
      Pair w = Both(Random(static_cast<size_t>(d), 22));
      Pair out = Both(std::vector<float>(static_cast<size_t>(n * d), 0.0f));
      cpu_ctx_->RmsNorm(*x.cpu, 2, n, d, w.cpu.get(), 1e-6f, *out.cpu);
      gpu_ctx_->RmsNorm(*x.gpu, 2, n, d, w.gpu.get(), 1e-6f, *out.gpu);
      EXPECT_LT(Diff(out), 1e-5f);
      cpu_ctx_->RmsNorm(*x.cpu, 0, n, d, nullptr, 1e-6f, *x.cpu);  // in place, no weight
      gpu_ctx_->RmsNorm(*x.gpu, 0, n, d, nullptr, 1e-6f, *x.gpu);
      EXPECT_LT(Diff(x), 1e-5f);

      Pair a = Both(Random(static_cast<size_t>(n * d), 23));
      Pair r = Both(Random(static_cast<size_t>(n * d), 24));
      cpu_ctx_->AddNormed(*a.cpu, *w.cpu, n, d, 1e-6f, 0.75f, *r.cpu);
      gpu_ctx_->AddNormed(*a.gpu, *w.gpu, n, d, 1e-6f, 0.75f, *r.gpu);
      EXPECT_LT(Diff(a), 1e-5f);
      EXPECT_LT(Diff(r), 1e-5f);

      Pair g = Both(Random(static_cast<size_t>(n * d), 25, 3.0f));
      Pair u = Both(Random(static_cast<size_t>(n * d), 26));
      cpu_ctx_->GeluMul(*g.cpu, *u.cpu, n, d);
      gpu_ctx_->GeluMul(*g.gpu, *u.gpu, n, d);
      EXPECT_LT(Diff(g), 1e-5f);

      Pair s = Both(Random(static_cast<size_t>(n * d), 27, 40.0f));
      cpu_ctx_->Softcap(*s.cpu, n * d, 30.0f);
      gpu_ctx_->Softcap(*s.gpu, n * d, 30.0f);
      EXPECT_LT(Diff(s), 1e-5f);
    }
  }
}

// QkNormRopeStore then Attention over several batches, so the sliding ring
// wraps; both cache types; with and without a V projection and rope divisors.
TEST_F(BackendOpsTest, QkNormRopeStoreAndAttention) {
  for (KvType kv : {KvType::kF32, KvType::kF16}) {
    for (int head_dim : {8, 64, 512}) {
      const int n_kv_head = head_dim == 512 ? 1 : 2, window = 6;
      SCOPED_TRACE("hd=" + std::to_string(head_dim) + (kv == KvType::kF16 ? " f16" : " f32"));
      const model::ModelConfig c = TinyConfig(n_kv_head, head_dim, window);
      const int64_t n_ctx = 40, max_batch = 7;
      auto cache_c = cpu_ctx_->NewKvStore(c, n_ctx, max_batch, kv);
      auto cache_g = gpu_ctx_->NewKvStore(c, n_ctx, max_batch, kv);
      Pair qn = Both(Random(head_dim, 31)), kn = Both(Random(head_dim, 32));
      Pair freqs = Both([&] {
        std::vector<float> f(head_dim / 8);
        for (size_t i = 0; i < f.size(); ++i) f[i] = 1.0f + static_cast<float>(i);
        return f;
      }());
      uint32_t seed = 40;
      int64_t pos = 0;
      for (int64_t n : {7, 1, 5, 7, 1, 3}) {
        for (int l = 0; l < 2; ++l) {
          const AttentionShape s{l, c.n_head, n_kv_head, head_dim, c.layers[l].sliding ? window : 0};
          const Rope rope{c.layers[l].n_rot, l == 0 ? 10000.0f : 1e6f, l == 0 ? nullptr : freqs.cpu.get()};
          const Rope rope_g{rope.n_rot, rope.base, l == 0 ? nullptr : freqs.gpu.get()};
          Pair q = Both(Random(static_cast<size_t>(n * c.n_head * head_dim), seed++));
          Pair k = Both(Random(static_cast<size_t>(n * n_kv_head * head_dim), seed++));
          Pair v = Both(Random(static_cast<size_t>(n * n_kv_head * head_dim), seed++));
          const bool has_v = l == 0;
          cpu_ctx_->QkNormRopeStore(s, n, pos, *q.cpu, *k.cpu, has_v ? v.cpu.get() : nullptr,
                                    *qn.cpu, *kn.cpu, 1e-6f, rope, *cache_c);
          gpu_ctx_->QkNormRopeStore(s, n, pos, *q.gpu, *k.gpu, has_v ? v.gpu.get() : nullptr,
                                    *qn.gpu, *kn.gpu, 1e-6f, rope_g, *cache_g);
          EXPECT_LT(Diff(q), 2e-5f) << "q at " << pos;
          EXPECT_LT(Diff(k), 2e-5f) << "k at " << pos;
          Pair out = Both(std::vector<float>(static_cast<size_t>(n * c.n_head * head_dim), 0.0f));
          cpu_ctx_->Attention(s, n, pos, *q.cpu, *cache_c, *out.cpu);
          gpu_ctx_->Attention(s, n, pos, *q.gpu, *cache_g, *out.gpu);
          EXPECT_LT(Diff(out), kv == KvType::kF16 ? 2e-3f : 5e-5f) << "attention at " << pos;
        }
        pos += n;
      }
    }
  }
}

TEST_F(BackendOpsTest, ShapeErrorsAreCaughtBeforeTheDevice) {
  auto small = gpu_ctx_->NewBuffer(4);
  auto big = gpu_ctx_->NewBuffer(64);
  const TestMatrix m = MakeMatrix(TensorType::kF32, 8, 8, 1);
  const auto w = gpu_->Upload(m.m);
  EXPECT_THROW(gpu_ctx_->MatMul(*w, *small, 1, *big), std::logic_error);
  EXPECT_THROW(gpu_ctx_->RmsNorm(*big, 7, 2, 8, nullptr, 1e-6f, *big), std::logic_error);
  std::vector<float> out(65);
  EXPECT_THROW(gpu_ctx_->Read(*big, 0, out), std::logic_error);
}

// The bandwidth `bench model` divides by: the device's own memory on a GPU;
// the CPU backend leaves it to the caller (host memory). A figure, not a
// speed check.
TEST_F(BackendOpsTest, MemoryBandwidthProbeGivesAFigureForTheDevice) {
  const std::optional<double> bytes_per_second = gpu_->MeasureMemoryBandwidth();
  ASSERT_TRUE(bytes_per_second.has_value());
  EXPECT_TRUE(std::isfinite(*bytes_per_second)) << *bytes_per_second;
  EXPECT_GT(*bytes_per_second, 0);
  EXPECT_FALSE(cpu_->MeasureMemoryBandwidth().has_value());
}

TEST(BackendSelectionTest, ChoicesAndErrors) {
  EXPECT_EQ(ParseBackendChoice("cpu"), BackendChoice::kCpu);
  EXPECT_EQ(ParseBackendChoice("vulkan"), BackendChoice::kVulkan);
  EXPECT_EQ(ParseBackendChoice("auto"), BackendChoice::kAuto);
  EXPECT_THROW(ParseBackendChoice("cuda"), std::invalid_argument);
  EXPECT_EQ(CreateBackend(BackendChoice::kCpu, "", 0)->name(), "cpu");
  // auto never picks a CPU implementation of Vulkan such as lavapipe.
  bool real_gpu = false;
  for (const GpuInfo& g : ListGpus()) real_gpu |= g.kind != "cpu";
  if (!real_gpu) {
    EXPECT_EQ(CreateBackend(BackendChoice::kAuto, "", 0)->name(), "cpu");
  }
  if (!ListGpus().empty()) {
    EXPECT_THROW(CreateBackend(BackendChoice::kVulkan, "no such device", 0), ModelError);
    EXPECT_THROW(CreateBackend(BackendChoice::kVulkan, "", uint64_t{1} << 60), ModelError);
    EXPECT_NE(CreateBackend(BackendChoice::kVulkan, "0", 0)->name().find("vulkan"), std::string::npos);
  }
}

}  // namespace
}  // namespace scribed::engine::backend
