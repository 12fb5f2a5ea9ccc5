#include "solver/optimize/least_squares.hpp"

#include <ceres/ceres.h>
#include <glog/logging.h>
#include <omp.h>

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "solver/optimize/nelder_mead.hpp"

namespace calcikin::optimize {

namespace {

class CostAdapter final : public ceres::CostFunction {
 public:
  CostAdapter(ResidualProblem& p, int* evaluations) : p_(p), evaluations_(evaluations) {
    set_num_residuals(static_cast<int>(p.residual_count()));
    mutable_parameter_block_sizes()->push_back(static_cast<int>(p.parameter_count()));
  }
  bool Evaluate(double const* const* parameters, double* residuals,
                double** jacobians) const override {
    ++*evaluations_;
    return p_.evaluate(parameters[0], residuals, jacobians != nullptr ? jacobians[0] : nullptr);
  }

 private:
  ResidualProblem& p_;
  int* evaluations_;
};

// Records the cost after each iteration, and ends the solve once two iterations in a row predict a
// decrease below the cost's noise floor (LeastSquaresOptions::cost_noise).
class Trace final : public ceres::IterationCallback {
 public:
  Trace(LeastSquaresResult& out, double cost_noise) : out_(out), cost_noise_(cost_noise) {}
  ceres::CallbackReturnType operator()(const ceres::IterationSummary& s) override {
    out_.trace_cost.push_back(s.cost);
    out_.trace_seconds.push_back(s.cumulative_time_in_seconds);
    if (cost_noise_ <= 0.0 || s.iteration == 0 || s.relative_decrease == 0.0)
      return ceres::SOLVER_CONTINUE;
    // relative_decrease = actual / predicted change: the predicted decrease of the local model.
    const double predicted = s.cost_change / s.relative_decrease;
    below_ = std::isfinite(predicted) && predicted < cost_noise_ * s.cost ? below_ + 1 : 0;
    if (below_ < 2) return ceres::SOLVER_CONTINUE;
    stopped_at_noise_ = true;
    return ceres::SOLVER_TERMINATE_SUCCESSFULLY;
  }
  bool stopped_at_noise() const { return stopped_at_noise_; }

