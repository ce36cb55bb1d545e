#include "engine/backends/cpu/cpu_backend.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "engine/kernels/ops.h"
#include "engine/model/kv_cache.h"
#include "engine/model/rope.h"
#include "engine/runtime/thread_pool.h"

namespace scribed::engine::backend {
namespace {

class CpuBuffer final : public Buffer {
 public:
  explicit CpuBuffer(int64_t size) : Buffer(size), data_(static_cast<size_t>(size)) {}
  CpuBuffer(std::span<const float> v) : Buffer(static_cast<int64_t>(v.size())), data_(v.begin(), v.end()) {}
  float* data() noexcept { return data_.data(); }
  const float* data() const noexcept { return data_.data(); }

 private:
  std::vector<float> data_;
};

class CpuWeight final : public Weight {
 public:
  explicit CpuWeight(const kernels::Matrix& m) : Weight(m), matrix_(m) {}
  const kernels::Matrix& matrix() const noexcept { return matrix_; }

 private:
  kernels::Matrix matrix_;  // a view into the model's mapping
};

class CpuKvStore final : public KvStore {
 public:
  CpuKvStore(const model::ModelConfig& c, int64_t n_ctx, int64_t max_batch, KvType type)
      : KvStore(c, n_ctx, max_batch, type),
        cache_(c, n_ctx, max_batch, type == KvType::kF16 ? model::KvType::kF16 : model::KvType::kF32) {}
  model::KvCache& cache() noexcept { return cache_; }
  const model::KvCache& cache() const noexcept { return cache_; }

 private:
  model::KvCache cache_;
};

float* Data(Buffer& b) { return static_cast<CpuBuffer&>(b).data(); }
const float* Data(const Buffer& b) { return static_cast<const CpuBuffer&>(b).data(); }

class CpuContext final : public Context {
 public:
  explicit CpuContext(int threads) : pool_(threads) {}

  std::unique_ptr<Buffer> NewBuffer(int64_t size) override {
    return std::make_unique<CpuBuffer>(size);
  }
  std::unique_ptr<KvStore> NewKvStore(const model::ModelConfig& c, int64_t n_ctx,
                                      int64_t max_batch, KvType type) override {
    // Per-thread score rows of attention, as long as the longest context.
    if (scores_.size() != static_cast<size_t>(pool_.size()) ||
        (!scores_.empty() && scores_[0].size() < static_cast<size_t>(n_ctx))) {
      scores_.assign(pool_.size(), std::vector<float>(static_cast<size_t>(n_ctx)));
    }
    return std::make_unique<CpuKvStore>(c, n_ctx, max_batch, type);
  }

 protected:
  void DoWrite(Buffer& dst, int64_t offset, std::span<const float> src) override {
    std::memcpy(Data(dst) + offset, src.data(), src.size_bytes());
  }
  void DoRead(const Buffer& src, int64_t offset, std::span<float> dst) override {
    std::memcpy(dst.data(), Data(src) + offset, dst.size_bytes());
  }

  void DoEmbed(std::span<const InputRow> rows, const Weight& table, float token_scale,
               Buffer& xb) override {
    const kernels::Matrix& m = static_cast<const CpuWeight&>(table).matrix();
    const int64_t d = m.cols;
    float* x0 = Data(xb);
    pool_.ParallelFor(static_cast<int64_t>(rows.size()), [&](int64_t t, int) {
      float* x = x0 + t * d;
      if (rows[t].embedding != nullptr) {
        std::memcpy(x, rows[t].embedding, sizeof(float) * d);
      } else {
        kernels::DequantizeRow(m, rows[t].token, x);
        kernels::Scale(x, token_scale, d);
      }
    });
  }

  void DoMatMul(const Weight& w, const Buffer& x, int64_t n, Buffer& y) override {
    kernels::MatMul(static_cast<const CpuWeight&>(w).matrix(), Data(x), n, Data(y), pool_);
  }

  void DoRmsNorm(const Buffer& xb, int64_t first, int64_t n, int64_t d, const Buffer* weight,
                 float eps, Buffer& out) override {
    const float* x = Data(xb) + first * d;
    const float* w = weight != nullptr ? Data(*weight) : nullptr;
    float* o = Data(out);
    if (n == 1) {  // the final norm before the LM head: not worth a pool dispatch
      kernels::RmsNorm(x, w, d, eps, o);
      return;
    }
    pool_.ParallelFor(n, [&](int64_t t, int) { kernels::RmsNorm(x + t * d, w, d, eps, o + t * d); });
  }

