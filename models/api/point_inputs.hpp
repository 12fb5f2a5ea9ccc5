#pragma once
// The inputs of one trajectory (one sweep point, one evaluation of a fit), SI, and the bindings
// that set them. A path is resolved once, when it is read (scenario::ResolvedPath: its
// scenario::PathTarget, key and SI unit); the prepared problem (api::Simulation, simulation.hpp)
// holds the base inputs and turns each resolved swept or fitted path into a ParameterBinding: the
// same target kind plus an index (a total's position, a kinetic parameter's slot in
// KineticParameters, a thermodynamic offset's slot). Applying a value is then one assignment -- no
// string, no Scenario, no unit conversion:
//
//   api::PointInputs in = problem->base_inputs();        // once per thread (allocates)
//   in = problem->base_inputs();                         // per point: copy (no allocation)
//   binding.apply(in, 2e-3);                             // per value: an assignment
//
// The per-entry metadata (element, basis, phase of each total and mineral) lives in the problem;
// a PointInputs is only numbers, aligned with it.
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "models/kinetics/kinetic_parameters.hpp"
#include "models/scenario/scenario.hpp"

namespace calcikin::api {

struct MineralInput {     // one entry of Simulation::minerals() (same order)
  double amount = 0.0;    // mol/kg water (when !equilibrate)
  double radius = 25e-9;  // m
  double mg_fraction = std::numeric_limits<double>::quiet_NaN();  // ACP only; NaN = partition
  bool equilibrate = false;  // ACP only: amount from equilibrating the initial solution
};

struct PointInputs {
  double temperature = 298.15;  // K
  double pH = 7.0;
  double density = 1.0;       // kg/L (molar totals only)
  double buffer_total = 0.0;  // mol/kg water
  double rtol = 1e-6;         // CVODE relative tolerance
  // One value per Simulation::totals() entry: mol/kg water (molal entry) or mol/m3 (molar entry).
  std::vector<double> totals;
  std::vector<MineralInput> minerals;  // per Simulation::minerals() entry
  // log10 offsets, one per Simulation::thermo_slots() entry (log K of a phase or species).
  std::vector<double> thermo_offsets;
  kinetics::KineticParameters kinetics;  // every catalogue parameter, SI
};

// One swept or fitted path bound to the inputs (Simulation::bind, from its scenario::ResolvedPath).
// Cheap to copy; valid for the PointInputs of the problem that made it. Never targets time.end.
class ParameterBinding {
 public:
  ParameterBinding() = default;
  const std::string& path() const noexcept { return path_; }  // "kinetics.parameters.HAP..."
  const std::string& unit() const noexcept { return unit_; }  // SI; "1" when dimensionless
  scenario::PathTarget target() const noexcept { return target_; }
  std::size_t index() const noexcept { return index_; }

  // Sets the value (SI, `unit()`); no check, no allocation.
  void apply(PointInputs& in, double value) const noexcept {
    switch (target_) {
      case scenario::PathTarget::Temperature:
        in.temperature = value;
        return;
      case scenario::PathTarget::PH:
        in.pH = value;
        return;
      case scenario::PathTarget::Density:
        in.density = value;
        return;
      case scenario::PathTarget::Total:
        in.totals[index_] = value;
        return;
      case scenario::PathTarget::BufferTotal:
        in.buffer_total = value;
        return;
      case scenario::PathTarget::MineralAmount:
        in.minerals[index_].amount = value;
        in.minerals[index_].equilibrate = false;
        return;
      case scenario::PathTarget::MineralRadius:
        in.minerals[index_].radius = value;
        return;
      case scenario::PathTarget::SolverRtol:
        in.rtol = value;
        return;
      case scenario::PathTarget::KineticParameter:
        in.kinetics.at(index_) = value;
        return;
      case scenario::PathTarget::ThermoParameter:
        in.thermo_offsets[index_] = value;
        return;
      case scenario::PathTarget::TimeEnd:  // never bound (one time axis): Simulation::bind
        return;
    }
  }
  // The value the inputs hold (e.g. the base value a fit starts from).
  double value(const PointInputs& in) const noexcept {
    switch (target_) {
      case scenario::PathTarget::Temperature:
        return in.temperature;
      case scenario::PathTarget::PH:
        return in.pH;
      case scenario::PathTarget::Density:
        return in.density;
      case scenario::PathTarget::Total:
        return in.totals[index_];
      case scenario::PathTarget::BufferTotal:
        return in.buffer_total;
      case scenario::PathTarget::MineralAmount:
        return in.minerals[index_].amount;
      case scenario::PathTarget::MineralRadius:
        return in.minerals[index_].radius;
      case scenario::PathTarget::SolverRtol:
        return in.rtol;
      case scenario::PathTarget::KineticParameter:
        return in.kinetics.at(index_);
      case scenario::PathTarget::ThermoParameter:
        return in.thermo_offsets[index_];
      case scenario::PathTarget::TimeEnd:
        break;
    }
    return std::numeric_limits<double>::quiet_NaN();
  }

 private:
  friend class Simulation;
  ParameterBinding(scenario::PathTarget target, std::size_t index, std::string path,
                   std::string unit)
      : target_(target), index_(index), path_(std::move(path)), unit_(std::move(unit)) {}
  scenario::PathTarget target_ = scenario::PathTarget::PH;
  std::size_t index_ = 0;
  std::string path_;
  std::string unit_;
};

// values[i] -> bindings[i], for i < bindings.size().
inline void apply(const std::vector<ParameterBinding>& bindings, const double* values,
                  PointInputs& in) noexcept {
  for (std::size_t i = 0; i < bindings.size(); ++i) bindings[i].apply(in, values[i]);
}

}  // namespace calcikin::api
