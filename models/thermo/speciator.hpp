#pragma once
// Aqueous speciation and saturation indices for one ChemicalSystem. One Speciator per thread: it
// owns every workspace, sized in the constructor, so solve_*() allocate nothing.
//
// Unknowns: log10 activity of each component's master species, ionic strength I, log10 a_w
// (and log10 a_H+ in free-pH mode). Equations: mass balances, I = 1/2 sum z^2 m,
// a_w = 1 - 0.017 sum m (PHREEQC), and either fixed pH, charge balance, or the proton balance.
// Newton's method with the analytic Jacobian (activity-coefficient derivatives included), steps
// limited to 2 log units, warm start from the previous solution.
//
// TOTH (proton balance, solve_free_pH): the excess of protons relative to the component master
// species and H2O,   TOTH = sum_j nu_H,j m_j   over all aqueous species j, where nu_H,j is the
// coefficient of H+ in the formation reaction of j from the master species (H+: +1, OH-: -1,
// HPO4-2: +1 when PO4-3 is the master, H2PO4-: +2, CaHPO4: +1, CO2: +2, ...). It is conserved by
// every aqueous reaction; dissolving one formula unit of a phase adds phase_proton_coefficient().
#include <cstddef>
#include <memory>

#include <Eigen/Dense>

#include "models/thermo/chemical_system.hpp"

namespace calcikin::thermo {

struct SpeciationStatus {
  bool converged = false;
  int iterations = 0;
  double residual = 0.0;  // largest scaled residual reached
};

struct SpeciatorOptions {
  int max_iterations = 200;
  double tolerance = 1e-13;   // on relative mass-balance residuals and the I and a_w equations
  double max_step = 2.0;      // largest change of a log10 activity per Newton step
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
  void reset_initial_guess() { have_guess_ = false; }

  // totals_molal: mol/kg water per element of the system (system().element_name order). Totals below
  // 1e-200 mol/kg count as zero (the element is absent: its phases get SI = -infinity).
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
  double molality(std::size_t species) const { return molality_(static_cast<Eigen::Index>(species)); }
  double log10_activity(std::size_t species) const;
  double log10_gamma(std::size_t species) const { return log_gamma_(static_cast<Eigen::Index>(species)); }
  double log10_iap(std::size_t phase) const;
  double log10_k(std::size_t phase) const;
  double saturation_index(std::size_t phase) const;  // log10(IAP/K); -inf when an element is absent
  // Driving force per formula unit: ln Omega = SI ln 10; S = Omega^(1/nu).
  double ln_omega(std::size_t phase) const;
  double mean_ion_saturation_ratio(std::size_t phase) const;
  double total_h() const;  // TOTH of the current solution
  double charge_balance() const;  // sum z m (mol/kg)
  // d SI(phase) / d total(element) at fixed pH, for every element (out has num_elements entries),
  // from the Newton matrix at the converged state (1/(mol/kg)).
  void dsi_dtotals(std::size_t phase, double* out) const;
  const SpeciationStatus& last_status() const { return status_; }

 private:
  enum class Mode { FixedPH, ChargeBalance, FreePH };
  SpeciationStatus solve(Mode mode, const double* totals, double pH_or_toth, std::size_t adjusted);
  void initial_guess(Mode mode, std::size_t adjusted);
  void update_k_powers();
  void predict_from_previous(Mode mode, const double* totals, double pH_or_toth, std::size_t adjusted);
  void compute_gammas(double I);
  void compute_species();
  void compute_residuals(Mode mode, std::size_t adjusted);
  void compute_jacobian(Mode mode, std::size_t adjusted, Eigen::MatrixXd& J) const;
  double scaled_residual_norm() const;

  std::shared_ptr<const ChemicalSystem> system_;
  SpeciatorOptions options_;
  std::size_t ne_ = 0, ns_ = 0, np_ = 0, nu_ = 0;  // elements, species, phases, unknowns

  double temperature_ = 0.0;
  double dh_a_ = 0.0, dh_b_ = 0.0;
  double llnl_a_ = 0.0, llnl_b_ = 0.0, llnl_bdot_ = 0.0, llnl_co2_[2] = {0.0, 0.0};
  Eigen::VectorXd species_log_k_, species_log_k_offset_, phase_log_k_, phase_log_k_offset_;

  // state
  Eigen::VectorXd la_;     // log10 activity of each element's master species
  double la_h_ = -7.0;     // log10 a_H+
  double la_w_ = 0.0;      // log10 a_w
  double ionic_strength_ = 0.0;
  Eigen::VectorXd totals_, guess_totals_;
  double target_toth_ = 0.0;
  bool have_guess_ = false;
  mutable bool jacobian_fresh_ = false;
  SpeciationStatus status_;

  // workspaces
  Eigen::VectorXd log_gamma_, dlog_gamma_dI_, log_molality_, molality_;
  Eigen::VectorXd residual_, scale_, delta_, x_save_;
  Eigen::MatrixXd jacobian_;
  mutable Eigen::MatrixXd sens_jacobian_;
  mutable Eigen::PartialPivLU<Eigen::MatrixXd> sens_lu_;
  mutable Eigen::VectorXd sens_rhs_, sens_sol_;
  Eigen::VectorXi inactive_;  // 1 for elements with zero total
  // fast evaluation of molalities (compute_species)
  Eigen::VectorXd activity_;           // 10^la per element
  Eigen::VectorXd k_power_;            // 10^(log K + offset) per species
  Eigen::VectorXi integer_coefficients_;
  Eigen::VectorXi gamma_class_;        // species -> class of identical activity-coefficient rules
  Eigen::VectorXi class_representative_;
  Eigen::VectorXd class_log_gamma_, class_dlog_gamma_, gamma_factor_;
};

}  // namespace calcikin::thermo
