#include "models/thermo/speciator.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "models/thermo/water_properties.hpp"

namespace calcikin::thermo {
namespace {
constexpr double kLn10 = 2.302585092994045684;
constexpr double kWaterFactor = 0.017;          // PHREEQC AH2O_FACTOR: a_w = 1 - 0.017 sum m
constexpr double kAbsentLogActivity = -1000.0;  // elements with zero total
constexpr double kMinIonicStrength = 1e-10;     // PHREEQC gammas(): mu <= 0 -> 1e-10
constexpr double kSmallestTotal = 1e-200;       // mol/kg; smaller totals count as zero
constexpr double kSmallestMolality = 1e-300;    // mol/kg; smaller molalities are set to zero
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
  for (std::size_t p = 0; p < np_; ++p)
    phase_log_k_offset_(ix(p)) = system_->phase(p).default_log_k_offset;
  la_ = Eigen::VectorXd::Constant(ix(ne_), kAbsentLogActivity);
  totals_ = Eigen::VectorXd::Zero(ix(ne_));
  molality_ = Eigen::VectorXd::Zero(ix(ns_));
  residual_ = Eigen::VectorXd::Zero(ix(nu_));
  scale_ = Eigen::VectorXd::Ones(ix(nu_));
  delta_ = Eigen::VectorXd::Zero(ix(nu_));
  jacobian_ = Eigen::MatrixXd::Zero(ix(nu_), ix(nu_));
  sens_jacobian_ = Eigen::MatrixXd::Zero(ix(nu_), ix(nu_));
  sens_lu_ = Eigen::PartialPivLU<Eigen::MatrixXd>(ix(nu_));
  sens_rhs_ = Eigen::VectorXd::Zero(ix(nu_));
  sens_sol_ = Eigen::VectorXd::Zero(ix(nu_));
  sens_coef_ = Eigen::VectorXd::Zero(ix(ne_));
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
    for (std::size_t c = 0; c < reps.size(); ++c)
      class_representative_(ix(c)) = static_cast<int>(reps[c]);
    class_log_gamma_ = Eigen::VectorXd::Zero(ix(reps.size()));
    class_dlog_gamma_ = Eigen::VectorXd::Zero(ix(reps.size()));
    gamma_factor_ = Eigen::VectorXd::Ones(ix(reps.size()));
  }
  guess_totals_ = Eigen::VectorXd::Zero(ix(ne_));
  input_jacobian_ = Eigen::MatrixXd::Zero(ix(nu_), ix(nu_));
  input_lu_ = Eigen::PartialPivLU<Eigen::MatrixXd>(ix(nu_));
  lu_pivot_ = Eigen::VectorXi::Zero(ix(nu_));
  lu_inv_diag_ = Eigen::VectorXd::Zero(ix(nu_));
  lu_inv_scale_ = Eigen::VectorXd::Ones(ix(nu_));
  build_flat_tables();
  build_jacobian_tables();
  set_temperature(298.15);
}

