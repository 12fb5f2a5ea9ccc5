#include "models/thermo/speciator.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>

#include "models/thermo/water_properties.hpp"

namespace calcikin::thermo {
namespace {
constexpr double kLn10 = 2.302585092994045684;
constexpr double kWaterFactor = 0.017;       // PHREEQC AH2O_FACTOR: a_w = 1 - 0.017 sum m
constexpr double kAbsentLogActivity = -1000.0;  // elements with zero total
constexpr double kMinIonicStrength = 1e-10;  // PHREEQC gammas(): mu <= 0 -> 1e-10
constexpr double kSmallestTotal = 1e-200;    // mol/kg; smaller totals count as zero
using Index = Eigen::Index;
inline Index ix(std::size_t i) { return static_cast<Index>(i); }
}  // namespace

Speciator::Speciator(std::shared_ptr<const ChemicalSystem> system, SpeciatorOptions options)
    : system_(std::move(system)), options_(options) {
  ne_ = system_->num_elements();
  ns_ = system_->num_species();
  np_ = system_->num_phases();
  nu_ = ne_ + 3;
  species_log_k_ = Eigen::VectorXd::Zero(ix(ns_));
  species_log_k_offset_ = Eigen::VectorXd::Zero(ix(ns_));
  phase_log_k_ = Eigen::VectorXd::Zero(ix(np_));
  phase_log_k_offset_ = Eigen::VectorXd::Zero(ix(np_));
  for (std::size_t p = 0; p < np_; ++p) phase_log_k_offset_(ix(p)) = system_->phase(p).default_log_k_offset;
  la_ = Eigen::VectorXd::Constant(ix(ne_), kAbsentLogActivity);
  totals_ = Eigen::VectorXd::Zero(ix(ne_));
  log_gamma_ = Eigen::VectorXd::Zero(ix(ns_));
  dlog_gamma_dI_ = Eigen::VectorXd::Zero(ix(ns_));
  log_molality_ = Eigen::VectorXd::Zero(ix(ns_));
  molality_ = Eigen::VectorXd::Zero(ix(ns_));
  residual_ = Eigen::VectorXd::Zero(ix(nu_));
  scale_ = Eigen::VectorXd::Ones(ix(nu_));
  delta_ = Eigen::VectorXd::Zero(ix(nu_));
  x_save_ = Eigen::VectorXd::Zero(ix(nu_));
  jacobian_ = Eigen::MatrixXd::Zero(ix(nu_), ix(nu_));
  sens_jacobian_ = Eigen::MatrixXd::Zero(ix(nu_), ix(nu_));
  sens_lu_ = Eigen::PartialPivLU<Eigen::MatrixXd>(ix(nu_));
  sens_rhs_ = Eigen::VectorXd::Zero(ix(nu_));
  sens_sol_ = Eigen::VectorXd::Zero(ix(nu_));
  inactive_ = Eigen::VectorXi::Zero(ix(ne_));
  activity_ = Eigen::VectorXd::Zero(ix(ne_));
  k_power_ = Eigen::VectorXd::Zero(ix(ns_));
  integer_coefficients_ = Eigen::VectorXi::Zero(ix(ns_));
  gamma_class_ = Eigen::VectorXi::Zero(ix(ns_));
  {
    const auto& rows = system_->species_rows();
    auto is_small_int = [](double v) { return v == std::round(v) && std::fabs(v) <= 16.0; };
    std::vector<std::size_t> reps;
    for (std::size_t j = 0; j < ns_; ++j) {
      const auto& r = rows[j];
      bool ints = is_small_int(r.h_plus) && is_small_int(r.water);
      for (const auto& [k, v] : r.terms) ints = ints && is_small_int(v);
      integer_coefficients_(ix(j)) = ints ? 1 : 0;
      int cls = -1;
      for (std::size_t c = 0; c < reps.size(); ++c) {
        const auto& q = rows[reps[c]];
        if (q.gamma.model == r.gamma.model && q.gamma.a == r.gamma.a && q.gamma.b == r.gamma.b &&
            q.charge * q.charge == r.charge * r.charge && (q.charge == 0.0) == (r.charge == 0.0)) {
          cls = static_cast<int>(c);
          break;
        }
      }
      if (cls < 0) {
        cls = static_cast<int>(reps.size());
        reps.push_back(j);
      }
      gamma_class_(ix(j)) = cls;
    }
    class_representative_ = Eigen::VectorXi::Zero(ix(reps.size()));
    for (std::size_t c = 0; c < reps.size(); ++c) class_representative_(ix(c)) = static_cast<int>(reps[c]);
    class_log_gamma_ = Eigen::VectorXd::Zero(ix(reps.size()));
    class_dlog_gamma_ = Eigen::VectorXd::Zero(ix(reps.size()));
    gamma_factor_ = Eigen::VectorXd::Ones(ix(reps.size()));
  }
  guess_totals_ = Eigen::VectorXd::Zero(ix(ne_));
  set_temperature(298.15);
}

void Speciator::set_temperature(double kelvin) {
  const ChemicalSystem& sys = *system_;
  if (!(kelvin >= sys.min_temperature() - 1e-9 && kelvin <= sys.max_temperature() + 1e-9)) {
    char msg[256];
    std::snprintf(msg, sizeof msg, "temperature %g degC is outside the range of database %s (%g to %g degC)",
                  kelvin - 273.15, sys.database().name.c_str(), sys.min_temperature() - 273.15,
                  sys.max_temperature() - 273.15);
    throw std::out_of_range(msg);
  }
  temperature_ = kelvin;
  const auto& rows = sys.species_rows();
  for (std::size_t j = 0; j < ns_; ++j) species_log_k_(ix(j)) = rows[j].log_k.evaluate(kelvin);
  update_k_powers();
  const auto& prow = sys.phase_rows();
  for (std::size_t p = 0; p < np_; ++p) phase_log_k_(ix(p)) = prow[p].log_k.evaluate(kelvin);
  const DebyeHuckel dh = debye_huckel_parameters(kelvin);
  dh_a_ = dh.A;
  dh_b_ = dh.B;
  if (const auto& llnl = sys.database().llnl) {
    // PHREEQC model.cpp gammas(): linear interpolation between the tabulated temperatures
    const double tc = kelvin - 273.15;
    const auto& t = llnl->temperatures_c;
    std::size_t lo = 0, hi = t.size() - 1;
    for (std::size_t i = 0; i < t.size(); ++i) {
      if (tc >= t[i]) lo = i;
      if (tc <= t[i]) {
        hi = i;
        break;
      }
    }
    const double f = (hi == lo) ? 1.0 : (tc - t[lo]) / (t[hi] - t[lo]);
    llnl_a_ = (1 - f) * llnl->adh[lo] + f * llnl->adh[hi];
    llnl_b_ = (1 - f) * llnl->bdh[lo] + f * llnl->bdh[hi];
    llnl_bdot_ = (1 - f) * llnl->bdot[lo] + f * llnl->bdot[hi];
    const auto& c = llnl->co2_coefficients;
    if (c.size() >= 5) {
      llnl_co2_[0] = c[0] + c[1] * kelvin + c[2] / kelvin;
      llnl_co2_[1] = c[3] + c[4] * kelvin;
    }
  }
}

void Speciator::set_phase_log_k_offset(std::size_t phase, double delta_log10_k) {
  phase_log_k_offset_(ix(phase)) = delta_log10_k;
}

void Speciator::set_species_log_k_offset(std::size_t species, double delta_log10_k) {
  species_log_k_offset_(ix(species)) = delta_log10_k;
  update_k_powers();
}

void Speciator::update_k_powers() {
  for (std::size_t j = 0; j < ns_; ++j)
    k_power_(ix(j)) = std::exp(kLn10 * (species_log_k_(ix(j)) + species_log_k_offset_(ix(j))));
}

void Speciator::compute_gammas(double I) {
  const double mu = std::max(I, kMinIonicStrength);
  const double s = std::sqrt(mu);
  const auto& rows = system_->species_rows();
  // One evaluation per class of species with the same charge and activity parameters.
  for (Index c = 0; c < class_representative_.size(); ++c) {
    const auto& r = rows[static_cast<std::size_t>(class_representative_(c))];
    const double z2 = r.charge * r.charge;
    double lg = 0.0, dlg = 0.0;
    switch (r.gamma.model) {
      case GammaModel::Davies:
        lg = -dh_a_ * z2 * (s / (1.0 + s) - 0.3 * mu);
        dlg = -dh_a_ * z2 * (1.0 / (2.0 * s * (1.0 + s) * (1.0 + s)) - 0.3);
        break;
      case GammaModel::DebyeHuckel: {
        const double d = 1.0 + r.gamma.a * dh_b_ * s;
        lg = -dh_a_ * z2 * s / d + r.gamma.b * mu;
        dlg = -dh_a_ * z2 / (2.0 * s * d * d) + r.gamma.b;
        break;
      }
      case GammaModel::NeutralLinear:
        lg = r.gamma.b * mu;
        dlg = r.gamma.b;
        break;
      case GammaModel::Unity:
        break;
      case GammaModel::BDot:
        if (r.charge != 0.0) {
          const double d = 1.0 + r.gamma.a * llnl_b_ * s;
          lg = -llnl_a_ * z2 * s / d + llnl_bdot_ * mu;
          dlg = -llnl_a_ * z2 / (2.0 * s * d * d) + llnl_bdot_;
        }
        break;
      case GammaModel::BDotCO2:
        lg = (llnl_co2_[0] * mu - llnl_co2_[1] * (mu / (mu + 1.0))) / kLn10;
        dlg = (llnl_co2_[0] - llnl_co2_[1] / ((mu + 1.0) * (mu + 1.0))) / kLn10;
        break;
    }
    class_log_gamma_(c) = lg;
    class_dlog_gamma_(c) = I > kMinIonicStrength ? dlg : 0.0;
    gamma_factor_(c) = std::exp(-kLn10 * lg);
  }
  for (std::size_t j = 0; j < ns_; ++j) {
    log_gamma_(ix(j)) = class_log_gamma_(gamma_class_(ix(j)));
    dlog_gamma_dI_(ix(j)) = class_dlog_gamma_(gamma_class_(ix(j)));
  }
}

namespace {
// x^n for a small integer n (n may be negative).
inline double int_pow(double x, int n) {
  double r = 1.0;
  const bool inverse = n < 0;
  for (int k = inverse ? -n : n; k > 0; --k) r *= x;
  return inverse ? 1.0 / r : r;
}
}  // namespace

// m_j = K_j a_H^nu_H a_w^nu_W prod_i a_i^nu_ij / gamma_j. Most species have small integer
// coefficients: then m_j is a product of per-element powers (one exp per element and per activity
// coefficient class instead of one per species); other species use the exponential of the sum.
void Speciator::compute_species() {
  const auto& rows = system_->species_rows();
  for (std::size_t i = 0; i < ne_; ++i) activity_(ix(i)) = la_(ix(i)) < -300.0 ? 0.0 : std::exp(kLn10 * la_(ix(i)));
  const double a_h = std::exp(kLn10 * la_h_), a_w = std::exp(kLn10 * la_w_);
  for (std::size_t j = 0; j < ns_; ++j) {
    const auto& r = rows[j];
    const double log_k = species_log_k_(ix(j)) + species_log_k_offset_(ix(j));
    double lm = log_k + r.h_plus * la_h_ + r.water * la_w_ - log_gamma_(ix(j));
    for (const auto& [k, v] : r.terms) lm += v * la_(ix(k));
    log_molality_(ix(j)) = lm;
    if (lm < -300.0) {
      molality_(ix(j)) = 0.0;
    } else if (integer_coefficients_(ix(j)) && std::fabs(log_k) < 250.0) {
      double m = k_power_(ix(j)) * gamma_factor_(gamma_class_(ix(j))) *
                 int_pow(a_h, static_cast<int>(r.h_plus)) * int_pow(a_w, static_cast<int>(r.water));
      for (const auto& [k, v] : r.terms) m *= int_pow(activity_(ix(k)), static_cast<int>(v));
      molality_(ix(j)) = m;
    } else {
      molality_(ix(j)) = std::exp(kLn10 * lm);
    }
  }
}

void Speciator::compute_residuals(Mode mode, std::size_t adjusted) {
  const auto& rows = system_->species_rows();
  residual_.setZero();
  double sum_m = 0.0, ionic = 0.0, charge = 0.0, charge_abs = 0.0, toth = 0.0, toth_abs = 0.0;
  for (std::size_t j = 0; j < ns_; ++j) {
    const double m = molality_(ix(j));
    const auto& r = rows[j];
    for (const auto& [k, v] : r.balance) residual_(ix(k)) += v * m;
    sum_m += m;
    ionic += 0.5 * r.charge * r.charge * m;
    charge += r.charge * m;
    charge_abs += std::fabs(r.charge) * m;
    toth += r.h_plus * m;
    toth_abs += std::fabs(r.h_plus) * m;
  }
  for (std::size_t i = 0; i < ne_; ++i) {
    if (inactive_(ix(i))) {
      residual_(ix(i)) = 0.0;
      scale_(ix(i)) = 1.0;
    } else if (mode == Mode::ChargeBalance && i == adjusted) {
      residual_(ix(i)) = charge;
      scale_(ix(i)) = std::max(charge_abs, 1e-300);
    } else {
      residual_(ix(i)) -= totals_(ix(i));
      scale_(ix(i)) = totals_(ix(i));
    }
  }
  const Index iI = ix(ne_), iW = ix(ne_ + 1), iH = ix(ne_ + 2);
  residual_(iI) = ionic - ionic_strength_;
  scale_(iI) = std::max(ionic_strength_, 1e-300);
  if (system_->database().water_activity == WaterActivityModel::Phreeqc) {
    residual_(iW) = std::exp(kLn10 * la_w_) - 1.0 + kWaterFactor * sum_m;
  } else {
    residual_(iW) = la_w_;
  }
  scale_(iW) = 1.0;
  if (mode == Mode::FreePH) {
    residual_(iH) = toth - target_toth_;
    scale_(iH) = std::max(toth_abs + std::fabs(target_toth_), 1e-300);
  } else {
    residual_(iH) = 0.0;
    scale_(iH) = 1.0;
  }
}

double Speciator::scaled_residual_norm() const {
  double worst = 0.0;
  for (Index i = 0; i < ix(nu_); ++i) {
    const double r = std::fabs(residual_(i)) / scale_(i);
    if (!(r == r)) return std::numeric_limits<double>::infinity();
    worst = std::max(worst, r);
  }
  return worst;
}

void Speciator::compute_jacobian(Mode mode, std::size_t adjusted, Eigen::MatrixXd& J) const {
  const auto& rows = system_->species_rows();
  J.setZero();
  const std::size_t iI = ne_, iW = ne_ + 1, iH = ne_ + 2;
  const bool phreeqc_water = system_->database().water_activity == WaterActivityModel::Phreeqc;
  for (std::size_t j = 0; j < ns_; ++j) {
    const double m = molality_(ix(j));
    if (m == 0.0) continue;
    const auto& r = rows[j];
    const double f = kLn10 * m;
    // d m_j / d unknown = f * g, with g: nu for the element columns, nu_H, nu_W, -dlog(gamma)/dI
    auto add_row = [&](std::size_t row, double c) {
      const double cf = c * f;
      for (const auto& [k, v] : r.terms) J(ix(row), ix(k)) += cf * v;
      if (mode == Mode::FreePH && r.h_plus != 0.0) J(ix(row), ix(iH)) += cf * r.h_plus;
      if (r.water != 0.0) J(ix(row), ix(iW)) += cf * r.water;
      J(ix(row), ix(iI)) -= cf * dlog_gamma_dI_(ix(j));
    };
    for (const auto& [k, v] : r.balance) {
      if (inactive_(ix(k)) || (mode == Mode::ChargeBalance && k == adjusted)) continue;
      add_row(k, v);
    }
    if (mode == Mode::ChargeBalance && r.charge != 0.0) add_row(adjusted, r.charge);
    if (r.charge != 0.0) add_row(iI, 0.5 * r.charge * r.charge);
    if (phreeqc_water) add_row(iW, kWaterFactor);
    if (mode == Mode::FreePH && r.h_plus != 0.0) add_row(iH, r.h_plus);
  }
  for (std::size_t i = 0; i < ne_; ++i)
    if (inactive_(ix(i))) J(ix(i), ix(i)) = 1.0;
  J(ix(iI), ix(iI)) -= 1.0;
  if (phreeqc_water) {
    J(ix(iW), ix(iW)) += kLn10 * std::exp(kLn10 * la_w_);
  } else {
    J(ix(iW), ix(iW)) = 1.0;
  }
  if (mode != Mode::FreePH) J(ix(iH), ix(iH)) = 1.0;
}

void Speciator::initial_guess(Mode mode, std::size_t adjusted) {
  const auto& rows = system_->species_rows();
  const Database& db = system_->database();
  // Ionic strength from the totals as if every component were its free master species.
  double I = 0.0, sum = 0.0;
  for (std::size_t i = 0; i < ne_; ++i) {
    const int s = db.find_species(db.basis[system_->element_basis()[i]].species);
    const double z = s >= 0 ? db.species[static_cast<std::size_t>(s)].charge : 0.0;
    I += 0.5 * z * z * guess_totals_(ix(i));
    sum += guess_totals_(ix(i));
  }
  ionic_strength_ = std::max(I, 1e-7);
  la_w_ = db.water_activity == WaterActivityModel::Phreeqc ? std::log10(std::max(1.0 - kWaterFactor * sum, 0.05)) : 0.0;
  if (mode == Mode::FreePH) la_h_ = -7.0;
  compute_gammas(ionic_strength_);
  for (std::size_t i = 0; i < ne_; ++i) {
    if (inactive_(ix(i))) {
      la_(ix(i)) = kAbsentLogActivity;
      continue;
    }
    la_(ix(i)) = std::log10(guess_totals_(ix(i)));
  }
  // Revision of the guesses (as PHREEQC's revise_guesses, but element by element, Gauss-Seidel):
  // scale each master activity by total / calculated until every mass balance is within a factor
  // 1.5. The ionic strength stays at its first estimate until the end.
  for (int sweep = 0; sweep < 40; ++sweep) {
    bool repeat = false;
    for (std::size_t i = 0; i < ne_; ++i) {
      if (inactive_(ix(i))) continue;
      compute_species();
      double f = 0.0;
      for (std::size_t j = 0; j < ns_; ++j)
        for (const auto& [k, v] : rows[j].balance)
          if (k == i) f += v * molality_(ix(j));
      const double t = guess_totals_(ix(i));
      if (!(f > 0.0) || !std::isfinite(f)) {
        la_(ix(i)) += f > 0.0 ? -5.0 : 5.0;
        repeat = true;
      } else if (f > 1.5 * t || f < t / 1.5) {
        la_(ix(i)) += std::log10(t / f);
        repeat = true;
      }
    }
    if (!repeat) break;
  }
  compute_species();
  double ionic = 0.0;
  for (std::size_t j = 0; j < ns_; ++j) ionic += 0.5 * rows[j].charge * rows[j].charge * molality_(ix(j));
  if (std::isfinite(ionic) && ionic > 0.0) ionic_strength_ = ionic;
  (void)adjusted;
}

// Warm start: first-order prediction of the master activities for the new totals and pH from the
// previous solution. A total scaled by f moves log a of its master by about log f; a pH change moves
// it by minus the mean number of protons in that element's species (from the previous molalities).
void Speciator::predict_from_previous(Mode mode, const double* totals, double pH_or_toth, std::size_t adjusted) {
  const auto& rows = system_->species_rows();
  const double dla_h = mode == Mode::FreePH ? 0.0 : -pH_or_toth - la_h_;
  for (std::size_t i = 0; i < ne_; ++i) {
    if (inactive_(ix(i))) continue;
    if (dla_h != 0.0) {
      double num = 0.0, den = 0.0;
      for (std::size_t j = 0; j < ns_; ++j)
        for (const auto& [k, v] : rows[j].balance)
          if (k == i) {
            num += v * rows[j].h_plus * molality_(ix(j));
            den += v * molality_(ix(j));
          }
      if (den > 0.0) la_(ix(i)) -= num / den * dla_h;
    }
    const bool is_adjusted = mode == Mode::ChargeBalance && i == adjusted;
    const double t_old = totals_(ix(i)), t_new = totals[i];
    if (!is_adjusted && t_old > 0.0 && t_new > 0.0) la_(ix(i)) += std::log10(t_new / t_old);
  }
}

namespace {
// Solves A x = b in place (b becomes x) by Gaussian elimination with partial pivoting; A is
// column-major n x n and is overwritten. Returns false for a singular matrix. Allocation-free and
// faster than a general LU for the ~10 x 10 systems of a speciation.
bool solve_in_place(double* a, Index n, double* b) {
  for (Index k = 0; k < n; ++k) {
    Index p = k;
    double best = std::fabs(a[k + k * n]);
    for (Index r = k + 1; r < n; ++r) {
      const double v = std::fabs(a[r + k * n]);
      if (v > best) {
        best = v;
        p = r;
      }
    }
    if (!(best > 0.0)) return false;
    if (p != k) {
      for (Index c = k; c < n; ++c) std::swap(a[k + c * n], a[p + c * n]);
      std::swap(b[k], b[p]);
    }
    const double inv = 1.0 / a[k + k * n];
    for (Index r = k + 1; r < n; ++r) {
      const double f = a[r + k * n] * inv;
      if (f == 0.0) continue;
      for (Index c = k + 1; c < n; ++c) a[r + c * n] -= f * a[k + c * n];
      b[r] -= f * b[k];
    }
  }
  for (Index k = n - 1; k >= 0; --k) {
    double v = b[k];
    for (Index c = k + 1; c < n; ++c) v -= a[k + c * n] * b[c];
    b[k] = v / a[k + k * n];
  }
  return true;
}
}  // namespace

SpeciationStatus Speciator::solve(Mode mode, const double* totals, double pH_or_toth, std::size_t adjusted) {
  status_ = SpeciationStatus{};
  jacobian_fresh_ = false;
  bool inactive_changed = false;
  for (std::size_t i = 0; i < ne_; ++i) {
    const double t = totals[i];
    if (!(t >= 0.0) || !std::isfinite(t)) {
      status_.residual = std::numeric_limits<double>::infinity();
      return status_;  // negative or NaN total: reported as a failure
    }
  }
  if (have_guess_) predict_from_previous(mode, totals, pH_or_toth, adjusted);
  for (std::size_t i = 0; i < ne_; ++i) {
    const double t = totals[i];
    totals_(ix(i)) = t;
    // Totals below 1e-200 mol/kg are treated as absent (their species would underflow).
    const int off = (t > kSmallestTotal || (mode == Mode::ChargeBalance && i == adjusted)) ? 0 : 1;
    if (off != inactive_(ix(i))) inactive_changed = true;
    inactive_(ix(i)) = off;
  }
  if (mode == Mode::FreePH) {
    target_toth_ = pH_or_toth;
  } else {
    la_h_ = -pH_or_toth;
  }
  // Guess totals (the adjusted element starts from its input, or a small share of the solution).
  double sum = 0.0;
  for (std::size_t i = 0; i < ne_; ++i) sum += totals_(ix(i));
  guess_totals_ = totals_;
  if (mode == Mode::ChargeBalance && !(guess_totals_(ix(adjusted)) > 0.0))
    guess_totals_(ix(adjusted)) = std::max(1e-3 * sum, 1e-10);

  // First the warm start (when there is a previous solution), then, if needed, one cold start.
  bool tried_cold = false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool warm = attempt == 0 && have_guess_ && !inactive_changed;
    if (!warm) {
      if (tried_cold) break;
      initial_guess(mode, adjusted);
      tried_cold = true;
    }
    int it = 0;
    bool ok = false;
    double norm = std::numeric_limits<double>::infinity();
    for (; it < options_.max_iterations; ++it) {
      compute_gammas(ionic_strength_);
      compute_species();
      compute_residuals(mode, adjusted);
      norm = scaled_residual_norm();
      if (!std::isfinite(norm)) break;
      if (norm < options_.tolerance) {
        ok = true;
        break;
      }
      compute_jacobian(mode, adjusted, jacobian_);
      // Row equilibration: each equation divided by its natural scale (its total, I, ...), so that an
      // element at 1e-19 mol/kg is solved as accurately as one at 0.1 mol/kg.
      for (Index r = 0; r < ix(nu_); ++r) {
        const double inv = 1.0 / scale_(r);
        jacobian_.row(r) *= inv;
        delta_(r) = -residual_(r) * inv;
      }
      if (!solve_in_place(jacobian_.data(), ix(nu_), delta_.data()) || !delta_.allFinite()) break;
      double biggest = 0.0;
      for (std::size_t i = 0; i < ne_; ++i) biggest = std::max(biggest, std::fabs(delta_(ix(i))));
      biggest = std::max(biggest, std::fabs(delta_(ix(ne_ + 1))));
      biggest = std::max(biggest, std::fabs(delta_(ix(ne_ + 2))));
      const double factor = biggest > options_.max_step ? options_.max_step / biggest : 1.0;
      for (std::size_t i = 0; i < ne_; ++i)
        if (!inactive_(ix(i))) la_(ix(i)) += factor * delta_(ix(i));
      la_w_ += factor * delta_(ix(ne_ + 1));
      if (mode == Mode::FreePH) la_h_ += factor * delta_(ix(ne_ + 2));
      const double new_I = ionic_strength_ + factor * delta_(ix(ne_));
      ionic_strength_ = new_I > 0.1 * ionic_strength_ ? new_I : 0.1 * ionic_strength_;
      if (mode == Mode::ChargeBalance && la_(ix(adjusted)) < -40.0) break;  // cannot be balanced
    }
    status_.iterations += it;
    status_.residual = norm;
    if (ok) {
      status_.converged = true;
      have_guess_ = true;
      return status_;
    }
    have_guess_ = false;
  }
  return status_;
}

