#pragma once
// MechanisticModel: the Level-2 kinetics (docs/model.md §3) as an OdeSystem.
//
// States (scaled so that every state is O(1) at full conversion and one absolute tolerance fits
// all):
//   y[0] = n_ACP / n_ref          ACP amount (formula units Ca3(PO4)2, Mg replacing Ca), mol/kg
//   y[1] = n_Mg,ACP / n_ref       Mg held in the ACP, mol/kg
//   y[2 + 4c + k] = mu_k,c / (mu0_ref,c L_ref^k), k = 0..3, for every crystalline phase c (HAP, WH,
//   OCP)
// Dissolved totals are not states: they are the conserved element totals minus the solids (plus the
// optional zero-order phosphate source), so Ca, Mg, P (and H) are conserved exactly by
// construction. The speciation (SolutionChemistry) is solved inside every right-hand side. The
// Jacobian is exact: the rate laws are templates evaluated with dual numbers, chained through the
// chemistry's sensitivities d(SI, log a)/d(totals).
#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include "models/kinetics/kinetic_parameters.hpp"
#include "models/kinetics/observation.hpp"
#include "models/kinetics/solution_chemistry.hpp"
#include "solver/ode/ode_system.hpp"

namespace calcikin::kinetics {

inline constexpr std::size_t kMaxStates = 2 + 4 * kMaxCrystals;

enum class CrystalKind { HAP, WH, OCP, DCPD, Newberyite };

// Names of the kinetic phases as the database and scenarios spell them (ACP first), the kind of a
// crystalline phase by name (std::invalid_argument for another name) and the name of a kind.
const std::vector<std::string>& kinetic_phase_names();
CrystalKind crystal_kind(const std::string& name);
const char* crystal_name(CrystalKind kind);

struct CrystalSetup {
  CrystalKind kind = CrystalKind::HAP;
  std::size_t chemistry_phase = 0;  // index into the SolutionChemistry's phases
  double seed_amount = 0.0;         // mol/kg of pre-formed crystals (monodisperse seeds), 0 = none
  double seed_radius = 25e-9;       // m
};

// What the rate laws read of the kinetic parameters: the parameters with the Arrhenius factors
// applied, and per crystal (in the model's crystal order) its parameters and the constants the
// set-up derives from them. T = double for a run; a dual number for the exact d f / d p of the
// forward sensitivities (MechanisticModel::constants on seeded parameters).
template <class T>
struct MechanisticConstants {
  BasicKineticParameters<T> p;
  std::array<BasicCrystalParameters<T>, kMaxCrystals> crystal{};
  std::array<T, kMaxCrystals> barrier0{};  // 16 pi gamma0^3 v^2 / (3 (kB T)^3), zero Mg coverage
  std::array<T, kMaxCrystals> contact{};   // f(theta_c)
};

struct MechanisticSetup {
  double temperature = 310.15;                      // K
  std::array<double, kComponentCount> dissolved{};  // mol/kg at t = 0 (after any ACP pre-formation)
  std::size_t acp_phase = 0;                        // chemistry index of ACP
  double acp_amount = 0.0;                          // mol/kg at t = 0
  double acp_radius = 25e-9;                        // m at t = 0 (fixes the particle number)
  double acp_mg_fraction = 0.0;                     // x_Mg of the initial ACP
  std::vector<CrystalSetup> crystals;               // at most kMaxCrystals
  KineticParameters parameters;
  double atol_scale = 1e-10;  // absolute tolerance of the scaled states
};

class MechanisticModel final : public KineticsModel {
 public:
  // The chemistry must outlive the model. Throws std::invalid_argument on an inconsistent setup.
  MechanisticModel(SolutionChemistry& chemistry, const MechanisticSetup& setup);

  std::size_t size() const noexcept override { return n_states_; }
  void rhs(double t, const double* y, double* ydot) override;
  const char* outdated_jacobian() const noexcept override { return outdated_; }
  bool has_jacobian() const noexcept override { return true; }
  void jacobian(double t, const double* y, const double* ydot, ode::DenseMatrixView J) override;
  std::size_t root_count() const noexcept override { return stop_when_steady_ ? 3 : 2; }
  void roots(double t, const double* y, double* g) override;
  void absolute_tolerances(double* atol) const override;
  std::string state_name(std::size_t i) const override;

  // Initial state (scaled), size().
  void initial_state(double* y0) const override;
  // Outputs at (t, y): solves the speciation once.
  void observe(double t, const double* y, Observation& out) override;
  // Outputs without the speciation solve (no chemistry: SI, pH, log10 a(Ca) are NaN).
  void observe_amounts(double t, const double* y, Observation& out) override;
  // Conserved element totals (dissolved + solids at t = 0), mol/kg.
  const std::array<double, kComponentCount>& element_totals() const noexcept override {
    return element_totals_;
  }

  // Optional third root: max |dy/dt| (scaled states, 1/s) falls below `tolerance`.
  void set_steady_stop(bool on, double tolerance) noexcept {
    stop_when_steady_ = on;
    steady_tolerance_ = tolerance;
  }
  std::size_t crystal_count() const noexcept { return crystals_.size(); }
  // Scales of the states (for cross-checks): n_ref (mol/kg), ACP particles (1/kg), L_ref (m), and
  // mu0_ref of crystal c (1/kg).
  double amount_scale() const noexcept { return n_ref_; }
  double acp_particles() const noexcept { return acp_particles_; }
  double length_scale() const noexcept { return l_ref_; }
  double crystal_number_scale(std::size_t c) const { return crystals_.at(c).mu0_ref; }
  const SolutionChemistry& chemistry() const noexcept { return chemistry_; }

