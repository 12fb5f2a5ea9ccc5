#pragma once
// MemoryResult: a sweep's results kept in memory (no file), stored as the HDF5 writer would store
// them: the same OutputPlan (kept variables, thinned time series) and OutputDescription (names,
// dimensions, attributes). The Python module turns it into an xarray Dataset equal to what reading
// the file gives.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "solver/io/output_description.hpp"
#include "solver/io/run_sink.hpp"
#include "solver/io/sweep_writer.hpp"

namespace calcikin::io {

class MemoryResult : public RunSink {
 public:
  // Throws std::invalid_argument (bad layout). setup.swept_values is called here only (the result
  // does not keep it: it may refer to a plan that ends before the result).
  explicit MemoryResult(const WriterSetup& setup);

  std::size_t rows() const noexcept override { return plan_.rows; }
  std::size_t global_index(std::size_t row) const noexcept override {
    return setup_.shard_index + row * setup_.shard_count;
  }
  bool completed(std::size_t row) const noexcept override { return completed_[row] != 0; }
  bool failed(std::size_t row) const noexcept override {
    return status_[row] == static_cast<std::int8_t>(RunStatus::Failed);
  }
  void write(const RunRecord* const* records, std::size_t count) override;

  const WriterSetup& setup() const noexcept { return setup_; }
  const OutputPlan& plan() const noexcept { return plan_; }
  const OutputDescription& description() const noexcept { return description_; }

  // Row-major values (rows x out_size) of plan().outputs[o]: Float64 as stored; Int64 exact
  // (missing = kMissingInteger); Label as the label index (-1 = no label).
  const std::vector<double>& float_values(std::size_t o) const { return values_[o]; }
  std::vector<double>& float_values(std::size_t o) { return values_[o]; }
  std::vector<std::int64_t>& integer_values(std::size_t o) { return integers_[o]; }
  const std::vector<std::int64_t>& integer_values(std::size_t o) const { return integers_[o]; }
  const std::vector<double>& swept_column(std::size_t s) const { return swept_[s]; }
  std::vector<std::int64_t> run_index() const;                               // global index per row
  std::vector<double> stored_dimension(std::size_t layout_dimension) const;  // time thinned
  const std::vector<std::int8_t>& status() const noexcept { return status_; }
  const std::vector<std::uint8_t>& completed_flags() const noexcept { return completed_; }
  const std::vector<std::string>& messages() const noexcept { return messages_; }

 private:
  WriterSetup setup_;
  OutputPlan plan_;
  OutputDescription description_;
  std::vector<std::vector<double>> values_;          // Float64 outputs (others empty)
  std::vector<std::vector<std::int64_t>> integers_;  // Int64 and Label outputs (others empty)
  std::vector<std::int8_t> status_;
  std::vector<std::uint8_t> completed_;
  std::vector<std::string> messages_;
  std::vector<std::vector<double>> swept_;  // per swept variable, per row (filled at creation)
};

}  // namespace calcikin::io
