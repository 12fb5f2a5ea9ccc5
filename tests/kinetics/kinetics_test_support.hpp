#pragma once
// Shared set-ups of the kinetics tests: the ideal (closed-form) chemistry at 37 C, pH 7.4 and the
// T50-assay-like composition of Pasch et al. 2012 (Ca 11.2, Mg 0.43, Pi 6.55 mM).
#include <array>
#include <cmath>
#include <vector>

#include "models/kinetics/acp_equilibration.hpp"
#include "models/kinetics/ideal_chemistry.hpp"
#include "models/kinetics/mechanistic_model.hpp"
#include "models/kinetics/trajectory.hpp"

namespace calcikin::kinetics::testing {

inline std::array<double, kComponentCount> t50_totals(double mg = 0.43e-3, double ca = 11.2e-3,
                                                      double p = 6.55e-3) {
  return {ca, mg, p, 0.0};
}

inline std::vector<double> log_times(double first, double last, int n) {
  std::vector<double> t;
  for (int i = 0; i < n; ++i) t.push_back(first * std::pow(last / first, double(i) / (n - 1)));
  return t;
}

// Mechanistic set-up on the ideal chemistry: ACP equilibrated from `totals`, HAP (and WH) allowed.
inline MechanisticSetup ideal_setup(IdealChemistry& chem,
                                    const std::array<double, kComponentCount>& totals, bool with_wh,
                                    const KineticParameters& p = KineticParameters::defaults()) {
  MechanisticSetup s;
  s.temperature = 310.15;
  // Mg-bearing ACP from t = 0 (exchange partition with the Mg balance).
  const MgAcpInitial eq =
      initial_mg_acp(chem, 0, totals, true, 0.0, std::nan(""), p.acp_mg_distribution);
  s.dissolved = eq.dissolved;
  s.acp_phase = 0;
  s.acp_amount = eq.amount;
  s.acp_mg_fraction = eq.mg_fraction;
  s.acp_radius = 25e-9;
  s.crystals.push_back({CrystalKind::HAP, 1, 0.0, 25e-9});
  if (with_wh) s.crystals.push_back({CrystalKind::WH, 2, 0.0, 25e-9});
  s.parameters = p;
  return s;
}

}  // namespace calcikin::kinetics::testing
