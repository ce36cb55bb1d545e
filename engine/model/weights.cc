#include "engine/model/weights.h"

#include <cstring>
#include <string>

#include "engine/kernels/packed_matmul.h"
#include "engine/model/tensor_names.h"
#include "scribed/engine/errors.h"

namespace scribed::engine::model {
namespace {

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

[[noreturn]] void Fail(const gguf::File& f, const std::string& what) {
  throw ModelError(f.path().filename().string() + ": " + what);
}

const gguf::TensorInfo& Require(const gguf::File& f, std::string_view name,
                                const std::vector<int64_t>& shape) {
  const gguf::TensorInfo* t = f.FindTensor(name);
  if (t == nullptr) Fail(f, "tensor " + std::string(name) + " is missing");
  std::vector<int64_t> actual = t->shape;
  while (actual.size() > shape.size() && actual.back() == 1) actual.pop_back();
  if (actual != shape) {
    Fail(f, "tensor " + std::string(name) + " has shape " + ShapeString(t->shape) + ", expected " +
                ShapeString(shape));
  }
  return *t;
}

// 1-D float vector: a view when stored as F32, else converted into `owned`.
std::span<const float> Vector(const gguf::File& f, std::string_view name, int64_t n,
                              ModelWeights& w) {
  const gguf::TensorInfo& t = Require(f, name, {n});
  if (t.type == TensorType::kF32) {
    return {reinterpret_cast<const float*>(t.data), static_cast<size_t>(n)};
  }
  if (t.type != TensorType::kF16 && t.type != TensorType::kBF16) {
    Fail(f, "tensor " + std::string(name) + " is " + std::string(Name(t.type)) +
                "; 1-D tensors must be F32, F16 or BF16");
  }
  auto& out = w.owned.emplace_back(static_cast<size_t>(n));
  kernels::DequantizeRow({t.type, t.data, 1, n}, 0, out.data());
  return out;
}

}  // namespace

kernels::Matrix BindMatrix(const gguf::File& f, std::string_view name, int64_t cols,
                           int64_t rows) {
  const gguf::TensorInfo& t = Require(f, name, {cols, rows});
  if (t.type == TensorType::kQ8_1 || t.type == TensorType::kQ8_K) {
    Fail(f, "tensor " + std::string(name) + " has type " + std::string(Name(t.type)) +
                ", which is not a weight format");
  }
  return {t.type, t.data, rows, cols};
}

uint64_t ModelWeights::MatrixBytes() const {
  auto bytes = [](const kernels::Matrix& m) -> uint64_t {
    return m.data == nullptr ? 0 : *RowBytes(m.type, m.cols) * static_cast<uint64_t>(m.rows);
  };
  uint64_t total = bytes(token_embd);
  if (output.data != token_embd.data) total += bytes(output);
  for (const auto& l : layers) {
    total += bytes(l.q) + bytes(l.k) + bytes(l.v) + bytes(l.o) + bytes(l.gate) + bytes(l.up) +
             bytes(l.down);
  }
  return total;
}

void PackMatrices(ModelWeights& w, ThreadPool& pool) {
  std::vector<kernels::Matrix*> all = {&w.token_embd, &w.output};
  for (auto& l : w.layers) {
    for (auto* m : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down}) all.push_back(m);
  }
  kernels::PackMatricesInPlace(all, pool);
}

ModelWeights BindWeights(const gguf::File& f, const ModelConfig& c) {
  ModelWeights w;
  w.token_embd = BindMatrix(f, kTokenEmbd, c.n_embd, c.n_vocab);
  w.output = f.FindTensor(kOutput) ? BindMatrix(f, kOutput, c.n_embd, c.n_vocab) : w.token_embd;
  w.output_norm = Vector(f, kOutputNorm, c.n_embd, w);

  int n_rot_full = 0;
  for (const auto& l : c.layers) {
    if (!l.sliding) n_rot_full = l.n_rot;
  }
  if (n_rot_full > 0) {
    if (f.FindTensor(kRopeFreqs) != nullptr) {
      auto freqs = Vector(f, kRopeFreqs, n_rot_full / 2, w);
      w.rope_freqs.assign(freqs.begin(), freqs.end());
    } else {
      w.rope_freqs.assign(n_rot_full / 2, 1.0f);
    }
  }

  for (int i = 0; i < c.n_layer; ++i) {
    const LayerConfig& lc = c.layers[i];
    const int64_t q_dim = c.q_dim(i), kv_dim = c.kv_dim(i);
    auto name = [i](std::string_view suffix) { return LayerTensor(i, suffix); };
    LayerWeights l;
    l.attn_norm = Vector(f, name(kAttnNorm), c.n_embd, w);
    l.q = BindMatrix(f, name(kAttnQ), c.n_embd, q_dim);
    l.k = BindMatrix(f, name(kAttnK), c.n_embd, kv_dim);
    l.v = lc.has_v ? BindMatrix(f, name(kAttnV), c.n_embd, kv_dim) : kernels::Matrix{};
    l.o = BindMatrix(f, name(kAttnOutput), q_dim, c.n_embd);
    l.q_norm = Vector(f, name(kAttnQNorm), lc.head_dim, w);
    l.k_norm = Vector(f, name(kAttnKNorm), lc.head_dim, w);
    l.post_attn_norm = Vector(f, name(kPostAttnNorm), c.n_embd, w);
    l.ffn_norm = Vector(f, name(kFfnNorm), c.n_embd, w);
    l.gate = BindMatrix(f, name(kFfnGate), c.n_embd, lc.n_ff);
    l.up = BindMatrix(f, name(kFfnUp), c.n_embd, lc.n_ff);
    l.down = BindMatrix(f, name(kFfnDown), lc.n_ff, c.n_embd);
    l.post_ffw_norm = Vector(f, name(kPostFfwNorm), c.n_embd, w);
    if (f.FindTensor(name(kLayerOutputScale)) != nullptr) {
      l.output_scale = Vector(f, name(kLayerOutputScale), 1, w)[0];
    }
    w.layers.push_back(l);
  }
  return w;
}

}  // namespace scribed::engine::model
