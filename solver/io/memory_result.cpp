#include "solver/io/memory_result.hpp"

#include <cmath>
#include <limits>

#include "solver/io/output_names.hpp"

namespace calcikin::io {

MemoryResult::MemoryResult(const WriterSetup& setup)
    : setup_(setup), plan_(plan_output(setup)), description_(describe_output(setup, plan_)) {
  values_.resize(plan_.outputs.size());
  integers_.resize(plan_.outputs.size());
  for (std::size_t o = 0; o < plan_.outputs.size(); ++o) {
    const PlannedOutput& out = plan_.outputs[o];
    const std::size_t n = plan_.rows * out.out_size;
    if (out.kind == ValueKind::Float64) {
      values_[o].assign(n, std::numeric_limits<double>::quiet_NaN());
    } else {
      integers_[o].assign(n, kMissingInteger);
    }
  }
  status_.assign(plan_.rows, static_cast<std::int8_t>(RunStatus::NotRun));
  completed_.assign(plan_.rows, 0);
  messages_.assign(plan_.rows, std::string());
  swept_.assign(setup_.swept.size(), std::vector<double>(plan_.rows));
  std::vector<double> point(setup_.swept.size());
  for (std::size_t r = 0; r < plan_.rows && !point.empty(); ++r) {
    setup_.swept_values(global_index(r), point.data());
    for (std::size_t s = 0; s < point.size(); ++s) swept_[s][r] = point[s];
  }
  setup_.swept_values = nullptr;
}

void MemoryResult::write(const RunRecord* const* records, std::size_t count) {
  for (std::size_t r = 0; r < count; ++r) {
    const RunRecord& rec = *records[r];
    const std::size_t row = (rec.run_index - setup_.shard_index) / setup_.shard_count;
    for (std::size_t o = 0; o < plan_.outputs.size(); ++o) {
      const PlannedOutput& out = plan_.outputs[o];
      const double* data = rec.data(out.layout_index);
      const auto value = [&](std::size_t e) {
        return data[out.gather.empty() ? e : out.gather[e]];
      };
      if (out.kind == ValueKind::Float64) {
        double* dst = values_[o].data() + row * out.out_size;
        for (std::size_t e = 0; e < out.out_size; ++e) dst[e] = value(e);
      } else {
        std::int64_t* dst = integers_[o].data() + row * out.out_size;
        const std::size_t labels = setup_.layout.variables[out.layout_index].labels.size();
        for (std::size_t e = 0; e < out.out_size; ++e) {
          const double x = value(e);
          if (out.kind == ValueKind::Int64) {
            // As the writer: |x| < 2^63, anything else (NaN of a failed run) is missing.
            dst[e] = std::fabs(x) < 9.2e18 ? static_cast<std::int64_t>(x) : kMissingInteger;
          } else {
            dst[e] = std::isfinite(x) && x >= 0 && x < static_cast<double>(labels)
                         ? static_cast<std::int64_t>(x)
                         : -1;
          }
        }
      }
    }
    status_[row] = static_cast<std::int8_t>(rec.status);
    messages_[row] = truncate_utf8(rec.message, kMessageLength);
    completed_[row] = 1;
  }
}

std::vector<std::int64_t> MemoryResult::run_index() const {
  std::vector<std::int64_t> index(plan_.rows);
  for (std::size_t r = 0; r < plan_.rows; ++r)
    index[r] = static_cast<std::int64_t>(global_index(r));
  return index;
}

std::vector<double> MemoryResult::stored_dimension(std::size_t k) const {
  const Coordinate& c = setup_.layout.dimensions[k];
  if (c.name != kTimeDimension) return c.values;
  std::vector<double> values;
  for (std::size_t i : plan_.time_keep) values.push_back(c.values[i]);
  return values;
}

}  // namespace calcikin::io
