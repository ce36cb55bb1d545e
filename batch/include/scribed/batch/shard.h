// Which inputs one worker of a batch takes. Workers share nothing but the
// file system, so each computes the same partition from the same input list.
//
// Thread-safe (pure functions).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scribed/batch/inputs.h"

namespace scribed::batch {

struct Shard {
  int index = 0;  // 0 <= index < count
  int count = 1;
  std::string Name() const;  // "I/N"
};

// "I/N" with 0 <= I < N; throws std::invalid_argument naming the text.
Shard ParseShard(std::string_view text);

// The shard a cluster scheduler assigned, from `env` (getenv's shape):
// - Slurm job arrays: SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_MIN (default
//   0), SLURM_ARRAY_TASK_STEP (default 1) and SLURM_ARRAY_TASK_COUNT, or
//   SLURM_ARRAY_TASK_MAX when the count is absent;
// - Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX, with `shard_count` (the
//   Job's completions) as the count.
// nullopt when neither is set. Throws std::invalid_argument for values that
// do not make a shard (non-numbers, an index outside the count, an index
// without a count).
std::optional<Shard> ShardFromEnvironment(const std::function<const char*(const char*)>& env,
                                          std::optional<int> shard_count);

// The positions in `inputs` that belong to `shard`. Inputs are dealt largest
// first (ties by path) to the shard with the fewest bytes so far (ties: the
// lowest index), so shards take similar time; every input belongs to exactly
// one shard, and the result depends only on the inputs' paths and sizes.
// Returned in dealing order (largest first).
std::vector<size_t> SelectShard(const std::vector<Input>& inputs, Shard shard);

}  // namespace scribed::batch
