// fit_problem(): fit::fit_problem, the entry point of `calcikin fit` (one C++ path for the CLI and
// ck.fit). Returns plain Python containers and NumPy arrays; calcikin/fit.py wraps them in a
// FitResult.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>

#include "bindings/python/bindings.hpp"
#include "bindings/python/core_lock.hpp"
#include "models/fit/fit.hpp"

namespace py = pybind11;

namespace calcikin::python {

namespace {

py::array_t<double> matrix(const std::vector<double>& v, std::size_t rows, std::size_t cols) {
  py::array_t<double> a({rows, cols});
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}
py::array_t<double> vector(const std::vector<double>& v) {
  py::array_t<double> a(v.size());
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

}  // namespace

void bind_fit(py::module_& m) {
  m.def(
      "fit_problem",
      [](const std::string& problem, const std::string& output, int threads, long starts,
         long long seed, py::object profiles, bool overwrite) {
        fit::FitRunOptions o;
        o.output = output;
        o.overwrite = overwrite;
        o.threads = threads;
        if (starts > 0) o.starts = static_cast<std::size_t>(starts);
        if (seed >= 0) o.seed = static_cast<std::uint64_t>(seed);
        if (!profiles.is_none()) o.profiles = profiles.cast<bool>();
        fit::FitOutcome out;
        {
          const CoreLock lock;  // reads scenario and database files (single-threaded parsing)
          const py::gil_scoped_release release;
          out = fit::fit_problem(problem, o);
        }
        const fit::FitResult& r = out.result;
        const fit::CalibrationProblem& p = out.prepared->problem();
        const std::size_t n = r.parameters.size();
        py::dict d;
        py::list names, units, scales;
        std::vector<double> value, scaled, se, lo, hi, identifiable;
        for (const fit::ParameterEstimate& e : r.parameters) {
          names.append(e.name);
          units.append(e.unit.empty() ? "1" : e.unit);
          scales.append(e.scale == fit::Scale::Log10 ? "log10" : "lin");
          value.push_back(e.value);
          scaled.push_back(e.scaled);
          se.push_back(e.std_error);
          lo.push_back(e.ci_lower);
          hi.push_back(e.ci_upper);
          identifiable.push_back(e.identifiable ? 1.0 : 0.0);
        }
        d["names"] = names;
        d["units"] = units;
        d["scales"] = scales;
        d["value"] = vector(value);
        d["scaled"] = vector(scaled);
        d["std_error_scaled"] = vector(se);
        d["ci_lower"] = vector(lo);
        d["ci_upper"] = vector(hi);
        d["identifiable"] = vector(identifiable);
        d["covariance"] = matrix(r.covariance.covariance, n, n);
        d["fisher_eigenvalues"] = vector(r.covariance.eigenvalues);
        d["cost"] = r.cost;
        d["negative_log_likelihood"] = r.negative_log_likelihood;
        d["best_start"] = r.multistart.best;
        std::vector<double> start_cost, start_iterations, start_evaluations;
        for (const auto& s : r.multistart.starts) {
          start_cost.push_back(s.cost);
          start_iterations.push_back(s.iterations);
          start_evaluations.push_back(s.evaluations);
        }
        d["start_cost"] = vector(start_cost);
        d["start_iterations"] = vector(start_iterations);
        d["start_evaluations"] = vector(start_evaluations);
        const auto& best = r.multistart.starts[r.multistart.best];
        d["best_trace_cost"] = vector(best.trace_cost);
        d["best_trace_seconds"] = vector(best.trace_seconds);
        d["simulated"] = vector(r.best.simulated);
        d["residuals"] = vector(std::vector<double>(
            r.best.residuals.begin(),
            r.best.residuals.begin() + static_cast<long>(p.measurements.size())));
        py::list profiles_out;
        for (const auto& pr : r.profiles) {
          py::dict q;
          q["values"] = vector(pr.values);
          q["costs"] = vector(pr.costs);
          q["identifiable"] = pr.identifiable;
          profiles_out.append(q);
        }
        d["profiles"] = profiles_out;
        d["seconds"] = r.seconds;
        d["output"] = out.output_path;
        d["parameter_set"] = out.parameter_set_path;
        d["parameter_set_text"] = fit::parameter_set_yaml(*out.prepared, r);
        return d;
      },
      py::arg("problem"), py::arg("output") = "", py::arg("threads") = 0, py::arg("starts") = 0,
      py::arg("seed") = -1, py::arg("profiles") = py::none(), py::arg("overwrite") = false,
      "Fit a calibration problem file (the entry point of `calcikin fit`).");
}

}  // namespace calcikin::python
