#include "scribed/batch/shard.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <numeric>
#include <stdexcept>

namespace scribed::batch {
namespace {

std::optional<long> ParseLong(std::string_view text) {
  long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

long RequireLong(const char* name, const char* value) {
  const auto v = ParseLong(value);
  if (!v) throw std::invalid_argument(std::string(name) + "=\"" + value + "\" is not a number");
  return *v;
}

Shard Checked(long index, long count, const std::string& origin) {
  if (count < 1 || count > 1'000'000 || index < 0 || index >= count) {
    throw std::invalid_argument(origin + ": shard " + std::to_string(index) + " of " +
                                std::to_string(count) + " is not a shard (need 0 <= I < N)");
  }
  return Shard{static_cast<int>(index), static_cast<int>(count)};
}

}  // namespace

std::string Shard::Name() const { return std::to_string(index) + "/" + std::to_string(count); }

Shard ParseShard(std::string_view text) {
  const size_t slash = text.find('/');
  const auto index = ParseLong(text.substr(0, slash));
  const auto count = slash == std::string_view::npos ? std::nullopt : ParseLong(text.substr(slash + 1));
  if (!index || !count) {
    throw std::invalid_argument("--shard \"" + std::string(text) + "\": expected I/N, e.g. 0/4");
  }
  return Checked(*index, *count, "--shard " + std::string(text));
}

std::optional<Shard> ShardFromEnvironment(const std::function<const char*(const char*)>& env,
                                          std::optional<int> shard_count) {
  if (const char* id = env("SLURM_ARRAY_TASK_ID")) {
    const long task = RequireLong("SLURM_ARRAY_TASK_ID", id);
    const char* min = env("SLURM_ARRAY_TASK_MIN");
    const char* step = env("SLURM_ARRAY_TASK_STEP");
    const long first = min ? RequireLong("SLURM_ARRAY_TASK_MIN", min) : 0;
    const long stride = step ? RequireLong("SLURM_ARRAY_TASK_STEP", step) : 1;
    if (stride < 1) throw std::invalid_argument("SLURM_ARRAY_TASK_STEP must be positive");
    long count = 0;
    if (const char* n = env("SLURM_ARRAY_TASK_COUNT")) {
      count = RequireLong("SLURM_ARRAY_TASK_COUNT", n);
    } else if (const char* max = env("SLURM_ARRAY_TASK_MAX")) {
      count = (RequireLong("SLURM_ARRAY_TASK_MAX", max) - first) / stride + 1;
    } else {
      throw std::invalid_argument(
          "SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX");
    }
    if ((task - first) % stride != 0) {
      throw std::invalid_argument("SLURM_ARRAY_TASK_ID " + std::to_string(task) +
                                  " is not on the array's step");
    }
    return Checked((task - first) / stride, count, "Slurm array");
  }
  if (const char* index = env("JOB_COMPLETION_INDEX")) {
    if (!shard_count) {
      throw std::invalid_argument(
          "JOB_COMPLETION_INDEX is set: pass --shard-count N (the Job's completions)");
    }
    return Checked(RequireLong("JOB_COMPLETION_INDEX", index), *shard_count, "Indexed Job");
  }
  return std::nullopt;
}

std::vector<size_t> SelectShard(const std::vector<Input>& inputs, Shard shard) {
  std::vector<size_t> order(inputs.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (inputs[a].size != inputs[b].size) return inputs[a].size > inputs[b].size;
    return inputs[a].path < inputs[b].path;
  });
  // Longest-processing-time-first: within 4/3 of the best balance possible.
  std::vector<uint64_t> load(static_cast<size_t>(shard.count), 0);
  std::vector<size_t> mine;
  for (size_t i : order) {
    const size_t target =
        static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    // Even empty (or failed) inputs count a little, so they spread out too.
    load[target] += std::max<uint64_t>(inputs[i].size, 1);
    if (target == static_cast<size_t>(shard.index)) mine.push_back(i);
  }
  return mine;
}

}  // namespace scribed::batch
