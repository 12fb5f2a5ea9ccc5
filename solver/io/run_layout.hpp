#pragma once
// RunLayout: what one run (one sweep point) produces, declared once by the model before a sweep
// starts; RunRecord: one run's values, preallocated from a layout and reused across runs (no
// allocation per point). The HDF5 writer turns a layout into datasets with a leading `run`
// dimension.
//
// Contract for evaluators (models/api, tests):
//   * every Variable's dims name Coordinates of the layout (the implicit leading `run` is not
//   listed);
//   * a variable with the dimension named kTimeDimension is a time series, thinned by the writer
//     according to output.time_series (all | none | every N);
//   * values are SI, `units` is the SI unit string written as the variable's `units` attribute
//     (time is "s", never "seconds": xarray would turn it into timedeltas);
//   * Int64 variables (counters, solver statistics) are carried as doubles in the record (exact up
//   to
//     2^53) and written as int64; Label variables carry an index into `labels` and are written as
//     fixed-length UTF-8 strings (e.g. dominant_phase).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace calcikin::io {

inline constexpr const char* kRunDimension = "run";
inline constexpr const char* kTimeDimension = "time";

// A named dimension with its coordinate values: numeric (values) or labels (e.g. phase names).
struct Coordinate {
  std::string name;
  std::string units;  // "" for labels / dimensionless
  std::string long_name;
  std::vector<double> values;       // numeric coordinate (size = dimension length), or empty
  std::vector<std::string> labels;  // string coordinate (size = dimension length), or empty

  std::size_t size() const noexcept { return labels.empty() ? values.size() : labels.size(); }
};

enum class ValueKind { Float64, Int64, Label };

struct Variable {
  std::string name;
  std::vector<std::string> dims;  // after the implicit leading "run"; {} = one value per run
  std::string units;              // SI unit string, "1" for dimensionless
  std::string long_name;
  ValueKind kind = ValueKind::Float64;
  std::vector<std::string> labels;  // ValueKind::Label only: the value is an index into these
};

class RunLayout {
 public:
  std::vector<Coordinate> dimensions;
  std::vector<Variable> variables;

  // Index of a coordinate / variable by name; throws std::out_of_range when absent.
  std::size_t dimension_index(const std::string& name) const;
  std::size_t variable_index(const std::string& name) const;
  // Number of values of one variable in one run (product of its dimension sizes; 1 for scalars).
  std::size_t variable_size(std::size_t variable) const;
  bool is_time_series(std::size_t variable) const;
  // Throws std::invalid_argument naming the problem (unknown dimension, duplicate name, label
  // variable without labels, reserved names run/status/message/completed, ...).
  void validate() const;
};

// Outcome of one run. Failed runs carry NaN data and a message.
enum class RunStatus : std::int8_t { NotRun = -1, Ok = 0, Failed = 1 };

class RunRecord {
 public:
  RunRecord() = default;
  explicit RunRecord(const RunLayout& layout);

  // Values of one variable (variable_size(v) doubles, row-major over its dims).
  double* data(std::size_t variable) noexcept { return values_.data() + offsets_[variable]; }
  const double* data(std::size_t variable) const noexcept {
    return values_.data() + offsets_[variable];
  }
  std::size_t size(std::size_t variable) const noexcept {
    return offsets_[variable + 1] - offsets_[variable];
  }
  std::size_t variable_count() const noexcept { return offsets_.empty() ? 0 : offsets_.size() - 1; }

  std::size_t run_index = 0;
  RunStatus status = RunStatus::NotRun;
  std::string message;  // why a run failed ("" when ok); capacity reused across runs

  // Prepares the record for a new run: NaN everywhere, status NotRun, message cleared (no
  // allocation).
  void reset(std::size_t index) noexcept;
  // Marks the run failed: every value NaN, the message kept.
  void fail(std::string why);

 private:
  std::vector<double> values_;
  std::vector<std::size_t> offsets_;  // variable_count()+1 entries
};

}  // namespace calcikin::io
