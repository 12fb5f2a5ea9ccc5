// Whole-fit features of `calcikin fit` on the autocatalytic T50 model: posterior sampling into the
// fit file (natural units, dimension scales, reproducible with the seed for any thread count);
// the derivative-free method chosen for categorical-only problems; a robust loss; resuming an
// interrupted fit from its checkpoint.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "models/fit/fit.hpp"
#include "solver/input/input_error.hpp"
#include "solver/io/hdf5_util.hpp"
#include "solver/optimize/start_checkpoint.hpp"
#include "tests/fit/test_folder.hpp"

using namespace calcikin;
namespace fs = std::filesystem;

namespace {

const std::string kData = CALCIKIN_TEST_DATA_DIR;

struct Folder : test::TestFolder {
  explicit Folder(const std::string& tag) : TestFolder("calcikin_fit_features", tag) {
    copy_in(kData + "/t50_auto.yaml");
    copy_in(kData + "/recovery.yaml");
    copy_in(kData + "/recovery.csv");
  }
  // Appends YAML text to the problem file.
  void append(const std::string& text) const {
    std::ofstream(dir / "recovery.yaml", std::ios::app) << text;
  }
  std::string problem() const { return (dir / "recovery.yaml").string(); }
  // The Level-1 scenario stepped by CVODES instead of followed in closed form (solver.method:
  // bdf): for the tests of the stepping sensitivities' settings.
  void stepping() const {
    const fs::path file = dir / "t50_auto.yaml";
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();
    text.replace(text.find("solver: {"), 9, "solver: {method: bdf, ");
    std::ofstream(file) << text;
  }
};

std::vector<double> read_doubles(hid_t file, const std::string& name) {
  io::h5::Handle ds = io::h5::check(H5Dopen2(file, name.c_str(), H5P_DEFAULT), name);
  std::size_t n = 1;
  for (hsize_t d : io::h5::dataset_shape(ds.get())) n *= d;
  std::vector<double> v(n);
  H5Dread(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  return v;
}

}  // namespace

TEST(FitSampling, ThePosteriorChainIsWrittenInNaturalUnitsWithItsDimensionsAndIsReproducible) {
  Folder f("sample");
  f.append("sampling: {walkers: 8, steps: 24, burn: 8, thin: 2, seed: 4}\n");
  fit::FitRunOptions o;
  o.threads = 2;
  o.starts = 2;
  o.sample = true;
  o.output = (f.dir / "a.h5").string();
  const fit::FitOutcome a = fit::fit_problem(f.problem(), o);
  o.threads = 1;
  o.output = (f.dir / "b.h5").string();
  const fit::FitOutcome b = fit::fit_problem(f.problem(), o);
  ASSERT_TRUE(a.result.sampled);
  EXPECT_EQ(a.result.sampling.chain, b.result.sampling.chain);  // bit-identical for 1 and 2 threads
  EXPECT_EQ(a.result.sampling.steps.size(), 8u);                // (24 - 8) / 2
  EXPECT_GT(a.result.sampling.acceptance_fraction, 0.05);

  io::h5::silence_errors();
  io::h5::Handle file = io::h5::check(
      H5Fopen((f.dir / "a.h5").string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open");
  io::h5::Handle chain = io::h5::check(H5Dopen2(file.get(), "chain", H5P_DEFAULT), "chain");
  EXPECT_EQ(io::h5::dimension_names(chain.get()),
            (std::vector<std::string>{"sample_step", "walker", "parameter"}));
  EXPECT_EQ(io::h5::dataset_shape(chain.get()), (std::vector<hsize_t>{8, 8, 2}));
  double acc = 0, burn = 0, thin = 0, seed = 0;
  EXPECT_TRUE(io::h5::read_number_attribute(chain.get(), "acceptance_fraction", acc));
  EXPECT_TRUE(io::h5::read_number_attribute(chain.get(), "burn", burn));
  EXPECT_TRUE(io::h5::read_number_attribute(chain.get(), "thin", thin));
  EXPECT_TRUE(io::h5::read_number_attribute(chain.get(), "seed", seed));
  EXPECT_DOUBLE_EQ(acc, a.result.sampling.acceptance_fraction);
  EXPECT_EQ(burn, 8.0);
  EXPECT_EQ(thin, 2.0);
  EXPECT_EQ(seed, 4.0);
  const std::vector<double> steps = read_doubles(file.get(), "sample_step");
  EXPECT_EQ(steps.front(), 8.0);
  EXPECT_EQ(steps.back(), 22.0);
  const std::vector<double> values = read_doubles(file.get(), "chain");
  const std::vector<double> estimate = read_doubles(file.get(), "estimate");
  const std::vector<double> lo = read_doubles(file.get(), "lower_bound");
  const std::vector<double> hi = read_doubles(file.get(), "upper_bound");
  for (std::size_t j = 0; j < 2; ++j) {
    std::vector<double> v;
    for (std::size_t i = j; i < values.size(); i += 2) {
      ASSERT_GE(values[i], lo[j]);
      ASSERT_LE(values[i], hi[j]);
      v.push_back(values[i]);
    }
    std::sort(v.begin(), v.end());
    // Natural units (1/s), not log10: the median lies within a factor 3 of the best fit.
    EXPECT_LT(std::fabs(std::log10(v[v.size() / 2] / estimate[j])), 0.5) << j;
  }
  io::h5::Handle lp =
      io::h5::check(H5Dopen2(file.get(), "chain_log_posterior", H5P_DEFAULT), "log posterior");
  EXPECT_EQ(io::h5::dimension_names(lp.get()), (std::vector<std::string>{"sample_step", "walker"}));
  EXPECT_EQ(read_doubles(file.get(), "autocorrelation_time").size(), 2u);
  // The sampled density is the posterior: at the best fit, -(negative log-likelihood) plus the
  // flat priors on the fit scale, -ln(range) each; the file keeps it per sample.
  const auto post = fit::make_log_posterior(*a.prepared);
  double log_prior = 0.0;
  for (std::size_t j = 0; j < 2; ++j)
    log_prior -= std::log(a.prepared->upper()[j] - a.prepared->lower()[j]);
  EXPECT_NEAR(post->log_density(a.result.best_x.data()),
              -a.result.negative_log_likelihood + log_prior, 1e-6);
  const std::vector<double> lp_file = read_doubles(file.get(), "chain_log_posterior");
  std::vector<double> x0(a.result.sampling.chain.begin(), a.result.sampling.chain.begin() + 2);
  EXPECT_NEAR(lp_file[0], post->log_density(x0.data()), 1e-9);
}

namespace {

// Only phase outcomes: at 6 h one replicate saw ACP, the other HAP. The likelihood is highest
// where both are equally likely, i.e. where the crystalline share is one half at 6 h.
const std::string kCategorical = R"(schema: calcikin/calibration/1
conditions:
  - {id: mid, scenario: t50_auto.yaml, set: {time.end: 6 h}}
observables:
  - {id: phase, expr: final_phase, noise: categorical, temperature: 0.5}
measurements: outcomes.csv
parameters:
  - {name: autocatalytic.k1, scale: log10, bounds: [1e-6 1/s, 1e-2 1/s]}
fit: {starts: 3, seed: 2}
)";

}  // namespace

TEST(FitNelderMead, ACategoricalOnlyProblemIsFittedDerivativeFreeToItsKnownOptimum) {
  Folder f("categorical");
  std::ofstream(f.dir / "outcomes.csv")
      << "condition,observable,value\nmid,phase,ACP\nmid,phase,HAP\n";
  std::ofstream(f.dir / "cat.yaml") << kCategorical;
  const auto problem = fit::load_problem((f.dir / "cat.yaml").string());
  EXPECT_EQ(fit::resolved_method(problem), fit::FitSettings::Method::NelderMead);
  fit::FitRunOptions o;
  o.threads = 1;
  o.output = (f.dir / "cat_fit.h5").string();
  const fit::FitOutcome out = fit::fit_problem((f.dir / "cat.yaml").string(), o);
  EXPECT_EQ(out.result.method, fit::FitSettings::Method::NelderMead);
  const optimize::LeastSquaresResult& best =
      out.result.multistart.starts[out.result.multistart.best];
  EXPECT_TRUE(best.converged) << best.message;
  // Both outcomes equally likely at the optimum: p = 1/2 each, cost 2 x ln 2.
  EXPECT_NEAR(out.result.best.simulated[0], 0.5, 2e-3);
  EXPECT_NEAR(out.result.best.simulated[1], 0.5, 2e-3);
  EXPECT_NEAR(out.result.cost, 2.0 * std::log(2.0), 1e-5);
  // No Laplace covariance for a derivative-free fit: absent (NaN, flagged), no standard error or
  // Laplace interval, and the parameter is not reported as identified by it.
  EXPECT_FALSE(out.result.covariance_available);
  EXPECT_EQ(out.result.covariance.rank, 0u);
  EXPECT_TRUE(std::isnan(out.result.covariance.covariance[0]));
  const fit::ParameterEstimate& k1 = out.result.parameters[0];
  EXPECT_TRUE(std::isnan(k1.std_error));
  EXPECT_TRUE(std::isnan(k1.ci_lower) && std::isnan(k1.ci_upper));
  EXPECT_FALSE(k1.identifiable);
  {
    io::h5::Handle file =
        io::h5::check(H5Fopen(o.output.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open");
    long long available = -1;
    io::h5::Handle attr =
        io::h5::check(H5Aopen(file.get(), "covariance_available", H5P_DEFAULT), "attribute");
    H5Aread(attr.get(), H5T_NATIVE_LLONG, &available);
    EXPECT_EQ(available, 0);
    EXPECT_TRUE(std::isnan(read_doubles(file.get(), "covariance")[0]));
    EXPECT_TRUE(std::isnan(read_doubles(file.get(), "std_error_scaled")[0]));
  }

  // Asked for explicitly, and the automatic choice stays Levenberg-Marquardt with any
  // differentiable datum.
  std::string text = kCategorical;
  text.replace(text.find("seed: 2}"), 8, "seed: 2, method: levenberg_marquardt}");
  std::ofstream(f.dir / "lm.yaml") << text;
  EXPECT_EQ(fit::resolved_method(fit::load_problem((f.dir / "lm.yaml").string())),
            fit::FitSettings::Method::LevenbergMarquardt);
  EXPECT_EQ(fit::resolved_method(fit::load_problem(f.problem())),
            fit::FitSettings::Method::LevenbergMarquardt);
  text.replace(text.find("levenberg_marquardt"), 19, "simplex");
  std::ofstream(f.dir / "bad.yaml") << text;
  try {
    fit::load_problem((f.dir / "bad.yaml").string());
    FAIL() << "no error for method: simplex";
  } catch (const input::InputError& e) {
    EXPECT_EQ(e.where().line, 9);
    EXPECT_NE(std::string(e.what()).find('^'), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nelder_mead"), std::string::npos) << e.what();
  }
}

TEST(FitRobustLoss, AnOutlyingT50IsDownWeightedByACauchyLoss) {
  Folder f("loss");
  fit::FitRunOptions o;
  o.threads = 1;
  o.starts = 1;  // from the catalogue defaults
  const fit::FitOutcome clean = fit::fit_problem(f.problem(), o);
  // A replicate T50 ten times the others' (46 sigma on the log scale).
  std::ofstream(f.dir / "recovery.csv", std::ios::app) << "base,T50,,3300,,outlier\n";
  const fit::FitOutcome ls = fit::fit_problem(f.problem(), o);
  std::string text;
  {
    std::ifstream in(f.problem());
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  text.replace(text.find("max_iterations: 50}"), 19,
               "max_iterations: 50, loss: {type: cauchy, scale: 2}}");
  std::ofstream(f.problem()) << text;
  const fit::FitOutcome robust = fit::fit_problem(f.problem(), o);
  EXPECT_EQ(robust.prepared->problem().settings.loss.kind, optimize::LossKind::Cauchy);
  double shift_ls = 0.0, shift_robust = 0.0;
  for (std::size_t j = 0; j < 2; ++j) {
    shift_ls = std::max(shift_ls, std::fabs(ls.result.best_x[j] - clean.result.best_x[j]));
    shift_robust =
        std::max(shift_robust, std::fabs(robust.result.best_x[j] - clean.result.best_x[j]));
  }
  std::printf("log10 shift of the fit by the outlier: least squares %.3f, Cauchy %.3f\n", shift_ls,
              shift_robust);
  EXPECT_GT(shift_ls, 0.1);
  EXPECT_LT(shift_robust, 0.25 * shift_ls);
}

TEST(FitResume, AnInterruptedFitContinuesFromItsCheckpointToTheIdenticalResult) {
  Folder f("resume");
  fit::FitRunOptions o;
  o.threads = 1;
  o.starts = 4;
  o.seed = 5;
  // Reference: one uninterrupted fit.
  o.output = (f.dir / "ref.h5").string();
  const fit::FitOutcome ref = fit::fit_problem(f.problem(), o);
  EXPECT_FALSE(fs::exists(f.dir / "ref.h5.checkpoint"));  // removed once the fit is complete

  // Stopped after two starts: nothing but the checkpoint is written.
  o.output = (f.dir / "fit.h5").string();
  std::vector<std::string> lines;
  o.progress = [&](const std::string& line) { lines.push_back(line); };
  auto finished = [&] {
    std::size_t k = 0;
    for (const std::string& l : lines) k += l.find("fit: start ") == 0 ? 1 : 0;
    return k;
  };
  o.cancelled = [&] { return finished() >= 2; };
  EXPECT_THROW(fit::fit_problem(f.problem(), o), fit::Interrupted);
  EXPECT_FALSE(fs::exists(f.dir / "fit.h5"));
  EXPECT_FALSE(fs::exists(f.dir / "fit.yaml"));
  ASSERT_TRUE(fs::exists(f.dir / "fit.h5.checkpoint"));
  EXPECT_EQ(finished(), 2u);
  EXPECT_NE(lines.back().find("ETA"), std::string::npos) << lines.back();

  // The same command again: two starts resumed, two computed, the identical result.
  lines.clear();
  o.cancelled = nullptr;
  const fit::FitOutcome again = fit::fit_problem(f.problem(), o);
  EXPECT_EQ(again.result.multistart.resumed, 2u);
  EXPECT_EQ(finished(), 2u);
  bool said = false;
  for (const std::string& l : lines) said |= l.find("resuming: 2 of 4 starts") != std::string::npos;
  EXPECT_TRUE(said);
  ASSERT_EQ(again.result.multistart.starts.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(again.result.multistart.starts[i].x, ref.result.multistart.starts[i].x) << i;
    EXPECT_EQ(again.result.multistart.starts[i].cost, ref.result.multistart.starts[i].cost) << i;
  }
  EXPECT_EQ(again.result.best_x, ref.result.best_x);
  EXPECT_EQ(again.result.cost, ref.result.cost);
  EXPECT_TRUE(fs::exists(f.dir / "fit.h5"));
  EXPECT_FALSE(fs::exists(f.dir / "fit.h5.checkpoint"));

  // A checkpoint of other settings (another seed) is not used.
  o.cancelled = [&] { return finished() >= 1; };
  o.output = (f.dir / "other.h5").string();
  lines.clear();
  EXPECT_THROW(fit::fit_problem(f.problem(), o), fit::Interrupted);
  o.seed = 6;
  o.cancelled = nullptr;
  lines.clear();
  const fit::FitOutcome other = fit::fit_problem(f.problem(), o);
  EXPECT_EQ(other.result.multistart.resumed, 0u);
  said = false;
  for (const std::string& l : lines) said |= l.find("starting afresh") != std::string::npos;
  EXPECT_TRUE(said);
}

TEST(FitResume, AFitInterruptedInItsProfilesKeepsTheFinishedOnesAndResumesTheRest) {
  Folder f("resume_profiles");
  fit::FitRunOptions o;
  o.threads = 1;
  o.starts = 2;
  o.profiles = true;
  o.output = (f.dir / "ref.h5").string();
  const fit::FitOutcome ref = fit::fit_problem(f.problem(), o);
  ASSERT_EQ(ref.result.profiles.size(), 2u);

  // Stopped after the first profile: the checkpoint keeps both starts and that profile.
  o.output = (f.dir / "fit.h5").string();
  std::vector<std::string> lines;
  o.progress = [&](const std::string& line) { lines.push_back(line); };
  auto count = [&](const std::string& prefix) {
    std::size_t k = 0;
    for (const std::string& l : lines) k += l.find(prefix) == 0 ? 1 : 0;
    return k;
  };
  o.cancelled = [&] { return count("fit: profile of ") >= 1; };
  EXPECT_THROW(fit::fit_problem(f.problem(), o), fit::Interrupted);
  EXPECT_FALSE(fs::exists(f.dir / "fit.h5"));
  ASSERT_TRUE(fs::exists(f.dir / "fit.h5.checkpoint"));
  EXPECT_EQ(count("fit: profile of "), 1u);

  // Again: no start and only the other profile computed, the identical result.
  lines.clear();
  o.cancelled = nullptr;
  const fit::FitOutcome again = fit::fit_problem(f.problem(), o);
  EXPECT_EQ(again.result.multistart.resumed, 2u);
  EXPECT_EQ(count("fit: start "), 0u);
  EXPECT_EQ(count("fit: profile of "), 1u);
  bool said = false;
  for (const std::string& l : lines)
    said |= l.find("resuming: 1 of 2 profiles") != std::string::npos;
  EXPECT_TRUE(said);
  for (std::size_t j = 0; j < 2; ++j) {
    const optimize::Profile &a = again.result.profiles[j], &b = ref.result.profiles[j];
    EXPECT_EQ(a.index, j);
    EXPECT_EQ(a.values, b.values) << j;
    EXPECT_EQ(a.costs, b.costs) << j;
    EXPECT_EQ(a.lower, b.lower) << j;
    EXPECT_EQ(a.upper, b.upper) << j;
    EXPECT_EQ(a.identifiable, b.identifiable) << j;
    EXPECT_EQ(again.result.parameters[j].ci_lower, ref.result.parameters[j].ci_lower) << j;
  }
  EXPECT_FALSE(fs::exists(f.dir / "fit.h5.checkpoint"));

  // A profile record round-trips bit-exactly; a cut one is not read.
  const std::string line = optimize::StartCheckpoint::format_profile(ref.result.profiles[1]);
  optimize::Profile back;
  ASSERT_TRUE(optimize::StartCheckpoint::parse_profile(line, back));
  EXPECT_EQ(back.values, ref.result.profiles[1].values);
  EXPECT_EQ(back.costs, ref.result.profiles[1].costs);
  EXPECT_FALSE(optimize::StartCheckpoint::parse_profile(line.substr(0, line.size() - 6), back));
}

TEST(FitSampling, CtrlCDuringSamplingStopsAfterTheStepAndWritesNothingButTheCheckpoint) {
  Folder f("sample_cancel");
  f.append("sampling: {walkers: 4, steps: 50, burn: 2}\n");
  fit::FitRunOptions o;
  o.threads = 1;
  o.starts = 2;
  o.sample = true;
  o.output = (f.dir / "fit.h5").string();
  bool sampling = false;
  o.progress = [&](const std::string& line) { sampling |= line.rfind("sample: ", 0) == 0; };
  o.cancelled = [&] { return sampling; };
  try {
    fit::fit_problem(f.problem(), o);
    FAIL() << "not interrupted";
  } catch (const fit::Interrupted& e) {
    EXPECT_NE(std::string(e.what()).find("sampling stopped after 1 of 50 steps"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(f.dir / "fit.h5"));
  EXPECT_TRUE(fs::exists(f.dir / "fit.h5.checkpoint"));
}

TEST(FitSampling, AnInterruptedSamplingResumesFromTheCheckpointedChainToTheIdenticalChain) {
  Folder f("sample_resume");
  f.append("sampling: {walkers: 6, steps: 20, burn: 4, thin: 2, seed: 3, checkpoint_every: 3}\n");
  fit::FitRunOptions o;
  o.threads = 2;
  o.starts = 2;
  o.sample = true;
  o.output = (f.dir / "ref.h5").string();
  const fit::FitOutcome ref = fit::fit_problem(f.problem(), o);
  ASSERT_TRUE(ref.result.sampled);

  // Stopped once the checkpoint holds a piece of the chain (after step 3, so at step 4).
  o.output = (f.dir / "fit.h5").string();
  const fs::path checkpoint = f.dir / "fit.h5.checkpoint";
  auto chain_pieces = [&] {
    std::ifstream in(checkpoint);
    std::size_t k = 0;
    for (std::string line; std::getline(in, line);) k += line.rfind("chain ", 0) == 0 ? 1 : 0;
    return k;
  };
  o.cancelled = [&] { return chain_pieces() > 0; };
  try {
    fit::fit_problem(f.problem(), o);
    FAIL() << "not interrupted";
  } catch (const fit::Interrupted& e) {
    EXPECT_NE(std::string(e.what()).find("sampling stopped after 4 of 20 steps"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("the chain so far"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(f.dir / "fit.h5"));
  EXPECT_EQ(chain_pieces(), 2u);  // after steps 3 and 4

  // The same call again, on one thread: resumed at step 4, the identical chain and file.
  o.cancelled = nullptr;
  o.threads = 1;
  std::vector<std::string> lines;
  o.progress = [&](const std::string& line) { lines.push_back(line); };
  const fit::FitOutcome again = fit::fit_problem(f.problem(), o);
  bool said = false;
  for (const std::string& l : lines)
    said |= l.find("sample: resuming at step 4 of 20") != std::string::npos;
  EXPECT_TRUE(said);
  EXPECT_EQ(again.result.multistart.resumed, 2u);
  const optimize::SamplerResult &a = again.result.sampling, &b = ref.result.sampling;
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.chain, b.chain);  // bit for bit
  EXPECT_EQ(a.log_density, b.log_density);
  EXPECT_EQ(a.walker_acceptance, b.walker_acceptance);
  EXPECT_EQ(a.autocorrelation_time, b.autocorrelation_time);
  EXPECT_FALSE(fs::exists(checkpoint));
  io::h5::Handle fa = io::h5::check(
      H5Fopen((f.dir / "ref.h5").string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open");
  io::h5::Handle fb = io::h5::check(
      H5Fopen((f.dir / "fit.h5").string().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "open");
  for (const char* name : {"chain", "chain_log_posterior", "walker_acceptance", "estimate"})
    EXPECT_EQ(read_doubles(fa.get(), name), read_doubles(fb.get(), name)) << name;

  // A chain record round-trips bit-exactly; a cut one is not read; a piece that does not continue
  // the chain is not joined.
  optimize::ChainRecord c;
  c.walkers = 6;
  c.dimension = 2;
  c.burn = 4;
  c.thin = 2;
  c.seed = 0xFFFFFFFFFFFFFFF1ULL;  // beyond a double's integers
  c.state.steps_done = 6;
  c.state.kept_steps = {4};
  c.state.kept_chain.assign(12, 0.1);
  c.state.kept_log_density.assign(6, -1.0 / 3.0);
  c.state.positions.assign(12, std::nextafter(1.0, 2.0));
  c.state.log_density.assign(6, -2.5);
  c.state.accepted.assign(6, 3);
  const std::string line = optimize::StartCheckpoint::format_chain(c);
  optimize::ChainRecord back;
  ASSERT_TRUE(optimize::StartCheckpoint::parse_chain(line, back));
  EXPECT_EQ(back.seed, c.seed);
  EXPECT_EQ(back.state.positions, c.state.positions);
  EXPECT_EQ(back.state.kept_log_density, c.state.kept_log_density);
  EXPECT_EQ(back.state.accepted, c.state.accepted);
  EXPECT_FALSE(optimize::StartCheckpoint::parse_chain(line.substr(0, line.size() - 8), back));
  optimize::ChainRecord joined, later = c;
  ASSERT_TRUE(optimize::StartCheckpoint::join_chain(joined, c));
  later.from = 5;  // not where the chain stands (6)
  EXPECT_FALSE(optimize::StartCheckpoint::join_chain(joined, later));
  later.from = 6;
  later.state.steps_done = 8;
  ASSERT_TRUE(optimize::StartCheckpoint::join_chain(joined, later));
  EXPECT_EQ(joined.state.steps_done, 8u);
  EXPECT_EQ(joined.state.kept_steps.size(), 2u);
}

TEST(FitSensitivityTolerance, ALooserFactorReachesTheObjectiveAndKeepsTheJacobianClose) {
  Folder f("sens_tol");
  f.stepping();
  auto jacobian = [&](const std::string& extra) {
    std::ifstream in(f.problem());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.replace(text.find("max_iterations: 50}"), 19, "max_iterations: 50" + extra + "}");
    std::ofstream(f.dir / "tol.yaml") << text;
    const auto prepared =
        fit::PreparedFit::prepare(fit::load_problem((f.dir / "tol.yaml").string()));
    const auto objective = prepared->make_objective(1e-4);
    const std::size_t m = prepared->residual_count(), n = prepared->parameter_count();
    std::vector<double> r(m), J(m * n);
    EXPECT_TRUE(objective->evaluate(prepared->nominal().data(), r.data(), J.data()));
    return J;
  };
  const std::vector<double> tight = jacobian(""),
                            loose = jacobian(", sensitivity_tolerance_factor: 100");
  double largest = 0.0, diff = 0.0;
  for (std::size_t i = 0; i < tight.size(); ++i) {
    largest = std::max(largest, std::fabs(tight[i]));
    diff = std::max(diff, std::fabs(tight[i] - loose[i]));
  }
  EXPECT_GT(diff, 0.0);  // the factor reaches the sensitivities
  EXPECT_LT(diff, 1e-2 * largest);
}

TEST(FitResume, CheckpointRecordsRoundTripBitExactlyAndACutLineIsIgnored) {
  optimize::LeastSquaresResult r;
  r.x0 = {0.1, -1.0 / 3.0};
  r.x = {std::nextafter(1.0, 2.0), -7.25e-300};
  r.cost = 15.054789123456789;
  r.iterations = 12;
  r.evaluations = 30;
  r.converged = true;
  r.usable = true;
  r.message = "Function tolerance reached.\nsecond line";
  r.seconds = 1.5;
  r.trace_cost = {20.0, 15.5};
  r.trace_seconds = {0.1, 0.2};
  const std::string line = optimize::StartCheckpoint::format(3, r);
  std::size_t index = 0;
  optimize::LeastSquaresResult back;
  ASSERT_TRUE(optimize::StartCheckpoint::parse(line, 2, index, back)) << line;
  EXPECT_EQ(index, 3u);
  EXPECT_EQ(back.x0, r.x0);
  EXPECT_EQ(back.x, r.x);
  EXPECT_EQ(back.cost, r.cost);
  EXPECT_EQ(back.trace_cost, r.trace_cost);
  EXPECT_EQ(back.iterations, 12);
  EXPECT_TRUE(back.converged);
  EXPECT_EQ(back.message, "Function tolerance reached. second line");
  EXPECT_FALSE(optimize::StartCheckpoint::parse(line.substr(0, line.size() - 7), 2, index, back));
  EXPECT_FALSE(optimize::StartCheckpoint::parse(line, 3, index, back));  // another dimension
}

TEST(FitIterationJacobian, FastIterationsReachTheAccurateOptimumAndTheCovarianceStaysAccurate) {
  Folder f("iteration_jacobian");
  f.stepping();
  fit::FitRunOptions o;
  o.threads = 1;
  o.starts = 1;  // from the catalogue defaults
  auto with = [&](const std::string& choice) {
    std::ifstream in(f.problem());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    text.replace(text.find("max_iterations: 50}"), 19,
                 "max_iterations: 50, iteration_jacobian: " + choice + "}");
    const fs::path file = f.dir / (choice + ".yaml");
    std::ofstream(file) << text;
    return fit::fit_problem(file.string(), o);
  };
  const fit::FitOutcome fast = with("fast"), accurate = with("accurate");
  EXPECT_TRUE(fast.prepared->problem().settings.fast_iteration_jacobian);
  EXPECT_FALSE(accurate.prepared->problem().settings.fast_iteration_jacobian);
  // The same minimum (the residuals are the accurate runs' either way), to the integration noise.
  EXPECT_NEAR(fast.result.cost, accurate.result.cost, 1e-6 * accurate.result.cost);
  for (std::size_t j = 0; j < 2; ++j)
    EXPECT_NEAR(fast.result.best_x[j], accurate.result.best_x[j], 1e-4);

  // The iterations' Jacobian is the fast one (it differs from the accurate one, a little); the
  // reported Fisher matrix is J^T J of the accurate Jacobian at the best fit.
  const fit::PreparedFit& prepared = *fast.prepared;
  const std::size_t m = prepared.residual_count(), n = prepared.parameter_count();
  std::vector<double> r(m), Ja(m * n), Jf(m * n);
  const std::vector<double>& x = fast.result.best_x;
  ASSERT_TRUE(
      prepared.make_objective(1e-4, std::nullopt, false)->evaluate(x.data(), r.data(), Ja.data()));
  ASSERT_TRUE(
      prepared.make_objective(1e-4, std::nullopt, true)->evaluate(x.data(), r.data(), Jf.data()));
  double largest = 0.0, diff = 0.0;
  for (std::size_t i = 0; i < Ja.size(); ++i) {
    largest = std::max(largest, std::fabs(Ja[i]));
    diff = std::max(diff, std::fabs(Ja[i] - Jf[i]));
  }
  EXPECT_GT(diff, 0.0);
  EXPECT_LT(diff, 1e-3 * largest);
  for (std::size_t a = 0; a < n; ++a)
    for (std::size_t b = 0; b < n; ++b) {
      double f_ab = 0.0;
      for (std::size_t i = 0; i < m; ++i) f_ab += Ja[i * n + a] * Ja[i * n + b];
      EXPECT_NEAR(fast.result.covariance.fisher[a * n + b], f_ab, 1e-10 * std::fabs(f_ab))
          << "Fisher entry " << a << "," << b;
    }
}
