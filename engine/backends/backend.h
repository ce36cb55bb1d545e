// The seam between the model's graph (model/decoder.cc) and the hardware that
// runs it. A Backend owns a device and the weights uploaded to it once at load;
// a Context is one session's stream of work on that device: its activation
// buffers, its KV cache and the ops, issued in graph order.
//
// The ops are at the granularity the model uses. Their public entry points
// check shapes once, here; the Do* overrides in backends/<name>/ only compute.
// A backend may queue ops and run them later (the Vulkan one records a whole
// forward pass into one command buffer): results are only observable through
// Context::Read, which waits for everything issued before it.
//
// Thread-safety: a Backend and its Weights are shared by all sessions
// (thread-safe after construction); a Context and its buffers are
// thread-compatible.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/kernels/matmul.h"
#include "engine/model/config.h"
#include "engine/model/kv_geometry.h"

namespace scribed::engine::backend {

// Floats in device memory.
class Buffer {
 public:
  explicit Buffer(int64_t size) : size_(size) {}
  virtual ~Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  int64_t size() const noexcept { return size_; }

 private:
  int64_t size_;
};

// A weight matrix (kernels::Matrix shape and type) resident on the device.
class Weight {
 public:
  explicit Weight(const kernels::Matrix& m) : type_(m.type), rows_(m.rows), cols_(m.cols) {}
  virtual ~Weight() = default;
  Weight(const Weight&) = delete;
  Weight& operator=(const Weight&) = delete;
  TensorType type() const noexcept { return type_; }
  int64_t rows() const noexcept { return rows_; }
  int64_t cols() const noexcept { return cols_; }

 private:
  TensorType type_;
  int64_t rows_, cols_;
};

enum class KvType { kF32, kF16 };

// Keys and values of past positions per layer. Full-attention layers keep
// every position; sliding-window layers keep a ring of the most recent ones,
// sized so a batch never overwrites a key one of its own queries still needs.
class KvStore {
 public:
  // n_ctx: most positions a session holds; max_batch: most positions one
  // forward pass appends.
  KvStore(const model::ModelConfig& config, int64_t n_ctx, int64_t max_batch, KvType type);
  virtual ~KvStore() = default;
  KvStore(const KvStore&) = delete;
  KvStore& operator=(const KvStore&) = delete;

  int64_t n_ctx() const noexcept { return geometry_.n_ctx; }
  KvType type() const noexcept { return type_; }
  int64_t capacity(int layer) const noexcept { return geometry_.capacity[layer]; }
  int64_t row_size(int layer) const noexcept { return geometry_.row_size[layer]; }
  int layers() const noexcept { return static_cast<int>(geometry_.capacity.size()); }

  // Whether a session that has written positions [0, written) can drop back to
  // `n` positions: every key a later query at >= n may need is still held.
  bool CanRewind(int64_t written, int64_t n) const noexcept;

  uint64_t bytes() const noexcept;

 private:
  model::KvGeometry geometry_;
  KvType type_;
};

// One input position: a token id, or an embedding row (audio) that enters the
// residual stream as is. `embedding` points to n_embd floats when set.
struct InputRow {
  int32_t token = -1;
  const float* embedding = nullptr;
};

// Rotary embedding of one layer (NeoX pairing, see model/rope.h).
struct Rope {
  int n_rot = 0;
  float base = 10000.0f;
  const Buffer* freq_divisors = nullptr;  // n_rot / 2 values, or null
};

// Geometry of one layer's attention.
struct AttentionShape {
  int layer = 0;
  int n_head = 0;
  int n_kv_head = 0;
  int head_dim = 0;
  int window = 0;  // sliding window in positions; 0: full attention
};

class Context {
 public:
  virtual ~Context() = default;

  virtual std::unique_ptr<Buffer> NewBuffer(int64_t size) = 0;
  virtual std::unique_ptr<KvStore> NewKvStore(const model::ModelConfig& config, int64_t n_ctx,
                                              int64_t max_batch, KvType type) = 0;

  // Host <-> device. Read waits for every op issued before it.
  void Write(Buffer& dst, int64_t offset, std::span<const float> src);
  void Read(const Buffer& src, int64_t offset, std::span<float> dst);

  // x[t] = rows[t].embedding, or table row rows[t].token * token_scale.
  // Token ids must be valid rows of `table`.
  void Embed(std::span<const InputRow> rows, const Weight& table, float token_scale, Buffer& x);