void Speciator::build_jacobian_tables() {
  const auto& rows = system_->species_rows();
  const bool phreeqc_water = system_->database().water_activity == WaterActivityModel::Phreeqc;
  const int n = static_cast<int>(nu_);
  const int iI = static_cast<int>(ne_), iW = iI + 1, iH = iI + 2;
  for (int table = 0; table < 2; ++table) {
    const bool free_ph = table == 1;
    std::vector<int> start, index, i_start, i_index;
    std::vector<double> coef, i_coef;
    for (std::size_t j = 0; j < ns_; ++j) {
      const auto& r = rows[j];
      // Equations in which m_j appears (row, coefficient) and unknowns m_j depends on (column, d
      // log m / d x).
      std::vector<std::pair<int, double>> eq, dep;
      for (const auto& [k, v] : r.balance) eq.emplace_back(static_cast<int>(k), v);
      if (r.charge != 0.0) eq.emplace_back(iI, 0.5 * r.charge * r.charge);
      if (phreeqc_water) eq.emplace_back(iW, kWaterFactor);
      if (free_ph && r.h_plus != 0.0) eq.emplace_back(iH, r.h_plus);
      for (const auto& [k, v] : r.terms) dep.emplace_back(static_cast<int>(k), v);
      if (free_ph && r.h_plus != 0.0) dep.emplace_back(iH, r.h_plus);
      if (r.water != 0.0) dep.emplace_back(iW, r.water);
      start.push_back(static_cast<int>(index.size()));
      i_start.push_back(static_cast<int>(i_index.size()));
      for (const auto& [row, c] : eq) {
        for (const auto& [col, g] : dep) {
          index.push_back(row + col * n);
          coef.push_back(c * g);
        }
        i_index.push_back(row + iI * n);
        i_coef.push_back(c);
      }
    }
    start.push_back(static_cast<int>(index.size()));
    i_start.push_back(static_cast<int>(i_index.size()));
    auto to_vi = [](const std::vector<int>& v) {
      return Eigen::VectorXi(Eigen::Map<const Eigen::VectorXi>(v.data(), ix(v.size())));
    };
    auto to_vd = [](const std::vector<double>& v) {
      return Eigen::VectorXd(Eigen::Map<const Eigen::VectorXd>(v.data(), ix(v.size())));
    };
    jac_start_[table] = to_vi(start);
    jac_index_[table] = to_vi(index);
    jac_coef_[table] = to_vd(coef);
    jac_i_start_[table] = to_vi(i_start);
    jac_i_index_[table] = to_vi(i_index);
    jac_i_coef_[table] = to_vd(i_coef);
  }
}

void Speciator::build_flat_tables() {
  const auto& rows = system_->species_rows();
  std::size_t nt = 0, nb = 0;
  for (const auto& r : rows) {
    nt += r.terms.size();
    nb += r.balance.size();
  }
  term_start_ = Eigen::VectorXi::Zero(ix(ns_ + 1));
  term_element_ = Eigen::VectorXi::Zero(ix(nt));
  term_power_ = Eigen::VectorXi::Zero(ix(nt));
  term_coef_ = Eigen::VectorXd::Zero(ix(nt));
  balance_start_ = Eigen::VectorXi::Zero(ix(ns_ + 1));
  balance_element_ = Eigen::VectorXi::Zero(ix(nb));
  balance_coef_ = Eigen::VectorXd::Zero(ix(nb));
  sp_charge_ = Eigen::VectorXd::Zero(ix(ns_));
  sp_h_plus_ = Eigen::VectorXd::Zero(ix(ns_));
  sp_water_ = Eigen::VectorXd::Zero(ix(ns_));
  sp_log_k_ = Eigen::VectorXd::Zero(ix(ns_));
  sp_h_power_ = Eigen::VectorXi::Zero(ix(ns_));
  sp_w_power_ = Eigen::VectorXi::Zero(ix(ns_));
  sp_power_path_ = Eigen::VectorXi::Zero(ix(ns_));
  Index t = 0, b = 0;
  for (std::size_t j = 0; j < ns_; ++j) {
    const auto& r = rows[j];
    const bool ints = integer_coefficients_(ix(j)) != 0;
    term_start_(ix(j)) = static_cast<int>(t);
    for (const auto& [k, v] : r.terms) {
      term_element_(t) = static_cast<int>(k);
      term_coef_(t) = v;
      term_power_(t) = ints ? static_cast<int>(v) : 0;
      ++t;
    }
    balance_start_(ix(j)) = static_cast<int>(b);
    for (const auto& [k, v] : r.balance) {
      balance_element_(b) = static_cast<int>(k);
      balance_coef_(b) = v;
      ++b;
    }
    sp_charge_(ix(j)) = r.charge;
    sp_h_plus_(ix(j)) = r.h_plus;
    sp_water_(ix(j)) = r.water;
    sp_h_power_(ix(j)) = ints ? static_cast<int>(r.h_plus) : 0;
    sp_w_power_(ix(j)) = ints ? static_cast<int>(r.water) : 0;
  }
  term_start_(ix(ns_)) = static_cast<int>(t);
  balance_start_(ix(ns_)) = static_cast<int>(b);
  // Tables of a_H+^k and a_w^k over the exponents that occur (filled once per compute_species).
  h_power_min_ = sp_h_power_.size() > 0 ? sp_h_power_.minCoeff() : 0;
  w_power_min_ = sp_w_power_.size() > 0 ? sp_w_power_.minCoeff() : 0;
  const int h_max = sp_h_power_.size() > 0 ? sp_h_power_.maxCoeff() : 0;
  const int w_max = sp_w_power_.size() > 0 ? sp_w_power_.maxCoeff() : 0;
  h_power_table_ = Eigen::VectorXd::Ones(h_max - h_power_min_ + 1);
  w_power_table_ = Eigen::VectorXd::Ones(w_max - w_power_min_ + 1);
}

