#pragma once
// Aqueous speciation and saturation indices for one ChemicalSystem. One Speciator per thread: it
// owns every workspace, sized in the constructor, so solve_*() allocate nothing.
//
// Unknowns: log10 activity of each component's master species, ionic strength I, log10 a_w
// (and log10 a_H+ in free-pH mode). Equations: mass balances, I = 1/2 sum z^2 m,
// a_w = 1 - 0.017 sum m (PHREEQC), and either fixed pH, charge balance, or the proton balance.
// Newton's method with the analytic Jacobian (activity-coefficient derivatives included), steps
// limited to 2 log units, warm start from the previous solution: after a solve at the same pH (or
// in free-pH mode), a linear prediction with the last factorised Newton matrix, x += J^-1
// d(inputs), with each total's change taken in log space, T ln(T_new/T): exact for an element held
// in species linear in its master activity, where T_new - T is off by (dT/T)^2/2 (along a T50
// trajectory the first residual falls from ~1e-4 to ~1e-6, residual evaluations per solve 2.4
// -> 2.15); otherwise a per-element prediction from the change of each total and of the pH.
//
// TOTH (proton balance, solve_free_pH): the excess of protons relative to the component master
// species and H2O,   TOTH = sum_j nu_H,j m_j   over all aqueous species j, where nu_H,j is the
// coefficient of H+ in the formation reaction of j from the master species (H+: +1, OH-: -1,
// HPO4-2: +1 when PO4-3 is the master, H2PO4-: +2, CaHPO4: +1, CO2: +2, ...). It is conserved by
// every aqueous reaction; dissolving one formula unit of a phase adds phase_proton_coefficient().
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include <Eigen/Dense>

#include "models/thermo/chemical_system.hpp"
#include "models/thermo/speciation_status.hpp"

namespace calcikin::thermo {

struct SpeciatorOptions {
  int max_iterations = 200;
  double tolerance = 1e-13;  // on relative mass-balance residuals and the I and a_w equations
  double max_step = 2.0;     // largest change of a log10 activity per Newton step
};

class Speciator {
 public:
  explicit Speciator(std::shared_ptr<const ChemicalSystem> system, SpeciatorOptions options = {});

  const ChemicalSystem& system() const { return *system_; }
  const std::shared_ptr<const ChemicalSystem>& system_ptr() const { return system_; }

  // Updates log K(T) of all species and phases and A(T), B(T). Throws std::out_of_range outside
  // the database's temperature range.
  void set_temperature(double kelvin);
  double temperature() const { return temperature_; }
  // log10 K of phase = database value + offset (e.g. the Mg-whitlockite stabilisation parameter).
  void set_phase_log_k_offset(std::size_t phase, double delta_log10_k);
  // log10 K (formation) of an aqueous species = database value + offset (e.g. NaHPO4-, W1).
  void set_species_log_k_offset(std::size_t species, double delta_log10_k);
  // Forget the previous solution: the next solve starts from the built-in initial guess.
  void reset_initial_guess() {
    have_guess_ = false;
    lu_valid_ = false;
  }

  // totals_molal: mol/kg water per element of the system (system().element_name order). Totals
  // below 1e-200 mol/kg count as zero (the element is absent: its phases get SI = -infinity).
  SpeciationStatus solve_fixed_pH(const double* totals_molal, double pH);
  // Like solve_fixed_pH, but the total of `adjusted_element` is replaced by the value that makes
  // the solution electrically neutral (PHREEQC's `charge` keyword); it is returned in
  // *adjusted_total. Fails (converged = false) when no positive total can balance the charge.
  SpeciationStatus solve_charge_balance(const double* totals_molal, double pH,
                                        std::size_t adjusted_element, double* adjusted_total);
  // pH from the proton balance TOTH = total_h (see above).
  SpeciationStatus solve_free_pH(const double* totals_molal, double total_h);

