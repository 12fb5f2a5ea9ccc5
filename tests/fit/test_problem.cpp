// Calibration problem files: a good file loads with SI values; every bad one is an InputError at
// file:line:col with the line and a caret, before anything is simulated.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "models/fit/problem.hpp"
#include "solver/input/input_error.hpp"
#include "tests/fit/test_folder.hpp"

using namespace calcikin;
namespace fs = std::filesystem;

namespace {

const std::string kData = CALCIKIN_TEST_DATA_DIR;

// A problem folder in the temp dir with the test scenario, a problem text and a CSV text.
struct Folder : test::TestFolder {
  Folder()
      : TestFolder("calcikin_fit_problem",
                   ::testing::UnitTest::GetInstance()->current_test_info()->name()) {
    copy_in(kData + "/t50_auto.yaml");
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
  }
  fit::CalibrationProblem load(const std::string& problem, const std::string& csv) const {
    write("p.yaml", problem);
    write("data.csv", csv);
    return fit::load_problem((dir / "p.yaml").string());
  }
};

const std::string kProblem = R"(schema: calcikin/calibration/1
conditions:
  - {id: base, scenario: t50_auto.yaml}
  - {id: mg2, scenario: t50_auto.yaml, set: {solution.totals.Mg: 2 mmol/kgw}}
observables:
  - {id: T50, expr: t50, noise: lognormal, sigma: 0.05, unit: min}
  - {id: Ca, expr: dissolved_total.Ca, noise: normal, sigma: 0.1 mmol/kgw, unit: mmol/kgw}
  - {id: outcome, expr: final_phase, noise: categorical}
measurements: data.csv
parameters:
  - {name: autocatalytic.k0, scale: log10, bounds: [1e-9 1/s, 1e-4 1/s]}
  - {name: autocatalytic.k1, prior: {lognormal: [3.8e-4 1/s, 1]}}
)";
const std::string kCsv = R"(condition,observable,time [h],value,sigma,source
base,T50,,330,,synthetic
mg2,T50,,>1440,0.1,censored at 1 d
base,Ca,2,9.5,,electrode
mg2,outcome,,HAP,,XRD
)";

// Runs f, expects an InputError at `line` of `file_suffix` whose text has a caret line and `text`.
template <class F>
void expect_error(F&& f, const std::string& file_suffix, int line, const std::string& text,
                  bool caret = true) {
  try {
    f();
    FAIL() << "no error; expected '" << text << "'";
  } catch (const input::InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(text), std::string::npos) << what;
    EXPECT_EQ(e.where().line, line) << what;
    EXPECT_GE(e.where().file.size(), file_suffix.size());
    EXPECT_EQ(e.where().file.substr(e.where().file.size() - file_suffix.size()), file_suffix)
        << what;
    if (caret) {
      EXPECT_NE(what.find('^'), std::string::npos) << "no caret: " << what;
    }
  }
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

}  // namespace

TEST(FitProblem, AGoodProblemLoadsWithSiValuesCensoringPriorsAndCategories) {
  Folder f;
  const fit::CalibrationProblem p = f.load(kProblem, kCsv);
  ASSERT_EQ(p.conditions.size(), 2u);
  ASSERT_EQ(p.measurements.size(), 4u);
  EXPECT_DOUBLE_EQ(p.measurements[0].value, 330 * 60.0);  // min -> s
  EXPECT_DOUBLE_EQ(p.measurements[0].sigma, 0.05);        // the observable's default
  EXPECT_TRUE(p.measurements[1].censored);
  EXPECT_DOUBLE_EQ(p.measurements[1].value, 1440 * 60.0);
  EXPECT_NEAR(p.measurements[2].time, 7200.0, 1e-9);    // h -> s
  EXPECT_NEAR(p.measurements[2].value, 9.5e-3, 1e-15);  // mmol/kgw -> mol/kg
  EXPECT_NEAR(p.measurements[2].sigma, 1e-4, 1e-16);
  EXPECT_EQ(p.measurements[3].category, "HAP");
  double mg = 0.0;
  for (const auto& t : p.conditions[1].scenario.solution.totals)
    if (t.element == "Mg") mg = t.value;
  EXPECT_NEAR(mg, 2e-3, 1e-15);  // the condition's override
  ASSERT_EQ(p.parameters.size(), 2u);
  EXPECT_EQ(p.parameters[0].scale, fit::Scale::Log10);
  EXPECT_DOUBLE_EQ(p.parameters[0].lower, 1e-9);
  EXPECT_EQ(p.parameters[1].prior, fit::PriorKind::LogNormal);
  EXPECT_DOUBLE_EQ(p.parameters[1].prior_a, 3.8e-4);
}

