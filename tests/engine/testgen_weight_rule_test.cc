// The testgen-1 rule must reproduce the reference tensors bit for bit; the
// golden JSON records exact float64 sums and leading values.
#include "engine/testgen/weight_rule.h"

#include <gtest/gtest.h>

#include <fstream>
#include <vector>

#include "scribed/base/json.h"

namespace scribed::engine::testgen {
namespace {

nlohmann::json LoadCase(const char* file) {
  std::ifstream in(std::string(SCRIBED_TEST_DATA_DIR) + "/golden/" + file);
  return nlohmann::json::parse(in);
}

TEST(WeightRule, WorkedExampleFromTheSpec) {
  EXPECT_EQ(Fnv1a64("token_embd.weight"), 0x2d85b88e70e67727ULL);
  const uint64_t key = Fnv1a64("token_embd.weight") ^ 1234;
  EXPECT_EQ(UniformDraw(key, 0) * (1 << 23), 4059248.0);
  EXPECT_EQ(UniformDraw(key, 1) * (1 << 23), -5538820.0);
  std::vector<float> w(4);
  FillWeights("token_embd.weight", 1234, WeightClass::kMatrix, 0, 0, w);
  EXPECT_EQ(w[0], 0.015121877193450928f);
  EXPECT_EQ(w[1], -0.02063371241092682f);
  EXPECT_EQ(w[2], 0.009606923907995224f);
  EXPECT_EQ(w[3], 0.0022819936275482178f);
}

double ExactSum(std::string_view name, WeightClass cls, int head_dim, uint64_t n) {
  std::vector<float> w(n);
  FillWeights(name, 1234, cls, head_dim, 0, w);
  double s = 0;
  for (float v : w) s += v;
  return s;
}

TEST(WeightRule, MatchesReferenceTensorSums) {
  const auto golden = LoadCase("case-a-text.json");
  const auto& t = golden["tensors"]["text"];
  const int hidden = golden["config"]["hidden"];
  EXPECT_EQ(ExactSum("token_embd.weight", WeightClass::kMatrix, 0, uint64_t{256} * 262144),
            t["token_embd.weight"]["sum"].get<double>());
  EXPECT_EQ(ExactSum("blk.0.attn_norm.weight", WeightClass::kNorm, 0, hidden),
            t["blk.0.attn_norm.weight"]["sum"].get<double>());
  EXPECT_EQ(ExactSum("blk.2.attn_q_norm.weight", WeightClass::kQkNorm, 128, 128),
            t["blk.2.attn_q_norm.weight"]["sum"].get<double>());
  EXPECT_EQ(ExactSum("blk.3.layer_output_scale.weight", WeightClass::kScale, 0, 1),
            t["blk.3.layer_output_scale.weight"]["sum"].get<double>());
  const auto& m = golden["tensors"]["mmproj"];
  EXPECT_EQ(ExactSum("mm.a.input_projection.weight", WeightClass::kMatrix, 0, 640u * hidden),
            m["mm.a.input_projection.weight"]["sum"].get<double>());
}

}  // namespace
}  // namespace scribed::engine::testgen
