#include "scribed/batch/shard.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

namespace scribed::batch {
namespace {

std::function<const char*(const char*)> Env(std::map<std::string, std::string> vars) {
  auto held = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
  return [held](const char* name) -> const char* {
    auto it = held->find(name);
    return it == held->end() ? nullptr : it->second.c_str();
  };
}

TEST(BatchShardTest, ParsesIOverN) {
  const Shard s = ParseShard("2/5");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 5);
  EXPECT_EQ(s.Name(), "2/5");
  for (const char* bad : {"", "3", "5/5", "-1/3", "a/3", "1/0", "1/3x", "1/"}) {
    EXPECT_THROW(ParseShard(bad), std::invalid_argument) << bad;
  }
}

TEST(BatchShardTest, ComesFromSlurmArraysAndIndexedJobs) {
  EXPECT_FALSE(ShardFromEnvironment(Env({}), std::nullopt));
  auto s = ShardFromEnvironment(Env({{"SLURM_ARRAY_TASK_ID", "1"}, {"SLURM_ARRAY_TASK_COUNT", "3"}}),
                                std::nullopt);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->Name(), "1/3");
  // --array=4-10:3 runs tasks 4, 7 and 10.
  s = ShardFromEnvironment(Env({{"SLURM_ARRAY_TASK_ID", "10"},
                                {"SLURM_ARRAY_TASK_MIN", "4"},
                                {"SLURM_ARRAY_TASK_MAX", "10"},
                                {"SLURM_ARRAY_TASK_STEP", "3"}}),
                           std::nullopt);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->Name(), "2/3");
  s = ShardFromEnvironment(Env({{"JOB_COMPLETION_INDEX", "3"}}), 4);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->Name(), "3/4");
  EXPECT_THROW(ShardFromEnvironment(Env({{"JOB_COMPLETION_INDEX", "3"}}), std::nullopt),
               std::invalid_argument);
  EXPECT_THROW(ShardFromEnvironment(Env({{"JOB_COMPLETION_INDEX", "4"}}), 4), std::invalid_argument);
  EXPECT_THROW(ShardFromEnvironment(Env({{"SLURM_ARRAY_TASK_ID", "x"}}), std::nullopt),
               std::invalid_argument);
  EXPECT_THROW(ShardFromEnvironment(Env({{"SLURM_ARRAY_TASK_ID", "1"}}), std::nullopt),
               std::invalid_argument);
}

TEST(BatchShardTest, ShardsPartitionTheInputsAndBalanceBytes) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 50; ++trial) {
    const size_t n = rng() % 40;
    std::vector<Input> inputs(n);
    for (size_t i = 0; i < n; ++i) {
      inputs[i].path = "/archive/" + std::to_string(rng() % 1000) + "-" + std::to_string(i) + ".wav";
      inputs[i].size = rng() % 4 == 0 ? 0 : 1 + rng() % 1'000'000;
    }
    const int count = 1 + static_cast<int>(rng() % 7);
    std::vector<int> owner(n, -1);
    std::vector<uint64_t> load(static_cast<size_t>(count), 0);
    uint64_t largest = 1;
    for (const Input& in : inputs) largest = std::max<uint64_t>(largest, in.size);
    for (int s = 0; s < count; ++s) {
      for (size_t i : SelectShard(inputs, {s, count})) {
        ASSERT_LT(i, n);
        EXPECT_EQ(owner[i], -1) << "input " << i << " in two shards";
        owner[i] = s;
        load[static_cast<size_t>(s)] += std::max<uint64_t>(inputs[i].size, 1);
      }
    }
    EXPECT_EQ(std::count(owner.begin(), owner.end(), -1), 0) << "an input in no shard";
    // Largest-first dealing: no shard exceeds another by more than one input.
    const auto [lo, hi] = std::minmax_element(load.begin(), load.end());
    EXPECT_LE(*hi - *lo, largest);
    // The order the inputs are listed in does not matter.
    std::vector<Input> shuffled = inputs;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    for (int s = 0; s < count; ++s) {
      std::vector<std::string> a, b;
      for (size_t i : SelectShard(inputs, {s, count})) a.push_back(inputs[i].path);
      for (size_t i : SelectShard(shuffled, {s, count})) b.push_back(shuffled[i].path);
      EXPECT_EQ(a, b);
    }
  }
}

}  // namespace
}  // namespace scribed::batch
