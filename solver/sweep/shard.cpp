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
}  // namespace

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  Shard s;
  if (slash == std::string::npos || !parse_count(text.substr(0, slash), s.index) ||
      !parse_count(text.substr(slash + 1), s.count) || s.count == 0 || s.index >= s.count) {
    throw std::invalid_argument("--shard '" + text + "': expected K/N with 0 <= K < N (e.g. 0/4)");
  }
  return s;
}

std::optional<Shard> shard_from_environment() {
  const char* id = std::getenv("SLURM_ARRAY_TASK_ID");
  const char* count = std::getenv("SLURM_ARRAY_TASK_COUNT");
  if (id == nullptr || count == nullptr) return std::nullopt;
  std::size_t k = 0, n = 0, first = 0;
  const char* min = std::getenv("SLURM_ARRAY_TASK_MIN");
  if (!parse_count(id, k) || !parse_count(count, n) ||
      (min != nullptr && !parse_count(min, first)) || n == 0 || k < first || k - first >= n) {
    throw std::invalid_argument(std::string("SLURM_ARRAY_TASK_ID=") + id +
                                " / SLURM_ARRAY_TASK_COUNT=" + count +
                                " do not describe a shard (array ids must be consecutive)");
  }
  return Shard{k - first, n};
}

}  // namespace calcikin::sweep
