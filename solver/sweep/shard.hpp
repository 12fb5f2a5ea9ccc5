#pragma once
// Sharding for job arrays: shard K of N (0-based K) computes points K, K+N, K+2N, ... (interleaved,
// so slow regions of a grid spread across shards). Parsed from "--shard K/N" or from
// SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT (SLURM's ids may start at SLURM_ARRAY_TASK_MIN).
#include <cstddef>
#include <optional>
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

// "K/N" with 0 <= K < N; throws std::invalid_argument with a message naming the text.
Shard parse_shard(const std::string& text);
// From SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT (and SLURM_ARRAY_TASK_MIN); nullopt when unset.
std::optional<Shard> shard_from_environment();

}  // namespace calcikin::sweep