void Speciator::set_temperature(double kelvin) {
  const ChemicalSystem& sys = *system_;
  if (!(kelvin >= sys.min_temperature() - 1e-9 && kelvin <= sys.max_temperature() + 1e-9)) {
    char msg[256];
    std::snprintf(msg, sizeof msg,
                  "temperature %g degC is outside the range of database %s (%g to %g degC)",
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
  lu_valid_ = false;  // the stored Newton matrix belongs to the old constants
  for (std::size_t j = 0; j < ns_; ++j) {
    const double log_k = species_log_k_(ix(j)) + species_log_k_offset_(ix(j));
    sp_log_k_(ix(j)) = log_k;
    k_power_(ix(j)) = std::exp(kLn10 * log_k);
    // The product of integer powers is used when it cannot overflow (|log K| < 250).
    sp_power_path_(ix(j)) = integer_coefficients_(ix(j)) && std::fabs(log_k) < 250.0 ? 1 : 0;
  }
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
  for (std::size_t i = 0; i < ne_; ++i)
    activity_(ix(i)) = la_(ix(i)) < -300.0 ? 0.0 : std::exp(kLn10 * la_(ix(i)));
  const double a_h = std::exp(kLn10 * la_h_), a_w = std::exp(kLn10 * la_w_);
  for (Index k = 0; k < h_power_table_.size(); ++k)
    h_power_table_(k) = int_pow(a_h, static_cast<int>(k) + h_power_min_);
  for (Index k = 0; k < w_power_table_.size(); ++k)
    w_power_table_(k) = int_pow(a_w, static_cast<int>(k) + w_power_min_);
  const double* h_pow = h_power_table_.data() - h_power_min_;  // h_pow[n] = a_H+^n
  const double* w_pow = w_power_table_.data() - w_power_min_;
  const int* ts = term_start_.data();
  const int* te = term_element_.data();
  const int* tp = term_power_.data();
  const double* tc = term_coef_.data();
  const double* la = la_.data();
  const double* act = activity_.data();
  for (Index j = 0; j < ix(ns_); ++j) {
    if (sp_power_path_(j)) {
      double m = k_power_(j) * gamma_factor_(gamma_class_(j)) * h_pow[sp_h_power_(j)] *
                 w_pow[sp_w_power_(j)];
      for (int t = ts[j]; t < ts[j + 1]; ++t)
        m *= tp[t] == 1 ? act[te[t]] : int_pow(act[te[t]], tp[t]);
      molality_(j) = m < kSmallestMolality ? 0.0 : m;
    } else {
      double lm = sp_log_k_(j) + sp_h_plus_(j) * la_h_ + sp_water_(j) * la_w_ -
                  class_log_gamma_(gamma_class_(j));
      for (int t = ts[j]; t < ts[j + 1]; ++t) lm += tc[t] * la[te[t]];
      molality_(j) = lm < -300.0 ? 0.0 : std::exp(kLn10 * lm);
    }
  }
}

void Speciator::compute_residuals(Mode mode, std::size_t adjusted) {
  residual_.setZero();
  double sum_m = 0.0, ionic = 0.0, charge = 0.0, charge_abs = 0.0, toth = 0.0, toth_abs = 0.0;
  const int* bs = balance_start_.data();
  const int* be = balance_element_.data();
  const double* bc = balance_coef_.data();
  double* res = residual_.data();
  for (Index j = 0; j < ix(ns_); ++j) {
    const double m = molality_(j);
    const double z = sp_charge_(j);
    for (int b = bs[j]; b < bs[j + 1]; ++b) res[be[b]] += bc[b] * m;
    sum_m += m;
    ionic += 0.5 * z * z * m;
  }
  // The charge and proton sums only where their equation is solved.
  if (mode == Mode::ChargeBalance) {
    for (Index j = 0; j < ix(ns_); ++j) {
      charge += sp_charge_(j) * molality_(j);
      charge_abs += std::fabs(sp_charge_(j)) * molality_(j);
    }
  }
  if (mode == Mode::FreePH) {
    for (Index j = 0; j < ix(ns_); ++j) {
      toth += sp_h_plus_(j) * molality_(j);
      toth_abs += std::fabs(sp_h_plus_(j)) * molality_(j);
    }
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

// d F_row / d x_col = sum_j (row coefficient of m_j) ln10 m_j (d log m_j / d x_col): with the
// tables of build_jacobian_tables one multiply-add per nonzero term. Rows of absent elements are
// identity rows.
void Speciator::compute_jacobian(Mode mode, std::size_t adjusted, Eigen::MatrixXd& J) const {
  J.setZero();
  const int table = mode == Mode::FreePH ? 1 : 0;
  double* a = J.data();
  const int* start = jac_start_[table].data();
  const int* index = jac_index_[table].data();
  const double* coef = jac_coef_[table].data();
  const int* i_start = jac_i_start_[table].data();
  const int* i_index = jac_i_index_[table].data();
  const double* i_coef = jac_i_coef_[table].data();
  for (Index j = 0; j < ix(ns_); ++j) {
    const double m = molality_(j);
    if (m == 0.0) continue;
    const double f = kLn10 * m;
    for (int e = start[j]; e < start[j + 1]; ++e) a[index[e]] += coef[e] * f;
    const double fi = -f * class_dlog_gamma_(gamma_class_(j));
    for (int e = i_start[j]; e < i_start[j + 1]; ++e) a[i_index[e]] += i_coef[e] * fi;
  }
  const std::size_t iI = ne_, iW = ne_ + 1, iH = ne_ + 2;
  if (mode == Mode::ChargeBalance) {
    // The adjusted element's row is the charge balance sum_j z_j m_j instead of its mass balance.
    const Index row = ix(adjusted);
    const Index n = ix(nu_);
    J.row(row).setZero();
    const int* ts = term_start_.data();
    const int* te = term_element_.data();
    const double* tc = term_coef_.data();
    for (Index j = 0; j < ix(ns_); ++j) {
      const double m = molality_(j), z = sp_charge_(j);
      if (m == 0.0 || z == 0.0) continue;
      const double cf = z * kLn10 * m;
      for (int t = ts[j]; t < ts[j + 1]; ++t) a[row + te[t] * n] += cf * tc[t];
      if (sp_water_(j) != 0.0) a[row + ix(iW) * n] += cf * sp_water_(j);
      a[row + ix(iI) * n] -= cf * class_dlog_gamma_(gamma_class_(j));
    }
  }
  for (std::size_t i = 0; i < ne_; ++i)
    if (inactive_(ix(i))) {
      J.row(ix(i)).setZero();
      J(ix(i), ix(i)) = 1.0;
    }
  J(ix(iI), ix(iI)) -= 1.0;
  if (system_->database().water_activity == WaterActivityModel::Phreeqc) {
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
  la_w_ = db.water_activity == WaterActivityModel::Phreeqc
              ? std::log10(std::max(1.0 - kWaterFactor * sum, 0.05))
              : 0.0;
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
  for (std::size_t j = 0; j < ns_; ++j)
    ionic += 0.5 * rows[j].charge * rows[j].charge * molality_(ix(j));
  if (std::isfinite(ionic) && ionic > 0.0) ionic_strength_ = ionic;
  (void)adjusted;
}

// Warm start: first-order prediction of the master activities for the new totals and pH from the
// previous solution. A total scaled by f moves log a of its master by about log f; a pH change
// moves it by minus the mean number of protons in that element's species (from the previous
// molalities).
void Speciator::predict_from_previous(Mode mode, const double* totals, double pH_or_toth,
                                      std::size_t adjusted) {
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
// LU factorisation with partial pivoting of the leading n x n block of the column-major matrix a
// (leading dimension lda), in place (multipliers below the diagonal, pivot rows in piv).
// Allocation-free and faster than a general LU for the ~10 x 10 systems of a speciation. Returns
// false for a singular matrix.
// inv_diag receives the reciprocals of U's diagonal, so that a solve multiplies instead of divides.
bool lu_factor(double* a, Index n, Index lda, int* piv, double* inv_diag) {
  for (Index k = 0; k < n; ++k) {
    double* ck = a + k * lda;  // column k
    Index p = k;
    double best = std::fabs(ck[k]);
    for (Index r = k + 1; r < n; ++r) {
      const double v = std::fabs(ck[r]);
      if (v > best) {
        best = v;
        p = r;
      }
    }
    if (!(best > 0.0)) return false;
    piv[k] = static_cast<int>(p);
    // Rows are swapped from column k on only: lu_solve applies the swaps step by step.
    if (p != k)
      for (Index c = k; c < n; ++c) std::swap(a[k + c * lda], a[p + c * lda]);
    const double inv = 1.0 / ck[k];
    inv_diag[k] = inv;
    for (Index r = k + 1; r < n; ++r) ck[r] *= inv;
    // The trailing columns are updated one contiguous column at a time.
    for (Index c = k + 1; c < n; ++c) {
      double* cc = a + c * lda;
      const double akc = cc[k];
      if (akc == 0.0) continue;
      for (Index r = k + 1; r < n; ++r) cc[r] -= ck[r] * akc;
    }
  }
  return true;
}

// Solves A x = b (b becomes x, n entries) with the factors of lu_factor.
void lu_solve(const double* a, Index n, Index lda, const int* piv, const double* inv_diag,
              double* b) {
  for (Index k = 0; k < n; ++k) {
    if (piv[k] != k) std::swap(b[k], b[piv[k]]);
    const double bk = b[k];
    if (bk == 0.0) continue;
    const double* ck = a + k * lda;
    for (Index r = k + 1; r < n; ++r) b[r] -= ck[r] * bk;
  }
  // Back substitution by columns, like the forward one: contiguous updates that do not wait on one
  // another (a row-wise dot product is one chain of dependent multiply-adds), a zero entry of the
  // solution skips its column, and no division waits in the chain.
  for (Index k = n - 1; k >= 0; --k) {
    const double* ck = a + k * lda;
    const double bk = b[k] * inv_diag[k];
    b[k] = bk;
    if (bk == 0.0) continue;
    for (Index r = 0; r < k; ++r) b[r] -= ck[r] * bk;
  }
}
}  // namespace

bool Speciator::linear_prediction_possible(Mode mode, double pH_or_toth,
                                           std::size_t adjusted) const {
  if (!lu_valid_ || lu_mode_ != mode || lu_adjusted_ != adjusted) return false;
  if (mode == Mode::FixedPH) return -pH_or_toth == la_h_;
  return mode == Mode::FreePH;
}

// Warm start with the inputs changed by dT: x += J^-1 dT, with J the last factorised Newton matrix
// (computed near the previous solution). Exact to first order in dT, at the cost of one solve with
// the stored factors.
void Speciator::predict_linear(Mode mode, const double* totals, double pH_or_toth) {
  // The change of each total in log space, T ln(T_new/T): first order like T_new - T, but exact
  // for an element whose species are all linear in its master activity.
  for (std::size_t i = 0; i < ne_; ++i) {
    const double t_old = totals_(ix(i)), t_new = totals[i];
    const double change =
        t_old > 0.0 && t_new > 0.0 ? t_old * std::log(t_new / t_old) : t_new - t_old;
    delta_(ix(i)) = inactive_(ix(i)) ? 0.0 : change * lu_inv_scale_(ix(i));
  }
  delta_(ix(ne_)) = 0.0;
  delta_(ix(ne_ + 1)) = 0.0;
  delta_(ix(ne_ + 2)) =
      mode == Mode::FreePH ? (pH_or_toth - target_toth_) * lu_inv_scale_(ix(ne_ + 2)) : 0.0;
  lu_solve(jacobian_.data(), lu_size_, ix(nu_), lu_pivot_.data(), lu_inv_diag_.data(),
           delta_.data());
  if (delta_.allFinite()) apply_step(mode);
}

void Speciator::apply_step(Mode mode) {
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
}

SpeciationStatus Speciator::solve(Mode mode, const double* totals, double pH_or_toth,
                                  std::size_t adjusted) {
  status_ = SpeciationStatus{};
  jacobian_fresh_ = false;
  input_jacobian_fresh_ = false;
  last_mode_ = mode;
  last_adjusted_ = adjusted;
  for (std::size_t i = 0; i < ne_; ++i) {
    const double t = totals[i];
    if (!(t >= 0.0) || !std::isfinite(t)) {
      status_.residual = std::numeric_limits<double>::infinity();
      return status_;  // negative or NaN total: reported as a failure
    }
  }
  // Totals below 1e-200 mol/kg are treated as absent (their species would underflow).
  auto absent = [&](std::size_t i) {
    return (totals[i] > kSmallestTotal || (mode == Mode::ChargeBalance && i == adjusted)) ? 0 : 1;
  };
  bool inactive_changed = false;
  for (std::size_t i = 0; i < ne_; ++i)
    if (absent(i) != inactive_(ix(i))) inactive_changed = true;
  if (inactive_changed) lu_valid_ = false;
  if (have_guess_ && !inactive_changed) {
    if (linear_prediction_possible(mode, pH_or_toth, adjusted)) {
      predict_linear(mode, totals, pH_or_toth);
    } else {
      predict_from_previous(mode, totals, pH_or_toth, adjusted);
    }
  }
  for (std::size_t i = 0; i < ne_; ++i) {
    totals_(ix(i)) = totals[i];
    inactive_(ix(i)) = absent(i);
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
  const Index n = ix(nu_);
  bool tried_cold = false;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool warm = attempt == 0 && have_guess_ && !inactive_changed;
    if (!warm) {
      if (tried_cold) break;
      initial_guess(mode, adjusted);
      tried_cold = true;
      lu_valid_ = false;
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
      // Row equilibration: each equation divided by its natural scale (its total, I, ...), so that
      // an element at 1e-19 mol/kg is solved as accurately as one at 0.1 mol/kg. The factors are
      // kept for the linear prediction of the next solve.
      for (Index r = 0; r < n; ++r) lu_inv_scale_(r) = 1.0 / scale_(r);
      for (Index c = 0; c < n; ++c) jacobian_.col(c).array() *= lu_inv_scale_.array();
      // Except in free-pH mode, log a_H+ is not an unknown: its row and column are those of the
      // identity (the last ones), with a zero residual, and the factorisation leaves them out.
      lu_size_ = mode == Mode::FreePH ? n : n - 1;
      lu_valid_ = lu_factor(jacobian_.data(), lu_size_, n, lu_pivot_.data(), lu_inv_diag_.data());
      if (!lu_valid_) break;
      lu_mode_ = mode;
      lu_adjusted_ = adjusted;
      for (Index r = 0; r < n; ++r) delta_(r) = -residual_(r) * lu_inv_scale_(r);
      lu_solve(jacobian_.data(), lu_size_, n, lu_pivot_.data(), lu_inv_diag_.data(), delta_.data());
      if (!delta_.allFinite()) {
        lu_valid_ = false;
        break;
      }
      apply_step(mode);
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

SpeciationStatus Speciator::solve_charge_balance(const double* totals_molal, double pH,
                                                 std::size_t adjusted_element,
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
  // log10 a_j = log K_j + nu_H la_H + nu_W la_W + sum_i nu_ij la_i (from the master activities).
  const Index j = ix(species);
  double v = sp_log_k_(j) + sp_h_plus_(j) * la_h_ + sp_water_(j) * la_w_;
  for (int t = term_start_(j); t < term_start_(j + 1); ++t)
    v += term_coef_(t) * la_(term_element_(t));
  return v;
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

double Speciator::saturation_index(std::size_t phase) const {
  return log10_iap(phase) - log10_k(phase);
}

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

void Speciator::input_sensitivities(const double* g_la, double g_w, double g_h, bool absent,
                                    double* d_totals, double* d_toth) const {
  // q = g . x with x = (la, I, la_w, la_h). The converged state satisfies F(x) = inputs, with the
  // mass balance of element c equal to its total (and, in free-pH mode, the proton balance equal to
  // TOTH), so J dx = d inputs and dq/d input_c = (J^-T g)_c.
  const bool free_ph = last_mode_ == Mode::FreePH;
  if (d_toth != nullptr) *d_toth = 0.0;
  if (absent) {
    for (std::size_t i = 0; i < ne_; ++i) d_totals[i] = 0.0;
    return;
  }
  if (!input_jacobian_fresh_) {
    const Mode mode = free_ph ? Mode::FreePH : Mode::FixedPH;
    compute_jacobian(mode, last_adjusted_, input_jacobian_);
    input_lu_.compute(input_jacobian_.transpose());
    input_jacobian_fresh_ = true;
  }
  for (std::size_t i = 0; i < ne_; ++i) sens_rhs_(ix(i)) = inactive_(ix(i)) ? 0.0 : g_la[i];
  sens_rhs_(ix(ne_)) = 0.0;
  sens_rhs_(ix(ne_ + 1)) = g_w;
  sens_rhs_(ix(ne_ + 2)) = free_ph ? g_h : 0.0;
  sens_sol_.noalias() = input_lu_.solve(sens_rhs_);
  for (std::size_t i = 0; i < ne_; ++i) d_totals[i] = inactive_(ix(i)) ? 0.0 : sens_sol_(ix(i));
  if (d_toth != nullptr && free_ph) *d_toth = sens_sol_(ix(ne_ + 2));
}

void Speciator::reaction_sensitivities(const std::vector<std::pair<std::size_t, double>>& terms,
                                       double water, double h_plus, double* d_totals,
                                       double* d_toth) const {
  double* g = sens_coef_.data();
  for (std::size_t i = 0; i < ne_; ++i) g[i] = 0.0;
  bool absent = false;
  for (const auto& [k, c] : terms) {
    g[k] += c;
    if (inactive_(ix(k))) absent = true;
  }
  input_sensitivities(g, water, h_plus, absent, d_totals, d_toth);
}

void Speciator::dsi_dinputs(std::size_t phase, double* d_totals, double* d_toth) const {
  const auto& r = system_->phase_rows()[phase];
  reaction_sensitivities(r.terms, r.water, r.h_plus, d_totals, d_toth);
}

void Speciator::dlog_activity_dinputs(std::size_t species, double* d_totals, double* d_toth) const {
  // log10 a_j = log K_j + sum_i nu_ij la_i + nu_H la_H + nu_W la_W (the activity coefficient
  // cancels).
  const auto& r = system_->species_rows()[species];
  reaction_sensitivities(r.terms, r.water, r.h_plus, d_totals, d_toth);
}

}  // namespace calcikin::thermo
