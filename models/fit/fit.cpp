#include "models/fit/fit.hpp"

#include <ceres/version.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <sstream>

#include <fstream>
#include "calcikin_build_info.hpp"
#include "calcikin_git_commit.hpp"
#include "models/fit/posterior.hpp"
#include "solver/input/units.hpp"
#include "solver/io/hdf5_util.hpp"
#include "solver/io/io_error.hpp"
#include "solver/io/output_guard.hpp"
#include "solver/optimize/start_checkpoint.hpp"
#include "solver/sweep/rank_gather.hpp"

namespace calcikin::fit {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kProfileThreshold = 1.92;  // chi2(1, 0.95) / 2
constexpr double kZ95 = 1.959963984540054;

// The sampler's view of fit::Posterior (models/fit/posterior): one per thread.
class LogPosterior final : public optimize::LogDensity {
 public:
  LogPosterior(const PreparedFit& fit, double fd_step)
      : posterior_(std::shared_ptr<const PreparedFit>(&fit, [](const PreparedFit*) {}), fd_step) {}
  std::size_t dimension() const override { return posterior_.parameter_count(); }
  double log_density(const double* x) override {
    try {
      const double v = posterior_.log_posterior(x);
      return std::isnan(v) ? -std::numeric_limits<double>::infinity() : v;
    } catch (...) {
      return -std::numeric_limits<double>::infinity();
    }
  }

 private:
  Posterior posterior_;
};

// "12 s", "3.4 min", "1.2 h"
std::string duration_text(double s) {
  char b[32];
  if (!std::isfinite(s) || s < 0.0) return "?";
  if (s < 120.0)
    std::snprintf(b, sizeof b, "%.0f s", s);
  else if (s < 7200.0)
    std::snprintf(b, sizeof b, "%.1f min", s / 60.0);
  else
    std::snprintf(b, sizeof b, "%.1f h", s / 3600.0);
  return b;
}

// The objective the optimiser sees: the problem's residuals, with the robust loss (fit.loss) on
// the measurements' rows.
// `iterating`: the Levenberg-Marquardt iterations' objective (fit.iteration_jacobian).
std::unique_ptr<optimize::ResidualProblem> fitted_objective(const PreparedFit& fit, double fd_step,
                                                            bool iterating = false) {
  const optimize::RobustLoss& loss = fit.problem().settings.loss;
  if (loss.kind == optimize::LossKind::Linear)
    return fit.make_objective(fd_step, std::nullopt, iterating);
  return std::make_unique<optimize::RobustResiduals>(
      fit.make_objective(fd_step, std::nullopt, iterating), loss,
      fit.problem().measurements.size());
}

// Numbers as C99 hexadecimal floats (bit-exact) and back.
std::string hex_numbers(const std::vector<double>& v) {
  std::string s;
  char b[40];
  for (double x : v) {
    std::snprintf(b, sizeof b, " %a", x);
    s += b;
  }
  return s;
}
std::vector<double> parse_hex_numbers(const std::string& s) {
  std::vector<double> v;
  const char* p = s.c_str();
  for (;;) {
    char* end = nullptr;
    const double x = std::strtod(p, &end);
    if (end == p) break;
    v.push_back(x);
    p = end;
  }
  return v;
}

// The covariance of a fit that has none (Nelder-Mead): every entry NaN, rank 0.
optimize::Covariance absent_covariance(std::size_t n) {
  optimize::Covariance c;
  c.n = n;
  c.fisher.assign(n * n, kNaN);
  c.covariance.assign(n * n, kNaN);
  c.eigenvalues.assign(n, kNaN);
  c.eigenvectors.assign(n * n, kNaN);
  c.rank = 0;
  return c;
}

// At the best fit: the Laplace covariance from the Jacobian (none for Nelder-Mead: its objective,
// categorical outcomes only, is flat where one phase dominates and has no Jacobian worth
// inverting; J^T J there is rank-deficient noise, not a curvature: reported as absent), the
// prediction and the negative log-likelihood.
void laplace(const PreparedFit& fit, const FitOptions& options, FitResult& out,
             const std::function<void(const std::string&)>& progress) {
  const std::size_t m = fit.residual_count(), n = fit.parameter_count();
  if (out.method == FitSettings::Method::NelderMead) {
    out.covariance_available = false;
    out.covariance = absent_covariance(n);
    if (progress)
      progress(
          "fit: no Laplace covariance for a Nelder-Mead fit (no usable Jacobian): intervals come "
          "from --profiles or --sample");
  } else {
    std::unique_ptr<optimize::ResidualProblem> obj = fitted_objective(fit, options.fd_step);
    obj->set_threads(out.threads);  // conditions in parallel
    std::vector<double> r(m), J(m * n);
    if (!obj->evaluate(out.best_x.data(), r.data(), J.data()))
      throw std::runtime_error("the best fit cannot be re-evaluated");
    out.covariance = optimize::laplace_covariance(J, m, n);
  }
  out.best = fit.predict(out.best_x);
  out.negative_log_likelihood = 0.0;
  for (std::size_t i = 0; i < m; ++i)
    out.negative_log_likelihood +=
        0.5 * out.best.residuals[i] * out.best.residuals[i] + out.best.constants[i];
}

}  // namespace

std::unique_ptr<optimize::LogDensity> make_log_posterior(const PreparedFit& fit, double fd_step) {
  return std::make_unique<LogPosterior>(fit, fd_step);
}

FitSettings::Method resolved_method(const CalibrationProblem& p) {
  if (p.settings.method != FitSettings::Method::Auto) return p.settings.method;
  for (const Measurement& m : p.measurements)
    if (p.observables[m.observable].kind != ObservableKind::FinalPhase)
      return FitSettings::Method::LevenbergMarquardt;
  return FitSettings::Method::NelderMead;
}

