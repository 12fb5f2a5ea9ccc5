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
    ++out.iterations;
    return r.saturation_index[acp_phase];
  };
  auto result = [&](double amount, double si) {
    out.amount = amount;
    out.saturation_index = si;
    for (std::size_t k = 0; k < kComponentCount; ++k)
      out.dissolved[k] = totals[k] - stoich[k] * amount;
    return out;
  };

  // Largest amount the limiting element allows (keep a tiny remainder so every total stays
  // positive).
  double upper = std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < kH; ++k)
    if (stoich[k] > 0.0) upper = std::min(upper, totals[k] / stoich[k]);
  const double top = upper * (1.0 - 1e-9);
  // SI falls monotonically with the amount. Bracket: SI(lo) > 0 >= SI(hi); until an undersaturated
  // point is known, hi is the limit `top` (not evaluated). x0/x1: the last two evaluations.
  double lo = 0.0, f_lo = 0.0, hi = top, f_hi = 0.0;
  bool hi_known = false;
  double x0 = 0.0, f0 = 0.0, x1 = 0.0, f1 = 0.0;
  auto evaluate = [&](double x) {
    const double f = si_at(x);
    x0 = x1;
    f0 = f1;
    x1 = x;
    f1 = f;
    if (f > 0.0) {
      if (x >= lo) {
        lo = x;
        f_lo = f;
      }
    } else if (!hi_known || x <= hi) {
      hi = x;
      f_hi = f;
      hi_known = true;
    }
    return f;
  };
  auto limited_by_mg = [&](double f) {
    // Still supersaturated with the limiting element used up: with Mg in the ACP, Mg limits at
    // this x and the caller (initial_mg_acp) lowers x.
    if (mg_fraction > 0.0) return result(top, f);
    throw std::runtime_error(
        "ACP equilibration: still supersaturated with the limiting element used up");
  };
  if (guess > 0.0 && guess * (1.0 + 1e-3) < top) {
    // Warm start near a previous root (a partition iteration): the guess and a point 0.1 % from
    // it towards the root start the secant; the initial solution is not evaluated.
    const double fg = evaluate(guess);
    if (std::fabs(fg) < si_tolerance) return result(guess, fg);
    evaluate(guess * (fg > 0.0 ? 1.0 + 1e-3 : 1.0 - 1e-3));
  } else {
    const double si0 = evaluate(0.0);
    out.saturation_index = si0;
    if (!(si0 > 0.0)) return out;
    if (evaluate(top) > 0.0) return limited_by_mg(f1);
  }
  // Safeguarded secant (superlinear from a good start, Dekker's idea): the secant of the last two
  // evaluations where it stays inside the bracket and |SI| keeps falling at least twofold, else an
  // Illinois step on the bracket (regula falsi with the stale end halved); `top` is evaluated once
  // if no undersaturated point is known yet.
  int side = 0;
  double previous_abs = std::numeric_limits<double>::infinity();
  for (int it = 0; it < 200; ++it) {
    if (std::fabs(f1) < si_tolerance || (hi_known && (hi - lo) < 1e-15 * upper)) break;
    double next = f1 != f0 ? x1 - f1 * (x1 - x0) / (f1 - f0) : 0.5 * (lo + hi);
    const bool secant =
        std::isfinite(next) && next > lo && next < hi && std::fabs(f1) < 0.5 * previous_abs;
    if (!secant) {
      if (!hi_known) {
        next = top;
      } else {
        next = (lo * f_hi - hi * f_lo) / (f_hi - f_lo);
        if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
      }
    }
    previous_abs = std::fabs(f1);
    const double f = evaluate(next);
    if (next >= top && f > 0.0) return limited_by_mg(f);
    if (f > 0.0) {
      if (side == 1) f_hi *= 0.5;
      side = 1;
    } else {
      if (side == -1) f_lo *= 0.5;
      side = -1;
    }
  }
  return result(x1, f1);
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
  // fixed x (P = 0 where that solution has no Mg left). g falls monotonically (more Mg in the ACP
  // leaves less in solution, and P falls with a_Mg), and g(0) = P(0) >= 0, so the root lies in
  // [0, P(0)]: a safeguarded secant on that bracket (secant steps where they stay inside and
  // |g| keeps falling at least twofold, else an Illinois step). P varies slowly with x where Mg is
  // plentiful, so the secant converges in a few iterations (each one equilibration and one
  // speciation). Where the Mg balance binds (large D_Mg, Ca exhausted: pH 10), g drops from P ~ x
  // to -x within a sliver of x below the Mg-limited fraction; an unguarded secant jumped across it
  // for 60 iterations and returned an x beyond it, an ACP that had taken all Mg and was still
  // supersaturated (S_ACP 1.9): it grew at once, and the composition switch took Mg from a
  // solution that had none (dissolved Mg -1e-7 mol/kg at any rtol).
  double x = given ? mg_fraction : 0.0;
  AcpEquilibrium eq = equilibrate_acp(chemistry, acp_phase, totals, 1e-10, x);
  auto residual = [&](const AcpEquilibrium& e, double at) {
    // Mg ran out before SI_ACP = 0: the solution has no Mg left (P = 0).
    if (e.saturation_index > 1e-8) return -at;
    // No cap at the Mg balance: capping made "all Mg in the ACP" a spurious root (dissolved Mg 0,
    // which the exchange partition itself never gives: x -> 0 as a_Mg -> 0), from which the run
    // started with no dissolved Mg and went negative at once. A solution emptied of Mg gives
    // P = 0 (partition()), so the root lies inside.
    return partition(e.dissolved) - at;
  };
  if (!given && eq.amount > 0.0) {
    double lo = 0.0, g_lo = residual(eq, 0.0);
    AcpEquilibrium eq_lo = eq;
    double hi = std::min(g_lo, 1.0 - 1e-12), g_hi = 0.0;
    bool hi_known = false;
    double x0 = lo, g0 = g_lo, x1 = hi;
    double previous_abs = std::fabs(g_lo);
    int side = 0;
    for (int it = 1; it <= 100 && g_lo > 1e-12; ++it) {
      out.iterations = it;
      eq = equilibrate_acp(chemistry, acp_phase, totals, 1e-10, x1, eq_lo.amount);
      const double g1 = residual(eq, x1);
      x = x1;
      if (std::fabs(g1) < 1e-12 || eq.amount <= 0.0) break;
      if (g1 > 0.0) {
        lo = x1, g_lo = g1, eq_lo = eq;
        if (side == 1) g_hi *= 0.5;
        side = 1;
      } else {
        hi = x1, g_hi = g1, hi_known = true;
        if (side == -1) g_lo *= 0.5;
        side = -1;
      }
      if (hi - lo < 1e-14) {
        // Converged in x: take the side where the ACP reached SI = 0 with Mg left in solution.
        x = lo, eq = eq_lo;
        break;
      }
      double next = g1 != g0 ? x1 - g1 * (x1 - x0) / (g1 - g0) : 0.5 * (lo + hi);
      if (!(std::isfinite(next) && next > lo && next < hi && std::fabs(g1) < 0.5 * previous_abs)) {
        next = hi_known ? (lo * g_hi - hi * g_lo) / (g_hi - g_lo) : 0.5 * (lo + hi);
        if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
      }
      previous_abs = std::fabs(g1);
      x0 = x1, g0 = g1, x1 = next;
    }
  }
  // Safety net: an iterate that holds more Mg than the solution had (the bracket keeps the root
  // below the Mg-limited value, so this does not trigger in practice): lower x to the Mg-limited
  // value and re-equilibrate, so no Mg total can start negative.
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
