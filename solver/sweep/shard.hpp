#pragma once
// Sharding for job arrays: shard K of N (0-based K) computes points K, K+N, K+2N, ... (interleaved,
// so slow regions of a grid spread across shards). Only on request: "--shard K/N", or
// "--shard slurm" to take K and N from SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT (counted from
// SLURM_ARRAY_TASK_MIN). Nothing else reads the environment: a scenario run inside an array task
// without --shard computes every point (the common "one scenario per array task" pattern).
#include <cstddef>
#include <string>

namespace calcikin::sweep {

struct Shard {
  std::size_t index = 0;  // K, 0-based
  std::size_t count = 1;  // N
  bool contains(std::size_t point) const noexcept { return point % count == index; }
  std::size_t size_of(std::size_t total) const noexcept {
    return total / count + (index < total % count ? 1 : 0);
  }
  bool is_whole() const noexcept { return count == 1; }
};

// "K/N" with 0 <= K < N, or "slurm" (shard_from_slurm). Throws std::invalid_argument with a message
// naming the text (a usage error: exit code 2 in the CLI).
Shard parse_shard(const std::string& text);

// From SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN. Throws
// std::invalid_argument when they are missing, not numbers, or describe no consecutive shard (a
// sparse array such as --array=1,5,9 or a step --array=0-9:2 has ids that are not K of N).
Shard shard_from_slurm();

}  // namespace calcikin::sweep
