#pragma once
// SweepWriter: streams the runs of a sweep into one HDF5 file that xarray opens as-is
// (docs/file-format.md). The file is written as PATH.partial and renamed to PATH by finish(), so a
// file under the final name is always complete.
//
// Crash safety: every dataset is created at open with its final size, contiguous and allocated
// early (NaN fill), and the HDF5 data-sieve buffer is off; afterwards a run's rows are written
// straight to the file and only then its `completed` flag. No HDF5 metadata changes after creation,
// so a process killed at any moment (kill -9) leaves a file whose flagged rows are all complete;
// resume() reopens it and the runner recomputes the rest.
//
// A shard K/N of a sweep of T runs holds only its rows (global indices K, K+N, ...; the `run`
// coordinate holds the global index), which `merge` scatters into one file.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "solver/io/run_layout.hpp"
#include "solver/io/run_sink.hpp"

namespace calcikin::io {

enum class TimeSeriesOutput { All, None, Every };
// Storage type of the time series (per-run summaries are always float64).
enum class TimeSeriesPrecision { Float64, Float32 };

struct SweptVariable {
  std::string name;  // output variable (a coordinate along run)
  std::string path;  // dotted scenario path (attribute sweep_path)
  std::string units;
};

// One effective model parameter of the run (the scenario's value after --set overrides), stored in
// the file as parameter_value(parameter) / parameter_units(parameter). `name` is the dotted
// scenario path (kinetics.parameters.X, thermodynamics.parameters.Y); a swept one is NaN there and
// its per-run values are the swept coordinate whose sweep_path is `name`.
struct ParameterValue {
  std::string name;
  std::string units;  // SI, "1" for dimensionless
  double value = 0.0;
};

struct WriterSetup {
  std::string path;  // the final file; work happens on path + ".partial"
  RunLayout layout;
  std::vector<SweptVariable> swept;
  // Writes swept.size() SI values of global run `run` into `out` (called at creation only).
  std::function<void(std::size_t run, double* out)> swept_values;
  std::size_t total_runs = 1;  // of the whole sweep
  std::size_t shard_index = 0;
  std::size_t shard_count = 1;
  TimeSeriesOutput time_series = TimeSeriesOutput::All;
  std::size_t time_series_every = 1;  // Every: keep time indices 0, N, 2N, ... and the last one
  int compression = 0;                // gzip level applied when the file is finished; 0 = off
  TimeSeriesPrecision precision = TimeSeriesPrecision::Float64;
  std::vector<ParameterValue> parameters;  // effective parameters (may be empty)
  // Root attributes written at creation (scenario text and hash, versions, ...). The attribute
  // "scenario_hash" is required: resume() and merge refuse files of another scenario.
  std::map<std::string, std::string> text_attributes;
  std::map<std::string, std::int64_t> integer_attributes;  // threads, ranks, ...
};

class SweepWriter : public RunSink {
 public:
  // Creates (overwrites) PATH.partial. Throws IoError.
  static std::unique_ptr<SweepWriter> create(const WriterSetup& setup);
  // Reopens PATH.partial of an interrupted sweep; throws IoError when it is missing, of another
  // scenario (hash), another shard or another layout.
  static std::unique_ptr<SweepWriter> resume(const WriterSetup& setup);
  ~SweepWriter() override;

  std::size_t rows() const noexcept override;  // runs of this shard
  std::size_t global_index(std::size_t row) const noexcept override;
  std::size_t row_of(std::size_t global_run) const noexcept;
  // Rows found completed when the file was opened (always false after create()).
  bool completed(std::size_t row) const noexcept override;
  bool failed(std::size_t row) const noexcept override;  // completed with status failed

  // Writes finished runs (record.run_index = global index; any order): data, status and message
  // rows first, then their completed flags. Contiguous rows are written with one call per dataset.
  void write(const RunRecord* const* records, std::size_t count) override;
  void flush() override;  // H5Fflush
  // Writes the final root attributes, closes, compresses when asked, renames PATH.partial -> PATH.
  void finish(const std::map<std::string, std::string>& text_attributes,
              const std::map<std::string, double>& numeric_attributes);
  // Flushes and closes without renaming (interrupted sweep): PATH.partial stays resumable.
  void close_partial();

  double hdf5_seconds() const noexcept override;  // wall time spent in HDF5 calls so far
  const std::string& partial_path() const noexcept;

 private:
  struct Impl;
  explicit SweepWriter(std::unique_ptr<Impl> impl);
  static std::unique_ptr<SweepWriter> open(const WriterSetup& setup, bool resume);
  std::unique_ptr<Impl> impl_;
};

}  // namespace calcikin::io
