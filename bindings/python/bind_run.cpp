// run(): api::run, the entry point of `calcikin run`, with the GIL released. Progress is reported
// to a Python callable from the calling thread; Ctrl-C (or an exception from that callable)
// requests the sweep's cancellation: points in flight finish, the .partial file stays resumable,
// then KeyboardInterrupt is raised.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bindings/python/bindings.hpp"
#include "bindings/python/core_lock.hpp"
#include "bindings/python/run_in_background.hpp"
#include "models/api/run.hpp"
#include "models/scenario/scenario.hpp"
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

py::dict progress_dict(const sweep::Progress& p) {
  py::dict d;
  d["done"] = p.done;
  d["total"] = p.total;
  d["failed"] = p.failed;
  d["resumed"] = p.resumed;
  d["elapsed_seconds"] = p.elapsed_seconds;
  return d;
}

py::dict run(const scenario::Scenario& scenario, const std::string& output, int threads,
             bool resume, bool assume_yes, const std::vector<std::string>& overrides,
             const py::object& on_progress, const std::string& shard) {
  api::RunOptions options;
  options.overrides =
      overrides;  // already applied to `scenario`; recorded in the file and its hash
  options.output = output;
  options.threads = threads;
  options.resume = resume;
  options.assume_yes = assume_yes;
  // Only on request ("K/N" or "slurm"): the environment is never read otherwise.
  if (!shard.empty()) {
    try {
      options.shard = sweep::parse_shard(shard);
    } catch (const std::invalid_argument& e) {
      throw py::value_error(std::string(e.what()).replace(0, 7, "shard"));
    }
  }
  options.progress =
      sweep::ProgressMode::Never;  // the live line is drawn by Python (works in Jupyter)
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
  return d;
}

}  // namespace

void bind_run(py::module_& m) {
  m.def("run", &run, py::arg("scenario"), py::arg("output") = std::string(), py::arg("threads") = 0,
        py::arg("resume") = false, py::arg("assume_yes") = false,
        py::arg("overrides") = std::vector<std::string>(), py::arg("on_progress") = py::none(),
        py::arg("shard") = std::string(),
        "Runs a scenario into an HDF5 file (api::run, as `calcikin run`). Returns a summary dict.");
}

}  // namespace calcikin::python
