#include "models/kinetics/acp_equilibration.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace calcikin::kinetics {

AcpEquilibrium equilibrate_acp(SolutionChemistry& chemistry, std::size_t acp_phase,
                               const std::array<double, kComponentCount>& totals,
                               double si_tolerance) {
  const PhaseChemistry& acp = chemistry.phase(acp_phase);
  AcpEquilibrium out;
  out.dissolved = totals;
  ChemistryResult r;
  auto si_at = [&](double amount) {
    std::array<double, kComponentCount> t = totals;
    for (std::size_t k = 0; k < kComponentCount; ++k) t[k] -= acp.stoichiometry[k] * amount;
    chemistry.evaluate(t.data(), r);
    return r.saturation_index[acp_phase];
  };
  double si0 = si_at(0.0);
  out.saturation_index = si0;
  if (!(si0 > 0.0)) return out;

  // Largest amount the limiting element allows (keep a tiny remainder so every total stays
  // positive).
  double upper = std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < kH; ++k)
    if (acp.stoichiometry[k] > 0.0) upper = std::min(upper, totals[k] / acp.stoichiometry[k]);
  double lo = 0.0, f_lo = si0;
  double hi = upper * (1.0 - 1e-9);
  double f_hi = si_at(hi);
  if (f_hi > 0.0)
    throw std::runtime_error(
        "ACP equilibration: still supersaturated with the limiting element used up");
  // Illinois (regula falsi with halving of the stale end): robust and superlinear; SI is monotone
  // in the amount.
  int side = 0;
  double x = lo;
  for (int it = 1; it <= 200; ++it) {
    x = (lo * f_hi - hi * f_lo) / (f_hi - f_lo);
    if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
    const double f = si_at(x);
    out.iterations = it;
    if (std::fabs(f) < si_tolerance || (hi - lo) < 1e-15 * upper) {
      out.saturation_index = f;
      break;
    }
    if (f > 0.0) {
      lo = x;
      f_lo = f;
      if (side == 1) f_hi *= 0.5;
      side = 1;
    } else {
      hi = x;
      f_hi = f;
      if (side == -1) f_lo *= 0.5;
      side = -1;
    }
    out.saturation_index = f;
  }
  out.amount = x;
  for (std::size_t k = 0; k < kComponentCount; ++k)
    out.dissolved[k] = totals[k] - acp.stoichiometry[k] * x;
  return out;
}

}  // namespace calcikin::kinetics
