#pragma once
// Simulation: the prepared problem. The one C++ entry point for trajectories, shared by the CLI
// (`calcikin run`, `validate`), the sweep runner, the Python module and `calcikin fit`:
//
//   Scenario (SI, every swept path resolved once at load into a scenario::ResolvedPath, origin
//   kept)
//     -> Simulation::prepare: initial solution described and checked once, chemical system,
//        output layout, base PointInputs (point_inputs.hpp), one ParameterBinding per swept path
//        (and per fitted path given to prepare)
//     -> per point: copy the base inputs, apply the bindings, build the model, integrate
//        (TrajectoryEvaluator; no Scenario, no string look-up, no unit conversion per point).
//
// Sweeps (the runner calls one evaluator per thread):
//   auto sim = api::Simulation::prepare(scenario);          // InputError (with caret) on bad input
//   sweep::EvaluatorFactory make = sim->evaluator_factory(); // one TrajectoryEvaluator per thread
//   io::RunRecord record(sim->layout());  make()->evaluate(0, swept_values, record);
//
// Fits (issue 11): bind the fitted names once, then evaluate any parameter vector (SI):
//   auto sim = api::Simulation::prepare(scenario, {{"thermodynamics.parameters.WH.dlogK_stab"}});
//   std::vector<api::ParameterBinding> p = {sim->bind("HAP.growth.rate_constant"),
//                                           sim->bind("thermodynamics.parameters.WH.dlogK_stab")};
//   api::TrajectoryEvaluator ev(*sim);        // per thread: CVODE workspace + Speciator
//   api::PointInputs in = sim->base_inputs(); // per thread (allocates once)
//   io::RunRecord rec(sim->layout());
//   for each theta:  in = sim->base_inputs();  api::apply(p, theta, in);  ev.evaluate(in, rec);
// A kinetic name binds without being listed in prepare (every catalogue parameter has a slot); a
// thermodynamic offset needs a slot, so it must be set in the scenario, swept, or listed in
// prepare's `fitted` paths.
//
// Per run (dims after the implicit leading `run`; SI units):
//   time(time) s; phase(phase), element(element) labels (phase 0 = ACP, then the crystalline
//   phases) dissolved_total(time, element) mol/kg    solid_element(time, phase, element) mol/kg
//   phase_amount(time, phase) mol/kg         saturation_index(time, phase) 1
//   mean_radius(time, phase) m               pH(time) 1     free_calcium_activity(time) 1
//   crystalline_fraction(time) 1             t50, induction_time s (NaN when not reached)
//   final_phase_fraction(phase) 1 (share of the solid phosphate)    solid_mg_fraction(phase) 1
//   dominant_phase (label; "none" without solids)  initial_acp_amount mol/kg
//   conservation_error 1 (largest relative drift of Ca, Mg, P over the outputs)
//   steps, rhs_evaluations, jacobian_evaluations, error_test_failures,
//   nonlinear_convergence_failures
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "models/api/point_inputs.hpp"
#include "models/kinetics/kinetic_parameters.hpp"
#include "models/scenario/scenario.hpp"
#include "models/thermo/chemical_system.hpp"
#include "solver/io/run_layout.hpp"
#include "solver/ode/cvode_integrator.hpp"
#include "solver/sweep/point_evaluator.hpp"

namespace calcikin::kinetics {
class KineticsModel;
}

namespace calcikin::api {

// A path to bind besides the sweep's (a fitted parameter), with where it was named (for errors).
struct BoundPath {
  std::string path;  // "thermodynamics.parameters.WH.dlogK_stab", "kinetics.parameters.X" or "X"
  input::SourceLocation where = {};
  std::string source_line = {};
};

class Simulation {
 public:
  // Every check (kinetic phases and parameters, initial solution, database range, thermodynamic
  // parameters, output layout); InputError with the scenario line and caret. `fitted`: further
  // paths a fit will set (a slot for thermodynamic offsets; fitted_bindings()). Single-threaded.
  static std::shared_ptr<const Simulation> prepare(const scenario::Scenario& scenario,
                                                   const std::vector<BoundPath>& fitted = {});

  const scenario::Scenario& scenario() const noexcept { return scenario_; }
  const io::RunLayout& layout() const noexcept { return layout_; }
  const std::vector<double>& output_times() const noexcept { return output_times_; }
  // Whether the time series at output time k is written to the file (and so needs the speciation).
  bool output_written(std::size_t k) const noexcept { return output_written_[k] != 0; }
  // Phase names of the `phase` dimension (ACP first).
  const std::vector<std::string>& phases() const noexcept { return phases_; }
  const std::shared_ptr<const thermo::ChemicalSystem>& system() const noexcept { return system_; }
  // The kinetic parameters of the base scenario (catalogue defaults + kinetics.parameters).
  const kinetics::KineticParameters& parameters() const noexcept { return base_.kinetics; }

  // ---- the prepared inputs and their bindings
  struct TotalEntry {  // one value of PointInputs::totals
    std::string element;
    std::size_t system_index = 0;  // element index in system()
    scenario::ConcentrationBasis basis = scenario::ConcentrationBasis::Molal;
    double gram_formula_weight = 0.0;  // kg/mol (molar entries: solute mass; 0 if unknown)
  };
  struct MineralEntry {  // one entry of PointInputs::minerals
    std::string phase;
    std::size_t phase_index = 0;  // in phases() (0 = ACP)
  };
  struct ThermoSlot {  // one value of PointInputs::thermo_offsets
    std::string name;  // "WH.dlogK_stab"
    scenario::ThermoParameterKind kind = scenario::ThermoParameterKind::PhaseLogKOffset;
    int system_index =
        -1;  // phase or species index in system(); -1: not in this system (no effect)
  };
  const PointInputs& base_inputs() const noexcept { return base_; }
  const std::vector<TotalEntry>& totals() const noexcept { return totals_; }
  const std::vector<MineralEntry>& minerals() const noexcept { return minerals_; }
  const std::vector<ThermoSlot>& thermo_slots() const noexcept { return thermo_slots_; }
  // One binding per scenario().sweep.parameters entry (same order).
  const std::vector<ParameterBinding>& sweep_bindings() const noexcept { return sweep_bindings_; }
  // One binding per `fitted` path given to prepare (same order), resolved there once.
  const std::vector<ParameterBinding>& fitted_bindings() const noexcept { return fitted_bindings_; }