FitResult run(const PreparedFit& fit, const FitOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  const CalibrationProblem& p = fit.problem();
  FitResult out;
  out.seed = options.seed.value_or(p.settings.seed);
  out.threads = options.threads > 0 ? options.threads : omp_get_max_threads();
  const std::size_t starts = options.starts.value_or(p.settings.starts);
  const bool profiles = options.profiles.value_or(p.settings.profiles);
  const std::size_t n = fit.parameter_count();
  // MPI (the CLI under mpirun): starts and profiles are dealt out over the ranks; rank 0 gathers,
  // checkpoints, reports progress and alone computes the rest.
  const sweep::MpiWorld world = options.distribute ? sweep::mpi_world() : sweep::MpiWorld{};
  const bool root = world.rank == 0;
  out.rank = world.rank;
  out.ranks = world.size;
  const std::function<void(const std::string&)> progress = root ? options.progress : nullptr;

  optimize::LeastSquaresOptions lso;
  lso.lower = fit.lower();
  lso.upper = fit.upper();
  lso.max_iterations = p.settings.max_iterations;
  lso.function_tolerance = 1e-8;
  lso.gradient_tolerance = 1e-8;
  lso.parameter_tolerance = 1e-8;
  // The residuals carry the integration error of every condition: the global error of a trajectory
  // is typically 10-100 times the local tolerance (Hairer, Norsett & Wanner 1993, Solving ODEs I,
  // II.4), and the cost's scatter between neighbouring points was about 50 rtol on the fit
  // benchmark (bench/fit). A decrease predicted below 100 rtol of the cost is not resolved.
  // (Level-1 conditions in closed form carry no such noise; for them it is an ordinary tolerance.)
  lso.cost_noise = 100.0 * p.settings.rtol;
  out.method = resolved_method(p);
  if (out.method == FitSettings::Method::NelderMead)
    lso.method = optimize::LeastSquaresOptions::Method::NelderMead;
  if (progress)
    progress(
        std::string("fit: ") +
        (out.method == FitSettings::Method::NelderMead ? "Nelder-Mead" : "Levenberg-Marquardt") +
        ", " + std::to_string(starts) + " starts, " + std::to_string(n) + " parameters, " +
        std::to_string(p.measurements.size()) + " measurements, " +
        std::to_string(p.conditions.size()) + " conditions, " + std::to_string(out.threads) +
        " threads" +
        (world.size > 1 ? " x " + std::to_string(world.size) + " MPI ranks" : std::string()));
  const double fd = options.fd_step;
  // Checkpoint of finished starts and profiles (rank 0 only); progress with an ETA after each.
  std::unique_ptr<optimize::StartCheckpoint> checkpoint;
  optimize::MultistartHooks hooks;
  std::map<std::size_t, optimize::Profile> finished_profiles;
  if (!options.checkpoint.empty() && root) {
    std::ostringstream key;
    key << CALCIKIN_GIT_COMMIT << "\n" << p.source_text << "\n" << p.measurements_text << "\n";
    for (const Condition& c : p.conditions) {
      std::ifstream in(c.scenario_file, std::ios::binary);
      key << c.id << "\n" << in.rdbuf() << "\n";
      for (const std::string& set : c.sets) key << set << "\n";
    }
    key << "starts " << starts << " seed " << out.seed << " method " << static_cast<int>(out.method)
        << " fd " << fd;
    checkpoint = std::make_unique<optimize::StartCheckpoint>(options.checkpoint,
                                                             optimize::fnv1a_hex(key.str()), n);
    hooks.finished = checkpoint->finished();
    finished_profiles = checkpoint->profiles();
    if (progress && checkpoint->stale())
      progress("fit: the checkpoint " + options.checkpoint +
               " belongs to another problem or settings: starting afresh");
  }
  if (world.size > 1) {
    // Every rank deals out the same list of starts and profiles still to run: rank 0's checkpoint.
    std::string records;
    for (const auto& [i, r] : hooks.finished)
      records += optimize::StartCheckpoint::format(i, r) + "\n";
    for (const auto& [j, pr] : finished_profiles)
      records += optimize::StartCheckpoint::format_profile(pr) + "\n";
    sweep::broadcast_text(records);
    if (!root) {
      std::istringstream in(records);
      std::string line;
      while (std::getline(in, line)) {
        std::size_t i = 0;
        optimize::LeastSquaresResult r;
        optimize::Profile pr;
        if (optimize::StartCheckpoint::parse(line, n, i, r))
          hooks.finished[i] = std::move(r);
        else if (optimize::StartCheckpoint::parse_profile(line, pr))
          finished_profiles[pr.index] = std::move(pr);
      }
    }
    hooks.process = static_cast<std::size_t>(world.rank);
    hooks.processes = static_cast<std::size_t>(world.size);
  }
  hooks.cancelled = options.cancelled;
  const auto t_starts = std::chrono::steady_clock::now();
  std::size_t done_now = 0, resumable = 0;
  for (const auto& [i, r] : hooks.finished) resumable += i < starts ? 1 : 0;
  if (progress && resumable > 0)
    progress("fit: resuming: " + std::to_string(resumable) + " of " + std::to_string(starts) +
             " starts finished in " + options.checkpoint);
  // Rank 0 records a finished start, its own or another rank's (one at a time).
  std::mutex record_mutex;
  auto record_start = [&](std::size_t i, const optimize::LeastSquaresResult& r) {
    if (checkpoint) checkpoint->append(i, r);
    ++done_now;
    if (!progress) return;
    const double el =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_starts).count();
    const std::size_t left = starts - std::min(starts, resumable + done_now);
    char line[200];
    std::snprintf(
        line, sizeof line, "fit: start %zu done (%zu/%zu), cost %.6g%s; %s elapsed, ETA %s", i,
        resumable + done_now, starts, r.cost, r.converged ? "" : " (not converged)",
        duration_text(el).c_str(),
        duration_text(el / static_cast<double>(done_now) * static_cast<double>(left)).c_str());
    progress(line);
  };
  std::map<std::size_t, optimize::LeastSquaresResult> remote_starts;
  bool unreadable = false;
  {
    sweep::RankGather gather([&](std::size_t, const std::string& record) {
      std::size_t i = 0;
      optimize::LeastSquaresResult r;
      std::lock_guard<std::mutex> lock(record_mutex);
      if (!optimize::StartCheckpoint::parse(record, n, i, r) || i >= starts) {
        unreadable = true;
        return;
      }
      record_start(i, r);
      remote_starts[i] = std::move(r);
    });
    // Under MPI the starts are dealt on request: a rank whose starts converge quickly takes more
    // (each start's result does not depend on where it ran).
    if (world.size > 1) hooks.next = [&gather] { return gather.next_task(); };
    hooks.on_finished = [&](std::size_t i, const optimize::LeastSquaresResult& r) {
      if (!root) {
        gather.send(i, optimize::StartCheckpoint::format(i, r));
        return;
      }
      std::lock_guard<std::mutex> lock(record_mutex);
      record_start(i, r);
    };
    out.multistart =
        optimize::multistart([&fit, fd] { return fitted_objective(fit, fd, true); }, starts,
                             out.seed, lso, fit.nominal(), out.threads, &hooks);
    gather.finish();
  }
  // Rank 0 completes the multistart with the other ranks' starts and decides for all ranks: go on
  // (with the best fit and the first profile steps), stop (interrupted) or fail.
  std::string verdict;         // "" = go on; else 'I' or 'E' and the message
  std::vector<double> shared;  // cost, best x, first profile step of each parameter
  auto stop_text = [&](std::size_t finished) {
    return "interrupted: " + std::to_string(finished) + " of " + std::to_string(starts) +
           " starts finished" +
           (checkpoint ? "; they are kept in " + options.checkpoint +
                             ": run the same command again to continue"
                       : "");
  };
  if (root) {
    for (auto& [i, r] : remote_starts) out.multistart.starts[i] = std::move(r);
    optimize::choose_best(out.multistart);
    std::size_t finished = 0;
    for (const auto& s : out.multistart.starts) finished += s.x0.empty() ? 0 : 1;
    try {
      if (unreadable)
        throw std::runtime_error("MPI: a start record from another rank is unreadable");
      if (out.multistart.cancelled || finished < starts) {
        verdict = "I" + stop_text(finished);
      } else {
        const optimize::LeastSquaresResult& best = out.multistart.starts[out.multistart.best];
        if (!best.usable)
          throw SimulationsFailed(
              "no start reached a finite cost: every simulation failed (see the solver "
              "settings and parameter bounds of the problem's scenarios)");
        out.best_x = best.x;
        out.cost = best.cost;
        if (progress) {
          std::size_t converged = 0;
          for (const auto& s : out.multistart.starts) converged += s.converged ? 1 : 0;
          char line[160];
          std::snprintf(line, sizeof line,
                        "fit: best cost %.6g (start %zu), %zu of %zu starts converged", out.cost,
                        out.multistart.best, converged, starts);
          progress(line);
        }
        laplace(fit, options, out, progress);
        shared.push_back(out.cost);
        shared.insert(shared.end(), out.best_x.begin(), out.best_x.end());
        for (std::size_t j = 0; j < n; ++j) {
          // First profile step a quarter of the Laplace 95 % half-width (when determined).
          const double var = out.covariance.covariance[j * n + j];
          shared.push_back(var > 0.0 ? 0.25 * kZ95 * std::sqrt(var) : 0.0);
        }
      }
    } catch (const std::exception& e) {
      if (world.size <= 1) throw;  // one process: the error as it is
      verdict = (dynamic_cast<const SimulationsFailed*>(&e) ? "F" : "E") + std::string(e.what());
    }
  }
  if (world.size > 1) {
    std::string text = verdict.empty() ? "O" + hex_numbers(shared) : verdict;
    sweep::broadcast_text(text);
    if (!root) {
      verdict = text[0] == 'O' ? std::string() : text;
      if (verdict.empty()) shared = parse_hex_numbers(text.substr(1));
    }
  }
  if (!verdict.empty()) {
    if (verdict[0] == 'I') throw Interrupted(verdict.substr(1));
    if (verdict[0] == 'F') throw SimulationsFailed(verdict.substr(1));
    throw std::runtime_error(verdict.substr(1));
  }
  if (!root) {
    out.cost = shared.at(0);
    out.best_x.assign(shared.begin() + 1, shared.begin() + 1 + static_cast<long>(n));
  }
  const std::vector<double> first_step(shared.begin() + 1 + static_cast<long>(n), shared.end());

  std::string stop;  // rank 0: why the fit ends here ('I' interrupted, 'E' error, and the text)
  if (profiles) {
    out.profiles.resize(n);
    // The profiles still to run (not in the checkpoint), dealt out over the ranks.
    std::vector<std::size_t> todo, mine;
    for (std::size_t j = 0; j < n; ++j) {
      const auto it = finished_profiles.find(j);
      if (it != finished_profiles.end())
        out.profiles[j] = it->second;
      else
        todo.push_back(j);
    }
    for (std::size_t k = 0; k < todo.size(); ++k)
      if (sweep::owns_task(world, k)) mine.push_back(todo[k]);
    if (progress && todo.size() < n)
      progress("fit: resuming: " + std::to_string(n - todo.size()) + " of " + std::to_string(n) +
               " profiles finished in " + options.checkpoint);
    std::size_t profiles_done = n - todo.size();
    bool cancelled = false;
    auto record_profile = [&](const optimize::Profile& pr) {  // rank 0, under record_mutex
      if (checkpoint) checkpoint->append_profile(pr);
      ++profiles_done;
      if (progress)
        progress("fit: profile of " + p.parameters[pr.index].name + " done (" +
                 std::to_string(profiles_done) + "/" + std::to_string(n) + ")" +
                 (pr.identifiable ? "" : ", not identifiable"));
    };
    {
      sweep::RankGather gather([&](std::size_t, const std::string& record) {
        optimize::Profile pr;
        std::lock_guard<std::mutex> lock(record_mutex);
        if (!optimize::StartCheckpoint::parse_profile(record, pr) || pr.index >= n) {
          unreadable = true;
          return;
        }
        out.profiles[pr.index] = pr;
        record_profile(pr);
      });
      // Fewer profiles than threads: the spare threads run conditions in parallel (nested).
      const int nt = std::max(1, std::min(out.threads, static_cast<int>(mine.size())));
      const int inner = out.threads / nt;
      const int levels = omp_get_max_active_levels();
      if (inner > 1) omp_set_max_active_levels(std::max(levels, 2));
#pragma omp parallel num_threads(nt)
      {
        std::unique_ptr<optimize::ResidualProblem> po =
            fitted_objective(fit, options.fd_step, true);
        po->set_threads(inner);
#pragma omp for schedule(dynamic, 1)
        for (long k = 0; k < static_cast<long>(mine.size()); ++k) {
          const std::size_t j = mine[static_cast<std::size_t>(k)];
          bool skip = false;
#pragma omp critical(calcikin_fit_profiles)
          {
            if (!cancelled && options.cancelled && options.cancelled()) cancelled = true;
            skip = cancelled;
          }
          if (skip) continue;
          optimize::Profile pr = optimize::profile(*po, out.best_x, out.cost, j, lso, 16,
                                                   kProfileThreshold, first_step[j]);
          if (!root) {
            gather.send(j, optimize::StartCheckpoint::format_profile(pr));
            continue;
          }
          std::lock_guard<std::mutex> lock(record_mutex);
          out.profiles[j] = std::move(pr);
          record_profile(out.profiles[j]);
        }
      }
      omp_set_max_active_levels(levels);
      gather.finish();
    }
    if (root && unreadable) stop = "EMPI: a profile record from another rank is unreadable";
    if (root && stop.empty() && profiles_done < n)
      stop = "Iinterrupted: " + std::to_string(profiles_done) + " of " + std::to_string(n) +
             " profiles finished (every start finished" +
             (checkpoint ? "; both are kept in " + options.checkpoint +
                               ": run the same command again to continue)"
                         : ")");
  }
  const bool sample = options.sample.value_or(p.settings.sample);
  auto finish_here = [&] {  // rank 0's decision to stop, on the ranks that got it
    if (stop.empty()) return;
    if (stop[0] == 'I') throw Interrupted(stop.substr(1));
    throw std::runtime_error(stop.substr(1));
  };
  if (!root && !sample) {
    // This rank's share is with rank 0, which writes the results: nothing more to do here.
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
  }
  if (!sample) finish_here();

  if (sample) {
    SamplingSettings ss = p.sampling;
    if (ss.walkers == 0) ss.walkers = std::max<std::size_t>(32, 4 * n);
    ss.walkers += ss.walkers % 2;
    out.sampling_settings = ss;
    // Walkers start around the best fit: the Laplace covariance where the data determine every
    // direction, else a ball of 2 % of each parameter's range (rank 0 draws them for every rank).
    std::vector<double> initial;
    // A chain kept in the checkpoint by an interrupted run of the same settings: resumed from its
    // last state (rank 0 reads it and sends it to every rank).
    optimize::ChainRecord resume;
    if (root && checkpoint && checkpoint->chain() != nullptr) {
      const optimize::ChainRecord& c = *checkpoint->chain();
      if (c.walkers == ss.walkers && c.dimension == n && c.burn == ss.burn && c.thin == ss.thin &&
          c.seed == ss.seed && c.state.steps_done <= ss.steps)
        resume = c;
    }
    if (root && stop.empty() && options.cancelled && options.cancelled())
      stop = "Iinterrupted before sampling (every start" +
             std::string(profiles ? " and profile" : "") + " finished" +
             (checkpoint ? " and is kept in " + options.checkpoint +
                               ": run the same command again to continue)"
                         : ")");
    if (root && stop.empty() && resume.walkers == 0) {
      try {
        std::vector<double> fallback(n);
        for (std::size_t j = 0; j < n; ++j) {
          const double var = out.covariance.covariance[j * n + j];
          const double span = fit.upper()[j] - fit.lower()[j];
          fallback[j] =
              std::isfinite(var) && var > 0.0 ? std::min(std::sqrt(var), 0.02 * span) : 0.02 * span;
        }
        LogPosterior probe(fit, options.fd_step);
        initial = optimize::initial_walkers(probe, out.best_x, out.covariance.covariance, fallback,
                                            fit.lower(), fit.upper(), ss.walkers, ss.seed);
      } catch (const std::exception& e) {
        if (world.size <= 1) throw;
        stop = std::string("E") + e.what();
      }
    }
    if (world.size > 1) {
      std::string text = !stop.empty() ? stop
                         : resume.walkers > 0
                             ? "R" + optimize::StartCheckpoint::format_chain(resume)
                             : "O" + hex_numbers(initial);
      sweep::broadcast_text(text);
      if (!root) {
        if (text[0] == 'O')
          initial = parse_hex_numbers(text.substr(1));
        else if (text[0] != 'R')
          stop = text;
        else if (!optimize::StartCheckpoint::parse_chain(text.substr(1), resume))
          stop = "EMPI: the sampler state from rank 0 is unreadable";
      }
    }
    finish_here();
    optimize::SamplerOptions so;
    if (world.size > 1) {  // the walkers of each half dealt out over the ranks
      so.process = static_cast<std::size_t>(world.rank);
      so.processes = static_cast<std::size_t>(world.size);
      so.share = [](double* values, std::size_t count) { sweep::share_round_robin(values, count); };
      so.any_process = [](bool flag) { return sweep::any_rank(flag); };
    }
    so.cancelled = options.cancelled;  // checked after every step (Ctrl-C, SIGTERM)
    if (resume.walkers > 0) so.resume = &resume.state;
    if (checkpoint) {  // rank 0: the chain's state every checkpoint_every steps and when stopped
      so.checkpoint_every = ss.checkpoint_every;
      std::size_t from = resume.state.steps_done;
      so.checkpoint = [&checkpoint, &ss, n, from](const optimize::SamplerState& st) mutable {
        optimize::ChainRecord piece;
        piece.walkers = ss.walkers;
        piece.dimension = n;
        piece.burn = ss.burn;
        piece.thin = ss.thin;
        piece.seed = ss.seed;
        piece.from = from;
        piece.state = st;
        checkpoint->append_chain(piece);
        from = st.steps_done;
      };
    }
    so.walkers = ss.walkers;
    so.steps = ss.steps;
    so.burn = ss.burn;
    so.thin = ss.thin;
    so.seed = ss.seed;
    so.threads = out.threads;
    if (progress) {
      progress("sample: " + std::to_string(ss.walkers) + " walkers x " + std::to_string(ss.steps) +
               " steps (burn " + std::to_string(ss.burn) + ", thin " + std::to_string(ss.thin) +
               ", seed " + std::to_string(ss.seed) + ")");
      if (resume.walkers > 0)
        progress("sample: resuming at step " + std::to_string(resume.state.steps_done) + " of " +
                 std::to_string(ss.steps) + " from " + options.checkpoint);
      const auto ts = std::chrono::steady_clock::now();
      auto last = ts;
      so.progress = [progress, ts, last](std::size_t done, std::size_t total) mutable {
        const auto now = std::chrono::steady_clock::now();
        if (done < total && std::chrono::duration<double>(now - last).count() < 10.0) return;
        last = now;
        const double el = std::chrono::duration<double>(now - ts).count();
        const double eta = el / static_cast<double>(done) * static_cast<double>(total - done);
        char line[160];
        std::snprintf(line, sizeof line, "sample: step %zu/%zu (%.0f %%), %s elapsed, ETA %s", done,
                      total, 100.0 * static_cast<double>(done) / static_cast<double>(total),
                      duration_text(el).c_str(), duration_text(eta).c_str());
        progress(line);
      };
    }
    out.sampling = optimize::ensemble_sample(
        [&fit, &options] { return make_log_posterior(fit, options.fd_step); }, initial, so);
    if (out.sampling.cancelled)
      throw Interrupted(
          "interrupted: sampling stopped after " + std::to_string(out.sampling.steps_run) + " of " +
          std::to_string(ss.steps) + " steps (every start" +
          std::string(profiles ? " and profile" : "") + " finished" +
          (checkpoint ? "; they and the chain so far are kept in " + options.checkpoint +
                            ": run the same command again to continue)"
                      : "; the chain is not kept)"));
    out.sampled = true;
    if (!root) {
      out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      return out;
    }
    if (progress) {
      char line[200];
      std::snprintf(line, sizeof line,
                    "sample: acceptance fraction %.3f, %zu kept samples per walker, %.1f s",
                    out.sampling.acceptance_fraction, out.sampling.steps.size(),
                    out.sampling.seconds);
      progress(line);
    }
  }

  for (std::size_t j = 0; j < n; ++j) {
    const FitParameter& f = p.parameters[j];
    ParameterEstimate e;
    e.name = f.name;
    e.unit = f.unit;
    e.scale = f.scale;
    e.scaled = out.best_x[j];
    e.value = from_scaled(f, e.scaled);
    e.lower = f.lower;
    e.upper = f.upper;
    const double span = fit.upper()[j] - fit.lower()[j];
    e.at_bound = std::fabs(e.scaled - fit.lower()[j]) < 1e-6 * span ||
                 std::fabs(e.scaled - fit.upper()[j]) < 1e-6 * span;
    const double var = out.covariance.covariance[j * n + j];
    e.std_error = var >= 0.0 ? std::sqrt(var) : kNaN;
    // Not identifiable (Laplace): an undetermined direction, or a 95 % interval that reaches past
    // both bounds (the data do not restrict the parameter inside its range; a near-null direction
    // of J^T J whose eigenvalue the integration noise keeps above the rank tolerance).
    e.identifiable =
        std::isfinite(e.std_error) && !(e.scaled - kZ95 * e.std_error < fit.lower()[j] &&
                                        e.scaled + kZ95 * e.std_error > fit.upper()[j]);
    e.ci_lower = std::isfinite(e.std_error) ? from_scaled(f, e.scaled - kZ95 * e.std_error) : kNaN;
    e.ci_upper = std::isfinite(e.std_error) ? from_scaled(f, e.scaled + kZ95 * e.std_error) : kNaN;
    if (profiles) {
      const optimize::Profile& pr = out.profiles[j];
      e.profiled = true;
      e.identifiable = pr.identifiable;
      e.ci_lower = pr.lower_bounded ? from_scaled(f, pr.lower) : kNaN;
      e.ci_upper = pr.upper_bounded ? from_scaled(f, pr.upper) : kNaN;
    }
    out.parameters.push_back(e);
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

// ------------------------------------------------------------------------------------------------
// The HDF5 file

namespace {

using io::h5::check;
using io::h5::check_status;
using io::h5::Handle;

class Writer {
 public:
  explicit Writer(hid_t file) : file_(file) {}

  // A dimension with an integer index coordinate (0..n-1).
  void index_dimension(const std::string& name, std::size_t n, const std::string& long_name) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<double>(i);
    Handle ds = numbers(name, {}, v, "1", long_name, H5T_STD_I64LE, true);
    make_scale(std::move(ds), name);
  }
  void coordinate_dimension(const std::string& name, const std::vector<double>& values,
                            const std::string& long_name) {
    Handle ds = numbers(name, {}, values, "1", long_name, H5T_STD_I64LE, true);
    make_scale(std::move(ds), name);
  }
  void label_dimension(const std::string& name, const std::vector<std::string>& labels,
                       const std::string& long_name) {
    Handle ds = strings(name, {}, labels, long_name, true);
    make_scale(std::move(ds), name);
  }

  Handle numbers(const std::string& name, const std::vector<std::string>& dims,
                 const std::vector<double>& values, const std::string& units,
                 const std::string& long_name, hid_t type = H5T_IEEE_F64LE, bool is_scale = false) {
    std::vector<hsize_t> shape = shape_of(dims, is_scale ? values.size() : 0);
    Handle space = check(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr),
                         "dataspace " + name);
    Handle ds = check(
        H5Dcreate2(file_, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
        "dataset " + name);
    if (type == H5T_STD_I64LE) {
      std::vector<long long> iv(values.size());
      for (std::size_t i = 0; i < values.size(); ++i) iv[i] = static_cast<long long>(values[i]);
      check_status(H5Dwrite(ds.get(), H5T_NATIVE_LLONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, iv.data()),
                   "write " + name);
    } else {
      check_status(
          H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
          "write " + name);
    }
    if (!units.empty()) io::h5::write_attribute(ds.get(), "units", units);
    io::h5::write_attribute(ds.get(), "long_name", long_name);
    attach(ds.get(), dims);
    return ds;
  }

  Handle strings(const std::string& name, const std::vector<std::string>& dims,
                 const std::vector<std::string>& values, const std::string& long_name,
                 bool is_scale = false) {
    std::vector<hsize_t> shape = shape_of(dims, is_scale ? values.size() : 0);
    Handle space = check(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr),
                         "dataspace " + name);
    Handle type = io::h5::utf8_vlen_string_type();
    Handle ds = check(H5Dcreate2(file_, name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                                 H5P_DEFAULT, H5P_DEFAULT),
                      "dataset " + name);
    io::h5::write_vlen_strings(ds.get(), H5S_ALL, H5S_ALL, values);
    io::h5::write_attribute(ds.get(), "long_name", long_name);
    attach(ds.get(), dims);
    return ds;
  }

 private:
  // A dimension scale with its netCDF-4 dimension id (_Netcdf4Dimid, int32, unique in the file,
  // in creation order), as netCDF-C writes it: groups appended later (calcikin.sensitivity.save,
  // h5netcdf) then number their dimensions after the root's, and netCDF-C readers (ncdump) attach
  // every variable to its own dimensions.
  void make_scale(Handle ds, const std::string& name) {
    check_status(H5DSset_scale(ds.get(), name.c_str()), "H5DSset_scale " + name);
    Handle space = check(H5Screate(H5S_SCALAR), "dataspace _Netcdf4Dimid");
    Handle attr = check(H5Acreate2(ds.get(), "_Netcdf4Dimid", H5T_NATIVE_INT, space.get(),
                                   H5P_DEFAULT, H5P_DEFAULT),
                        "attribute _Netcdf4Dimid of " + name);
    const int id = next_dimension_id_++;
    check_status(H5Awrite(attr.get(), H5T_NATIVE_INT, &id), "write _Netcdf4Dimid of " + name);
    scales_[name] = std::move(ds);
  }
  std::vector<hsize_t> shape_of(const std::vector<std::string>& dims, std::size_t scale_size) {
    if (dims.empty()) return {static_cast<hsize_t>(scale_size)};
    std::vector<hsize_t> shape;
    shape.reserve(dims.size());
    for (const std::string& d : dims)
      shape.push_back(io::h5::dataset_shape(scales_.at(d).get())[0]);
    return shape;
  }
  void attach(hid_t ds, const std::vector<std::string>& dims) {
    for (std::size_t i = 0; i < dims.size(); ++i)
      check_status(H5DSattach_scale(ds, scales_.at(dims[i]).get(), static_cast<unsigned>(i)),
                   "attach " + dims[i]);
  }
  hid_t file_;
  std::map<std::string, Handle> scales_;
  int next_dimension_id_ = 0;
};

}  // namespace

