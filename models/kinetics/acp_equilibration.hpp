#pragma once
// ACP pre-formation (the pre-formed primary particles of the T50 assay, Pasch et al. 2012; ACP
// solubility pK 25.5, Dorozhkin 2010): the amount of ACP that precipitates from the initial
// solution until SI_ACP = 0 (at the chemistry's pH mode), found by bracketed bisection/secant
// (Illinois) on the amount with one speciation solve per iteration. Zero when the solution is not
// supersaturated.
#include <array>
#include <cstddef>

#include "models/kinetics/solution_chemistry.hpp"

namespace calcikin::kinetics {

struct AcpEquilibrium {
  double amount = 0.0;                              // mol/kg of ACP formula units
  std::array<double, kComponentCount> dissolved{};  // totals left in solution
  double saturation_index = 0.0;  // SI_ACP after precipitation (0 within tolerance when amount > 0)
  int iterations = 0;
};

// Throws std::runtime_error when the speciation fails at the initial solution.
AcpEquilibrium equilibrate_acp(SolutionChemistry& chemistry, std::size_t acp_phase,
                               const std::array<double, kComponentCount>& totals,
                               double si_tolerance = 1e-10);

}  // namespace calcikin::kinetics
