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

// Throws std::runtime_error when the speciation fails at the initial solution. `mg_fraction` x:
// Mg/(Ca+Mg) of the precipitating ACP (Mg replaces Ca on the cation sites: 3(1 - x) Ca + 3x Mg per
// formula unit; the solubility product does not depend on x, Kibalczyc et al. 1990). A solution
// without Ca or P (SI_ACP = -infinity) gives amount 0. `guess` > 0: an amount near the root (e.g.
// the previous one of a partition iteration): the guess and a point 0.1 % from it start a
// safeguarded secant and the initial solution is not solved again (T50 assay: 30 speciation solves
// for the whole Mg-ACP partition instead of 48 with the earlier bracket and Illinois steps).
AcpEquilibrium equilibrate_acp(SolutionChemistry& chemistry, std::size_t acp_phase,
                               const std::array<double, kComponentCount>& totals,
                               double si_tolerance = 1e-10, double mg_fraction = 0.0,
                               double guess = 0.0);

// Mg-bearing ACP at t = 0 with Mg conserved (fixes the Mg-free pre-formed ACP): the exchange
// (Henderson-Kracek) partition x/(1 - x) = D_Mg a_Mg/a_Ca, with the activities of the solution
// after the precipitation, solved together with the ACP equilibration and the Mg balance (the Mg in
// the ACP leaves the solution). Ding et al. 2014 (Cryst Growth Des 14:763): Mg adsorbs on or
// incorporates into the ACP precursor from the start; its Mg content is proportional to the
// solution Mg/Ca (Boskey & Posner 1974).
struct MgAcpInitial {
  double amount = 0.0;                              // mol/kg of ACP formula units
  double mg_fraction = 0.0;                         // x = Mg/(Ca+Mg) of the ACP
  std::array<double, kComponentCount> dissolved{};  // totals left in solution
  int iterations = 0;                               // outer (partition) iterations
};

// Exchange partition x = D r/(1 + D r), r = a_Mg/a_Ca, written without the ratio so that a
// Ca-free solution gives x = 1 (Mg present) or 0 (neither) instead of NaN.
double acp_exchange_fraction(double distribution, double a_mg, double a_ca);

// `equilibrate`: amount from SI_ACP = 0 with x from the partition (fixed point on x, each step an
// equilibration at fixed x). Otherwise `amount` of pre-formed ACP is added to the solution (its
// elements come on top of `totals`) with x in exchange equilibrium with that solution. A finite
// `mg_fraction` (0 <= x < 1) replaces the partition in both cases. In the equilibrated case x is
// capped so the ACP never holds more Mg than the solution had.
MgAcpInitial initial_mg_acp(SolutionChemistry& chemistry, std::size_t acp_phase,
                            const std::array<double, kComponentCount>& totals, bool equilibrate,
                            double amount, double mg_fraction, double distribution);

}  // namespace calcikin::kinetics