  void DoQkNormRopeStore(const AttentionShape& s, int64_t n, int64_t pos0, Buffer& qb, Buffer& kb,
                         Buffer* vb, const Buffer& q_norm, const Buffer& k_norm, float eps,
                         const Rope& rope, KvStore& store) override {
    const int hd = s.head_dim;
    const int64_t q_dim = int64_t{s.n_head} * hd, kv_dim = int64_t{s.n_kv_head} * hd;
    const std::span<const float> freqs =
        rope.freq_divisors == nullptr
            ? std::span<const float>()
            : std::span<const float>(Data(*rope.freq_divisors), static_cast<size_t>(rope.n_rot / 2));
    model::KvCache& cache = static_cast<CpuKvStore&>(store).cache();
    // Without a V projection V is the raw K projection: it lands in k's
    // buffer's scratch twin below before k is normed in place.
    if (vb == nullptr && (v_scratch_.size() < static_cast<size_t>(n * kv_dim))) {
      v_scratch_.resize(static_cast<size_t>(n * kv_dim));
    }
    pool_.ParallelFor(n, [&](int64_t t, int) {
      const int64_t pos = pos0 + t;
      float* q = Data(qb) + t * q_dim;
      for (int h = 0; h < s.n_head; ++h) {
        kernels::RmsNorm(q + h * hd, Data(q_norm), hd, eps, q + h * hd);
      }
      model::ApplyRope(q, s.n_head, hd, rope.n_rot, pos, rope.base, freqs);
      float* k = Data(kb) + t * kv_dim;
      float* v = vb != nullptr ? Data(*vb) + t * kv_dim : v_scratch_.data() + t * kv_dim;
      if (vb == nullptr) std::copy(k, k + kv_dim, v);
      for (int h = 0; h < s.n_kv_head; ++h) {
        kernels::RmsNorm(v + h * hd, nullptr, hd, eps, v + h * hd);
        kernels::RmsNorm(k + h * hd, Data(k_norm), hd, eps, k + h * hd);
      }
      model::ApplyRope(k, s.n_kv_head, hd, rope.n_rot, pos, rope.base, freqs);
      cache.Store(s.layer, pos, k, v);
    });
  }

  void DoAttention(const AttentionShape& s, int64_t n, int64_t pos0, const Buffer& qb,
                   const KvStore& store, Buffer& out) override {
    const model::KvCache& cache = static_cast<const CpuKvStore&>(store).cache();
    const int hd = s.head_dim;
    const int64_t q_dim = int64_t{s.n_head} * hd;
    const int group = s.n_head / s.n_kv_head;
    // One task per (token, head): heads are independent and a decode step has
    // only n_head of them, so a coarser split would leave threads idle. Each
    // task sums scores and values in position order, so the result does not
    // depend on the thread count.
    pool_.ParallelFor(n * s.n_head, [&](int64_t task, int thread) {
      const int64_t t = task / s.n_head;
      const int h = static_cast<int>(task % s.n_head);
      const int kv_off = (h / group) * hd;
      const int64_t pos = pos0 + t;
      const int64_t first = s.window > 0 ? std::max<int64_t>(0, pos - s.window + 1) : 0;
      const int64_t count = pos - first + 1;
      const float* q = Data(qb) + t * q_dim + h * hd;
      float* scores = scores_[thread].data();
      for (int64_t i = 0; i < count; ++i) scores[i] = cache.DotK(s.layer, first + i, kv_off, q, hd);
      kernels::Softmax(scores, count);
      float* o = Data(out) + t * q_dim + h * hd;
      std::fill(o, o + hd, 0.0f);
      for (int64_t i = 0; i < count; ++i) cache.AxpyV(s.layer, first + i, kv_off, scores[i], o, hd);
    });
  }

  void DoGeluMul(Buffer& gate, const Buffer& up, int64_t n, int64_t d) override {
    pool_.ParallelFor(n, [&](int64_t t, int) {
      float* g = Data(gate) + t * d;
      kernels::GeluTanhMul(g, Data(up) + t * d, d, g);
    });
  }

  void DoAddNormed(Buffer& ab, const Buffer& weight, int64_t n, int64_t d, float eps, float scale,
                   Buffer& xb) override {
    pool_.ParallelFor(n, [&](int64_t t, int) {
      float* a = Data(ab) + t * d;
      float* x = Data(xb) + t * d;
      kernels::RmsNorm(a, Data(weight), d, eps, a);
      kernels::Add(x, a, x, d);
      // x * 1 == x exactly, so skipping it keeps results bit for bit.
      if (scale != 1.0f) kernels::Scale(x, scale, d);
    });
  }

  void DoSoftcap(Buffer& x, int64_t count, float cap) override {
    kernels::Softcap(Data(x), count, cap);
  }

 private:
  ThreadPool pool_;
  std::vector<std::vector<float>> scores_;  // [threads][n_ctx]
  std::vector<float> v_scratch_;            // V rows of layers without a V projection
};

class CpuBackend final : public Backend {
 public:
  std::string name() const override { return "cpu"; }
  std::unique_ptr<Weight> Upload(const kernels::Matrix& m) override {
    return std::make_unique<CpuWeight>(m);
  }
  std::unique_ptr<Buffer> Upload(std::span<const float> values) override {
    return std::make_unique<CpuBuffer>(values);
  }
  std::unique_ptr<Context> NewContext(int threads) override {
    return std::make_unique<CpuContext>(threads);
  }
};

}  // namespace

std::unique_ptr<Backend> NewCpuBackend() { return std::make_unique<CpuBackend>(); }

}  // namespace scribed::engine::backend
