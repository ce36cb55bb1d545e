// Parsing and validation of testgen-1 configurations.
#include <limits>
#include <stdexcept>
#include <string>

#include "scribed/base/json.h"
#include "scribed/engine/test_model.h"

namespace scribed::engine::testgen {
namespace {

using nlohmann::json;

[[noreturn]] void Bad(const std::string& field, const std::string& why) {
  throw std::invalid_argument("test model config: field '" + field + "' " + why);
}

const json& Field(const json& o, const char* name) {
  auto it = o.find(name);
  if (it == o.end()) Bad(name, "missing");
  return *it;
}

int Int(const json& o, const char* name, int64_t lo, int64_t hi) {
  const json& v = Field(o, name);
  if (!v.is_number_integer()) Bad(name, "is not an integer");
  const auto x = v.get<int64_t>();
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(hi)) {
    Bad(name, "is out of range");
  }
  if (x < lo || x > hi) {
    Bad(name,
        "= " + std::to_string(x) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  return static_cast<int>(x);
}

float PositiveFloat(const json& o, const char* name) {
  const json& v = Field(o, name);
  if (!v.is_number()) Bad(name, "is not a number");
  const auto x = v.get<double>();
  if (!(x > 0) || x > std::numeric_limits<float>::max()) Bad(name, "must be a positive float");
  return static_cast<float>(x);
}

}  // namespace

bool IsFullAttentionLayer(const TestModelConfig& c, int i) noexcept {
  return (i + 1) % c.full_every == 0 || i == c.layers - 1;
}

TestModelConfig TestModelConfigFromJson(std::string_view text) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("test model config: invalid JSON: ") + e.what());
  }
  if (doc.is_object() && doc.contains("config")) doc = doc["config"];
  if (!doc.is_object()) throw std::invalid_argument("test model config: not a JSON object");

  constexpr int64_t kMaxDim = 65536;
  TestModelConfig c;
  const json& seed = Field(doc, "seed");
  if (!seed.is_number_unsigned()) Bad("seed", "is not a non-negative integer");
  c.seed = seed.get<uint64_t>();
  c.hidden = Int(doc, "hidden", 1, kMaxDim);
  c.layers = Int(doc, "layers", 1, 256);
  c.heads = Int(doc, "heads", 1, 1024);
  c.kv_heads_swa = Int(doc, "kv_heads_swa", 1, 1024);
  c.head_dim_swa = Int(doc, "head_dim_swa", 2, kMaxDim);
  c.kv_heads_full = Int(doc, "kv_heads_full", 1, 1024);
  c.head_dim_full = Int(doc, "head_dim_full", 2, kMaxDim);
  c.ffn = Int(doc, "ffn", 1, 16 * kMaxDim);
  c.window = Int(doc, "window", 1, 1 << 24);
  c.full_every = Int(doc, "full_every", 1, 256);
  if (c.head_dim_swa % 2 != 0) Bad("head_dim_swa", "must be even");
  if (c.head_dim_full % 2 != 0) Bad("head_dim_full", "must be even");
  c.rope_base = PositiveFloat(doc, "rope_base");
  c.rope_base_swa = PositiveFloat(doc, "rope_base_swa");
  c.partial_rotary_full = PositiveFloat(doc, "partial_rotary_full");
  if (c.partial_rotary_full > 1) Bad("partial_rotary_full", "must be in (0, 1]");
  c.softcap = PositiveFloat(doc, "softcap");
  c.eps = PositiveFloat(doc, "eps");
  return c;
}

}  // namespace scribed::engine::testgen
