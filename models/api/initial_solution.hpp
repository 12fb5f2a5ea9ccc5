#pragma once
// The initial solution of a scenario, described and checked in one place for every command that
// uses it (speciate, run, validate, the Python module), so that they agree on what is valid:
//
//   api::InitialSolution solution(scenario, database);   // every check; InputError with caret
//   solution.components();                                // elements as written, then the buffer
//   double w = api::water_per_litre(point.solution, database);   // per point: no parsing
//
// Molar totals are converted to molal with PHREEQC's rule (convert_units in PHREEQC's
// solution reading, Parkhurst & Appelo 2013, USGS Techniques and Methods 6-A43): kg of water per
// litre of solution = density - sum_i c_i gfw_i, with the database's gram formula weights.
#include <cstddef>
#include <string>
#include <vector>

#include "models/scenario/scenario.hpp"
#include "models/thermo/database.hpp"

namespace calcikin::api {

class InitialSolution {
 public:
  // Checks, each an InputError at the scenario line (caret; two locations for pairs):
  // - one concentration basis for every total, given or swept (molal and molar mixed: the first
  //   total of the other basis, with a note at the first total);
  // - the charge-balance element is among the totals;
  // - the buffer is a component of the database;
  // - the solutes do not outweigh the solution (molar totals: at the scenario's values and at the
  //   largest swept totals with the smallest swept density, so no sweep point can fail on it);
  // - the temperature, and every swept temperature, is inside the database's range.
  InitialSolution(const scenario::Scenario& s, const thermo::Database& db);

  // Elements in the order of solution.totals, then the buffer (when there is one).
  const std::vector<std::string>& components() const noexcept { return components_; }
  const std::vector<input::SourceLocation>& locations() const noexcept { return locations_; }
  // Index of the charge-balance element in components(), or components().size() without one.
  std::size_t charge_index() const noexcept { return charge_index_; }
  bool molar() const noexcept { return molar_; }

  // The molal totals (mol/kg water) of `sol`, in the order of components() (sol must have the
  // scenario's totals, e.g. a copy with other values). Throws std::domain_error when the solutes
  // outweigh the solution (not for values that passed the constructor's checks).
  std::vector<double> molalities(const scenario::SolutionSpec& sol,
                                 const thermo::Database& db) const;

 private:
  std::vector<std::string> components_;
  std::vector<input::SourceLocation> locations_;
  std::size_t charge_index_ = 0;
  bool molar_ = false;
};

// kg of water per litre of solution (PHREEQC's rule above) when the totals are molar; 1 when they
// are molal. Totals whose element the database lacks count with weight 0 (the chemical system
// rejects them). No allocation.
double water_per_litre(const scenario::SolutionSpec& sol, const thermo::Database& db);

// One total in mol/kg water, given the water_per_litre of its solution.
inline double molality(const scenario::TotalEntry& t, double kg_water_per_litre) {
  return t.basis == scenario::ConcentrationBasis::Molal ? t.value
                                                        : t.value * 1e-3 / kg_water_per_litre;
}

}  // namespace calcikin::api