  // Binds a path resolved once (scenario::resolve_path; a SweepParameter is one): its target kind
  // plus an index into the PointInputs. InputError at the path's location when the problem has no
  // such entry: a total (solution.totals.<El>) or mineral (minerals.<Phase>.amount|radius) not in
  // the problem, a thermodynamic offset without a slot, time.end (one time axis).
  ParameterBinding bind(const scenario::ResolvedPath& path) const;
  // The same for a path named in code or in a fit file: resolve_path (InputError at `where`, with
  // did-you-mean, for an unknown one), then bind. The bare kinetic catalogue name is accepted.
  ParameterBinding bind(std::string_view path, const input::SourceLocation& where = {},
                        const std::string& source_line = {}) const;

  // CVODE options of a point (tolerances from the scenario, rtol from the inputs).
  ode::IntegratorOptions integrator_options(const PointInputs& in) const noexcept;

  // Evaluators for the scenario's sweep (swept values in the order of scenario().sweep.parameters);
  // thread-safe to call from several threads. The Simulation must outlive them.
  sweep::EvaluatorFactory evaluator_factory() const;

  // One run of the base scenario (the first value of each swept path), for the CLI's single runs
  // and tests.
  io::RunRecord run_once() const;

 private:
  Simulation() = default;
  friend class TrajectoryEvaluator;
  static std::shared_ptr<const Simulation> prepare_checked(scenario::Scenario scenario,
                                                           const std::vector<BoundPath>& fitted);

  scenario::Scenario scenario_;
  io::RunLayout layout_;
  std::vector<double> output_times_;
  // Per output time: whether its time series is written (output.time_series: all / none / every N,
  // the writer's rule: indices 0, N, 2N, ... and the last). Unwritten outputs skip the speciation
  // solve of their observation; summaries do not depend on it.
  std::vector<char> output_written_;
  std::vector<std::string> phases_;  // ACP + crystalline
  std::shared_ptr<const thermo::ChemicalSystem> system_;
  bool autocatalytic_ = false;

  PointInputs base_;
  std::vector<TotalEntry> totals_;
  std::vector<MineralEntry> minerals_;
  std::vector<ThermoSlot> thermo_slots_;
  std::vector<ParameterBinding> sweep_bindings_;
  std::vector<ParameterBinding> fitted_bindings_;
  int buffer_index_ = -1;          // system element of the buffer; -1 without one
  int charge_balance_index_ = -1;  // system element adjusted to electroneutrality; -1 without one
  bool free_pH_ = false;
  int output_element_index_[3] = {-1, -1, -1};  // Ca, Mg, P in system()
  struct VariableIndex {
    std::size_t dissolved, solid, amount, si, radius, ph, ca, alpha, t50, induction, final_fraction,
        mg_fraction, dominant, initial_acp, conservation, steps, rhs, jac, etf, ncf;
  } v_{};
};

// One trajectory at a time: a CVODE workspace and a Speciator, reused for every point (one per
// thread). Holds no Scenario: everything per point comes from the PointInputs.
class TrajectoryEvaluator final : public sweep::PointEvaluator {
 public:
  explicit TrajectoryEvaluator(const Simulation& problem);
  ~TrajectoryEvaluator() override;
  TrajectoryEvaluator(const TrajectoryEvaluator&) = delete;
  TrajectoryEvaluator& operator=(const TrajectoryEvaluator&) = delete;

  // A sweep point: the base inputs with the problem's sweep bindings applied.
  void evaluate(std::size_t run_index, const double* swept, io::RunRecord& out) noexcept override;
  // Any inputs (a fit's parameter vector applied through its bindings). out.run_index is kept.
  void evaluate(const PointInputs& inputs, io::RunRecord& out) noexcept;

  // The model of these inputs with its initial state set up (speciation, charge balance, minerals):
  // what `evaluate` integrates. Owned by the evaluator, valid until the next call. For integrating
  // with sensitivities (issue 11). Throws on a failed set-up (e.g. no charge balance).
  kinetics::KineticsModel& build_model(const PointInputs& inputs);
  // For sensitivities (issue 11): the model of the last build_model() with other kinetic
  // parameters, from the same set-up (no speciation, charge balance or ACP equilibration; the
  // chemistry is shared with that model, memoised at the set-up's solution). Valid for parameters
  // the set-up does not read (setup_reads); the caller owns it, and it must not outlive the next
  // build_model() or this evaluator. std::logic_error before any build_model().
  std::unique_ptr<kinetics::KineticsModel> model_with_parameters(
      const kinetics::KineticParameters& parameters);
  // Whether build_model's set-up reads the binding's value (thermodynamic offsets, solution and
  // mineral inputs, the ACP Mg distribution coefficient of the ACP equilibration): then only a full
  // build_model() at the changed inputs carries its effect.
  static bool setup_reads(const ParameterBinding& binding) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace calcikin::api