void write_fit_file(const std::string& path, const PreparedFit& fit, const FitResult& res) {
  io::h5::silence_errors();
  const CalibrationProblem& p = fit.problem();
  const std::string partial = path + ".partial";
  std::filesystem::remove(partial);
  {
    Handle fcpl = check(H5Pcreate(H5P_FILE_CREATE), "file creation properties");
    check_status(
        H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "creation order");
    Handle file = check(H5Fcreate(partial.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT),
                        "create " + partial);
    Writer w(file.get());
    const std::size_t n = fit.parameter_count();
    const std::size_t nd = p.measurements.size();
    const std::size_t ns = res.multistart.starts.size();
    std::vector<std::string> names, units, scales;
    for (const ParameterEstimate& e : res.parameters) {
      names.push_back(e.name);
      units.push_back(e.unit.empty() ? "1" : e.unit);
      scales.push_back(e.scale == Scale::Log10 ? "log10" : "lin");
    }
    w.label_dimension("parameter", names, "fitted parameter");
    w.label_dimension("parameter_b", names, "fitted parameter (second index of matrices)");
    w.index_dimension("start", ns, "multistart index (start 0: the catalogue defaults)");
    w.index_dimension("datum", nd, "measurement (row of the measurements file, in order)");
    w.index_dimension("direction", n, "eigen-direction of the Fisher matrix (ascending)");
    std::size_t np_max = 0;
    for (const optimize::Profile& pr : res.profiles) np_max = std::max(np_max, pr.values.size());
    if (np_max > 0) w.index_dimension("profile_point", np_max, "point of a profile");

    auto per_param = [&](auto get) {
      std::vector<double> v;
      for (const ParameterEstimate& e : res.parameters) v.push_back(get(e));
      return v;
    };
    w.strings("unit", {"parameter"}, units, "SI unit of the parameter");
    w.strings("scale", {"parameter"}, scales, "scale the optimiser works on");
    w.numbers("estimate", {"parameter"}, per_param([](const auto& e) { return e.value; }), "",
              "best-fit value (SI, in `unit`)");
    w.numbers("estimate_scaled", {"parameter"}, per_param([](const auto& e) { return e.scaled; }),
              "", "best-fit value on the fitted scale");
    w.numbers("std_error_scaled", {"parameter"},
              per_param([](const auto& e) { return e.std_error; }), "",
              "Laplace standard error on the fitted scale (NaN: undetermined)");
    w.numbers("ci_lower", {"parameter"}, per_param([](const auto& e) { return e.ci_lower; }), "",
              "95 % interval lower end (SI; profile when computed, else Laplace; NaN: none)");
    w.numbers("ci_upper", {"parameter"}, per_param([](const auto& e) { return e.ci_upper; }), "",
              "95 % interval upper end (SI)");
    w.numbers("lower_bound", {"parameter"}, per_param([](const auto& e) { return e.lower; }), "",
              "lower bound (SI)");
    w.numbers("upper_bound", {"parameter"}, per_param([](const auto& e) { return e.upper; }), "",
              "upper bound (SI)");
    w.numbers("identifiable", {"parameter"},
              per_param([](const auto& e) { return e.identifiable ? 1.0 : 0.0; }), "1",
              "1: determined by the data; 0: not identifiable (flat profile or undetermined "
              "direction): not a calibrated value",
              H5T_STD_I64LE);

    std::vector<double> x0, x, cost, iters, conv;
    for (const auto& s : res.multistart.starts) {
      x0.insert(x0.end(), s.x0.begin(), s.x0.end());
      x.insert(x.end(), s.x.begin(), s.x.end());
      cost.push_back(s.usable ? s.cost : kNaN);
      iters.push_back(s.iterations);
      conv.push_back(s.converged ? 1 : 0);
    }
    w.numbers("start_initial", {"start", "parameter"}, x0, "", "start point (fitted scale)");
    w.numbers("start_final", {"start", "parameter"}, x, "", "end point (fitted scale)");
    w.numbers("start_cost", {"start"}, cost, "1", "1/2 sum r^2 at the end point");
    w.numbers("start_iterations", {"start"}, iters, "1", "trust-region iterations", H5T_STD_I64LE);
    w.numbers("start_converged", {"start"}, conv, "1", "1 when Ceres reported convergence",
              H5T_STD_I64LE);

    std::vector<std::string> cond, obs, src;
    std::vector<double> t, meas, sig, cens;
    for (const Measurement& m : p.measurements) {
      cond.push_back(p.conditions[m.condition].id);
      obs.push_back(p.observables[m.observable].id);
      src.push_back(m.source);
      t.push_back(m.time);
      meas.push_back(m.value);
      sig.push_back(m.sigma);
      cens.push_back(m.censored ? 1 : 0);
    }
    w.strings("condition", {"datum"}, cond, "condition id");
    w.strings("observable", {"datum"}, obs, "observable id");
    w.strings("source", {"datum"}, src, "data provenance as given");
    w.numbers("time", {"datum"}, t, "s", "measurement time (NaN for events and outcomes)");
    w.numbers("measured", {"datum"}, meas, "",
              "measured value (SI of the observable; categorical: class index)");
    w.numbers("sigma", {"datum"}, sig, "", "noise sigma (SI; log scale for log-normal)");
    w.numbers("censored", {"datum"}, cens, "1", "1: right-censored at the value", H5T_STD_I64LE);
    w.numbers("simulated", {"datum"}, res.best.simulated, "",
              "simulated value at the best fit (categorical: probability of the observed class)");
    std::vector<double> resid(res.best.residuals.begin(),
                              res.best.residuals.begin() + static_cast<long>(nd));
    w.numbers("residual", {"datum"}, resid, "1", "residual r (-log L = r^2/2 + const)");

    const std::string absent =
        res.covariance_available
            ? std::string()
            : std::string(
                  " (absent, all NaN: a Nelder-Mead fit of categorical outcomes has no "
                  "usable Jacobian; use profiles or the posterior sample)");
    Handle cov =
        w.numbers("covariance", {"parameter", "parameter_b"}, res.covariance.covariance, "1",
                  "Laplace covariance of the scaled parameters (NaN: undetermined)" + absent);
    io::h5::write_attribute(cov.get(), "available",
                            static_cast<std::int64_t>(res.covariance_available ? 1 : 0));
    w.numbers("fisher", {"parameter", "parameter_b"}, res.covariance.fisher, "1",
              "J^T J of the scaled parameters" + absent);
    w.numbers("fisher_eigenvalue", {"direction"}, res.covariance.eigenvalues, "1",
              "eigenvalues of J^T J, ascending");
    w.numbers("fisher_eigenvector", {"parameter", "direction"}, res.covariance.eigenvectors, "1",
              "eigenvectors of J^T J (columns)");
    if (np_max > 0) {
      std::vector<double> pv(n * np_max, kNaN), pc(n * np_max, kNaN);
      for (std::size_t j = 0; j < res.profiles.size(); ++j)
        for (std::size_t k = 0; k < res.profiles[j].values.size(); ++k) {
          pv[j * np_max + k] = res.profiles[j].values[k];
          pc[j * np_max + k] = res.profiles[j].costs[k];
        }
      w.numbers("profile_value", {"parameter", "profile_point"}, pv, "",
                "profiled value (fitted scale; NaN padding)");
      w.numbers("profile_cost", {"parameter", "profile_point"}, pc, "1",
                "minimum 1/2 sum r^2 with the parameter held at profile_value");
    }
    if (res.sampled) {
      const optimize::SamplerResult& sr = res.sampling;
      const std::size_t nk = sr.steps.size(), nw = sr.walkers;
      std::vector<double> steps(sr.steps.begin(), sr.steps.end());
      w.coordinate_dimension("sample_step", steps,
                             "sampler step of the kept sample (0-based; after burn and thin)");
      w.index_dimension("walker", nw, "ensemble walker");
      std::vector<double> chain(sr.chain.size());
      for (std::size_t i = 0; i < nk * nw; ++i)
        for (std::size_t j = 0; j < n; ++j)
          chain[i * n + j] = from_scaled(p.parameters[j], sr.chain[i * n + j]);
      Handle ch = w.numbers("chain", {"sample_step", "walker", "parameter"}, chain, "",
                            "posterior sample of each parameter in its natural unit (the "
                            "parameter's `unit`, as `estimate`)");
      const SamplingSettings& ss = res.sampling_settings;
      io::h5::write_attribute(ch.get(), "sampler",
                              std::string("affine-invariant ensemble sampler, stretch move "
                                          "(Goodman & Weare 2010), a = 2, two halves"));
      io::h5::write_attribute(ch.get(), "acceptance_fraction", sr.acceptance_fraction);
      io::h5::write_attribute(ch.get(), "walkers", static_cast<std::int64_t>(nw));
      io::h5::write_attribute(ch.get(), "steps", static_cast<std::int64_t>(ss.steps));
      io::h5::write_attribute(ch.get(), "burn", static_cast<std::int64_t>(ss.burn));
      io::h5::write_attribute(ch.get(), "thin", static_cast<std::int64_t>(ss.thin));
      io::h5::write_attribute(ch.get(), "seed", static_cast<std::int64_t>(ss.seed));
      w.numbers("chain_log_posterior", {"sample_step", "walker"}, sr.log_density, "1",
                "log posterior (up to a constant) of each sample, fitted scale");
      w.numbers("autocorrelation_time", {"parameter"}, sr.autocorrelation_time, "1",
                "integrated autocorrelation time estimate (steps; emcee's estimator, c = 5)");
      w.numbers("walker_acceptance", {"walker"}, sr.walker_acceptance, "1",
                "acceptance fraction of each walker");
    }
    const hid_t root = file.get();
    io::h5::write_attribute(root, "format", std::string("calcikin-fit/1"));
    io::h5::write_attribute(root, "program_version", std::string(CALCIKIN_VERSION));
    io::h5::write_attribute(root, "git_commit", std::string(CALCIKIN_GIT_COMMIT));
    io::h5::write_attribute(root, "sundials_version", std::string(CALCIKIN_SUNDIALS_VERSION));
    io::h5::write_attribute(root, "ceres_version", std::string(CERES_VERSION_STRING));
    io::h5::write_attribute(root, "hdf5_version", std::string(CALCIKIN_HDF5_VERSION));
    io::h5::write_attribute(
        root, "optimizer",
        std::string(res.method == FitSettings::Method::NelderMead
                        ? "Nelder-Mead simplex (Gao & Han 2012 coefficients), bounded by "
                          "projection"
                        : "Ceres Solver trust-region Levenberg-Marquardt, bounded"));
    io::h5::write_attribute(
        root, "gradient",
        std::string(p.settings.gradient == FitSettings::Gradient::Sensitivities
                        ? "CVODES forward sensitivities (event-time sensitivities for T50 and "
                          "the induction time; df/dp by central differences of the right-hand "
                          "side)"
                        : "central differences of whole simulations"));
    io::h5::write_attribute(root, "loss", std::string(optimize::loss_name(p.settings.loss.kind)));
    io::h5::write_attribute(root, "loss_scale", p.settings.loss.scale);
    io::h5::write_attribute(root, "problem_file", p.source_file);
    io::h5::write_attribute(root, "problem_text", p.source_text);
    io::h5::write_attribute(root, "measurements_file", p.measurements_file);
    io::h5::write_attribute(root, "measurements_text", p.measurements_text);
    // Each condition (id, scenario file, overrides) and the text of every scenario file it uses.
    std::string conditions, scenario_texts;
    std::vector<std::string> seen;
    for (const Condition& c : p.conditions) {
      conditions += c.id + ": " + c.scenario_file;
      for (const std::string& set : c.sets) conditions += "; " + set;
      conditions += "\n";
      if (std::find(seen.begin(), seen.end(), c.scenario_file) != seen.end()) continue;
      seen.push_back(c.scenario_file);
      std::ifstream in(c.scenario_file, std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      scenario_texts += "# ---- " + c.scenario_file + "\n" + text.str();
      if (!scenario_texts.empty() && scenario_texts.back() != '\n') scenario_texts += "\n";
    }
    io::h5::write_attribute(root, "conditions", conditions);
    io::h5::write_attribute(root, "scenario_texts", scenario_texts);
    io::h5::write_attribute(root, "covariance_available",
                            static_cast<std::int64_t>(res.covariance_available ? 1 : 0));
    io::h5::write_attribute(root, "cost", res.cost);
    io::h5::write_attribute(root, "negative_log_likelihood", res.negative_log_likelihood);
    io::h5::write_attribute(root, "seed", static_cast<std::int64_t>(res.seed));
    io::h5::write_attribute(root, "starts", static_cast<std::int64_t>(ns));
    io::h5::write_attribute(root, "best_start", static_cast<std::int64_t>(res.multistart.best));
    io::h5::write_attribute(root, "threads", static_cast<std::int64_t>(res.threads));
    io::h5::write_attribute(root, "mpi_ranks", static_cast<std::int64_t>(res.ranks));
    io::h5::write_attribute(root, "wall_seconds", res.seconds);
    if (res.sampled) {
      io::h5::write_attribute(root, "acceptance_fraction", res.sampling.acceptance_fraction);
      io::h5::write_attribute(root, "sampling_burn",
                              static_cast<std::int64_t>(res.sampling_settings.burn));
      io::h5::write_attribute(root, "sampling_thin",
                              static_cast<std::int64_t>(res.sampling_settings.thin));
      io::h5::write_attribute(root, "sampling_seed",
                              static_cast<std::int64_t>(res.sampling_settings.seed));
    }
  }
  std::filesystem::rename(partial, path);
}

std::string parameter_set_yaml(const PreparedFit& fit, const FitResult& res) {
  std::ostringstream s;
  s << "# Fitted by calcikin fit " << CALCIKIN_VERSION << " (" << CALCIKIN_GIT_COMMIT << ") from "
    << fit.problem().source_file << "\n"
    << "# cost " << res.cost << ", negative log-likelihood " << res.negative_log_likelihood
    << "; tag: calibrated. Load it in a scenario with 'kinetics: {parameter_set: FILE}', or "
       "paste the blocks (kinetics.parameters / thermodynamics.parameters).\n"
    << "# A parameter marked 'not identifiable' is NOT a calibrated value: the data do not "
       "determine it.\n";
  std::ostringstream kin, thermo;
  for (const ParameterEstimate& e : res.parameters) {
    std::ostringstream line;
    line.precision(10);
    const std::string note = e.identifiable ? "" : "   # not identifiable";
    if (e.name.rfind("thermodynamics.parameters.", 0) == 0) {
      line << "    " << e.name.substr(26) << ": " << input::format_number(e.value) << note << "\n";
      thermo << line.str();
    } else {
      line << "    " << e.name << ": " << input::format_number(e.value)
           << (e.unit.empty() ? "" : " " + e.unit) << note << "\n";
      kin << line.str();
    }
  }
  if (!kin.str().empty()) s << "kinetics:\n  parameters:\n" << kin.str();
  if (!thermo.str().empty()) s << "thermodynamics:\n  parameters:\n" << thermo.str();
  // For scenarios that load this file (kinetics.parameter_set, models/scenario/
  // load_parameter_set.cpp): the not identifiable parameters as paths, so the loader can warn.
  std::string unidentified;
  for (const ParameterEstimate& e : res.parameters)
    if (!e.identifiable)
      unidentified +=
          (unidentified.empty() ? "" : ", ") + (e.name.rfind("thermodynamics.parameters.", 0) == 0
                                                    ? e.name
                                                    : "kinetics.parameters." + e.name);
  if (!unidentified.empty()) s << "not_identifiable: [" << unidentified << "]\n";
  return s.str();
}

FitOutcome fit_problem(const std::string& problem_file, const FitRunOptions& options) {
  namespace fs = std::filesystem;
  FitOutcome out;
  CalibrationProblem problem = load_problem(problem_file);
  if (!options.output.empty()) {
    out.output_path = options.output;
    out.parameter_set_path = options.parameter_set.empty()
                                 ? fs::path(options.output).replace_extension(".yaml").string()
                                 : options.parameter_set;
    std::vector<std::string> inputs = {problem.source_file, problem.measurements_file};
    for (const Condition& c : problem.conditions) inputs.push_back(c.scenario_file);
    for (const std::string& path : {out.output_path, out.parameter_set_path}) {
      const std::string refusal = io::output_refusal(path, inputs);
      if (!refusal.empty()) throw io::IoError(refusal);
      const fs::path parent = fs::path(path).parent_path();
      if (!parent.empty() && !fs::is_directory(parent))
        throw io::IoError("cannot write '" + path + "': folder '" + parent.string() +
                          "' does not exist");
      if (fs::exists(path) && !options.overwrite)
        throw io::IoError("'" + path + "' exists; pass --overwrite (overwrite=True) to replace it");
    }
  }
  out.prepared = PreparedFit::prepare(std::move(problem));
  FitOptions run_options = options;
  if (run_options.checkpoint.empty() && !out.output_path.empty())
    run_options.checkpoint = out.output_path + ".checkpoint";
  try {
    out.result = run(*out.prepared, run_options);
  } catch (const SimulationsFailed&) {
    // Nothing written: a rerun would replay the same failed starts from the checkpoint.
    if (!run_options.checkpoint.empty() && sweep::mpi_world().rank == 0) {
      std::error_code ec;
      fs::remove(run_options.checkpoint, ec);
    }
    throw;
  }
  if (out.result.rank != 0) {  // an MPI rank > 0: rank 0 writes the files
    out.output_path.clear();
    out.parameter_set_path.clear();
    return out;
  }
  if (!out.output_path.empty()) {
    write_fit_file(out.output_path, *out.prepared, out.result);
    const std::string partial = out.parameter_set_path + ".partial";
    {
      std::ofstream f(partial, std::ios::binary | std::ios::trunc);
      f << parameter_set_yaml(*out.prepared, out.result);
      if (!f) throw io::IoError("cannot write '" + partial + "'");
    }
    fs::rename(partial, out.parameter_set_path);
  }
  if (!run_options.checkpoint.empty()) {
    std::error_code ec;
    fs::remove(run_options.checkpoint, ec);  // the fit is complete
  }
  return out;
}

}  // namespace calcikin::fit
