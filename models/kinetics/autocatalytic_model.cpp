#include "models/kinetics/autocatalytic_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "models/kinetics/rate_laws.hpp"

namespace calcikin::kinetics {

namespace {

// k0 F_Mg F_pH and k1 F_Mg F_pH on parameters of scalar T (double for the set-up, Dual for d/dp).
template <class T>
void effective_rate_constants(const BasicKineticParameters<T>& p, const ChemistryResult& chem,
                              T& k0, T& k1) {
  using std::pow;
  const double a_mg = std::pow(10.0, chem.log10_activity_mg);
  const T theta = rate::langmuir(T(a_mg), p.auto_mg_langmuir_constant, kStandardConcentration);
  const T f_mg = rate::kubota_mullin(theta, p.auto_mg_effectiveness);
  const T f_ph = pow(10.0, -p.auto_ph_slope * (chem.pH - p.auto_reference_pH));
  k0 = p.auto_k0 * f_mg * f_ph;
  k1 = p.auto_k1 * f_mg * f_ph;
}

// The closed form of d alpha/dt = (k0 + k1 alpha)(1 - alpha/m) from alpha(t0) = a0 after dt (the
// header's formula; expm1 keeps 1 - F exact at early times, where alpha ~ k0 dt).
template <class T>
T closed_form_alpha(const T& k0, const T& k1, const T& m, const T& a0, double dt) {
  using std::exp;
  using std::expm1;
  if (!(k0 + k1 > 0.0)) return a0;  // no conversion (the Mg factor can reach zero)
  const T kappa = k1 + k0 / m;
  const T F = exp(-kappa * dt);
  const T G = -expm1(-kappa * dt);
  return (m * k0 * G + a0 * (m * k1 + k0 * F)) / (k1 * F * (m - a0) + k1 * a0 + k0);
}

}  // namespace

AutocatalyticModel::AutocatalyticModel(SolutionChemistry& chemistry,
                                       const AutocatalyticSetup& setup)
    : chemistry_(chemistry),
      p_(setup.parameters),
      acp_(chemistry.phase(setup.acp_phase)),
      crystal_(chemistry.phase(setup.crystal_phase)),
      acp_phase_(setup.acp_phase),
      crystal_phase_(setup.crystal_phase),
      n0_(setup.acp_amount),
      acp_radius_(setup.acp_radius),
      atol_(setup.atol) {
  if (!(crystal_.stoichiometry[kP] > 0.0) || !(acp_.stoichiometry[kP] > 0.0))
    throw std::invalid_argument("autocatalytic model: phases without phosphate");
  element_totals_ = setup.dissolved;
  for (std::size_t k = 0; k < kComponentCount; ++k)
    element_totals_[k] += acp_.stoichiometry[k] * n0_;
  // Mg and pH factors from the initial solution (Kubota & Mullin 1995; pH: Boskey & Posner 1973).
  chemistry_.evaluate(setup.dissolved.data(), chem_);
  effective_rate_constants(p_, chem_, k0_, k1_);
  // Element limit: at crystalline fraction alpha the dissolved total of element k is
  // E_k - a_k (1 - alpha) n0 - c_k alpha P_s / c_P (a, c: ACP and crystal stoichiometry, P_s the
  // solid phosphate). Converting Ca3(PO4)2 into Ca5(PO4)3OH needs Ca from the solution; where the
  // solution has too little (alkaline, Ca-poor: nearly all Ca already in the ACP), the conversion
  // stops at alpha_max < 1 instead of driving the dissolved Ca negative:
  // d alpha/dt = (k0 + k1 alpha)(1 - alpha/alpha_max).
  const double p_solid = acp_.stoichiometry[kP] * n0_;
  for (std::size_t k = 0; k < kH; ++k) {
    const double slope = crystal_.stoichiometry[k] * p_solid / crystal_.stoichiometry[kP] -
                         acp_.stoichiometry[k] * n0_;
    if (!(slope > 0.0)) continue;
    const double limit = (element_totals_[k] - acp_.stoichiometry[k] * n0_) / slope;
    alpha_max_ = std::min(alpha_max_, (1.0 - 1e-6) * std::max(limit, 0.0));
  }
  if (!(alpha_max_ > 0.0)) alpha_max_ = 1e-12;
}

double AutocatalyticModel::closed_form_half_time() const noexcept {
  const double start = 0.0;
  int direction = 0;
  return exact_root_time(1, 0.0, &start, 0.0, std::numeric_limits<double>::infinity(), &direction);
}

void AutocatalyticModel::rate_constant_derivatives(std::size_t slot, double& dk0,
                                                   double& dk1) const {
  using D = Dual<1>;
  const BasicKineticParameters<D> p =
      parameters_as<D>(p_, &slot, 1, [](std::size_t, D& x) { x.d[0] = 1.0; });
  D k0, k1;
  effective_rate_constants(p, chem_, k0, k1);
  dk0 = k0.d[0];
  dk1 = k1.d[0];
}

double AutocatalyticModel::parameter_derivative(std::size_t slot, const double* y) const {
  double dk0 = 0.0, dk1 = 0.0;
  rate_constant_derivatives(slot, dk0, dk1);
  return (dk0 + dk1 * y[0]) * (1.0 - y[0] / alpha_max_);
}

void AutocatalyticModel::exact_state(double t0, const double* y0, double t, double* y) const {
  y[0] = closed_form_alpha(k0_, k1_, alpha_max_, y0[0], t - t0);
}

double AutocatalyticModel::exact_root_time(std::size_t i, double t0, const double* y0,
                                           double t_from, double t_to, int* direction) const {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (i > 1) return nan;
  const double f = i == 0 ? p_.induction_fraction : p_.half_conversion_fraction;
  const double a0 = y0[0];
  const double m = alpha_max_;
  // Rising crossing only when alpha starts below f and tends to m above it.
  if (!(a0 < f && f < m && k0_ + k1_ * a0 > 0.0)) return nan;
  const double kappa = k1_ + k0_ / m;
  const double t = t0 + std::log((k1_ * f + k0_) * (m - a0) / ((k1_ * a0 + k0_) * (m - f))) / kappa;
  if (!(t > t_from && t <= t_to)) return nan;
  *direction = 1;
  return t;
}

void AutocatalyticModel::exact_state_partials(double t0, double y0, double t,
                                              double partial[4]) const {
  using D = Dual<4>;
  const D a = closed_form_alpha(D::variable(k0_, 0), D::variable(k1_, 1),
                                D::variable(alpha_max_, 2), D::variable(y0, 3), t - t0);
  for (std::size_t k = 0; k < 4; ++k) partial[k] = a.d[k];
}

void AutocatalyticModel::rhs(double, const double* y, double* ydot) {
  ydot[0] = (k0_ + k1_ * y[0]) * (1.0 - y[0] / alpha_max_);
}

void AutocatalyticModel::jacobian(double, const double* y, const double*, ode::DenseMatrixView J) {
  J(0, 0) = k1_ * (1.0 - y[0] / alpha_max_) - (k0_ + k1_ * y[0]) / alpha_max_;
}

void AutocatalyticModel::roots(double, const double* y, double* g) {
  g[0] = y[0] - p_.induction_fraction;
  g[1] = y[0] - p_.half_conversion_fraction;
}

void AutocatalyticModel::observe_amounts(double t, const double* y, Observation& out) {
  const double alpha = y[0];
  const double p_solid = acp_.stoichiometry[kP] * n0_;  // constant
  const double n_acp = (1.0 - alpha) * n0_;
  const double n_crystal = alpha * p_solid / crystal_.stoichiometry[kP];
  out.phase_count = 2;
  out.amount[0] = n_acp;
  out.amount[1] = n_crystal;
  for (std::size_t k = 0; k < kComponentCount; ++k) {
    out.solid[0][k] = acp_.stoichiometry[k] * n_acp;
    out.solid[1][k] = crystal_.stoichiometry[k] * n_crystal;
    out.dissolved[k] = element_totals_[k] - out.solid[0][k] - out.solid[1][k];
  }
  out.dissolved[kP] += p_.phosphate_source_rate * t;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  out.saturation_index[0] = nan;
  out.saturation_index[1] = nan;
  out.mean_radius[0] = n_acp > 0.0 ? acp_radius_ * std::cbrt(1.0 - alpha) : nan;
  out.mean_radius[1] = nan;  // the reduced model has no particle sizes
  out.crystalline_fraction = alpha;
  out.pH = nan;
  out.log10_activity_ca = nan;
}

void AutocatalyticModel::observe(double t, const double* y, Observation& out) {
  observe_amounts(t, y, out);
  chemistry_.evaluate(out.dissolved.data(), chem_);
  out.saturation_index[0] = chem_.saturation_index[acp_phase_];
  out.saturation_index[1] = chem_.saturation_index[crystal_phase_];
  out.pH = chem_.pH;
  out.log10_activity_ca = chem_.log10_activity_ca;
}

}  // namespace calcikin::kinetics
