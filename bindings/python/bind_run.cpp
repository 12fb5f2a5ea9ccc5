// run(): api::run, the entry point of `calcikin run`, with the GIL released. Progress is reported
// to a Python callable from the calling thread; Ctrl-C (or an exception from that callable)
// requests the sweep's cancellation: points in flight finish, the .partial file stays resumable,
// then KeyboardInterrupt is raised.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "bindings/python/bindings.hpp"
#include "bindings/python/core_lock.hpp"
#include "bindings/python/run_in_background.hpp"
#include "models/api/output_size.hpp"
#include "models/api/run.hpp"
#include "models/scenario/scenario.hpp"
#include "solver/io/memory_result.hpp"
#include "solver/io/output_description.hpp"
#include "solver/io/output_names.hpp"
#include "solver/sweep/cancel.hpp"
#include "solver/sweep/progress.hpp"
#include "solver/sweep/shard.hpp"

namespace py = pybind11;

namespace calcikin::python {

namespace {

// The latest progress report, written by the runner's thread and read by the polling thread.
class ProgressMailbox {
 public:
  void post(const sweep::Progress& p) {
    const std::lock_guard<std::mutex> lock(mutex_);
    latest_ = p;
    fresh_ = true;
  }
  std::optional<sweep::Progress> take() {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (!fresh_) return std::nullopt;
    fresh_ = false;
    return latest_;
  }

