// The generic ensemble sampler (solver/optimize/ensemble_sampler) on densities with known moments:
// a correlated Gaussian, a Gaussian cut by bounds; reproducibility with the seed for any thread
// count; the autocorrelation-time estimator on an AR(1) series.
#include <gtest/gtest.h>

#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <limits>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "solver/optimize/ensemble_sampler.hpp"

using namespace calcikin::optimize;

namespace {

// N(mu, C) in 2-D with C = [[s0^2, rho s0 s1], [rho s0 s1, s1^2]]; -inf outside [lo, hi] when set.
class Gauss2 final : public LogDensity {
 public:
  double mu[2] = {1.0, -2.0}, s[2] = {1.0, 0.5}, rho = 0.8;
  double lo = -std::numeric_limits<double>::infinity();
  std::size_t dimension() const override { return 2; }
  double log_density(const double* x) override {
    if (x[0] < lo) return -std::numeric_limits<double>::infinity();
    const double a = (x[0] - mu[0]) / s[0], b = (x[1] - mu[1]) / s[1];
    return -(a * a - 2 * rho * a * b + b * b) / (2 * (1 - rho * rho));
  }
};

std::vector<double> ball(std::size_t walkers, double x0, double x1, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> z(0.0, 0.1);
  std::vector<double> v;
  for (std::size_t k = 0; k < walkers; ++k) {
    v.push_back(x0 + z(rng));
    v.push_back(x1 + z(rng));
  }
  return v;
}

struct Moments {
  double mean[2] = {0, 0}, sd[2] = {0, 0}, corr = 0;
};
Moments moments(const SamplerResult& r) {
  Moments m;
  const std::size_t n = r.chain.size() / 2;
  for (std::size_t i = 0; i < n; ++i)
    for (int c = 0; c < 2; ++c) m.mean[c] += r.chain[2 * i + c] / static_cast<double>(n);
  double cov = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double a = r.chain[2 * i] - m.mean[0], b = r.chain[2 * i + 1] - m.mean[1];
    m.sd[0] += a * a / static_cast<double>(n);
    m.sd[1] += b * b / static_cast<double>(n);
    cov += a * b / static_cast<double>(n);
  }
  m.sd[0] = std::sqrt(m.sd[0]);
  m.sd[1] = std::sqrt(m.sd[1]);
  m.corr = cov / (m.sd[0] * m.sd[1]);
  return m;
}

}  // namespace

TEST(EnsembleSampler, ChainOfACorrelatedGaussianHasItsMeanSdAndCorrelation) {
  SamplerOptions o;
  o.walkers = 32;
  o.steps = 3000;
  o.burn = 500;
  o.seed = 3;
  o.threads = 1;  // a cheap density: barriers would cost more than they save
  const SamplerResult r =
      ensemble_sample([] { return std::make_unique<Gauss2>(); }, ball(32, 0.0, 0.0, 1), o);
  ASSERT_EQ(r.steps.size(), 2500u);
  ASSERT_EQ(r.chain.size(), 2500u * 32u * 2u);
  const Moments m = moments(r);
  const Gauss2 g;
  for (int c = 0; c < 2; ++c) {
    // Monte-Carlo error of the mean: sd sqrt(tau / (samples x walkers)).
    const double n_eff = 2500.0 * 32.0 / r.autocorrelation_time[static_cast<std::size_t>(c)];
    const double mc = g.s[c] / std::sqrt(n_eff);
    EXPECT_NEAR(m.mean[c], g.mu[c], 5.0 * mc)
        << "coordinate " << c << " tau " << r.autocorrelation_time[static_cast<std::size_t>(c)];
    // sd of the sd estimate ~ sd / sqrt(2 n_eff); 5 of them.
    EXPECT_NEAR(m.sd[c], g.s[c], 5.0 * g.s[c] / std::sqrt(2.0 * n_eff)) << "coordinate " << c;
    EXPECT_GT(r.autocorrelation_time[static_cast<std::size_t>(c)], 1.0);
    EXPECT_LT(r.autocorrelation_time[static_cast<std::size_t>(c)], 100.0);
  }
  EXPECT_NEAR(m.corr, 0.8, 0.05);
  std::printf(
      "mean %.4f %.4f (1, -2), sd %.4f %.4f (1, 0.5), corr %.3f (0.8), tau %.1f %.1f, "
      "acceptance %.3f\n",
      m.mean[0], m.mean[1], m.sd[0], m.sd[1], m.corr, r.autocorrelation_time[0],
      r.autocorrelation_time[1], r.acceptance_fraction);
  // The stretch move with a = 2 accepts about 0.6-0.7 of the moves on a 2-D Gaussian.
  EXPECT_GT(r.acceptance_fraction, 0.3);
  EXPECT_LT(r.acceptance_fraction, 0.9);
}