  // Template core (public for tests): dissolved totals from states, and the rates at (t, y) given
  // the chemistry quantities q = [SI of each chemistry phase..., log10 a_Ca, log10 a_Mg] (the
  // rates read the dissolved totals of (t, y) too: the transport limit).
  template <class S>
  void dissolved_totals(double t, const S* y, S* totals) const;
  template <class S>
  void rates(double t, const S* y, const S* q, S* ydot) const;
  template <class S>
  void chemistry_totals(double t, const S* y, S* totals) const;
  // The same with the rate constants `k` (e.g. duals seeded along kinetic parameters).
  template <class S, class T>
  void dissolved_totals_with(double t, const S* y, S* totals,
                             const MechanisticConstants<T>& k) const;
  template <class S, class T>
  void rates_with(double t, const S* y, const S* q, S* ydot,
                  const MechanisticConstants<T>& k) const;
  template <class S, class T>
  void chemistry_totals_with(double t, const S* y, S* totals,
                             const MechanisticConstants<T>& k) const;
  // The rate constants of this model's set-up (temperature, crystals) from kinetic parameters
  // `raw` (as a scenario gives them, before the Arrhenius factors); constants(parameters()) is
  // what the model runs with.
  template <class T>
  MechanisticConstants<T> constants(const BasicKineticParameters<T>& raw) const;
  const KineticParameters& parameters() const noexcept { return raw_; }
  // Whether d f / d p of kinetic parameter `slot` (KineticParameters::at) at fixed states is
  // rates_with on constants() of duals seeded along it. Not for the moment length scale (it
  // defines the scaled states, so it changes the initial state and the meaning of y).
  static bool exact_parameter(std::size_t slot) noexcept;

 private:
  struct Crystal {
    CrystalKind kind = CrystalKind::HAP;
    std::size_t phase = 0;      // chemistry index
    double molar_volume = 0.0;  // m3/mol
    double ion_count = 0.0;
    double volume_per_unit = 0.0;  // m3 per formula unit (v = V_m / N_A)
    double mu0_ref = 0.0;          // 1/kg
    std::array<double, kComponentCount> stoich{};
  };

  friend class MechanisticDirectional;  // forward sensitivities (mechanistic_directional.hpp)
  void evaluate_chemistry(double t, const double* y);
  // The right-hand side without rhs()'s checks of the Jacobian's validity.
  void evaluate_rhs(double t, const double* y, double* ydot);
  // Exact Jacobian with dual numbers of width N >= size() (the narrowest width that fits is used).
  template <std::size_t N>
  void jacobian_with(double t, const double* y, ode::DenseMatrixView J);
  // The total of element k (Ca, Mg, P) the speciation sees for the dissolved total x: its smooth
  // positive part, 0 for an element the system does not contain.
  template <class S>
  S chemistry_total(std::size_t k, const S& x) const;
  // Bit k set: the dissolved total of conserved element k (Ca, Mg, P) is below zero at (t, y).
  int negative_totals(double t, const double* y) const;

  SolutionChemistry& chemistry_;
  KineticParameters raw_;  // as given (before the Arrhenius factors)
  double temperature_;     // K
  double kT_;
  std::size_t acp_phase_;
  PhaseChemistry acp_;
  double acp_particles_;   // 1/kg (constant)
  double n_ref_;           // mol/kg
  double solid_p0_ = 0.0;  // mol/kg, phosphate in the solid at t = 0 (ACP and seeds)
  double l_ref_;           // m
  double atol_scale_;
  std::vector<Crystal> crystals_;
  MechanisticConstants<double> k_;        // constants(raw_)
  std::size_t ocp_index_ = kMaxCrystals;  // crystal index of OCP (the substrate of HAP), or none
  std::size_t hap_index_ = kMaxCrystals;  // crystal index of HAP (a substrate of WH), or none
  std::size_t n_states_;
  std::size_t n_quantities_;
  std::array<double, kComponentCount> element_totals_{};
  std::array<double, kMaxStates> y0_{};
  bool stop_when_steady_ = false;
  double steady_tolerance_ = 0.0;

  // Workspace (no allocation in rhs/jacobian).
  std::array<double, kComponentCount> totals_{};
  ChemistryResult chem_;
  bool chem_valid_ = false;
  // negative_totals() where the Jacobian was last evaluated; -1: none yet in this trajectory. When
  // a dissolved total crosses zero the chemistry's feedback on the rates vanishes (the element is
  // exhausted: the saturation indices of its phases stop depending on the states), so a Jacobian
  // from the other side is wrong by orders of magnitude; see rhs().
  mutable int jacobian_negative_totals_ = -1;
  int rhs_calls_since_jacobian_ = 0;
  // Bit c set: crystal c shrinks (growth rate < 0: the self-similar moment equations) in the last
  // rates() evaluation, and where the Jacobian was last evaluated. A Jacobian of the other branch
  // is as wrong as one from the other side of a zero total; see rhs().
  mutable int rates_shrinking_ = 0;
  int jacobian_shrinking_ = 0;
  const char* outdated_ = nullptr;  // the last rhs()'s finding on the Jacobian (see rhs())
  std::array<double, (kMaxPhases + 2) * kComponentCount> dq_dtotals_{};
  std::array<double, kMaxStates> ydot_work_{};
};

}  // namespace calcikin::kinetics
