#pragma once
// IdealChemistry: a closed-form SolutionChemistry for verification. Free Ca2+ and Mg2+ equal their
// totals, phosphate is split into PO4 3-/HPO4 2-/H2PO4- by its acid constants at a fixed pH,
// activity coefficients are constants (Davies at a fixed ionic strength). No ion pairs. Every
// number comes from the caller (tests and benchmarks cite its source); nothing here is a default of
// the real model. Its sensitivities are exact (closed form). bench/kinetics/numpy_model.py
// implements the same chemistry in NumPy for the cross-check of the right-hand side.
#include <vector>

#include "models/kinetics/solution_chemistry.hpp"

namespace calcikin::kinetics {

struct IdealPhase {
  PhaseChemistry chemistry;  // name, molar volume, ion count, stoichiometry (Ca, Mg, P, H)
  double log10_k = 0.0;      // log10 Ksp of the dissolution reaction below
  double nu_ca = 0.0, nu_mg = 0.0, nu_po4 = 0.0, nu_oh = 0.0;  // ions in the dissolution reaction
};

struct IdealChemistryConfig {
  double pH = 7.4;
  double ionic_strength = 0.15;   // mol/kg, for the Davies coefficients
  double davies_a = 0.5211;       // A(T) (Bradley & Pitzer 1979 permittivity: 0.5211 at 37 C)
  double log10_kw = -13.619;      // H2O = H+ + OH- (minteq.v4.dat / NIST 46, 37 C)
  double log10_k_hpo4 = 12.273;   // H+ + PO4 3- = HPO4 2- (minteq.v4.dat / NIST 46, 37 C)
  double log10_k_h2po4 = 19.451;  // 2H+ + PO4 3- = H2PO4- (minteq.v4.dat / NIST 46, 37 C)
  std::vector<IdealPhase> phases;
};

class IdealChemistry final : public SolutionChemistry {
 public:
  explicit IdealChemistry(IdealChemistryConfig config);

  std::size_t phase_count() const noexcept override { return config_.phases.size(); }
  const PhaseChemistry& phase(std::size_t i) const override {
    return config_.phases.at(i).chemistry;
  }
  bool free_pH() const noexcept override { return false; }
  void evaluate(const double* totals, ChemistryResult& out) override;
  void sensitivities(const double* totals, const ChemistryResult& at, double* dq_dtotals) override;

  const IdealChemistryConfig& config() const noexcept { return config_; }

 private:
  IdealChemistryConfig config_;
  double log_gamma1_ = 0.0, log_gamma2_ = 0.0, log_gamma3_ = 0.0;  // log10 gamma for |z| = 1, 2, 3
  double log_po4_fraction_ = 0.0;                                  // log10 (m PO4 3- / total P)
};

// The configuration used by the verification tests and the NumPy cross-check: 37 C, pH 7.4,
// I = 0.17, phases ACP (pK 25.5), HAP (McDowell, -58.63), WH (mixture reference -94.6 - 12 on the
// Ca9Mg(PO4)7-basis written here with 7 PO4 and one H+ taken as HPO4) (beta-TCP: Gregory et al.
// 1974; newberyite; offset from Li et al. 2009, Acta Biomater 5:508).
IdealChemistryConfig reference_ideal_config(bool with_wh);

}  // namespace calcikin::kinetics