TEST(EnsembleSampler, SameSeedGivesTheBitIdenticalChainForAnyThreadCount) {
  SamplerOptions o;
  o.walkers = 16;
  o.steps = 200;
  o.burn = 50;
  o.thin = 3;
  o.seed = 77;
  auto make = [] { return std::make_unique<Gauss2>(); };
  o.threads = 1;
  const SamplerResult a = ensemble_sample(make, ball(16, 0.5, -1.0, 2), o);
  o.threads = 3;
  const SamplerResult b = ensemble_sample(make, ball(16, 0.5, -1.0, 2), o);
  ASSERT_EQ(a.chain.size(), b.chain.size());
  EXPECT_EQ(a.chain, b.chain);
  EXPECT_EQ(a.log_density, b.log_density);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.steps.front(), 50u);
  EXPECT_EQ(a.steps[1], 53u);
  o.seed = 78;
  const SamplerResult c = ensemble_sample(make, ball(16, 0.5, -1.0, 2), o);
  EXPECT_NE(a.chain, c.chain);
}

TEST(EnsembleSampler, TwoProcessesSharingTheWalkersGiveTheOneProcessChain) {
  SamplerOptions o;
  o.walkers = 10;  // halves of 5: the processes own 3 and 2 walkers of each
  o.steps = 60;
  o.burn = 10;
  o.seed = 5;
  o.threads = 1;
  auto make = [] { return std::make_unique<Gauss2>(); };
  const SamplerResult one = ensemble_sample(make, ball(10, 0.5, -1.0, 3), o);
  // Two "processes" as two threads; share() swaps the entries each computed (a barrier on each
  // side, as MPI_Allgather).
  std::mutex m;
  std::condition_variable cv;
  int arrived = 0, generation = 0;
  std::vector<double> buffer[2];
  auto barrier = [&] {
    std::unique_lock<std::mutex> lock(m);
    const int g = generation;
    if (++arrived == 2) {
      arrived = 0;
      ++generation;
      cv.notify_all();
    } else {
      cv.wait(lock, [&] { return generation != g; });
    }
  };
  SamplerResult part[2];
  std::vector<std::thread> processes;
  for (std::size_t p = 0; p < 2; ++p)
    processes.emplace_back([&, p] {
      SamplerOptions q = o;
      q.process = p;
      q.processes = 2;
      q.share = [&, p](double* values, std::size_t count) {
        buffer[p].assign(values, values + count);
        barrier();
        for (std::size_t k = 0; k < count; ++k)
          if (k % 2 != p) values[k] = buffer[1 - p][k];
        barrier();
      };
      part[p] = ensemble_sample(make, ball(10, 0.5, -1.0, 3), q);
    });
  for (std::thread& t : processes) t.join();
  for (const SamplerResult& r : part) {
    EXPECT_EQ(r.chain, one.chain);
    EXPECT_EQ(r.log_density, one.log_density);
    EXPECT_EQ(r.walker_acceptance, one.walker_acceptance);
  }
}

TEST(EnsembleSampler, ACancelledRunStopsAfterTheStepItWasAskedIn) {
  SamplerOptions o;
  o.walkers = 8;
  o.steps = 100;
  o.burn = 10;
  o.threads = 2;
  std::size_t asked = 0;
  o.cancelled = [&] { return ++asked >= 3; };
  const SamplerResult r =
      ensemble_sample([] { return std::make_unique<Gauss2>(); }, ball(8, 0.5, -1.0, 4), o);
  EXPECT_TRUE(r.cancelled);
  EXPECT_EQ(r.steps_run, 3u);
  o.cancelled = nullptr;
  EXPECT_FALSE(ensemble_sample([] { return std::make_unique<Gauss2>(); }, ball(8, 0.5, -1.0, 4), o)
                   .cancelled);
}

TEST(EnsembleSampler, ARunStoppedAndResumedFromItsCheckpointsGivesTheUninterruptedChain) {
  SamplerOptions o;
  o.walkers = 8;
  o.steps = 60;
  o.burn = 10;
  o.thin = 3;
  o.seed = 11;
  o.threads = 2;
  auto make = [] { return std::make_unique<Gauss2>(); };
  const std::vector<double> start = ball(8, 0.5, -1.0, 6);
  const SamplerResult whole = ensemble_sample(make, start, o);

  // Checkpoints every 7 steps, stopped after step 23: pieces after 7, 14, 21 and 23 (the stop).
  std::vector<SamplerState> pieces;
  o.checkpoint_every = 7;
  o.checkpoint = [&](const SamplerState& st) { pieces.push_back(st); };
  std::size_t asked = 0;
  o.cancelled = [&] { return ++asked >= 23; };
  const SamplerResult cut = ensemble_sample(make, start, o);
  ASSERT_TRUE(cut.cancelled);
  ASSERT_EQ(pieces.size(), 4u);
  EXPECT_EQ(pieces[0].steps_done, 7u);
  EXPECT_EQ(pieces[3].steps_done, 23u);
  // The pieces' kept samples join into the chain so far (kept steps 10, 13, ..., 22).
  SamplerState joined = pieces.back();
  joined.kept_steps.clear();
  joined.kept_chain.clear();
  joined.kept_log_density.clear();
  for (const SamplerState& st : pieces) {
    joined.kept_steps.insert(joined.kept_steps.end(), st.kept_steps.begin(), st.kept_steps.end());
    joined.kept_chain.insert(joined.kept_chain.end(), st.kept_chain.begin(), st.kept_chain.end());
    joined.kept_log_density.insert(joined.kept_log_density.end(), st.kept_log_density.begin(),
                                   st.kept_log_density.end());
  }
  EXPECT_EQ(joined.kept_steps, std::vector<std::size_t>({10, 13, 16, 19, 22}));

  // Resumed from the last state (no initial positions needed), on another thread count.
  o.cancelled = nullptr;
  o.threads = 1;
  o.resume = &joined;
  pieces.clear();
  const SamplerResult resumed = ensemble_sample(make, {}, o);
  EXPECT_FALSE(resumed.cancelled);
  EXPECT_EQ(resumed.steps, whole.steps);
  EXPECT_EQ(resumed.chain, whole.chain);  // bit for bit
  EXPECT_EQ(resumed.log_density, whole.log_density);
  EXPECT_EQ(resumed.walker_acceptance, whole.walker_acceptance);
  EXPECT_EQ(resumed.acceptance_fraction, whole.acceptance_fraction);
  EXPECT_EQ(resumed.autocorrelation_time, whole.autocorrelation_time);
  ASSERT_FALSE(pieces.empty());
  EXPECT_EQ(pieces.front().steps_done, 28u);  // every 7th step, counted from the start

  // A state that does not fit the run is refused.
  joined.accepted.pop_back();
  EXPECT_THROW(ensemble_sample(make, {}, o), std::invalid_argument);
}

