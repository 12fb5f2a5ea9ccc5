#pragma once
// Simulation: a scenario prepared for kinetic runs. The one C++ entry point for trajectories,
// shared by the CLI (`calcikin run`), the sweep runner and the Python module:
//
//   auto sim = api::Simulation::prepare(scenario);          // validates; InputError on bad input
//   const io::RunLayout& layout = sim->layout();             // what every run writes
//   sweep::EvaluatorFactory make = sim->evaluator_factory(); // one evaluator (CVODE workspace +
//                                                            // Speciator) per thread
//   io::RunRecord record(layout);  make()->evaluate(0, swept_values, record);
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
#include <memory>
#include <string>
#include <vector>

#include "models/api/thermo_settings.hpp"
#include "models/kinetics/kinetic_parameters.hpp"
#include "models/scenario/overrides.hpp"
#include "models/scenario/scenario.hpp"
#include "models/thermo/chemical_system.hpp"
#include "solver/io/run_layout.hpp"
#include "solver/sweep/point_evaluator.hpp"

namespace calcikin::api {

class Simulation {
 public:
  // thermodynamics.parameters (named log K offsets, e.g. WH.dlogK_stab) and optional species apply
  // to every point's Speciator (swept values per point). Resolves kinetic parameter names/units
  // (InputError with did-you-mean at the scenario line), checks the phases, builds the chemical
  // system and the output layout. Single-threaded (unit parsing).
  static std::shared_ptr<const Simulation> prepare(scenario::Scenario scenario);

  const scenario::Scenario& scenario() const noexcept { return scenario_; }
  const io::RunLayout& layout() const noexcept { return layout_; }
  const std::vector<double>& output_times() const noexcept { return output_times_; }
  // Whether the time series at output time k is written to the file (and so needs the speciation).
  bool output_written(std::size_t k) const noexcept { return output_written_[k] != 0; }
  // Phase names of the `phase` dimension (ACP first).
  const std::vector<std::string>& phases() const noexcept { return phases_; }
  const std::shared_ptr<const thermo::ChemicalSystem>& system() const noexcept { return system_; }
  // The kinetic parameters of the base scenario (catalogue defaults + kinetics.parameters).
  const kinetics::KineticParameters& parameters() const noexcept { return parameters_; }

  // Evaluators for the scenario's sweep (swept values in the order of scenario().sweep.parameters);
  // thread-safe to call from several threads. The Simulation must outlive them.
  sweep::EvaluatorFactory evaluator_factory() const;

  // One run of the base scenario (no sweep values), for the CLI's single runs and for tests.
  io::RunRecord run_once() const;

  // The catalogue in the form scenario::resolve_kinetic_parameters takes.
  static scenario::ParameterCatalogue parameter_catalogue();

 private:
  Simulation() = default;
  friend class SimulationEvaluator;
  static std::shared_ptr<const Simulation> prepare_checked(scenario::Scenario scenario);

  scenario::Scenario scenario_;
  io::RunLayout layout_;
  std::vector<double> output_times_;
  // Per output time: whether its time series is written (output.time_series: all / none / every N,
  // the writer's rule: indices 0, N, 2N, ... and the last). Unwritten outputs skip the speciation
  // solve of their observation; summaries do not depend on it.
  std::vector<char> output_written_;
  std::vector<std::string> phases_;    // ACP + crystalline
  std::vector<std::string> elements_;  // system elements
  std::shared_ptr<const thermo::ChemicalSystem> system_;
  kinetics::KineticParameters parameters_;
  std::vector<scenario::ResolvedPath> swept_paths_;
  std::vector<ThermoBinding>
      thermo_bindings_;  // thermodynamics.parameters -> Speciator offsets, per point
  bool autocatalytic_ = false;
};

}  // namespace calcikin::api