 private:
  LeastSquaresResult& out_;
  double cost_noise_;
  int below_ = 0;
  bool stopped_at_noise_ = false;
};

double cost_at(ResidualProblem& p, const std::vector<double>& x) {
  std::vector<double> r(p.residual_count());
  if (!p.evaluate(x.data(), r.data(), nullptr)) return std::numeric_limits<double>::infinity();
  double c = 0.0;
  for (double v : r) c += 0.5 * v * v;
  return std::isfinite(c) ? c : std::numeric_limits<double>::infinity();
}

// Nelder-Mead over the free coordinates (all but `fixed`) from out.x, which it replaces.
void run_nelder_mead(ResidualProblem& p, const LeastSquaresOptions& o, long fixed,
                     LeastSquaresResult& out) {
  const std::size_t n = p.parameter_count();
  std::vector<std::size_t> free;
  for (std::size_t i = 0; i < n; ++i)
    if (static_cast<long>(i) != fixed) free.push_back(i);
  NelderMeadOptions no;
  std::vector<double> z0;
  for (std::size_t i : free) {
    no.lower.push_back(o.lower.empty() ? -1e300 : o.lower[i]);
    no.upper.push_back(o.upper.empty() ? 1e300 : o.upper[i]);
    z0.push_back(out.x[i]);
  }
  // Iterations of Levenberg-Marquardt and of the simplex are not comparable: the simplex gets
  // max_iterations x (free + 1) evaluations, about max_iterations simplex restarts' worth.
  no.max_evaluations = o.max_iterations * static_cast<int>(free.size() + 1) * 2;
  double span = 0.0;
  for (std::size_t k = 0; k < free.size(); ++k) span = std::max(span, no.upper[k] - no.lower[k]);
  no.x_tolerance = std::max(1e-8, o.parameter_tolerance * 100.0 * span);
  no.f_tolerance = std::max(1e-12, o.function_tolerance);
  std::vector<double> x = out.x;
  std::vector<double> r(p.residual_count());
  const auto t0 = std::chrono::steady_clock::now();
  auto f = [&](const double* z) {
    for (std::size_t k = 0; k < free.size(); ++k) x[free[k]] = z[k];
    if (!p.evaluate(x.data(), r.data(), nullptr)) return std::numeric_limits<double>::infinity();
    double c = 0.0;
    for (double v : r) c += 0.5 * v * v;
    out.trace_cost.push_back(c);
    out.trace_seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    return std::isfinite(c) ? c : std::numeric_limits<double>::infinity();
  };
  const NelderMeadResult nm = nelder_mead(f, z0, no);
  for (std::size_t k = 0; k < free.size(); ++k) out.x[free[k]] = nm.x[k];
  out.iterations = nm.iterations;
  out.evaluations = nm.evaluations;
  out.converged = nm.converged;
  out.message = "Nelder-Mead: " + nm.message;
  out.cost = cost_at(p, out.x);
  out.usable = std::isfinite(out.cost);
}

// One Ceres solve; `fixed` >= 0 holds that coordinate at its start value.
LeastSquaresResult run_ceres(ResidualProblem& p, const std::vector<double>& x0,
                             const LeastSquaresOptions& o, long fixed) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t n = p.parameter_count();
  LeastSquaresResult out;
  out.x0 = x0;
  out.x = x0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!o.lower.empty()) out.x[i] = std::max(out.x[i], o.lower[i]);
    if (!o.upper.empty()) out.x[i] = std::min(out.x[i], o.upper[i]);
  }
  if (o.method == LeastSquaresOptions::Method::NelderMead) {
    run_nelder_mead(p, o, fixed, out);
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
  }
  // Ceres reports a failed evaluation (a simulation that did not finish: the trust region then
  // shrinks) through glog at ERROR level on stderr; the result carries the message instead.
  static const bool quiet = [] {
    FLAGS_minloglevel = google::GLOG_FATAL;
    return true;
  }();
  (void)quiet;
  ceres::Problem problem;
  double* x = out.x.data();
  problem.AddResidualBlock(new CostAdapter(p, &out.evaluations), nullptr, x);
  for (std::size_t i = 0; i < n; ++i) {
    if (!o.lower.empty()) problem.SetParameterLowerBound(x, static_cast<int>(i), o.lower[i]);
    if (!o.upper.empty()) problem.SetParameterUpperBound(x, static_cast<int>(i), o.upper[i]);
  }
  if (fixed >= 0) {
    if (n == 1)
      problem.SetParameterBlockConstant(x);
    else
      problem.SetManifold(
          x, new ceres::SubsetManifold(static_cast<int>(n), {static_cast<int>(fixed)}));
  }
  ceres::Solver::Options so;
  so.minimizer_type = ceres::TRUST_REGION;
  so.trust_region_strategy_type = ceres::LEVENBERG_MARQUARDT;
  so.linear_solver_type = ceres::DENSE_QR;
  so.max_num_iterations = o.max_iterations;
  so.function_tolerance = o.function_tolerance;
  so.gradient_tolerance = o.gradient_tolerance;
  so.parameter_tolerance = o.parameter_tolerance;
  so.logging_type = ceres::SILENT;
  so.minimizer_progress_to_stdout = false;
  so.num_threads = 1;
  // With bounds Ceres projects each trust-region step by an Armijo line search; its default cubic
  // interpolation asks for the gradient at every trial point, i.e. a full Jacobian (a sensitivity
  // run of every condition) per candidate step. Quadratic interpolation needs only the cost.
  so.line_search_interpolation_type = ceres::QUADRATIC;
  Trace trace(out, o.cost_noise);
  so.callbacks.push_back(&trace);
  ceres::Solver::Summary summary;
  if (n == 1 && fixed >= 0) {
    out.cost = cost_at(p, out.x);
    out.usable = std::isfinite(out.cost);
    out.converged = out.usable;
    out.message = "all parameters fixed";
  } else {
    ceres::Solve(so, &problem, &summary);
    out.iterations = static_cast<int>(summary.iterations.size());
    out.converged = summary.termination_type == ceres::CONVERGENCE || trace.stopped_at_noise();
    out.message = trace.stopped_at_noise()
                      ? "the predicted decrease fell below the cost's noise floor twice in a row"
                      : summary.message;
    out.cost = cost_at(p, out.x);
    out.usable = std::isfinite(out.cost);
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace

LeastSquaresResult solve(ResidualProblem& problem, const std::vector<double>& x0,
                         const LeastSquaresOptions& options) {
  return run_ceres(problem, x0, options, -1);
}

std::vector<std::vector<double>> latin_hypercube(std::size_t n, const std::vector<double>& lower,
                                                 const std::vector<double>& upper,
                                                 std::uint64_t seed) {
  const std::size_t d = lower.size();
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<std::vector<double>> pts(n, std::vector<double>(d));
  std::vector<std::size_t> perm(n);
  for (std::size_t j = 0; j < d; ++j) {
    std::iota(perm.begin(), perm.end(), std::size_t{0});
    std::shuffle(perm.begin(), perm.end(), rng);
    for (std::size_t i = 0; i < n; ++i)
      pts[i][j] = lower[j] + (static_cast<double>(perm[i]) + u(rng)) / static_cast<double>(n) *
                                 (upper[j] - lower[j]);
  }
  return pts;
}

MultistartResult multistart(const ProblemFactory& make_problem, std::size_t starts,
                            std::uint64_t seed, const LeastSquaresOptions& options,
                            const std::vector<double>& x_first, int threads,
                            const MultistartHooks* hooks) {
  MultistartResult out;
  std::vector<std::vector<double>> x0 = latin_hypercube(starts, options.lower, options.upper, seed);
  if (!x_first.empty() && !x0.empty()) x0[0] = x_first;
  out.starts.resize(x0.size());
  // Starts finished before (a checkpoint) are taken as they are when they began at the same point.
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < x0.size(); ++i) {
    if (hooks != nullptr) {
      const auto it = hooks->finished.find(i);
      if (it != hooks->finished.end() && it->second.x0 == x0[i]) {
        out.starts[i] = it->second;
        ++out.resumed;
        continue;
      }
    }
    todo.push_back(i);
  }
  const bool on_request = hooks != nullptr && static_cast<bool>(hooks->next);
  if (hooks != nullptr && hooks->processes > 1 && !on_request) {  // this share, round-robin
    std::vector<std::size_t> mine;
    for (std::size_t k = hooks->process; k < todo.size(); k += hooks->processes)
      mine.push_back(todo[k]);
    todo.swap(mine);
  }
  bool cancelled = false;
  const int nt = threads > 0 ? threads : omp_get_max_threads();
  // Fewer starts than threads: the spare threads work inside each start's evaluations (nested).
  const int outer = std::max(1, std::min(nt, static_cast<int>(todo.size())));
  const int inner = nt / outer;
  const int levels = omp_get_max_active_levels();
  if (inner > 1) omp_set_max_active_levels(std::max(levels, 2));
  // Asked before each start: true stops this and every later start.
  auto stop_here = [&] {
    if (hooks == nullptr || !hooks->cancelled) return false;
    bool stop = false;
#pragma omp critical(calcikin_multistart_hooks)
    {
      if (!cancelled && hooks->cancelled()) cancelled = true;
      stop = cancelled;
    }
    return stop;
  };
  auto run_start = [&](ResidualProblem& p, std::size_t i) {
    out.starts[i] = run_ceres(p, x0[i], options, -1);
    if (hooks != nullptr && hooks->on_finished) {
#pragma omp critical(calcikin_multistart_hooks)
      hooks->on_finished(i, out.starts[i]);
    }
  };
#pragma omp parallel num_threads(outer)
  {
    std::unique_ptr<ResidualProblem> p = make_problem();
    p->set_threads(inner);
    if (on_request) {
      // The cancel check comes before the request: no start is handed out and then left.
      while (!stop_here()) {
        const std::size_t k = hooks->next();
        if (k >= todo.size()) break;
        run_start(*p, todo[k]);
      }
    } else {
#pragma omp for schedule(dynamic, 1)
      for (long k = 0; k < static_cast<long>(todo.size()); ++k)
        if (!stop_here()) run_start(*p, todo[static_cast<std::size_t>(k)]);
    }
  }
  out.cancelled = cancelled;
  omp_set_max_active_levels(levels);
  choose_best(out);
  return out;
}