TEST(EnsembleSampler, BoundsCutTheDensityAndNoSampleLeavesThem) {
  // x0 >= mu0: the marginal of x0 is a half-normal, mean mu0 + s0 sqrt(2/pi).
  SamplerOptions o;
  o.walkers = 24;
  o.steps = 3000;
  o.burn = 500;
  o.seed = 5;
  o.threads = 1;
  auto make = [] {
    auto g = std::make_unique<Gauss2>();
    g->rho = 0.0;
    g->lo = 1.0;
    return g;
  };
  const SamplerResult r = ensemble_sample(make, ball(24, 1.5, -2.0, 4), o);
  for (std::size_t i = 0; i < r.chain.size(); i += 2) ASSERT_GE(r.chain[i], 1.0);
  const Moments m = moments(r);
  const double n_eff = 2500.0 * 24.0 / r.autocorrelation_time[0];
  EXPECT_NEAR(m.mean[0], 1.0 + std::sqrt(2.0 / M_PI), 5.0 * 0.6 / std::sqrt(n_eff));
}

TEST(EnsembleSampler, WalkersStartingWhereTheDensityIsZeroAreRefused) {
  SamplerOptions o;
  o.walkers = 8;
  o.steps = 10;
  o.burn = 0;
  auto make = [] {
    auto g = std::make_unique<Gauss2>();
    g->lo = 0.0;
    return g;
  };
  std::vector<double> init = ball(8, 1.0, 0.0, 1);
  init[4] = -5.0;
  EXPECT_THROW(ensemble_sample(make, init, o), std::invalid_argument);
  o.walkers = 7;
  EXPECT_THROW(ensemble_sample(make, ball(7, 1.0, 0.0, 1), o), std::invalid_argument);
}

TEST(EnsembleSampler, InitialWalkersFollowTheCovarianceInsideTheBounds) {
  Gauss2 g;
  const std::vector<double> cov = {1.0, 0.4, 0.4, 0.25};
  const std::vector<double> init =
      initial_walkers(g, {1.0, -2.0}, cov, {0.1, 0.1}, {0.0, -10.0}, {10.0, 10.0}, 4000, 9);
  double m0 = 0, v0 = 0;
  for (std::size_t k = 0; k < 4000; ++k) {
    ASSERT_GE(init[2 * k], 0.0);
    m0 += init[2 * k] / 4000.0;
  }
  for (std::size_t k = 0; k < 4000; ++k) v0 += (init[2 * k] - m0) * (init[2 * k] - m0) / 4000.0;
  // Truncated at mu - 1 sd: the sd shrinks to about 0.8.
  EXPECT_GT(std::sqrt(v0), 0.7);
  EXPECT_LT(std::sqrt(v0), 0.95);
  EXPECT_EQ(init,
            initial_walkers(g, {1.0, -2.0}, cov, {0.1, 0.1}, {0.0, -10.0}, {10.0, 10.0}, 4000, 9));
}

TEST(EnsembleSampler, AutocorrelationTimeOfAnAr1SeriesIsOnePlusPhiOverOneMinusPhi) {
  // x_t = phi x_{t-1} + e_t: tau = (1 + phi) / (1 - phi) = 19 for phi = 0.9.
  const double phi = 0.9;
  const std::size_t n = 20000, w = 8;
  std::mt19937_64 rng(1);
  std::normal_distribution<double> z(0.0, 1.0);
  std::vector<double> s(n * w);
  for (std::size_t i = 0; i < w; ++i) {
    double x = 0.0;
    for (std::size_t t = 0; t < n; ++t) {
      x = phi * x + z(rng);
      s[t * w + i] = x;
    }
  }
  EXPECT_NEAR(integrated_autocorrelation_time(s, n, w), 19.0, 1.5);
}