  // ---- results of the last solve
  double pH() const;
  double ionic_strength() const { return ionic_strength_; }
  double activity_water() const;
  double molality(std::size_t species) const {
    return molality_(static_cast<Eigen::Index>(species));
  }
  double log10_activity(std::size_t species) const;
  double log10_gamma(std::size_t species) const {
    return class_log_gamma_(gamma_class_(static_cast<Eigen::Index>(species)));
  }
  double log10_iap(std::size_t phase) const;
  double log10_k(std::size_t phase) const;
  double saturation_index(std::size_t phase) const;  // log10(IAP/K); -inf when an element is absent
  // Driving force per formula unit: ln Omega = SI ln 10; S = Omega^(1/nu).
  double ln_omega(std::size_t phase) const;
  double mean_ion_saturation_ratio(std::size_t phase) const;
  double total_h() const;         // TOTH of the current solution
  double charge_balance() const;  // sum z m (mol/kg)
  // d SI(phase) / d total(element) at fixed pH, for every element (out has num_elements entries),
  // from the Newton matrix at the converged state (1/(mol/kg)).
  void dsi_dtotals(std::size_t phase, double* out) const;
  // Derivatives of the last solve's results with respect to its inputs, from the Newton matrix at
  // the converged state (one LU per solve, no extra speciation): d q / d total(element) for every
  // element (d_totals: num_elements entries; 0 for absent elements) and d q / d TOTH (*d_toth; 0
  // unless the last solve was solve_free_pH). The pH is held fixed after solve_fixed_pH and
  // solve_charge_balance (with the adjusted total held too), and follows the proton balance after
  // solve_free_pH.
  void dsi_dinputs(std::size_t phase, double* d_totals, double* d_toth) const;
  void dlog_activity_dinputs(std::size_t species, double* d_totals, double* d_toth) const;
  const SpeciationStatus& last_status() const { return status_; }

 private:
  enum class Mode { FixedPH, ChargeBalance, FreePH };
  SpeciationStatus solve(Mode mode, const double* totals, double pH_or_toth, std::size_t adjusted);
  void initial_guess(Mode mode, std::size_t adjusted);
  void update_k_powers();
  void predict_from_previous(Mode mode, const double* totals, double pH_or_toth,
                             std::size_t adjusted);
  bool linear_prediction_possible(Mode mode, double pH_or_toth, std::size_t adjusted) const;
  void predict_linear(Mode mode, const double* totals, double pH_or_toth);
  void apply_step(Mode mode);  // x += delta_, limited to max_step
  void compute_gammas(double I);
  void compute_species();
  void compute_residuals(Mode mode, std::size_t adjusted);
  void compute_jacobian(Mode mode, std::size_t adjusted, Eigen::MatrixXd& J) const;
  double scaled_residual_norm() const;
  void build_flat_tables();
  void build_jacobian_tables();
  // Solves J^T y = g with J the Newton matrix of the last solve's mode at the converged state; g is
  // given by its element part (g_la, ne entries), its a_w part and its a_H+ part.
  // d(sum_i nu_i la_i + nu_W la_W + nu_H la_H)/d(inputs) for a reaction (phase or species).
  void reaction_sensitivities(const std::vector<std::pair<std::size_t, double>>& terms,
                              double water, double h_plus, double* d_totals, double* d_toth) const;
  void input_sensitivities(const double* g_la, double g_w, double g_h, bool absent,
                           double* d_totals, double* d_toth) const;

  std::shared_ptr<const ChemicalSystem> system_;
  SpeciatorOptions options_;
  std::size_t ne_ = 0, ns_ = 0, np_ = 0, nu_ = 0;  // elements, species, phases, unknowns

  double temperature_ = 0.0;
  double dh_a_ = 0.0, dh_b_ = 0.0;
  double llnl_a_ = 0.0, llnl_b_ = 0.0, llnl_bdot_ = 0.0, llnl_co2_[2] = {0.0, 0.0};
  Eigen::VectorXd species_log_k_, species_log_k_offset_, phase_log_k_, phase_log_k_offset_;

