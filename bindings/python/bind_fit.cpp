// fit_problem(): fit::fit_problem, the entry point of `calcikin fit` (one C++ path for the CLI and
// ck.fit). Returns plain Python containers and NumPy arrays; calcikin/fit.py wraps them in a
// FitResult. FitProblem: the same prepared problem and objective evaluated pointwise
// (fit::Posterior: residuals, Jacobian from the sensitivities, log-likelihood, log-posterior);
// calcikin/fit.py wraps it in ck.Problem (argument checks and errors there).
//
// The fit runs on a worker thread without the GIL (run_in_background): the calling thread polls
// Python's signal handlers and draws the progress lines. Ctrl-C sets FitOptions::cancelled: the
// starts in flight finish, the checkpoint (OUTPUT.checkpoint) keeps every finished start, no
// output file is written, and KeyboardInterrupt is raised with the fit's own message; the same
// call again resumes from the checkpoint.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bindings/python/bindings.hpp"
#include "bindings/python/core_lock.hpp"
#include "bindings/python/run_in_background.hpp"
#include "models/fit/fit.hpp"
#include "models/fit/posterior.hpp"

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

// Progress lines posted by the fit (from any thread) and drawn by the polling Python thread.
class LineMailbox {
 public:
  void post(const std::string& line) {
    const std::lock_guard<std::mutex> lock(mutex_);
    lines_.push_back(line);
  }
  std::vector<std::string> take() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return std::exchange(lines_, {});
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

// What Python needs to know about a prepared problem: the fitted parameters (names, scenario
// paths, units, scales, bounds) and every measurement (for plots and predictions).
py::dict problem_info(const fit::PreparedFit& prepared) {
  const fit::CalibrationProblem& p = prepared.problem();
  py::dict d;
  py::list names, paths, units, scales, priors;
  std::vector<double> lower_si, upper_si, nominal_si;
  for (const fit::FitParameter& f : p.parameters) {
    names.append(f.name);
    paths.append(f.path);
    units.append(f.unit.empty() ? "1" : f.unit);
    scales.append(f.scale == fit::Scale::Log10 ? "log10" : "lin");
    priors.append(f.prior == fit::PriorKind::Normal      ? "normal"
                  : f.prior == fit::PriorKind::LogNormal ? "lognormal"
                  : f.prior == fit::PriorKind::Uniform   ? "uniform"
                                                         : "");
    lower_si.push_back(f.lower);
    upper_si.push_back(f.upper);
    nominal_si.push_back(f.nominal);
  }
  d["names"] = names;
  d["paths"] = paths;
  d["units"] = units;
  d["scales"] = scales;
  d["priors"] = priors;
  d["lower"] = vector(prepared.lower());
  d["upper"] = vector(prepared.upper());
  d["nominal"] = vector(prepared.nominal());
  d["lower_si"] = vector(lower_si);
  d["upper_si"] = vector(upper_si);
  d["nominal_si"] = vector(nominal_si);
  py::list conditions, scenario_files, condition_sets, observables, observable_units,
      observable_exprs;
  for (const fit::Condition& c : p.conditions) {
    conditions.append(c.id);
    scenario_files.append(c.scenario_file);
    condition_sets.append(py::cast(c.sets));  // "path=value" as applied
  }
  for (const fit::Observable& o : p.observables) {
    observables.append(o.id);
    observable_exprs.append(o.expr);
    observable_units.append(o.si_unit);
  }
  d["conditions"] = conditions;
  d["scenario_files"] = scenario_files;
  d["condition_sets"] = condition_sets;
  d["observables"] = observables;
  d["observable_exprs"] = observable_exprs;
  d["observable_units"] = observable_units;
  py::list m_condition, m_observable, m_category, m_source;
  std::vector<double> m_time, m_value, m_sigma, m_censored;
  for (const fit::Measurement& m : p.measurements) {
    m_condition.append(p.conditions[m.condition].id);
    m_observable.append(p.observables[m.observable].id);
    m_category.append(m.category);
    m_source.append(m.source);
    m_time.push_back(m.time);
    m_value.push_back(m.value);
    m_sigma.push_back(m.sigma);
    m_censored.push_back(m.censored ? 1.0 : 0.0);
  }
  py::dict meas;
  meas["condition"] = m_condition;
  meas["observable"] = m_observable;
  meas["category"] = m_category;
  meas["source"] = m_source;
  meas["time"] = vector(m_time);
  meas["value"] = vector(m_value);
  meas["sigma"] = vector(m_sigma);
  meas["censored"] = vector(m_censored);
  d["measurements"] = meas;
  d["problem_file"] = p.source_file;
  d["residual_count"] = prepared.residual_count();
  return d;
}

void check_length(const Array& x, std::size_t n) {
  if (x.ndim() != 1 || static_cast<std::size_t>(x.shape(0)) != n)
    throw py::value_error("x must be a 1-D array of " + std::to_string(n) + " parameters");
}

// One evaluator per Python object (plus one per extra thread for batches of points); calls are
// serialised (the GIL is released while it runs).
struct FitProblemHandle {
  std::shared_ptr<const fit::PreparedFit> prepared;
  std::unique_ptr<fit::Posterior> posterior;
  std::vector<std::unique_ptr<fit::Posterior>> workers;  // [0] unused: the posterior above
  double fd_step = 1e-4;
  std::optional<fit::FitSettings::Gradient> gradient;
  int threads = 0;  // for batches: 0 = OpenMP's default
  std::mutex mutex;

