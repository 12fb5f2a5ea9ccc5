#pragma once
// The objective of a calibration problem: negative log-likelihood of every measurement (plus the
// priors) as residuals r with -log L = sum r^2/2 + const (models/fit/likelihood.hpp), of the scaled
// fitted parameters x (log10 or linear). The one place the CLI (`calcikin fit`), the Python module
// (`ck.fit`) and the tests evaluate it.
//
// Each condition is an api::Simulation (the prepared problem) of its scenario with its output times
// set to the measured times; the fitted parameters are api::ParameterBindings resolved once per
// condition (one TrajectoryEvaluator and PointInputs per condition and thread, reused for every
// evaluation: no string look-up or Scenario per evaluation). The Jacobian comes from central
// differences of whole simulations in the scaled parameters (step `fd_step`); the integrator runs
// at FitSettings::rtol so that the differences are accurate to about rtol / fd_step.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/api/point_inputs.hpp"
#include "models/fit/problem.hpp"
#include "solver/io/run_layout.hpp"
#include "solver/optimize/least_squares.hpp"

namespace calcikin::api {
class Simulation;
}

namespace calcikin::fit {

struct Prediction {
  std::vector<double> simulated;      // per measurement, SI (categorical: probability of the class)
  std::vector<double> residuals;      // per residual (measurements, then priors)
  std::vector<double> constants;      // c_i of each residual (-log L_i = r_i^2/2 + c_i)
  std::vector<std::string> failures;  // per condition ("" when the simulation succeeded)
  bool ok = true;
};

class PreparedFit {
 public:
  // Prepares every condition (InputError with the scenario's or the problem's line and caret).
  static std::shared_ptr<const PreparedFit> prepare(CalibrationProblem problem);

  const CalibrationProblem& problem() const noexcept { return problem_; }
  std::size_t parameter_count() const noexcept { return problem_.parameters.size(); }
  std::size_t residual_count() const noexcept { return residual_count_; }
  // Scaled bounds and the scaled catalogue defaults (clipped into the bounds).
  const std::vector<double>& lower() const noexcept { return lower_; }
  const std::vector<double>& upper() const noexcept { return upper_; }
  const std::vector<double>& nominal() const noexcept { return nominal_; }
  // A fresh evaluator of the objective (one per thread). Its Jacobian follows `gradient`
  // (default: the problem's fit.gradient); fd_step is the step of finite differences in the
  // scaled parameters (whole simulations, or the model's right-hand side for sensitivities).
  // `iterating`: the objective of the Levenberg-Marquardt iterations, whose Jacobian follows
  // fit.iteration_jacobian (FitSettings::fast_iteration_jacobian); otherwise always accurate.
  std::unique_ptr<optimize::ResidualProblem> make_objective(
      double fd_step = 1e-4, std::optional<FitSettings::Gradient> gradient = std::nullopt,
      bool iterating = false) const;
  optimize::ProblemFactory factory(
      double fd_step = 1e-4, std::optional<FitSettings::Gradient> gradient = std::nullopt) const;
  // Simulates every condition at scaled parameters x.
  Prediction predict(const std::vector<double>& x) const;

  struct ConditionPlan {
    std::shared_ptr<const api::Simulation> simulation;
    std::vector<api::ParameterBinding> bindings;  // one per fitted parameter
    std::vector<std::size_t> measurements;        // indices into problem().measurements
    // Where each measurement's simulated value lies in the condition's run record: variable,
    // offset of its first value, and how many values (categorical: one share per phase).
    struct Access {
      std::size_t variable = 0, offset = 0, count = 1;
      // phase_fraction.<Phase>: `variable` is solid_element, `offset` the first value of the
      // measured time's row (count phases x Ca, Mg, P), `phase` the phase whose share of the solid
      // phosphate is observed, and `dissolved` the offset of that time's dissolved P in the
      // variable `dissolved_variable` (the share is undefined below 1e-9 of the phosphate).
      static constexpr std::size_t kNoPhase = static_cast<std::size_t>(-1);
      std::size_t phase = kNoPhase, dissolved_variable = 0, dissolved = 0;
    };
    std::vector<Access> access;  // per entry of `measurements`
    double time_end = 0.0;       // s
  };
  const std::vector<ConditionPlan>& conditions() const noexcept { return conditions_; }

 private:
  PreparedFit() = default;
  CalibrationProblem problem_;
  std::vector<ConditionPlan> conditions_;
  std::vector<double> lower_, upper_, nominal_;
  std::size_t residual_count_ = 0;
};

}  // namespace calcikin::fit