  // y[t] = W x[t] for t < n: x is [n, w.cols()], y is [n, w.rows()].
  void MatMul(const Weight& w, const Buffer& x, int64_t n, Buffer& y);

  // out[t] = RmsNorm(x[first + t]) * weight for t < n, rows of width d;
  // weight may be null (no scale). out may be x when first == 0.
  void RmsNorm(const Buffer& x, int64_t first, int64_t n, int64_t d, const Buffer* weight,
               float eps, Buffer& out);

  // Per position t < n at pos0 + t: q heads RMS-normed with q_norm and
  // rotated in place; k heads normed with k_norm and rotated; v heads (from
  // `v`, or the raw k projection when v is null) normed without weight; k and
  // v stored in the cache. q: [n, n_head * hd], k and v: [n, n_kv_head * hd].
  void QkNormRopeStore(const AttentionShape& s, int64_t n, int64_t pos0, Buffer& q, Buffer& k,
                       Buffer* v, const Buffer& q_norm, const Buffer& k_norm, float eps,
                       const Rope& rope, KvStore& cache);

  // out[t, head] = softmax(q . K) V over the cached positions a query at
  // pos0 + t sees (the last `window`, or all); no 1/sqrt(d) scale (Gemma 4
  // normalises q and k instead). q and out: [n, n_head * hd].
  void Attention(const AttentionShape& s, int64_t n, int64_t pos0, const Buffer& q,
                 const KvStore& cache, Buffer& out);

  // gate = gelu_tanh(gate) * up over n rows of width d.
  void GeluMul(Buffer& gate, const Buffer& up, int64_t n, int64_t d);

  // Per row t < n of width d: a = RmsNorm(a) * weight; x = (x + a) * scale.
  void AddNormed(Buffer& a, const Buffer& weight, int64_t n, int64_t d, float eps, float scale,
                 Buffer& x);

  // x[i] = cap * tanh(x[i] / cap) for i < count.
  void Softcap(Buffer& x, int64_t count, float cap);

 protected:
  virtual void DoWrite(Buffer& dst, int64_t offset, std::span<const float> src) = 0;
  virtual void DoRead(const Buffer& src, int64_t offset, std::span<float> dst) = 0;
  virtual void DoEmbed(std::span<const InputRow> rows, const Weight& table, float token_scale,
                       Buffer& x) = 0;
  virtual void DoMatMul(const Weight& w, const Buffer& x, int64_t n, Buffer& y) = 0;
  virtual void DoRmsNorm(const Buffer& x, int64_t first, int64_t n, int64_t d,
                         const Buffer* weight, float eps, Buffer& out) = 0;
  virtual void DoQkNormRopeStore(const AttentionShape& s, int64_t n, int64_t pos0, Buffer& q,
                                 Buffer& k, Buffer* v, const Buffer& q_norm, const Buffer& k_norm,
                                 float eps, const Rope& rope, KvStore& cache) = 0;
  virtual void DoAttention(const AttentionShape& s, int64_t n, int64_t pos0, const Buffer& q,
                           const KvStore& cache, Buffer& out) = 0;
  virtual void DoGeluMul(Buffer& gate, const Buffer& up, int64_t n, int64_t d) = 0;
  virtual void DoAddNormed(Buffer& a, const Buffer& weight, int64_t n, int64_t d, float eps,
                           float scale, Buffer& x) = 0;
  virtual void DoSoftcap(Buffer& x, int64_t count, float cap) = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // "cpu", or "vulkan" and the device name.
  virtual std::string name() const = 0;

  // Load time: copies to the device (or views in place, on the CPU). The
  // source must outlive the result on backends that view in place.
  virtual std::unique_ptr<Weight> Upload(const kernels::Matrix& m) = 0;
  virtual std::unique_ptr<Buffer> Upload(std::span<const float> values) = 0;

  // threads: CPU worker threads (0: one per physical core); ignored by GPUs.
  virtual std::unique_ptr<Context> NewContext(int threads) = 0;

  // Bytes per second (read + write) the device's own memory streams, which
  // bounds a decode step; nullopt where the weights live in host memory (the
  // CPU), whose bandwidth the caller measures. Takes a moment; throws
  // ModelError.
  virtual std::optional<double> MeasureMemoryBandwidth() const { return std::nullopt; }
};

}  // namespace scribed::engine::backend