  fit::Posterior& worker(std::size_t t) { return t == 0 ? *posterior : *workers[t]; }
  // Evaluators for `count` threads (made once, serially: each runs one prediction).
  void ensure_workers(std::size_t count) {
    if (workers.empty()) workers.emplace_back();
    while (workers.size() < count)
      workers.push_back(std::make_unique<fit::Posterior>(prepared, fd_step, gradient));
  }
};

}  // namespace

void bind_fit(py::module_& m) {
  m.def(
      "fit_problem",
      [](const std::string& problem, const std::string& output, int threads, long starts,
         long long seed, const py::object& profiles, bool overwrite, const py::object& sample,
         const py::object& on_progress) {
        fit::FitRunOptions o;
        o.output = output;
        o.overwrite = overwrite;
        o.threads = threads;
        if (starts > 0) o.starts = static_cast<std::size_t>(starts);
        if (seed >= 0) o.seed = static_cast<std::uint64_t>(seed);
        if (!profiles.is_none()) o.profiles = profiles.cast<bool>();
        if (!sample.is_none()) o.sample = sample.cast<bool>();
        std::atomic<bool> cancel{false};
        o.cancelled = [&cancel] { return cancel.load(); };
        LineMailbox lines;
        if (!on_progress.is_none()) o.progress = [&lines](const std::string& l) { lines.post(l); };
        auto draw = [&] {
          for (const std::string& l : lines.take()) on_progress(l);
        };
        BackgroundOptions background;
        if (!on_progress.is_none()) background.on_poll = draw;
        background.request_cancel = [&cancel] { cancel.store(true); };
        fit::FitOutcome out;
        std::string interrupted;  // the fit's message when Ctrl-C stopped it
        {
          const CoreLock lock;  // reads scenario and database files (single-threaded parsing)
          try {
            run_in_background(
                [&] {
                  try {
                    out = fit::fit_problem(problem, o);
                  } catch (const fit::Interrupted& e) {
                    if (!cancel.load()) throw;
                    interrupted = e.what();
                  }
                },
                background);
          } catch (py::error_already_set& e) {
            if (!e.matches(PyExc_KeyboardInterrupt)) throw;
            if (!on_progress.is_none()) draw();  // the starts that finished after Ctrl-C
            // Ctrl-C: say what was kept (or that the fit had finished and was written anyway).
            const std::string message =
                !interrupted.empty() ? interrupted
                : out.output_path.empty()
                    ? std::string("interrupted after the fit had finished")
                    : "interrupted after the fit had finished; its result is in " + out.output_path;
            PyErr_SetString(PyExc_KeyboardInterrupt, message.c_str());
            throw py::error_already_set();
          }
        }
        if (!on_progress.is_none()) draw();  // the lines after the last poll
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
        d["covariance_available"] = r.covariance_available;          // false: Nelder-Mead (all NaN)
        d["fisher_eigenvalues"] = vector(r.covariance.eigenvalues);  // ascending
        // (parameter, direction): column k is the eigen-direction of eigenvalue k
        d["fisher_eigenvectors"] = matrix(r.covariance.eigenvectors, n, n);
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
        d["problem"] = problem_info(*out.prepared);
        if (r.sampled) {
          // The kept samples (after burn-in and thinning), in natural units as in the fit file.
          const optimize::SamplerResult& sr = r.sampling;
          const std::size_t ns = sr.steps.size(), nw = sr.walkers;
          py::array_t<double> chain({ns, nw, n});
          double* c = chain.mutable_data();
          for (std::size_t i = 0; i < ns * nw; ++i)
            for (std::size_t j = 0; j < n; ++j)
              c[i * n + j] = fit::from_scaled(p.parameters[j], sr.chain[i * n + j]);
          d["chain"] = chain;
          d["chain_log_posterior"] = matrix(sr.log_density, ns, nw);
          d["chain_steps"] = std::vector<std::size_t>(sr.steps);
          d["acceptance_fraction"] = sr.acceptance_fraction;
          d["autocorrelation_time"] = vector(sr.autocorrelation_time);
          d["burn_in"] = 0;  // the chain starts after the sampler's burn-in
        }
        return d;
      },
      py::arg("problem"), py::arg("output") = "", py::arg("threads") = 0, py::arg("starts") = 0,
      py::arg("seed") = -1, py::arg("profiles") = py::none(), py::arg("overwrite") = false,
      py::arg("sample") = py::none(), py::arg("on_progress") = py::none(),
      "Fit a calibration problem file (the entry point of `calcikin fit`). on_progress(line) "
      "is called from the calling thread with each progress line; Ctrl-C stops the fit after "
      "the starts in flight (the checkpoint keeps the finished ones) and raises "
      "KeyboardInterrupt.");

  py::class_<FitProblemHandle>(m, "FitProblem")
      .def(py::init([](const std::string& problem, const std::string& gradient, double fd_step,
                       int threads) {
             std::optional<fit::FitSettings::Gradient> g;
             if (gradient == "sensitivities")
               g = fit::FitSettings::Gradient::Sensitivities;
             else if (gradient == "finite-differences")
               g = fit::FitSettings::Gradient::FiniteDifferences;
             else if (!gradient.empty())
               throw py::value_error(
                   "gradient must be 'sensitivities' or 'finite-differences', not '" + gradient +
                   "'");
             auto h = std::make_unique<FitProblemHandle>();
             const CoreLock lock;  // reads the problem, scenario and database files
             const py::gil_scoped_release release;
             h->prepared = fit::PreparedFit::prepare(fit::load_problem(problem));
             h->posterior = std::make_unique<fit::Posterior>(h->prepared, fd_step, g);
             h->fd_step = fd_step;
             h->gradient = g;
             h->threads = threads;
             return h;
           }),
           py::arg("problem"), py::arg("gradient") = "", py::arg("fd_step") = 1e-4,
           py::arg("threads") = 0)
      .def_property_readonly("info",
                             [](const FitProblemHandle& h) { return problem_info(*h.prepared); })
      .def_property_readonly(
          "likelihood_constant",
          [](const FitProblemHandle& h) { return h.posterior->likelihood_constant(); })
      .def(
          "evaluate",
          [](FitProblemHandle& h, const Array& x, bool jacobian) {
            const fit::Posterior& p = *h.posterior;
            check_length(x, p.parameter_count());
            const std::size_t n = p.parameter_count(), rows = p.residual_count();
            std::vector<double> r(rows), J(jacobian ? rows * n : 0);
            bool ok = false;
            std::string failure;
            {
              const CoreLock lock;
              const py::gil_scoped_release release;
              const std::lock_guard<std::mutex> guard(h.mutex);
              // One point: its conditions in parallel.
              h.posterior->set_threads(h.threads > 0 ? h.threads : omp_get_max_threads());
              ok = h.posterior->evaluate(x.data(), r.data(), jacobian ? J.data() : nullptr);
              failure = h.posterior->last_failure();
            }
            py::object jac = jacobian ? py::object(matrix(J, rows, n)) : py::object(py::none());
            return py::make_tuple(ok, vector(r), jac, failure);
          },
          py::arg("x"), py::arg("jacobian") = false,
          "(ok, residuals, jacobian or None, failure message) at scaled parameters x.")
      .def(
          "log_density",
          [](FitProblemHandle& h, const Array& x, const std::string& which) {
            const std::size_t n = h.posterior->parameter_count();
            if (x.ndim() != 2 || static_cast<std::size_t>(x.shape(1)) != n)
              throw py::value_error("x must be an array of shape (k, " + std::to_string(n) + ")");
            const auto k = static_cast<std::size_t>(x.shape(0));
            std::vector<double> out(k);
            {
              const CoreLock lock;
              const py::gil_scoped_release release;
              const std::lock_guard<std::mutex> guard(h.mutex);
              // Rows in parallel, one evaluator per thread (each row is independent).
              const int threads = std::max(
                  1,
                  std::min(h.threads > 0 ? h.threads : omp_get_max_threads(), static_cast<int>(k)));
              h.ensure_workers(static_cast<std::size_t>(threads));
              // Several rows: the rows in parallel, each row's conditions in sequence; one row:
              // its conditions in parallel.
              const int all = h.threads > 0 ? h.threads : omp_get_max_threads();
              for (int t = 0; t < threads; ++t)
                h.worker(static_cast<std::size_t>(t)).set_threads(k == 1 ? all : 1);
              const double* data = x.data();
#pragma omp parallel for num_threads(threads) schedule(dynamic)
              for (std::size_t i = 0; i < k; ++i) {
                const double* xi = data + i * n;
                fit::Posterior& post = h.worker(static_cast<std::size_t>(omp_get_thread_num()));
                try {
                  out[i] = which == "prior"        ? fit::log_prior(*h.prepared, xi)
                           : which == "likelihood" ? post.log_likelihood(xi)
                                                   : post.log_posterior(xi);
                } catch (...) {
                  out[i] = -std::numeric_limits<double>::infinity();
                }
              }
            }
            return vector(out);
          },
          py::arg("x"), py::arg("which") = "posterior",
          "log-posterior (or 'likelihood', 'prior') of each row of x (k x parameters); -inf "
          "outside "
          "the bounds or where a simulation failed.");
}

}  // namespace calcikin::python
