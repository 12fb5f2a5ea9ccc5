#include "models/kinetics/acp_equilibration.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace calcikin::kinetics {

AcpEquilibrium equilibrate_acp(SolutionChemistry& chemistry, std::size_t acp_phase,
                               const std::array<double, kComponentCount>& totals,
                               double si_tolerance, double mg_fraction, double guess) {
  const PhaseChemistry& acp = chemistry.phase(acp_phase);
  std::array<double, kComponentCount> stoich = acp.stoichiometry;
  const double cations = stoich[kCa];
  stoich[kCa] = (1.0 - mg_fraction) * cations;
  stoich[kMg] += mg_fraction * cations;
  AcpEquilibrium out;
  out.dissolved = totals;
  if (!(totals[kCa] > 0.0) || !(totals[kP] > 0.0)) {
    out.saturation_index = -std::numeric_limits<double>::infinity();
    return out;  // no Ca or no phosphate: no ACP can form
  }
  ChemistryResult r;
  auto si_at = [&](double amount) {
    std::array<double, kComponentCount> t = totals;
    for (std::size_t k = 0; k < kComponentCount; ++k) t[k] -= stoich[k] * amount;
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
    if (stoich[k] > 0.0) upper = std::min(upper, totals[k] / stoich[k]);
  double lo = 0.0, f_lo = si0;
  double hi = upper * (1.0 - 1e-9);
  // Warm bracket around a guess (SI is monotone in the amount): two solves instead of the wide
  // bracket's iterations when the guess is close.
  bool bracketed = false;
  double f_hi = 0.0;
  if (guess > 0.0 && guess * (1.0 + 1e-3) < hi) {
    const double a = guess * (1.0 - 1e-3), b = guess * (1.0 + 1e-3);
    const double fa = si_at(a);
    if (fa > 0.0) {
      lo = a;
      f_lo = fa;
      const double fb = si_at(b);
      if (fb <= 0.0) {
        hi = b;
        f_hi = fb;
        bracketed = true;
      } else {
        lo = b;
        f_lo = fb;
      }
    } else {
      hi = a;
      f_hi = fa;
      bracketed = true;
    }
  }
  if (!bracketed) f_hi = si_at(hi);
  if (f_hi > 0.0 && mg_fraction > 0.0) {
    // Mg is the limiting element at this x: the caller (initial_mg_acp) lowers x.
    out.amount = hi;
    out.saturation_index = f_hi;
    for (std::size_t k = 0; k < kComponentCount; ++k) out.dissolved[k] = totals[k] - stoich[k] * hi;
    return out;
  }
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
  for (std::size_t k = 0; k < kComponentCount; ++k) out.dissolved[k] = totals[k] - stoich[k] * x;
  return out;
}

double acp_exchange_fraction(double distribution, double a_mg, double a_ca) {
  const double dm = distribution * a_mg;
  const double denominator = a_ca + dm;
  return denominator > 0.0 ? dm / denominator : 0.0;
}

MgAcpInitial initial_mg_acp(SolutionChemistry& chemistry, std::size_t acp_phase,
                            const std::array<double, kComponentCount>& totals, bool equilibrate,
                            double amount, double mg_fraction, double distribution) {
  MgAcpInitial out;
  out.dissolved = totals;
  const bool given = std::isfinite(mg_fraction);
  if (given && !(mg_fraction >= 0.0 && mg_fraction < 1.0))
    throw std::invalid_argument("ACP mg_fraction must lie in [0, 1)");
  ChemistryResult r;
  auto partition = [&](const std::array<double, kComponentCount>& solution) {
    if (!(solution[kMg] > 0.0)) return 0.0;
    chemistry.evaluate(solution.data(), r);
    return acp_exchange_fraction(distribution, std::pow(10.0, r.log10_activity_mg),
                                 std::pow(10.0, r.log10_activity_ca));
  };
  if (!equilibrate) {
    out.amount = amount;
    out.mg_fraction = amount > 0.0 ? (given ? mg_fraction : partition(totals)) : 0.0;
    return out;
  }
  // Root of g(x) = P(x) - x, P(x) = the partition with the solution left by an equilibration at
  // fixed x (P = 0 where that solution has no Mg left). P varies
  // slowly with x (a contraction), so secant steps from x = 0 and x = P(0) converge in a few
  // iterations (each one equilibration and one speciation).
  double x = given ? mg_fraction : 0.0;
  AcpEquilibrium eq = equilibrate_acp(chemistry, acp_phase, totals, 1e-10, x);
  auto residual = [&](const AcpEquilibrium& e, double at) {
    if (e.saturation_index > 1e-8) return -0.5 * at;  // Mg ran out before SI_ACP = 0: x too high
    // No cap at the Mg balance: capping made "all Mg in the ACP" a spurious root (dissolved Mg 0,
    // which the exchange partition itself never gives: x -> 0 as a_Mg -> 0), from which the run
    // started with no dissolved Mg and went negative at once. A solution emptied of Mg gives
    // P = 0 (partition()), so the root lies inside.
    return partition(e.dissolved) - at;
  };
  if (!given && eq.amount > 0.0) {
    double x0 = 0.0, g0 = residual(eq, 0.0);
    double x1 = std::min(std::max(g0, 0.0), 1.0 - 1e-12);
    for (int it = 1; it <= 60; ++it) {
      out.iterations = it;
      eq = equilibrate_acp(chemistry, acp_phase, totals, 1e-10, x1, eq.amount);
      const double g1 = residual(eq, x1);
      x = x1;
      if (std::fabs(g1) < 1e-12 || eq.amount <= 0.0) break;
      double next = (g1 != g0) ? x1 - g1 * (x1 - x0) / (g1 - g0) : x1 + g1;
      if (!(next >= 0.0 && next < 1.0)) next = std::min(std::max(x1 + 0.5 * g1, 0.0), 1.0 - 1e-12);
      x0 = x1;
      g0 = g1;
      x1 = next;
    }
  }
  // The last secant iterate may hold more Mg than the solution had where the Mg balance binds (a
  // large D_Mg at low Mg/Ca): lower x to the Mg-limited value and re-equilibrate (the amount moves
  // little, so a few rounds settle it), so no Mg total can start negative.
  for (int round = 0; round < 8 && eq.amount > 0.0; ++round) {
    const double limit = totals[kMg] / (3.0 * eq.amount);
    if (x <= limit * (1.0 + 1e-12)) break;
    x = std::max(0.0, limit * (1.0 - 1e-9));
    eq = equilibrate_acp(chemistry, acp_phase, totals, 1e-10, x, eq.amount);
  }
  out.amount = eq.amount;
  out.mg_fraction = eq.amount > 0.0 ? x : 0.0;
  out.dissolved = eq.dissolved;
  return out;
}

}  // namespace calcikin::kinetics
