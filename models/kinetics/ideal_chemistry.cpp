#include "models/kinetics/ideal_chemistry.hpp"

#include <cmath>
#include <stdexcept>

#include "solver/ode/ode_system.hpp"

namespace calcikin::kinetics {

namespace {
constexpr double kLn10 = 2.302585092994046;
}

IdealChemistry::IdealChemistry(IdealChemistryConfig config) : config_(std::move(config)) {
  if (config_.phases.size() > kMaxPhases)
    throw std::invalid_argument("IdealChemistry: too many phases");
  const double sqrt_i = std::sqrt(config_.ionic_strength);
  const double davies = sqrt_i / (1.0 + sqrt_i) - 0.3 * config_.ionic_strength;
  log_gamma1_ = -config_.davies_a * davies;
  log_gamma2_ = 4.0 * log_gamma1_;
  log_gamma3_ = 9.0 * log_gamma1_;
  const double log_h = -config_.pH;
  // m_HPO4 = K1 a_H a_PO4 / gamma2, m_H2PO4 = K2 a_H^2 a_PO4 / gamma1, a_PO4 = gamma3 m_PO4.
  const double r_hpo4 = std::pow(10.0, config_.log10_k_hpo4 + log_h + log_gamma3_ - log_gamma2_);
  const double r_h2po4 =
      std::pow(10.0, config_.log10_k_h2po4 + 2.0 * log_h + log_gamma3_ - log_gamma1_);
  log_po4_fraction_ = -std::log10(1.0 + r_hpo4 + r_h2po4);
}

void IdealChemistry::evaluate(const double* totals, ChemistryResult& out) {
  // Mg may be absent (its total is then zero up to round-off); Ca and P must be present.
  if (!(totals[kCa] > 0.0) || !(totals[kP] > 0.0))
    throw ode::RecoverableEvaluationError("IdealChemistry: non-positive dissolved total");
  const double log_ca = log_gamma2_ + std::log10(totals[kCa]);
  const double log_mg = totals[kMg] > 0.0 ? log_gamma2_ + std::log10(totals[kMg]) : -30.0;
  const double log_po4 = log_gamma3_ + std::log10(totals[kP]) + log_po4_fraction_;
  const double log_oh = config_.log10_kw + config_.pH;
  for (std::size_t i = 0; i < config_.phases.size(); ++i) {
    const IdealPhase& p = config_.phases[i];
    out.saturation_index[i] =
        p.nu_ca * log_ca + p.nu_mg * log_mg + p.nu_po4 * log_po4 + p.nu_oh * log_oh - p.log10_k;
  }
  out.log10_activity_ca = log_ca;
  out.log10_activity_mg = log_mg;
  out.pH = config_.pH;
  out.ionic_strength = config_.ionic_strength;
}

void IdealChemistry::sensitivities(const double* totals, const ChemistryResult&, double* dq) {
  const std::size_t m = config_.phases.size();
  const double dca = 1.0 / (totals[kCa] * kLn10);
  const double dmg = totals[kMg] > 0.0 ? 1.0 / (totals[kMg] * kLn10) : 0.0;
  const double dp = 1.0 / (totals[kP] * kLn10);
  for (std::size_t q = 0; q < quantity_count(m) * kComponentCount; ++q) dq[q] = 0.0;
  for (std::size_t i = 0; i < m; ++i) {
    const IdealPhase& p = config_.phases[i];
    dq[i * kComponentCount + kCa] = p.nu_ca * dca;
    dq[i * kComponentCount + kMg] = p.nu_mg * dmg;
    dq[i * kComponentCount + kP] = p.nu_po4 * dp;
  }
  dq[quantity_ca(m) * kComponentCount + kCa] = dca;
  dq[quantity_mg(m) * kComponentCount + kMg] = dmg;
}

IdealChemistryConfig reference_ideal_config(bool with_wh) {
  IdealChemistryConfig c;
  c.ionic_strength = 0.17;
  // ACP: Ca3(PO4)2 = 3Ca2+ + 2PO4 3-, pK 25.5 (Dorozhkin 2010, Materials 3:3994), V_m 180 cm3/mol
  // [E].
  IdealPhase acp;
  acp.chemistry = {"ACP", 180e-6, 5.0, {3.0, 0.0, 2.0, 0.0}};
  acp.log10_k = -25.5;
  acp.nu_ca = 3.0;
  acp.nu_po4 = 2.0;
  c.phases.push_back(acp);
  // HAP: Ca5(PO4)3OH = 5Ca2+ + 3PO4 3- + OH-, log K -58.63 at 37 C (McDowell, Gregory & Brown
  // 1977), V_m 159 cm3/mol.
  IdealPhase hap;
  hap.chemistry = {"HAP", 159.0e-6, 9.0, {5.0, 0.0, 3.0, 1.0}};
  hap.log10_k = -58.63;
  hap.nu_ca = 5.0;
  hap.nu_po4 = 3.0;
  hap.nu_oh = 1.0;
  c.phases.push_back(hap);
  if (with_wh) {
    // WH: Ca9Mg(HPO4)(PO4)6 = 9Ca2+ + Mg2+ + H+ + 7PO4 3-: log K = -106.9 + dlogK_stab (-12) (spec
    // §1.6 + revision 1). Written with H+ at the fixed pH folded into log K: nu_oh = -1 (OH-
    // exponent -1 = H+).
    IdealPhase wh;
    wh.chemistry = {"WH", 339e-6, 17.0, {9.0, 1.0, 7.0, 1.0}};
    wh.log10_k = -106.9 - 12.0 + 13.619;  // H+ expressed through OH-: a_H = Kw / a_OH
    wh.nu_ca = 9.0;
    wh.nu_mg = 1.0;
    wh.nu_po4 = 7.0;
    wh.nu_oh = -1.0;
    c.phases.push_back(wh);
  }
  return c;
}

}  // namespace calcikin::kinetics
