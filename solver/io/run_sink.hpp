#pragma once
// RunSink: where the sweep runner puts finished runs. Two implementations share one description of
// the output (solver/io/output_description.hpp): SweepWriter (the HDF5 file of `calcikin run`) and
// MemoryResult (the arrays the Python module turns into an xarray Dataset without a file).
#include <cstddef>

#include "solver/io/run_layout.hpp"

namespace calcikin::io {

class RunSink {
 public:
  RunSink() = default;
  virtual ~RunSink() = default;
  RunSink(const RunSink&) = delete;
  RunSink& operator=(const RunSink&) = delete;

  virtual std::size_t rows() const noexcept = 0;  // runs of this shard
  virtual std::size_t global_index(std::size_t row) const noexcept = 0;
  // Rows found completed when the sink was opened (resume; always false for a fresh sink).
  virtual bool completed(std::size_t row) const noexcept = 0;
  virtual bool failed(std::size_t row) const noexcept = 0;  // completed with status failed
  // Finished runs (record.run_index = global index; any order).
  virtual void write(const RunRecord* const* records, std::size_t count) = 0;
  virtual void flush() {}
  virtual double hdf5_seconds() const noexcept { return 0.0; }  // time spent in HDF5 so far
};

}  // namespace calcikin::io
