#pragma once
// Exact-in-the-states forward sensitivities of one condition's trajectory with respect to the
// fitted parameters (on their fitted scales x), for the objective's Jacobian:
//
//   s_j' = J(t, y) s_j + df/dx_j,   s_j(0) = dy0/dx_j          (CVODES, solver/ode)
//
// Model copies at x_j +- delta give df/dx_j (central differences of one right-hand side at one
// state: no integration noise, accurate to O(delta^2)) and dy0/dx_j:
//  - a kinetic parameter the set-up does not read: a copy of the nominal model from the same
//    set-up with the changed parameter (TrajectoryEvaluator::model_with_parameters: no speciation,
//    no ACP equilibration);
//  - a thermodynamic offset (or a parameter the set-up reads): a full set-up at x_j +- delta (its
//    own speciation carries the offset).
// Mechanistic model (Path::Directional, the default): the sensitivity right-hand sides come from
// forward-mode directional derivatives, all N_p at once (models/kinetics/mechanistic_directional):
// J s_j with duals of width N_p through the chemistry solved by the preceding rhs() call and its
// exact d q / d totals, plus df/dx_j: exact in the same dual pass for a kinetic parameter (its
// dual slot seeded on the parameter in the rate constants; no copy evaluated), d SI / d offset =
// -1 for a phase's log K offset, and the full copies' right-hand sides for the rest
// (aqueous-species offsets, parameters the set-up reads, the moment length scale). The copies
// still give dy0/dx, the roots' dg/dx and the observables' derivatives. Path::FullJacobian: the
// model's exact Jacobian (duals of width size()) and df/dx from the copies' right-hand sides (the
// check). Event times: dt*/dx_j = -(dg/dy s_j + dg/dx_j)/(dg/dt)
// (solver/ode/cvodes_sensitivity.hpp). Observables: the directional derivative along the
// sensitivity,
//   dv/dx_j = [v_{x+delta e_j}(y + delta s_j) - v_{x-delta e_j}(y - delta s_j)] / (2 delta).
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "models/api/point_inputs.hpp"
#include "models/api/simulation.hpp"
#include "models/kinetics/observation.hpp"
#include "solver/ode/cvodes_sensitivity.hpp"

namespace calcikin::fit {

struct FitParameter;

class ConditionSensitivity {
 public:
  // `parameters` and `bindings` align (one per fitted parameter).
  enum class Path { Directional, FullJacobian };
  ConditionSensitivity(const api::Simulation& simulation,
                       const std::vector<api::ParameterBinding>& bindings,
                       const std::vector<FitParameter>& parameters, double delta = 1e-4,
                       Path path = Path::Directional);
  ~ConditionSensitivity();

  // Sensitivities in CVODES' local error test (default: on). Off (CVODES' errconS = false), the
  // steps are those the states need and the sensitivities ride on them: 0.4 of the steps and half
  // the cost (mechanistic T50 assay, N_p = 6: 209 steps instead of 517), but at rtol 1e-9 the
  // state sensitivities are then off by up to 5e-4 of their largest value (Mg in ACP; 1e-5..7e-5
  // elsewhere) instead of 1e-6 (against rtol 1e-12; tests/fit/test_sensitivity_rhs.cpp). The
  // objective's Jacobian still meets central differences to 1e-5 either way.
  void set_error_control(bool on) noexcept { error_control_ = on; }
  // Sensitivity tolerances relative to the states' (ode::SensitivityOptions).
  void set_sensitivity_tolerance_factor(double f) noexcept { tolerance_factor_ = f; }
  void set_simultaneous_corrector(bool on) noexcept { simultaneous_ = on; }
  // Exact df/dx of kinetic parameters in the dual pass (default: on). Off: the copies' rate laws
  // at the nominal chemistry, central differences (the route before; for comparisons).
  void set_exact_parameter_derivatives(bool on) noexcept { exact_ = on; }
  // The integrator tolerance of the runs (default: the simulation's); 0 = the simulation's.
  void set_rtol(double rtol) noexcept { rtol_ = rtol; }

  // Integrates at scaled parameters x. False when a set-up or the integration failed.
  // `built_at_x` (optional): an evaluator of the same simulation whose last build_model() or
  // evaluate() was at exactly these inputs (the fit's plain run at x, just before its Jacobian):
  // the nominal model and the kinetic parameters' copies then come from its set-up
  // (model_with_parameters: no new speciation, charge balance or ACP equilibration), one set-up
  // fewer per condition and Jacobian. The results equal those of a new set-up to round-off (the
  // speciation starts from where that evaluator left it).
  bool run(const double* x, api::TrajectoryEvaluator* built_at_x = nullptr);

  const ode::SensitivityResult& result() const noexcept { return result_; }
  // d(event time)/dx for root 0 (induction) or 1 (T50), first rising crossing; nullptr if none.
  const ode::SensitivityResult::Event* event(std::size_t root) const noexcept;
  // Observation at output k and its directional derivatives along s_j (one per parameter).
  void observe(std::size_t k, kinetics::Observation& value,
               std::vector<kinetics::Observation>& derivative);
  std::size_t output_count() const noexcept { return result_.times.size(); }
  // Name of state i of the model built by the last run.
  std::string model_state_name(std::size_t i) const { return model_->state_name(i); }

 private:
  class System;
  const api::Simulation& sim_;
  const std::vector<api::ParameterBinding>& bindings_;
  const std::vector<FitParameter>& parameters_;
  double delta_;
  Path path_;
  bool error_control_ = true;
  double tolerance_factor_ = 1.0;
  bool simultaneous_ = false;
  bool exact_ = true;
  double rtol_ = 0.0;
  api::TrajectoryEvaluator nominal_;
  std::vector<char> full_;  // per parameter: the set-up reads it (full copies)
  std::vector<std::unique_ptr<api::TrajectoryEvaluator>> plus_, minus_;  // full copies' set-ups
  std::vector<std::unique_ptr<kinetics::KineticsModel>> own_plus_, own_minus_;  // the other copies
  std::unique_ptr<kinetics::KineticsModel> own_nominal_;  // the nominal model from `built_at_x`
  api::PointInputs in_, in_p_, in_m_;
  ode::CvodesSensitivityIntegrator integrator_;
  std::unique_ptr<System> system_;
  ode::SensitivityResult result_;
  std::vector<double> x_;
  std::vector<double> yw_;
  // The models built by run() (owned by the evaluators; valid until the next run).
  kinetics::KineticsModel* model_ = nullptr;
  std::vector<kinetics::KineticsModel*> mp_, mm_;
};

}  // namespace calcikin::fit
