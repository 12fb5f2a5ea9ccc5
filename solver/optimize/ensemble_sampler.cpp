#include "solver/optimize/ensemble_sampler.hpp"

#include <omp.h>

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace calcikin::optimize {

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

std::uint64_t splitmix64(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Counter-based stream: the numbers of (seed, step, walker) do not depend on which thread draws
// them or in which order the walkers are visited.
class KeyedRandom {
 public:
  KeyedRandom(std::uint64_t seed, std::uint64_t step, std::uint64_t walker) noexcept {
    std::uint64_t s = seed;
    state_ = splitmix64(s);
    state_ ^= step * 0xD1B54A32D192ED03ULL;
    s = state_;
    state_ = splitmix64(s);
    state_ ^= walker * 0xABC98388FB8FAC03ULL;
    s = state_;
    state_ = splitmix64(s);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() noexcept { return static_cast<double>(splitmix64(state_) >> 11) * 0x1.0p-53; }
  // Standard normal (Box-Muller; one of the pair).
  double normal() noexcept {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }

 private:
  std::uint64_t state_ = 0;
};

}  // namespace

SamplerResult ensemble_sample(const LogDensityFactory& make_density,
                              const std::vector<double>& initial, const SamplerOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<LogDensity> probe = make_density();
  const std::size_t d = probe->dimension();
  const std::size_t w = o.walkers;
  if (d == 0) throw std::invalid_argument("ensemble sampler: no parameters");
  if (w < 4 || w % 2 != 0)
    throw std::invalid_argument("ensemble sampler: the walker count must be even and >= 4, got " +
                                std::to_string(w));
  const SamplerState* resume = o.resume;
  if (resume != nullptr) {
    const std::size_t kept_before = resume->kept_steps.size();
    if (resume->positions.size() != w * d || resume->log_density.size() != w ||
        resume->accepted.size() != w || resume->kept_chain.size() != kept_before * w * d ||
        resume->kept_log_density.size() != kept_before * w || resume->steps_done > o.steps)
      throw std::invalid_argument("ensemble sampler: the resume state does not fit the run");
  } else if (initial.size() != w * d) {
    throw std::invalid_argument("ensemble sampler: initial positions are not walkers x dimension");
  }
  if (o.thin == 0 || o.burn >= o.steps)
    throw std::invalid_argument("ensemble sampler: need thin >= 1 and burn < steps");
  if (!(o.stretch > 1.0)) throw std::invalid_argument("ensemble sampler: stretch a must be > 1");

  SamplerResult out;
  out.walkers = w;
  out.dimension = d;
  std::vector<double> x = resume != nullptr ? resume->positions : initial;  // [walker][dim]
  std::vector<double> lp(w);
  std::vector<double> proposal(w * d);
  std::vector<std::size_t> accepted(w, 0);
  std::vector<double> proposed_lp(w / 2), stretch(w / 2), uniform(w / 2);  // of the moving half
  const int nt = o.threads > 0 ? o.threads : omp_get_max_threads();
  const std::size_t half = w / 2;
  const double a = o.stretch;
  const std::size_t kept = (o.steps - o.burn + o.thin - 1) / o.thin;
  out.chain.reserve(kept * w * d);
  out.log_density.reserve(kept * w);

  if (o.processes > 1 && !o.share)
    throw std::invalid_argument("ensemble sampler: several processes need `share`");
  auto mine = [&o](std::size_t k) { return o.processes <= 1 || k % o.processes == o.process; };
  std::size_t first_step = 0;
  if (resume != nullptr) {
    first_step = resume->steps_done;
    lp = resume->log_density;
    accepted = resume->accepted;
    out.steps = resume->kept_steps;
    out.chain = resume->kept_chain;
    out.log_density = resume->kept_log_density;
  } else {
#pragma omp parallel num_threads(nt)
    {
      std::unique_ptr<LogDensity> density = make_density();
#pragma omp for schedule(dynamic, 1)
      for (long k = 0; k < static_cast<long>(w); ++k) {
        const auto kk = static_cast<std::size_t>(k);
        if (mine(kk)) lp[kk] = density->log_density(&x[kk * d]);
      }
    }
    if (o.processes > 1) o.share(lp.data(), w);
  }
  for (std::size_t k = 0; k < w; ++k)
    if (!std::isfinite(lp[k]))
      throw std::invalid_argument("ensemble sampler: walker " + std::to_string(k) +
                                  " starts where the log density is not finite");

  // Checkpoints: the state after a step and the samples kept since the last one.
  std::size_t kept_reported = out.steps.size();
  SamplerState snapshot;
  auto save = [&](std::size_t steps_done) {
    snapshot.steps_done = steps_done;
    snapshot.positions = x;
    snapshot.log_density = lp;
    snapshot.accepted = accepted;
    const std::size_t kept_now = out.steps.size();
    snapshot.kept_steps.assign(out.steps.begin() + static_cast<long>(kept_reported),
                               out.steps.end());
    snapshot.kept_chain.assign(out.chain.begin() + static_cast<long>(kept_reported * w * d),
                               out.chain.end());
    snapshot.kept_log_density.assign(out.log_density.begin() + static_cast<long>(kept_reported * w),
                                     out.log_density.end());
    kept_reported = kept_now;
    o.checkpoint(snapshot);
  };

  bool stopped = false;  // written in `omp single`, read by every thread after its barrier
  std::size_t steps_run = first_step;
#pragma omp parallel num_threads(nt)
  {
    std::unique_ptr<LogDensity> density = make_density();
    for (std::size_t step = first_step; step < o.steps && !stopped; ++step) {
      for (std::size_t h = 0; h < 2; ++h) {
        const std::size_t first = h * half, other = (1 - h) * half;
        // Proposals of every walker of the half (cheap); log densities of this process' ones.
#pragma omp for schedule(dynamic, 1)
        for (long k = 0; k < static_cast<long>(half); ++k) {
          const auto kk = static_cast<std::size_t>(k);
          const std::size_t i = first + kk;
          KeyedRandom rng(o.seed, step, i);
          std::size_t j =
              other + static_cast<std::size_t>(rng.uniform() * static_cast<double>(half));
          if (j >= other + half) j = other + half - 1;
          const double u = rng.uniform();
          const double z = ((a - 1.0) * u + 1.0) * ((a - 1.0) * u + 1.0) / a;
          double* y = &proposal[i * d];
          for (std::size_t c = 0; c < d; ++c)
            y[c] = x[j * d + c] + z * (x[i * d + c] - x[j * d + c]);
          stretch[kk] = z;
          uniform[kk] = rng.uniform();
          if (mine(kk)) proposed_lp[kk] = density->log_density(y);
        }
        if (o.processes > 1) {
#pragma omp single
          o.share(proposed_lp.data(), half);
        }
        // Accept or reject (after the barrier: every density of the half is known).
#pragma omp for schedule(static)
        for (long k = 0; k < static_cast<long>(half); ++k) {
          const auto kk = static_cast<std::size_t>(k);
          const std::size_t i = first + kk;
          const double lpy = proposed_lp[kk];
          const double log_q = static_cast<double>(d - 1) * std::log(stretch[kk]) + lpy - lp[i];
          if (lpy > kNegInf && (log_q >= 0.0 || std::log(uniform[kk]) < log_q)) {
            for (std::size_t c = 0; c < d; ++c) x[i * d + c] = proposal[i * d + c];
            lp[i] = lpy;
            ++accepted[i];
          }
        }
        // The implicit barrier of `omp for`: the next half sees this half's new positions.
      }
#pragma omp single
      {
        if (step >= o.burn && (step - o.burn) % o.thin == 0) {
          out.steps.push_back(step);
          out.chain.insert(out.chain.end(), x.begin(), x.end());
          out.log_density.insert(out.log_density.end(), lp.begin(), lp.end());
        }
        if (o.progress) o.progress(step + 1, o.steps);
        steps_run = step + 1;
        bool stop = steps_run < o.steps && o.cancelled && o.cancelled();
        if (o.processes > 1 && o.any_process) stop = o.any_process(stop);
        stopped = stop;
        if (o.checkpoint && steps_run < o.steps &&
            (stop || (o.checkpoint_every > 0 && steps_run % o.checkpoint_every == 0)))
          save(steps_run);
      }
    }
  }
  out.cancelled = stopped;
  out.steps_run = steps_run;
  if (stopped) {  // an incomplete chain: no statistics
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return out;
  }
  out.walker_acceptance.resize(w);
  double sum = 0.0;
  for (std::size_t i = 0; i < w; ++i) {
    out.walker_acceptance[i] = static_cast<double>(accepted[i]) / static_cast<double>(o.steps);
    sum += out.walker_acceptance[i];
  }
  out.acceptance_fraction = sum / static_cast<double>(w);
  const std::size_t n = out.steps.size();
  out.autocorrelation_time.resize(d);
  std::vector<double> series(n * w);
  for (std::size_t c = 0; c < d; ++c) {
    for (std::size_t s = 0; s < n; ++s)
      for (std::size_t i = 0; i < w; ++i) series[s * w + i] = out.chain[(s * w + i) * d + c];
    out.autocorrelation_time[c] =
        integrated_autocorrelation_time(series, n, w) * static_cast<double>(o.thin);
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

double integrated_autocorrelation_time(const std::vector<double>& series, std::size_t samples,
                                       std::size_t walkers, double c) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (samples < 2 || walkers == 0) return nan;
  std::vector<double> mean(walkers, 0.0), var(walkers, 0.0);
  for (std::size_t i = 0; i < walkers; ++i) {
    for (std::size_t s = 0; s < samples; ++s) mean[i] += series[s * walkers + i];
    mean[i] /= static_cast<double>(samples);
    for (std::size_t s = 0; s < samples; ++s) {
      const double e = series[s * walkers + i] - mean[i];
      var[i] += e * e;
    }
  }
  std::size_t used = 0;
  for (std::size_t i = 0; i < walkers; ++i) used += var[i] > 0.0 ? 1 : 0;
  if (used == 0) return nan;
  double tau = 1.0;  // 2 sum_{t=0}^{M} rho(t) - 1 with rho(0) = 1
  for (std::size_t t = 1; t < samples; ++t) {
    double rho = 0.0;
    for (std::size_t i = 0; i < walkers; ++i) {
      if (!(var[i] > 0.0)) continue;
      double acc = 0.0;
      for (std::size_t s = 0; s + t < samples; ++s)
        acc += (series[s * walkers + i] - mean[i]) * (series[(s + t) * walkers + i] - mean[i]);
      rho += acc / var[i];
    }
    rho /= static_cast<double>(used);
    tau += 2.0 * rho;
    if (static_cast<double>(t) >= c * tau) break;
  }
  return tau;
}

std::vector<double> initial_walkers(LogDensity& density, const std::vector<double>& centre,
                                    const std::vector<double>& covariance,
                                    const std::vector<double>& fallback_sd,
                                    const std::vector<double>& lower,
                                    const std::vector<double>& upper, std::size_t walkers,
                                    std::uint64_t seed) {
  const std::size_t d = centre.size();
  const auto n = static_cast<Eigen::Index>(d);
  Eigen::MatrixXd L = Eigen::MatrixXd::Zero(n, n);
  bool use_cov = covariance.size() == d * d;
  for (double v : covariance) use_cov = use_cov && std::isfinite(v);
  if (use_cov) {
    Eigen::MatrixXd C(n, n);
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index j = 0; j < n; ++j)
        C(i, j) = covariance[static_cast<std::size_t>(i) * d + static_cast<std::size_t>(j)];
    Eigen::LLT<Eigen::MatrixXd> llt(C);
    use_cov = llt.info() == Eigen::Success;
    if (use_cov) L = llt.matrixL();
  }
  if (!use_cov)
    for (Eigen::Index i = 0; i < n; ++i) L(i, i) = fallback_sd[static_cast<std::size_t>(i)];

  std::vector<double> out(walkers * d);
  std::vector<double> z(d), y(d);
  for (std::size_t k = 0; k < walkers; ++k) {
    bool ok = false;
    for (std::uint64_t attempt = 0; attempt < 100 && !ok; ++attempt) {
      KeyedRandom rng(seed, 1000003ULL + attempt, k);
      for (std::size_t c = 0; c < d; ++c) z[c] = rng.normal();
      ok = true;
      for (std::size_t r = 0; r < d; ++r) {
        double v = centre[r];
        for (std::size_t c = 0; c <= r; ++c)
          v += L(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) * z[c];
        y[r] = v;
        ok = ok && v >= lower[r] && v <= upper[r];
      }
      ok = ok && std::isfinite(density.log_density(y.data()));
    }
    if (!ok) {
      KeyedRandom rng(seed, 999999ULL, k);
      for (std::size_t c = 0; c < d; ++c) {
        const double span = upper[c] - lower[c];
        y[c] = std::min(upper[c], std::max(lower[c], centre[c] + 1e-6 * span * rng.normal()));
      }
    }
    for (std::size_t c = 0; c < d; ++c) out[k * d + c] = y[c];
  }
  return out;
}

}  // namespace calcikin::optimize