void choose_best(MultistartResult& out) {
  out.best = 0;
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < out.starts.size(); ++i)
    if (out.starts[i].usable && out.starts[i].cost < best) {
      best = out.starts[i].cost;
      out.best = i;
    }
}

Covariance laplace_covariance(const std::vector<double>& jacobian, std::size_t m, std::size_t n,
                              double rank_tolerance) {
  Covariance c;
  c.n = n;
  Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> J(
      jacobian.data(), static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(n));
  const Eigen::MatrixXd F = J.transpose() * J;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(F);
  const Eigen::VectorXd& ev = es.eigenvalues();
  const Eigen::MatrixXd& V = es.eigenvectors();
  const double largest = n > 0 ? std::max(ev(static_cast<Eigen::Index>(n) - 1), 0.0) : 0.0;
  Eigen::MatrixXd C =
      Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  std::vector<bool> undetermined(n, false);
  for (Eigen::Index k = 0; k < static_cast<Eigen::Index>(n); ++k) {
    if (ev(k) > rank_tolerance * largest && ev(k) > 0.0) {
      ++c.rank;
      C += V.col(k) * V.col(k).transpose() / ev(k);
    } else {
      // An undetermined direction: every parameter it involves has an unbounded variance.
      for (Eigen::Index i = 0; i < static_cast<Eigen::Index>(n); ++i)
        if (std::fabs(V(i, k)) > 1e-6) undetermined[static_cast<std::size_t>(i)] = true;
    }
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  c.fisher.resize(n * n);
  c.covariance.resize(n * n);
  c.eigenvectors.resize(n * n);
  c.eigenvalues.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto ii = static_cast<Eigen::Index>(i);
    c.eigenvalues[i] = ev(ii);
    for (std::size_t j = 0; j < n; ++j) {
      const auto jj = static_cast<Eigen::Index>(j);
      c.fisher[i * n + j] = F(ii, jj);
      c.eigenvectors[i * n + j] = V(ii, jj);
      c.covariance[i * n + j] = (undetermined[i] || undetermined[j]) ? nan : C(ii, jj);
    }
  }
  return c;
}

