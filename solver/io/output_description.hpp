#pragma once
// The one description of a result's variables and attributes, from which both the HDF5 file
// (SweepWriter) and the in-memory result (MemoryResult -> the Python module's xarray Dataset) are
// made: which layout variables are kept (time series thinned or dropped), their shapes, and every
// variable and root attribute. An attribute added here appears in the file and in the Dataset.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "solver/io/run_layout.hpp"
#include "solver/io/sweep_writer.hpp"

namespace calcikin::io {

using AttributeValue = std::variant<std::string, std::int64_t, double, std::vector<std::int8_t>>;
using Attributes = std::vector<std::pair<std::string, AttributeValue>>;

// A layout variable as stored: shape after `run` (time thinned), element map into the record.
struct PlannedOutput {
  std::size_t layout_index = 0;
  std::size_t out_size = 1;         // values per run (after thinning)
  std::vector<std::size_t> gather;  // stored element -> record element; empty = identity
  ValueKind kind = ValueKind::Float64;
  bool float32 = false;                   // Float64 values stored as float32 (output.precision)
  std::size_t label_length = 1;           // Label: longest label in bytes (>= 1)
  std::vector<std::size_t> shape;         // without run
  std::vector<std::size_t> record_shape;  // the record's shape (before thinning)
};

struct OutputPlan {
  std::size_t rows = 0;                // runs of this shard
  bool keep_time = true;               // false with time_series: none
  std::vector<std::size_t> time_keep;  // kept time indices
  std::vector<PlannedOutput> outputs;  // in layout order, dropped time series left out
};

// Parameter: the effective parameters along `parameter` (index 0 their names, 1 parameter_value,
// 2 parameter_units), see parameter_table().
enum class StoredRole { RunIndex, Dimension, Swept, Output, Status, Message, Completed, Parameter };

struct StoredVariable {
  std::string name;
  std::vector<std::string> dims;  // full (per-run variables start with "run")
  StoredRole role = StoredRole::Output;
  std::size_t index = 0;  // Dimension: layout dimension; Swept: setup.swept; Output: plan.outputs
  Attributes attributes;
};

struct OutputDescription {
  std::vector<StoredVariable>
      variables;    // run, dimensions, swept, outputs, status, message, completed
  Attributes root;  // written at creation (finish() adds the final ones)
  const StoredVariable& variable(const std::string& name) const;  // throws std::out_of_range
};

// Validates the layout (std::invalid_argument) and plans the stored outputs.
OutputPlan plan_output(const WriterSetup& setup);
OutputDescription describe_output(const WriterSetup& setup, const OutputPlan& plan);

// The effective parameters as stored: SI values, a swept one NaN (its per-run values are the swept
// coordinate), "1" for dimensionless units. Empty when the setup names none.
struct ParameterTable {
  std::vector<std::string> names;
  std::vector<double> values;
  std::vector<std::string> units;
};
ParameterTable parameter_table(const WriterSetup& setup);

// The size in bytes of the finished file (before compression) of `setup`: every dataset's data
// (float32 time series with output.precision float32; 16-byte references for the variable-length
// strings) plus the HDF5 metadata (object headers with their attributes, the global heap of the
// strings), which is modelled on files written by this writer (within a few % for 1 to 10,000
// runs). Failed runs add their message (up to 256 bytes each). Throws std::invalid_argument (bad
// layout).
std::uint64_t expected_file_bytes(const WriterSetup& setup);

// "all", "none" or "every N" (root attribute time_series).
std::string time_series_text(const WriterSetup& setup);

}  // namespace calcikin::io
