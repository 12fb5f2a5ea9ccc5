#include "solver/sweep/shard.hpp"

#include <cstdlib>
#include <stdexcept>

namespace calcikin::sweep {

namespace {
bool parse_count(const std::string& text, std::size_t& out) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 12)
    return false;
  out = static_cast<std::size_t>(std::stoull(text));
  return true;
}

std::string variable(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}
}  // namespace

Shard parse_shard(const std::string& text) {
  if (text == "slurm") return shard_from_slurm();
  const auto slash = text.find('/');
  Shard s;
  if (slash == std::string::npos || !parse_count(text.substr(0, slash), s.index) ||
      !parse_count(text.substr(slash + 1), s.count) || s.count == 0 || s.index >= s.count) {
    throw std::invalid_argument("--shard '" + text +
                                "': expected K/N with 0 <= K < N (e.g. 0/4), or 'slurm'");
  }
  return s;
}

Shard shard_from_slurm() {
  const std::string id = variable("SLURM_ARRAY_TASK_ID");
  const std::string count = variable("SLURM_ARRAY_TASK_COUNT");
  const std::string min = variable("SLURM_ARRAY_TASK_MIN");
  const std::string max = variable("SLURM_ARRAY_TASK_MAX");
  if (id.empty() || count.empty()) {
    throw std::invalid_argument(
        "--shard slurm: SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT are not set (not inside a "
        "SLURM job array? submit with sbatch --array=0-N, or use --shard K/N)");
  }
  std::size_t k = 0, n = 0, first = 0, last = 0;
  const std::string described = "SLURM_ARRAY_TASK_ID=" + id + ", SLURM_ARRAY_TASK_COUNT=" + count +
                                (min.empty() ? "" : ", SLURM_ARRAY_TASK_MIN=" + min) +
                                (max.empty() ? "" : ", SLURM_ARRAY_TASK_MAX=" + max);
  if (!parse_count(id, k) || !parse_count(count, n) || (!min.empty() && !parse_count(min, first)) ||
      (!max.empty() && !parse_count(max, last)) || n == 0) {
    throw std::invalid_argument("--shard slurm: " + described + " are not array task numbers");
  }
  // Consecutive ids only: MAX - MIN + 1 == COUNT (a sparse list or a step would leave shards out).
  if (k < first || k - first >= n || (!max.empty() && (last < first || last - first + 1 != n))) {
    throw std::invalid_argument(
        "--shard slurm: " + described +
        " do not describe shard K of N: the array ids must be consecutive (sbatch --array=0-" +
        std::to_string(n > 0 ? n - 1 : 0) + ", not a list or a step); or pass --shard K/N");
  }
  return Shard{k - first, n};
}

}  // namespace calcikin::sweep