Profile profile(ResidualProblem& problem, const std::vector<double>& x_best, double best_cost,
                std::size_t index, const LeastSquaresOptions& options, std::size_t steps_per_side,
                double threshold, double first_step) {
  Profile pr;
  pr.index = index;
  const double xb = x_best[index];
  std::vector<std::pair<double, double>> pts{{xb, best_cost}};
  for (int side : {-1, +1}) {
    const double bound = side < 0 ? options.lower[index] : options.upper[index];
    const double span = std::fabs(bound - xb);
    double step =
        first_step > 0.0 ? std::min(first_step, span) : span / static_cast<double>(steps_per_side);
    std::vector<double> x = x_best;
    bool crossed = false;
    double prev_v = xb, prev_c = best_cost, offset = 0.0;
    for (std::size_t k = 1; k <= steps_per_side && span > 0.0; ++k) {
      offset = std::min(offset + step, span);
      if (k == steps_per_side) offset = span;  // the last step reaches the bound
      step *= first_step > 0.0 ? 1.5 : 1.0;
      x[index] = xb + side * offset;
      const LeastSquaresResult r = run_ceres(problem, x, options, static_cast<long>(index));
      if (!r.usable) break;
      x = r.x;  // the next step starts from this one's optimum (continuation)
      const double c = r.cost;
      pts.emplace_back(x[index], c);
      if (c - best_cost > threshold && !crossed) {
        crossed = true;
        const double f = (best_cost + threshold - prev_c) / (c - prev_c);
        const double at = prev_v + f * (x[index] - prev_v);
        if (side < 0) {
          pr.lower = at;
          pr.lower_bounded = true;
        } else {
          pr.upper = at;
          pr.upper_bounded = true;
        }
      }
      prev_v = x[index];
      prev_c = c;
      if (c - best_cost > 2.0 * threshold + 2.0 || offset >= span) break;
    }
    if (!crossed) (side < 0 ? pr.lower : pr.upper) = prev_v;
  }
  std::sort(pts.begin(), pts.end());
  for (const auto& [v, c] : pts) {
    pr.values.push_back(v);
    pr.costs.push_back(c);
  }
  pr.identifiable = pr.lower_bounded && pr.upper_bounded;
  return pr;
}

}  // namespace calcikin::optimize
