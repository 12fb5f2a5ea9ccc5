#pragma once
// SolutionChemistry: what the kinetics needs from the aqueous speciation, behind a small interface
// so the rate laws and the ODE system do not depend on one speciation code. Implementations:
//   SpeciatorChemistry (speciator_chemistry.hpp): the full speciation of models/thermo (default);
//   IdealChemistry (ideal_chemistry.hpp): closed-form, for verification tests and the NumPy
//   cross-check.
// Components the kinetics moves between solution and solids: Ca, Mg, P (orthophosphate), H (total
// hydrogen, free-pH mode only).
#include <array>
#include <cstddef>
#include <string>

namespace calcikin::kinetics {

enum Component : std::size_t { kCa = 0, kMg = 1, kP = 2, kH = 3 };
inline constexpr std::size_t kComponentCount = 4;
inline constexpr std::size_t kMaxPhases = 8;
inline constexpr const char* kComponentNames[kComponentCount] = {"Ca", "Mg", "P", "H"};

struct PhaseChemistry {
  std::string name;
  double molar_volume = 0.0;  // m3/mol (per formula unit as written in the dissolution reaction)
  double ion_count = 0.0;     // nu: ions in the dissolution reaction (S = Omega^(1/nu))
  std::array<double, kComponentCount> stoichiometry{};  // mol of Ca, Mg, P, H per mol of phase
};

// One speciation result: the quantities q the rate laws read.
struct ChemistryResult {
  std::array<double, kMaxPhases> saturation_index{};  // log10 Omega, per phase (order of phase())
  double log10_activity_ca = 0.0;                     // Ca2+
  double log10_activity_mg = -30.0;                   // Mg2+ (very negative without Mg)
  double pH = 7.0;
  double ionic_strength = 0.0;  // mol/kg
};

// Index of the quantities in sensitivity rows: SI of phase i -> i; log a_Ca -> kQuantityCa(m) = m;
// ...
inline constexpr std::size_t quantity_ca(std::size_t phases) { return phases; }
inline constexpr std::size_t quantity_mg(std::size_t phases) { return phases + 1; }
inline constexpr std::size_t quantity_count(std::size_t phases) { return phases + 2; }

class SolutionChemistry {
 public:
  virtual ~SolutionChemistry() = default;

  virtual std::size_t phase_count() const noexcept = 0;
  virtual const PhaseChemistry& phase(std::size_t i) const = 0;
  // True when pH is solved from the H total (then totals[kH] is used); false for fixed pH.
  virtual bool free_pH() const noexcept = 0;

  // Speciation for dissolved totals (mol/kg water, indexed by Component). Must not allocate.
  // Throws ode::RecoverableEvaluationError when the solve fails at this (trial) state.
  virtual void evaluate(const double* totals, ChemistryResult& out) = 0;

  // d q / d totals at `totals` (where `at` was evaluated): row-major, quantity_count() rows x
  // kComponentCount columns. The default uses forward differences (one evaluate per component).
  virtual void sensitivities(const double* totals, const ChemistryResult& at, double* dq_dtotals);
};

}  // namespace calcikin::kinetics
