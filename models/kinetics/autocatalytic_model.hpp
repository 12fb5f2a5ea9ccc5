#pragma once
// AutocatalyticModel: the Level-1 reduced model (autocatalytic conversion, Boskey & Posner 1973, J
// Phys Chem 77:2313) for fitting ACP lifetimes and T50:
//   d alpha/dt = (k0 + k1 alpha)(1 - alpha) F_Mg F_pH,
//   F_Mg = max(0, 1 - alpha_KM theta_Mg) (smooth), theta_Mg = K a_Mg c0 / (1 + K a_Mg c0),
//   F_pH = 10^(-beta_pH (pH - pH_ref)),
// with a_Mg and pH taken from the speciation of the initial solution (constant during the run), so
// the closed form alpha(t) = k0 (e^{kt} - 1)/(k1 + k0 e^{kt}), k = (k0 + k1) F, holds exactly
// whenever the solution holds enough of every element for a full conversion (otherwise the factor
// (1 - alpha) becomes (1 - alpha/alpha_max), see conversion_limit()).
// alpha is the crystalline fraction of the phosphate held in solids: the ACP pool (P content 2 n0)
// turns into the crystalline phase (HAP by default) at constant solid phosphate; the other elements
// the crystalline formula needs come from (or go to) the solution, so Ca, Mg, P stay conserved.
#include <array>
#include <string>

#include "models/kinetics/kinetic_parameters.hpp"
#include "models/kinetics/observation.hpp"
#include "models/kinetics/solution_chemistry.hpp"
#include "solver/ode/ode_system.hpp"

namespace calcikin::kinetics {

struct AutocatalyticSetup {
  std::array<double, kComponentCount> dissolved{};  // mol/kg at t = 0 (after ACP pre-formation)
  std::size_t acp_phase = 0;                        // chemistry indices
  std::size_t crystal_phase = 1;
  double acp_amount = 0.0;  // mol/kg at t = 0
  double acp_radius = 25e-9;
  KineticParameters parameters;
  double atol = 1e-10;
};

class AutocatalyticModel final : public KineticsModel {
 public:
  AutocatalyticModel(SolutionChemistry& chemistry, const AutocatalyticSetup& setup);

  std::size_t size() const noexcept override { return 1; }
  void rhs(double t, const double* y, double* ydot) override;
  bool has_jacobian() const noexcept override { return true; }
  void jacobian(double t, const double* y, const double* ydot, ode::DenseMatrixView J) override;
  std::size_t root_count() const noexcept override { return 2; }
  void roots(double t, const double* y, double* g) override;
  void absolute_tolerances(double* atol) const override { atol[0] = atol_; }
  std::string state_name(std::size_t) const override { return "crystalline fraction"; }

  // The closed form from alpha(t0) = y0 (solver/ode/exact_solution follows it instead of
  // stepping): with kappa = k1 + k0/alpha_max and F = exp(-kappa (t - t0)),
  //   alpha = [alpha_max k0 (1 - F) + y0 (alpha_max k1 + k0 F)] /
  //           [k1 F (alpha_max - y0) + k1 y0 + k0].
  // alpha rises monotonically towards alpha_max, so each event fraction is crossed at most once,
  // upwards, at t0 + ln[(k1 f + k0)(alpha_max - y0) / ((k1 y0 + k0)(alpha_max - f))] / kappa.
  bool has_exact_solution() const noexcept override { return true; }
  void exact_state(double t0, const double* y0, double t, double* y) const override;
  double exact_root_time(std::size_t i, double t0, const double* y0, double t_from, double t_to,
                         int* direction) const override;
  // d alpha(t) / d (k0, k1, alpha_max, alpha(t0)) of the closed form, exact (the chain rule of
  // the fit's exact sensitivities).
  void exact_state_partials(double t0, double y0, double t, double partial[4]) const;

  void initial_state(double* y0) const override { y0[0] = 0.0; }
  void observe(double t, const double* y, Observation& out) override;
  // The amounts without the speciation solve (the positivity check and unwritten outputs).
  void observe_amounts(double t, const double* y, Observation& out) override;

  // d f / d p of kinetic parameter `slot` (KineticParameters::at) at state y, exact: the kinetic
  // parameters enter the right-hand side only through k0 and k1 (dual numbers through the same
  // expressions as the set-up).
  double parameter_derivative(std::size_t slot, const double* y) const;
  // d k0 / d p and d k1 / d p of kinetic parameter `slot`:
  // d f / d p = (dk0 + dk1 y)(1 - y / conversion_limit()).
  void rate_constant_derivatives(std::size_t slot, double& dk0, double& dk1) const;

  // Effective rate constants (k0 F, k1 F) after the Mg and pH factors.
  double effective_k0() const noexcept { return k0_; }
  double effective_k1() const noexcept { return k1_; }
  // Largest crystalline fraction the element totals allow (1 unless an element of the crystal runs
  // out before the ACP is converted).
  double conversion_limit() const noexcept { return alpha_max_; }
  // Closed-form T50 from alpha = 0: exact_root_time of the half-conversion event (without an
  // element limit and at fraction 1/2, ln(2 + k1/k0)/(k0 + k1)); NaN if it is never reached.
  double closed_form_half_time() const noexcept;
  const std::array<double, kComponentCount>& element_totals() const noexcept override {
    return element_totals_;
  }

 private:
  SolutionChemistry& chemistry_;
  KineticParameters p_;
  PhaseChemistry acp_, crystal_;
  std::size_t acp_phase_, crystal_phase_;
  double n0_;
  double acp_radius_;
  double k0_ = 0.0, k1_ = 0.0;
  double alpha_max_ = 1.0;  // element limit of the conversion (1 when every element suffices)
  double atol_;
  std::array<double, kComponentCount> element_totals_{};
  ChemistryResult chem_;
};

}  // namespace calcikin::kinetics