SpeciationStatus Speciator::solve_fixed_pH(const double* totals_molal, double pH) {
  return solve(Mode::FixedPH, totals_molal, pH, 0);
}

SpeciationStatus Speciator::solve_charge_balance(const double* totals_molal, double pH, std::size_t adjusted_element,
                                                 double* adjusted_total) {
  const SpeciationStatus st = solve(Mode::ChargeBalance, totals_molal, pH, adjusted_element);
  double t = 0.0;
  const auto& rows = system_->species_rows();
  for (std::size_t j = 0; j < ns_; ++j)
    for (const auto& [k, v] : rows[j].balance)
      if (k == adjusted_element) t += v * molality_(ix(j));
  if (st.converged) totals_(ix(adjusted_element)) = t;
  if (adjusted_total != nullptr) *adjusted_total = t;
  return st;
}

SpeciationStatus Speciator::solve_free_pH(const double* totals_molal, double total_h) {
  return solve(Mode::FreePH, totals_molal, total_h, 0);
}

double Speciator::pH() const { return -la_h_; }

double Speciator::activity_water() const { return std::exp(kLn10 * la_w_); }

double Speciator::log10_activity(std::size_t species) const {
  return log_molality_(ix(species)) + log_gamma_(ix(species));
}

double Speciator::log10_iap(std::size_t phase) const {
  const auto& r = system_->phase_rows()[phase];
  double v = r.h_plus * la_h_ + r.water * la_w_;
  for (const auto& [k, c] : r.terms) {
    if (inactive_(ix(k))) return -std::numeric_limits<double>::infinity();
    v += c * la_(ix(k));
  }
  return v;
}