TEST(FitProblem, AnUnknownConditionInTheDataIsAnErrorAtItsCell) {
  Folder f;
  expect_error([&] { f.load(kProblem, replaced(kCsv, "mg2,T50", "mg3,T50")); }, "data.csv", 3,
               "unknown condition 'mg3'");
}

TEST(FitProblem, AnUnknownParameterIsAnErrorWithDidYouMean) {
  Folder f;
  expect_error([&] { f.load(replaced(kProblem, "autocatalytic.k0", "autocatalytic.kO"), kCsv); },
               "p.yaml", 11, "did you mean 'autocatalytic.k0'");
}

TEST(FitProblem, MissingUnitsAreErrors) {
  Folder f;
  // The time column without a unit.
  expect_error([&] { f.load(kProblem, replaced(kCsv, "time [h]", "time")); }, "data.csv", 1,
               "missing units");
  // A T50 value with neither an observable unit nor a header unit.
  expect_error([&] { f.load(replaced(kProblem, ", unit: min}", "}"), kCsv); }, "data.csv", 2,
               "missing units");
  // A bound without a unit for a dimensional parameter.
  expect_error([&] { f.load(replaced(kProblem, "[1e-9 1/s, 1e-4 1/s]", "[1e-9, 1e-4]"), kCsv); },
               "p.yaml", 11, "needs a unit");
}

TEST(FitProblem, ANonPositiveSigmaIsAnError) {
  Folder f;
  expect_error([&] { f.load(kProblem, replaced(kCsv, ">1440,0.1", ">1440,0")); }, "data.csv", 3,
               "sigma must be positive");
  expect_error([&] { f.load(kProblem, replaced(kCsv, ">1440,0.1", ">1440,-0.2")); }, "data.csv", 3,
               "sigma must be positive");
  expect_error([&] { f.load(replaced(kProblem, "sigma: 0.05", "sigma: 0"), kCsv); }, "p.yaml", 6,
               "sigma must be positive");
}

TEST(FitProblem, EmptyDataIsAnError) {
  Folder f;
  expect_error([&] { f.load(kProblem, "condition,observable,time [h],value,sigma,source\n"); },
               "data.csv", 1, "no measurements");
  expect_error([&] { f.load(kProblem, ""); }, "data.csv", 1, "empty", false);  // no line to show
}

TEST(FitProblem, OtherMistakesPointAtTheirPlace) {
  Folder f;
  expect_error([&] { f.load(kProblem, replaced(kCsv, "base,T50", "base,T5O")); }, "data.csv", 2,
               "unknown observable 'T5O'");
  expect_error([&] { f.load(replaced(kProblem, "expr: t50", "expr: t_50"), kCsv); }, "p.yaml", 6,
               "unknown observable expression");
  expect_error([&] { f.load(kProblem, replaced(kCsv, "base,Ca,2,", "base,Ca,200,")); }, "data.csv",
               4, "beyond the end");
  expect_error([&] { f.load(kProblem, replaced(kCsv, "mg2,outcome,,HAP", "mg2,outcome,,HAPP")); },
               "data.csv", 5, "unknown phase 'HAPP'");
  expect_error(
      [&] { f.load(replaced(kProblem, "schema: calcikin/calibration/1", "schema: x"), kCsv); },
      "p.yaml", 1, "unknown schema");
  expect_error(
      [&] {
        f.load(replaced(kProblem, "solution.totals.Mg: 2 mmol/kgw", "solution.totals.Mg: 2 mMol"),
               kCsv);
      },
      "p.yaml", 4, "unknown unit");
}

