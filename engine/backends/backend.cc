#include "engine/backends/backend.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace scribed::engine::backend {
namespace {

// Shape violations are engine bugs, not user errors: they name the op.
void Require(bool ok, const char* op, const char* what) {
  if (!ok) throw std::logic_error(std::string("backend ") + op + ": " + what);
}

bool Fits(const Buffer& b, int64_t values) { return values >= 0 && values <= b.size(); }

}  // namespace

KvStore::KvStore(const model::ModelConfig& c, int64_t n_ctx, int64_t max_batch, KvType type)
    : geometry_(c, n_ctx, max_batch), type_(type) {}

bool KvStore::CanRewind(int64_t written, int64_t n) const noexcept {
  return geometry_.CanRewind(written, n);
}

uint64_t KvStore::bytes() const noexcept {
  return geometry_.values() * (type_ == KvType::kF32 ? sizeof(float) : sizeof(uint16_t));
}

void Context::Write(Buffer& dst, int64_t offset, std::span<const float> src) {
  Require(offset >= 0 && Fits(dst, offset + static_cast<int64_t>(src.size())), "Write",
          "range outside the buffer");
  if (!src.empty()) DoWrite(dst, offset, src);
}

void Context::Read(const Buffer& src, int64_t offset, std::span<float> dst) {
  Require(offset >= 0 && Fits(src, offset + static_cast<int64_t>(dst.size())), "Read",
          "range outside the buffer");
  DoRead(src, offset, dst);
}

void Context::Embed(std::span<const InputRow> rows, const Weight& table, float token_scale,
                    Buffer& x) {
  Require(Fits(x, static_cast<int64_t>(rows.size()) * table.cols()), "Embed", "x too small");
  for (const InputRow& r : rows) {
    Require(r.embedding != nullptr || (r.token >= 0 && r.token < table.rows()), "Embed",
            "token outside the table");
  }
  if (!rows.empty()) DoEmbed(rows, table, token_scale, x);
}

void Context::MatMul(const Weight& w, const Buffer& x, int64_t n, Buffer& y) {
  Require(n >= 0 && Fits(x, n * w.cols()) && Fits(y, n * w.rows()), "MatMul",
          "activations smaller than n rows of the matrix's shape");
  if (n > 0) DoMatMul(w, x, n, y);
}

void Context::RmsNorm(const Buffer& x, int64_t first, int64_t n, int64_t d, const Buffer* weight,
                      float eps, Buffer& out) {
  Require(first >= 0 && n >= 0 && d > 0 && Fits(x, (first + n) * d) && Fits(out, n * d),
          "RmsNorm", "rows outside the buffers");
  Require(weight == nullptr || Fits(*weight, d), "RmsNorm", "weight shorter than a row");
  Require(&x != &out || first == 0, "RmsNorm", "in place needs first == 0");
  if (n > 0) DoRmsNorm(x, first, n, d, weight, eps, out);
}

void Context::QkNormRopeStore(const AttentionShape& s, int64_t n, int64_t pos0, Buffer& q,
                              Buffer& k, Buffer* v, const Buffer& q_norm, const Buffer& k_norm,
                              float eps, const Rope& rope, KvStore& cache) {
  const int64_t q_dim = int64_t{s.n_head} * s.head_dim, kv_dim = int64_t{s.n_kv_head} * s.head_dim;
  Require(s.layer >= 0 && s.layer < cache.layers() && cache.row_size(s.layer) == kv_dim,
          "QkNormRopeStore", "layer geometry differs from the cache");
  Require(n >= 0 && pos0 >= 0 && pos0 + n <= cache.n_ctx() && n <= cache.capacity(s.layer),
          "QkNormRopeStore", "positions outside the cache");
  Require(Fits(q, n * q_dim) && Fits(k, n * kv_dim) && (v == nullptr || Fits(*v, n * kv_dim)),
          "QkNormRopeStore", "activations too small");
  Require(Fits(q_norm, s.head_dim) && Fits(k_norm, s.head_dim), "QkNormRopeStore",
          "norm weights shorter than a head");
  Require(rope.n_rot >= 0 && rope.n_rot <= s.head_dim && rope.n_rot % 2 == 0 &&
              (rope.freq_divisors == nullptr || Fits(*rope.freq_divisors, rope.n_rot / 2)),
          "QkNormRopeStore", "bad rotary dimensions");
  if (n > 0) DoQkNormRopeStore(s, n, pos0, q, k, v, q_norm, k_norm, eps, rope, cache);
}

void Context::Attention(const AttentionShape& s, int64_t n, int64_t pos0, const Buffer& q,
                        const KvStore& cache, Buffer& out) {
  const int64_t q_dim = int64_t{s.n_head} * s.head_dim;
  Require(s.n_kv_head > 0 && s.n_head % s.n_kv_head == 0, "Attention",
          "heads not a multiple of kv heads");
  Require(s.layer >= 0 && s.layer < cache.layers() &&
              cache.row_size(s.layer) == int64_t{s.n_kv_head} * s.head_dim,
          "Attention", "layer geometry differs from the cache");
  Require(n >= 0 && pos0 >= 0 && pos0 + n <= cache.n_ctx(), "Attention",
          "positions outside the cache");
  Require(Fits(q, n * q_dim) && Fits(out, n * q_dim), "Attention", "activations too small");
  if (n > 0) DoAttention(s, n, pos0, q, cache, out);
}

void Context::GeluMul(Buffer& gate, const Buffer& up, int64_t n, int64_t d) {
  Require(n >= 0 && d > 0 && Fits(gate, n * d) && Fits(up, n * d), "GeluMul",
          "rows outside the buffers");
  if (n > 0) DoGeluMul(gate, up, n, d);
}

void Context::AddNormed(Buffer& a, const Buffer& weight, int64_t n, int64_t d, float eps,
                        float scale, Buffer& x) {
  Require(n >= 0 && d > 0 && Fits(a, n * d) && Fits(x, n * d) && Fits(weight, d), "AddNormed",
          "rows outside the buffers");
  if (n > 0) DoAddNormed(a, weight, n, d, eps, scale, x);
}

void Context::Softcap(Buffer& x, int64_t count, float cap) {
  Require(Fits(x, count) && cap > 0, "Softcap", "count outside the buffer or cap <= 0");
  if (count > 0) DoSoftcap(x, count, cap);
}

}  // namespace scribed::engine::backend