 private:
  std::mutex mutex_;
  sweep::Progress latest_;
  bool fresh_ = false;
};

// A numpy array owning a copy of `n` values of type T converted from `values`.
template <typename T, typename From>
py::array copy_array(const From* values, std::size_t n, std::vector<py::ssize_t> shape) {
  py::array_t<T> out(shape);
  T* dst = out.mutable_data();
  for (std::size_t i = 0; i < n; ++i) dst[i] = static_cast<T>(values[i]);
  return std::move(out);
}

py::array copy_1d(const std::vector<double>& values) {
  return copy_array<double>(values.data(), values.size(),
                            {static_cast<py::ssize_t>(values.size())});
}

py::object attribute_value(const io::AttributeValue& value) {
  return std::visit(
      [](const auto& v) -> py::object {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::vector<std::int8_t>>) {
          return copy_array<std::int8_t>(v.data(), v.size(), {static_cast<py::ssize_t>(v.size())});
        } else {
          return py::cast(v);
        }
      },
      value);
}

py::dict attribute_dict(const io::Attributes& attributes) {
  py::dict d;
  for (const auto& [name, value] : attributes) d[py::str(name)] = attribute_value(value);
  return d;
}

// A zero-copy numpy view of a vector held by the (shared) memory result.
template <typename T>
py::array view(const std::shared_ptr<io::MemoryResult>& owner, std::vector<T>& values,
               std::vector<py::ssize_t> shape) {
  auto* keep = new std::shared_ptr<io::MemoryResult>(owner);
  py::capsule base(keep,
                   [](void* p) { delete static_cast<std::shared_ptr<io::MemoryResult>*>(p); });
  return py::array_t<T>(shape, values.data(), base);
}

// Attributes that xarray's CF decoding moves from a file's attributes into `encoding` (after
// applying them): the Dataset gets them there directly, already applied.
bool is_encoding_attribute(const std::string& name) {
  return name == "_FillValue" || name == "coordinates" || name == "_Encoding";
}

// The in-memory result as the pieces of a Dataset, decoded as xarray decodes the file of the same
// run: variables (name, dims, values, attrs, encoding, labels or None) in the order of the file,
// and the root attributes (incl. the final ones). Float outputs are zero-copy views of the result;
// int64 outputs with a _FillValue come as float64 with NaN where missing (xarray's masking); label
// outputs as label indices (-1 = none) with their labels; strings as lists of str.
py::dict memory_dict(const api::RunResult& result) {
  const std::shared_ptr<io::MemoryResult>& m = result.memory;
  const io::OutputPlan& plan = m->plan();
  const auto rows = static_cast<py::ssize_t>(plan.rows);
  const std::size_t n_rows = plan.rows;
  py::list variables;
  std::optional<io::ParameterTable> table;
  for (const io::StoredVariable& v : m->description().variables) {
    py::object values;
    py::object labels = py::none();
    py::dict attrs, encoding;
    for (const auto& [name, value] : v.attributes) {
      (is_encoding_attribute(name) ? encoding : attrs)[py::str(name)] = attribute_value(value);
    }
    switch (v.role) {
      case io::StoredRole::RunIndex: {
        const std::vector<std::int64_t> index = m->run_index();
        values = copy_array<std::int64_t>(index.data(), index.size(), {rows});
        break;
      }
      case io::StoredRole::Dimension: {
        const io::Coordinate& c = m->setup().layout.dimensions[v.index];
        values = c.labels.empty() ? copy_1d(m->stored_dimension(v.index)) : py::cast(c.labels);
        break;
      }
      case io::StoredRole::Swept:
        values = copy_1d(m->swept_column(v.index));
        break;
      case io::StoredRole::Output: {
        const io::PlannedOutput& out = plan.outputs[v.index];
        std::vector<py::ssize_t> shape{rows};
        for (std::size_t n : out.shape) shape.push_back(static_cast<py::ssize_t>(n));
        if (out.kind == io::ValueKind::Float64 && out.float32) {  // as the file stores it
          const std::vector<double>& x = m->float_values(v.index);
          values = copy_array<float>(x.data(), x.size(), shape);
        } else if (out.kind == io::ValueKind::Float64) {
          values = view(m, m->float_values(v.index), shape);
        } else if (out.kind == io::ValueKind::Int64) {
          // Masked as xarray masks the file's _FillValue: float64 with NaN where missing.
          const std::vector<std::int64_t>& x = m->integer_values(v.index);
          py::array_t<double> decoded(shape);
          double* dst = decoded.mutable_data();
          for (std::size_t i = 0; i < x.size(); ++i)
            dst[i] = x[i] == io::kMissingInteger ? std::numeric_limits<double>::quiet_NaN()
                                                 : static_cast<double>(x[i]);
          values = std::move(decoded);
          encoding["dtype"] = py::str("int64");
        } else {
          values = view(m, m->integer_values(v.index), shape);
          labels = py::cast(m->setup().layout.variables[out.layout_index].labels);
        }
        break;
      }
      case io::StoredRole::Status:
        values = copy_array<std::int8_t>(m->status().data(), n_rows, {rows});
        break;
      case io::StoredRole::Message:
        values = py::cast(m->messages());
        break;
      case io::StoredRole::Completed:
        values = copy_array<std::uint8_t>(m->completed_flags().data(), n_rows, {rows});
        break;
      case io::StoredRole::Parameter: {
        if (!table) table = io::parameter_table(m->setup());
        if (v.index == 1) {
          values = copy_1d(table->values);
        } else {
          values = py::cast(v.index == 0 ? table->names : table->units);
        }
        break;
      }
    }
    variables.append(
        py::make_tuple(v.name, py::tuple(py::cast(v.dims)), values, attrs, encoding, labels));
  }
  py::dict attrs = attribute_dict(m->description().root);
  for (const auto& [k, v] : result.final_text_attributes) attrs[py::str(k)] = v;
  for (const auto& [k, v] : result.final_numeric_attributes) attrs[py::str(k)] = v;
  py::dict d;
  d["variables"] = variables;
  d["attrs"] = attrs;
  d["swept"] = m->setup().swept.size();
  return d;
}

py::dict progress_dict(const sweep::Progress& p) {
  py::dict d;
  d["done"] = p.done;
  d["total"] = p.total;
  d["failed"] = p.failed;
  d["resumed"] = p.resumed;
  d["elapsed_seconds"] = p.elapsed_seconds;
  d["text"] = sweep::format_progress(p);  // the CLI's line (one formatter for both)
  return d;
}

py::dict run(const scenario::Scenario& scenario_in, const std::string& output, int threads,
             bool resume, bool assume_yes, const std::vector<std::string>& overrides,
             const py::object& on_progress, const std::string& shard, bool in_memory, bool quiet,
             const std::string& time_series, int compression, bool overwrite,
             const std::string& precision) {
  // Output options as keyword arguments: applied to a copy (recorded in the root attributes).
  scenario::Scenario scenario = scenario_in;
  if (time_series == "all") {
    scenario.output.time_series = scenario::TimeSeriesMode::All;
  } else if (time_series == "none") {
    scenario.output.time_series = scenario::TimeSeriesMode::None;
  } else if (!time_series.empty()) {
    scenario.output.time_series = scenario::TimeSeriesMode::Every;
    scenario.output.every = std::stoi(time_series);
  }
  if (compression >= 0) scenario.output.compression = compression;
  if (precision == "float32") scenario.output.precision = scenario::TimeSeriesPrecision::Float32;
  if (precision == "float64") scenario.output.precision = scenario::TimeSeriesPrecision::Float64;
  api::RunOptions options;
  options.overrides =
      overrides;  // already applied to `scenario`; recorded in the file and its hash
  options.output = output;
  options.in_memory = in_memory;
  options.threads = threads;
  options.resume = resume;
  options.overwrite = overwrite;
  options.assume_yes = assume_yes;
  // Only on request ("K/N" or "slurm"): the environment is never read otherwise.
  if (!shard.empty()) {
    try {
      options.shard = sweep::parse_shard(shard);
    } catch (const std::invalid_argument& e) {
      throw py::value_error(std::string(e.what()).replace(0, 7, "shard"));
    }
  }
  // The live line is drawn by Python (works in Jupyter); the summary line unless quiet.
  options.progress = quiet ? sweep::ProgressMode::Quiet : sweep::ProgressMode::Never;
  sweep::CancelToken cancel;
  options.cancel = &cancel;
  ProgressMailbox mailbox;
  options.on_progress = [&mailbox](const sweep::Progress& p) { mailbox.post(p); };

  BackgroundOptions background;
  if (!on_progress.is_none()) {
    background.on_poll = [&] {
      if (auto p = mailbox.take()) on_progress(progress_dict(*p));
    };
  }
  background.request_cancel = [&cancel] { cancel.request(); };
  api::RunResult result;
  const CoreLock lock;
  run_in_background([&] { result = api::run(scenario, options); }, background);
  // Final report (the last callback may have come after the last poll).
  if (!on_progress.is_none()) {
    if (auto p = mailbox.take()) on_progress(progress_dict(*p));
  }

  py::dict d;
  d["output_path"] = result.output_path;
  d["points"] = result.points;
  d["failed"] = result.failed;
  d["resumed"] = result.resumed;
  d["interrupted"] = result.interrupted;
  d["wall_seconds"] = result.wall_seconds;
  d["writer_seconds"] = result.writer_seconds;
  d["exit_code"] = result.exit_code;
  d["result"] = result.memory ? py::object(memory_dict(result)) : py::object(py::none());
  return d;
}

}  // namespace

void bind_run(py::module_& m) {
  m.def(
      "expected_file_size",
      [](const scenario::Scenario& s, const std::vector<std::string>& overrides) {
        const CoreLock lock;
        return api::expected_output_bytes(api::prepare_run(s, true), overrides);
      },
      py::arg("scenario"), py::arg("overrides") = std::vector<std::string>(),
      "Bytes of the file `calcikin run` would write (before compression), as `calcikin validate` "
      "prints it.");
  m.def("run", &run, py::arg("scenario"), py::arg("output") = std::string(), py::arg("threads") = 0,
        py::arg("resume") = false, py::arg("assume_yes") = false,
        py::arg("overrides") = std::vector<std::string>(), py::arg("on_progress") = py::none(),
        py::arg("shard") = std::string(), py::arg("in_memory") = false, py::arg("quiet") = false,
        py::arg("time_series") = std::string(), py::arg("compression") = -1,
        py::arg("overwrite") = false, py::arg("precision") = std::string(),
        "Runs a scenario (api::run, as `calcikin run`) into an HDF5 file, or in memory "
        "(in_memory=True: "
        "the summary's 'result' holds the variables and attributes). Returns a summary dict.");
}

}  // namespace calcikin::python