TEST(FitProblem, SamplingSettingsLoadWithDefaultsAndBadOnesPointAtTheirValue) {
  Folder f;
  const fit::CalibrationProblem d = f.load(kProblem, kCsv);
  EXPECT_FALSE(d.settings.sample);
  EXPECT_EQ(d.sampling.walkers, 0u);  // resolved by the fit: max(32, 4 x parameters)
  EXPECT_EQ(d.sampling.steps, 1000u);
  EXPECT_EQ(d.sampling.burn, 250u);
  const std::string with = kProblem + "fit: {sample: true}\n" +
                           "sampling: {walkers: 12, steps: 300, burn: 100, thin: 2, seed: 9}\n";
  const fit::CalibrationProblem p = f.load(with, kCsv);
  EXPECT_TRUE(p.settings.sample);
  EXPECT_EQ(p.sampling.walkers, 12u);
  EXPECT_EQ(p.sampling.steps, 300u);
  EXPECT_EQ(p.sampling.burn, 100u);
  EXPECT_EQ(p.sampling.thin, 2u);
  EXPECT_EQ(p.sampling.seed, 9u);
  EXPECT_EQ(p.sampling.checkpoint_every, 10u);  // the chain's checkpoints: every 10 steps
  EXPECT_EQ(f.load(replaced(with, "seed: 9", "seed: 9, checkpoint_every: 25"), kCsv)
                .sampling.checkpoint_every,
            25u);
  expect_error([&] { f.load(replaced(with, "seed: 9", "seed: 9, checkpoint_every: 0"), kCsv); },
               "p.yaml", 14, "checkpoint_every must lie between 1");
  expect_error([&] { f.load(replaced(with, "walkers: 12", "walkers: 13"), kCsv); }, "p.yaml", 14,
               "walkers must be even");
  expect_error([&] { f.load(replaced(with, "walkers: 12", "walkers: 2"), kCsv); }, "p.yaml", 14,
               "walkers must lie between 4");
  expect_error([&] { f.load(replaced(with, "burn: 100", "burn: 300"), kCsv); }, "p.yaml", 14,
               "burn (300) must be smaller than steps");
  expect_error([&] { f.load(replaced(with, "thin: 2", "thin: 0"), kCsv); }, "p.yaml", 14,
               "thin must lie between 1");
  expect_error([&] { f.load(replaced(with, "seed: 9", "sede: 9"), kCsv); }, "p.yaml", 14, "sede");
}

TEST(FitProblem, ARobustLossLoadsAndABadOnePointsAtItsValue) {
  Folder f;
  const fit::CalibrationProblem p =
      f.load(kProblem + "fit: {loss: {type: huber, scale: 2.5}, method: nelder_mead}\n", kCsv);
  EXPECT_EQ(p.settings.loss.kind, optimize::LossKind::Huber);
  EXPECT_DOUBLE_EQ(p.settings.loss.scale, 2.5);
  EXPECT_EQ(p.settings.method, fit::FitSettings::Method::NelderMead);
  EXPECT_EQ(f.load(kProblem + "fit: {loss: soft_l1}\n", kCsv).settings.loss.kind,
            optimize::LossKind::SoftL1);
  EXPECT_EQ(f.load(kProblem, kCsv).settings.loss.kind, optimize::LossKind::Linear);
  expect_error([&] { f.load(kProblem + "fit: {loss: {type: hubber}}\n", kCsv); }, "p.yaml", 13,
               "did you mean 'huber'");
  expect_error([&] { f.load(kProblem + "fit: {loss: {type: cauchy, scale: 0}}\n", kCsv); },
               "p.yaml", 13, "the loss scale must be positive");
  expect_error([&] { f.load(kProblem + "fit: {loss: {type: cauchy, scael: 1}}\n", kCsv); },
               "p.yaml", 13, "scael");
}