double Speciator::log10_k(std::size_t phase) const {
  return phase_log_k_(ix(phase)) + phase_log_k_offset_(ix(phase));
}

double Speciator::saturation_index(std::size_t phase) const { return log10_iap(phase) - log10_k(phase); }

double Speciator::ln_omega(std::size_t phase) const { return kLn10 * saturation_index(phase); }

double Speciator::mean_ion_saturation_ratio(std::size_t phase) const {
  const double nu = system_->phase_ion_count(phase);
  return std::exp(ln_omega(phase) / nu);
}

double Speciator::total_h() const {
  const auto& rows = system_->species_rows();
  double t = 0.0;
  for (std::size_t j = 0; j < ns_; ++j) t += rows[j].h_plus * molality_(ix(j));
  return t;
}

double Speciator::charge_balance() const {
  const auto& rows = system_->species_rows();
  double t = 0.0;
  for (std::size_t j = 0; j < ns_; ++j) t += rows[j].charge * molality_(ix(j));
  return t;
}

void Speciator::dsi_dtotals(std::size_t phase, double* out) const {
  // SI = g . x with x = (la, I, la_w, la_h); at fixed pH, J dx/dT_c = e_c for the mass balance of
  // element c, so dSI/dT_c = (J^-T g)_c.
  if (!jacobian_fresh_) {
    compute_jacobian(Mode::FixedPH, 0, sens_jacobian_);
    sens_lu_.compute(sens_jacobian_.transpose());
    jacobian_fresh_ = true;
  }
  const auto& r = system_->phase_rows()[phase];
  sens_rhs_.setZero();
  bool absent = false;
  for (const auto& [k, c] : r.terms) {
    sens_rhs_(ix(k)) = c;
    if (inactive_(ix(k))) absent = true;
  }
  sens_rhs_(ix(ne_ + 1)) = r.water;
  if (absent) {
    for (std::size_t i = 0; i < ne_; ++i) out[i] = 0.0;
    return;
  }
  sens_sol_.noalias() = sens_lu_.solve(sens_rhs_);
  for (std::size_t i = 0; i < ne_; ++i) out[i] = inactive_(ix(i)) ? 0.0 : sens_sol_(ix(i));
}

}  // namespace calcikin::thermo
