#pragma once
// Observation: the outputs of a kinetics model at one time (both levels), fixed size (no
// allocation). Phase 0 is ACP; phases 1.. are the crystalline phases in the order the model was set
// up with.
#include <array>
#include <cstddef>

#include "models/kinetics/solution_chemistry.hpp"
#include "solver/ode/ode_system.hpp"

namespace calcikin::kinetics {

inline constexpr std::size_t kMaxCrystals = 5;

// Everything the outputs need at one time (no allocation: fixed-size arrays).
struct Observation {
  std::size_t phase_count = 0;                         // 1 + crystals; phase 0 is ACP
  std::array<double, 1 + kMaxCrystals> amount{};       // mol/kg
  std::array<double, 1 + kMaxCrystals> mean_radius{};  // m (NaN when there are no particles)
  std::array<double, 1 + kMaxCrystals> saturation_index{};
  std::array<std::array<double, kComponentCount>, 1 + kMaxCrystals>
      solid{};                                      // mol/kg of Ca, Mg, P, H
  std::array<double, kComponentCount> dissolved{};  // mol/kg
  double crystalline_fraction = 0.0;                // of the phosphate held in solids
  double pH = 7.0;
  double log10_activity_ca = 0.0;
};

// What both model levels offer beyond the OdeSystem: their initial state, the outputs at a state,
// and the conserved element totals. Root functions: 0 = induction (crystalline fraction reaches
// events.induction_fraction), 1 = T50 (events.half_conversion_fraction), 2 = steady (optional).
class KineticsModel : public ode::OdeSystem {
 public:
  virtual void initial_state(double* y0) const = 0;
  virtual void observe(double t, const double* y, Observation& out) = 0;
  // The outputs that need no speciation solve (amounts, solid and dissolved element totals, radii,
  // crystalline fraction), for output times whose time series is not written (output.time_series:
  // none / every N): summaries and the conservation check read only these. A model may fill the
  // rest too; the mechanistic model sets the saturation indices, pH and log10 a(Ca) to NaN.
  virtual void observe_amounts(double t, const double* y, Observation& out) { observe(t, y, out); }
  virtual const std::array<double, kComponentCount>& element_totals() const noexcept = 0;
};

}  // namespace calcikin::kinetics