  // state
  Eigen::VectorXd la_;  // log10 activity of each element's master species
  double la_h_ = -7.0;  // log10 a_H+
  double la_w_ = 0.0;   // log10 a_w
  double ionic_strength_ = 0.0;
  Eigen::VectorXd totals_, guess_totals_;
  double target_toth_ = 0.0;
  bool have_guess_ = false;
  mutable bool jacobian_fresh_ = false;
  mutable bool input_jacobian_fresh_ = false;  // input_lu_ factors the last solve's Newton matrix
  Mode last_mode_ = Mode::FixedPH;
  std::size_t last_adjusted_ = 0;
  SpeciationStatus status_;

  // workspaces
  Eigen::VectorXd molality_;
  Eigen::VectorXd residual_, scale_, delta_;
  // jacobian_ holds the LU factors of the last Newton matrix (rows scaled by lu_inv_scale_): the
  // next solve starts from the linear prediction x + J^-1 (new inputs - old inputs)
  // (predict_linear).
  Eigen::MatrixXd jacobian_;
  Eigen::VectorXi lu_pivot_;
  Eigen::VectorXd lu_inv_diag_;  // reciprocals of U's diagonal (lu_factor)
  Eigen::Index lu_size_ = 0;  // size of the factorised leading block (nu_, or nu_ - 1 at fixed pH)
  Eigen::VectorXd lu_inv_scale_;
  bool lu_valid_ = false;
  Mode lu_mode_ = Mode::FixedPH;
  std::size_t lu_adjusted_ = 0;
  mutable Eigen::MatrixXd sens_jacobian_;
  mutable Eigen::PartialPivLU<Eigen::MatrixXd> sens_lu_;
  mutable Eigen::VectorXd sens_rhs_, sens_sol_, sens_coef_;
  mutable Eigen::MatrixXd input_jacobian_;
  mutable Eigen::PartialPivLU<Eigen::MatrixXd> input_lu_;
  Eigen::VectorXi inactive_;  // 1 for elements with zero total
  // fast evaluation of molalities (compute_species)
  Eigen::VectorXd activity_;  // 10^la per element
  Eigen::VectorXd k_power_;   // 10^(log K + offset) per species
  Eigen::VectorXi integer_coefficients_;
  Eigen::VectorXi gamma_class_;  // species -> class of identical activity-coefficient rules
  Eigen::VectorXi class_representative_;
  Eigen::VectorXd class_log_gamma_, class_dlog_gamma_, gamma_factor_;
  // The species rows flattened into contiguous arrays (compressed rows over the elements) so that
  // the per-iteration loops read memory in order instead of one small vector per species.
  Eigen::VectorXi term_start_, term_element_, term_power_;  // formation terms; integer powers
  Eigen::VectorXd term_coef_;
  Eigen::VectorXi balance_start_, balance_element_;  // mass-balance entries
  Eigen::VectorXd balance_coef_;
  Eigen::VectorXd sp_charge_, sp_h_plus_, sp_water_, sp_log_k_;  // sp_log_k_: log K + offset
  Eigen::VectorXi sp_h_power_, sp_w_power_, sp_power_path_;  // sp_power_path_: integer path usable
  int h_power_min_ = 0, w_power_min_ = 0;
  Eigen::VectorXd h_power_table_,
      w_power_table_;  // a_H+^k, a_w^k for k from the minimum exponent on
  // Newton matrix as a sum over species of m_j ln10 times constant entries (row coefficient x
  // column coefficient, at column-major positions), one table for fixed pH [0] and one for free pH
  // [1]; the ionic-strength column (times -dlog gamma_j/dI) separately. See compute_jacobian.
  Eigen::VectorXi jac_start_[2], jac_index_[2], jac_i_start_[2], jac_i_index_[2];
  Eigen::VectorXd jac_coef_[2], jac_i_coef_[2];
};

}  // namespace calcikin::thermo