TEST(FitProblem, ASensitivityToleranceFactorLoadsAndOneOutsideItsRangePointsAtItsValue) {
  Folder f;
  EXPECT_EQ(f.load(kProblem, kCsv).settings.sensitivity_tolerance_factor, 1.0);
  EXPECT_EQ(f.load(kProblem + "fit: {sensitivity_tolerance_factor: 10}\n", kCsv)
                .settings.sensitivity_tolerance_factor,
            10.0);
  expect_error([&] { f.load(kProblem + "fit: {sensitivity_tolerance_factor: 0.5}\n", kCsv); },
               "p.yaml", 13, "must lie between 1 and 1000");
}

TEST(FitProblem, TheIterationJacobianIsFastByDefaultAndAnUnknownChoicePointsAtItsValue) {
  Folder f;
  EXPECT_TRUE(f.load(kProblem, kCsv).settings.fast_iteration_jacobian);
  EXPECT_FALSE(f.load(kProblem + "fit: {iteration_jacobian: accurate}\n", kCsv)
                   .settings.fast_iteration_jacobian);
  expect_error([&] { f.load(kProblem + "fit: {iteration_jacobian: exact}\n", kCsv); }, "p.yaml", 13,
               "fast");
}

TEST(FitProblem, APhaseFractionTimeCourseLoadsAndBadRowsPointAtTheirCell) {
  Folder f;
  const std::string problem =
      replaced(kProblem, "  - {id: outcome, expr: final_phase, noise: categorical}\n",
               "  - {id: outcome, expr: final_phase, noise: categorical}\n"
               "  - {id: hap, expr: phase_fraction.HAP, noise: normal, sigma: 0.05}\n");
  const std::string csv = kCsv + "base,hap,3,0.25,,XRD\nmg2,hap,6,0.5,0.1,XRD\n";
  const fit::CalibrationProblem p = f.load(problem, csv);
  ASSERT_EQ(p.measurements.size(), 6u);
  const fit::Observable& o = p.observables[3];
  EXPECT_EQ(o.kind, fit::ObservableKind::TimeSeries);
  EXPECT_EQ(o.variable, "phase_fraction");
  EXPECT_EQ(o.selector, "HAP");
  EXPECT_NEAR(p.measurements[4].time, 3 * 3600.0, 1e-9);
  EXPECT_DOUBLE_EQ(p.measurements[4].value, 0.25);
  EXPECT_DOUBLE_EQ(p.measurements[5].sigma, 0.1);
  // A share outside [0, 1] (a percentage, say), a missing time, an unknown phase, and a noise
  // model a share cannot have.
  expect_error([&] { f.load(problem, replaced(csv, "base,hap,3,0.25", "base,hap,3,25")); },
               "data.csv", 6, "a phase fraction lies in [0, 1], got 25");
  expect_error([&] { f.load(problem, replaced(csv, "mg2,hap,6,0.5", "mg2,hap,6,-0.1")); },
               "data.csv", 7, "a phase fraction lies in [0, 1]");
  expect_error([&] { f.load(problem, replaced(csv, "base,hap,3,", "base,hap,,")); }, "data.csv", 6,
               "is a time course: the row needs a time");
  expect_error([&] { f.load(replaced(problem, "phase_fraction.HAP", "phase_fraction.HPA"), csv); },
               "p.yaml", 9, "unknown phase 'HPA'");
  expect_error(
      [&] {
        f.load(replaced(problem, "phase_fraction.HAP, noise: normal",
                        "phase_fraction.HAP, noise: categorical"),
               csv);
      },
      "p.yaml", 9, "categorical noise needs the expression 'final_phase'");
  // The final share is held to the same range.
  const std::string final_problem =
      replaced(problem, "phase_fraction.HAP", "final_phase_fraction.HAP");
  expect_error(
      [&] {
        f.load(final_problem, replaced(replaced(csv, "base,hap,3,0.25", "base,hap,,1.5"),
                                       "mg2,hap,6,0.5", "mg2,hap,,0.5"));
      },
      "data.csv", 6, "a phase fraction lies in [0, 1], got 1.5");
}
