#pragma once
// KineticParameters: the values of every catalogue parameter for one run, SI. Built from the
// builtin catalogue's defaults, then scenario overrides (kinetics.parameters) and swept values are
// applied by name. The binding table (kinetic_parameters.cpp) maps each catalogue name to its
// field; a test checks that the table and models/data/kinetics_parameters.yaml list exactly the
// same names.
#include <cstddef>
#include <string>
#include <vector>

namespace calcikin::kinetics {

// One crystalline phase (HAP, WH, OCP, DCPD = brushite, newberyite): nucleation (CNT), growth,
// dissolution, Mg inhibition.
struct CrystalParameters {
  double interfacial_energy = 0.0;            // J/m2, effective nucleation gamma (gamma_eff)
  double heterogeneous_prefactor = 0.0;       // 1/(m2 s), per m2 of ACP surface
  double contact_angle = 0.0;                 // rad, on ACP (f(theta_c) reduces the barrier)
  double homogeneous_prefactor = 0.0;         // 1/(m3 s), per m3 of water
  double secondary_prefactor = 0.0;           // 1/(m2 s), per m2 of the phase's own surface
  double secondary_barrier_ratio = 0.0;       // B_sec / B
  double mg_interfacial_energy_factor = 0.0;  // kappa_gamma: gamma_eff (1 + kappa theta_Mg)
  double growth_rate_constant = 0.0;          // mol/(m2 s)
  double growth_order = 0.0;                  // n in sigma^n
  double dissolution_rate_constant = 0.0;     // mol/(m2 s), first order in |sigma|
  double mg_langmuir_constant = 0.0;          // m3/mol, Mg2+ (activity x c0) on growth sites
  double mg_effectiveness = 0.0;              // alpha_KM,ref (Kubota-Mullin) at sigma_ref
  double ca_langmuir_constant = 0.0;          // m3/mol, Ca2+ competing for the same sites (K_Ca)
  double mg_reference_supersaturation = 0.0;  // sigma_ref: alpha(sigma) = alpha_ref sigma_ref/sigma
  double mg_lattice_coverage = 0.0;           // theta*: Mg coverage taken up as lattice constituent
  double mg_mismatch = 0.0;  // beta_s: Mg mismatch work of nucleation on ACP, kT per unit (x-y)^2
  double mg_composition_optimum =
      0.0;  // y_WH (Mg/(Ca+Mg) of WH); x*: WH only (Mg/(Ca+Mg) of ACP where WH nucleates best)
  double ocp_substrate_prefactor = 0.0;  // 1/(m2 s), per m2 of OCP surface (HAP only: OCP -> HAP)
  double substrate_prefactor = 0.0;      // 1/(m2 s), per m2 of foreign substrate (substrate.area)
  double hap_substrate_prefactor = 0.0;  // 1/(m2 s), per m2 of HAP surface (WH only: WH on HAP)
};

struct KineticParameters {
  // ACP pool
  double acp_rate_constant = 0.0;                // mol/(m2 s)
  double acp_mg_distribution = 0.0;              // D_Mg
  double acp_mg_incorporation_inhibition = 0.0;  // lambda_inc
  double acp_mg_adsorption_inhibition = 0.0;     // alpha_ads
  double acp_mg_langmuir_constant = 0.0;         // m3/mol
  double acp_ca_langmuir_constant = 0.0;         // m3/mol, Ca2+ competing with Mg2+ on ACP
  double acp_mg_exchange_rate = 0.0;  // mol/(m2 s), k_ex of the Mg/Ca exchange of standing ACP
  double acp_composition_switch_width = 0.0;  // width of the growth/dissolution blend in S_ACP - 1

  CrystalParameters hap, wh, ocp, dcpd, newberyite;

  // Protein inhibitor with a finite capacity (fetuin-A-like; fetuin-A sets the T50 of serum,
  // Pasch et al. 2012): a total amount binds (Langmuir, with its own mass balance) to the mineral
  // surface; the covered fraction blocks heterogeneous nucleation on ACP and, optionally, crystal
  // growth.
  double inhibitor_amount = 0.0;            // mol/kg, total protein (0 = protein-free medium)
  double inhibitor_footprint = 0.0;         // m2 of mineral surface covered per bound molecule
  double inhibitor_binding_constant = 0.0;  // m3/mol, Langmuir constant of the free protein
  double inhibitor_nucleation_effectiveness =
      0.0;  // share of the nucleation sites a bound molecule blocks
  double inhibitor_growth_effectiveness = 0.0;  // same for growth and secondary-nucleation sites

  // temperature (Arrhenius factors exp(-E_a/R (1/T - 1/T_ref)) on the kinetic prefactors)
  double reference_temperature = 0.0;         // K, where the prefactors hold
  double growth_activation_energy = 0.0;      // J/mol: k_g, k_d of every crystal
  double acp_activation_energy = 0.0;         // J/mol: k_ACP, k_ex
  double nucleation_activation_energy = 0.0;  // J/mol: A_het, A_hom, k_sec

  // foreign substrate (vessel walls, dust: the heterogeneous nucleation of Cheng et al. 1988 where
  // no ACP forms); each crystalline phase nucleates on it with its own A_sub and contact angle
  double substrate_area = 0.0;  // m2 per kg of water

  // growth at high supersaturation
  double supersaturation_cap = 0.0;  // sigma_max (smooth cap; growth.supersaturation_cap)
  // numerics of the rate laws
  double cap_sharpness = 0.0;           // p of the soft cap sigma / (1 + (sigma/sigma_max)^p)^(1/p)
  double rate_smoothing = 0.0;          // sigma_s of the C1 blend at sigma = 0
  double minimum_nucleus_radius = 0.0;  // m
  double moment_length_scale = 0.0;     // m, L_ref of the scaled moments
  double vanishing_amount = 0.0;        // mol/kg, regularisation of the ACP area at n -> 0
  double acp_tail_amount = 0.0;         // mol/kg, A ~ n below it (exponential extinction)

  // sources and events
  double phosphate_source_rate =
      0.0;  // mol/(kg s), zero-order Pi release (ALP on beta-glycerophosphate)
  double induction_fraction = 0.0;        // crystalline fraction that defines the induction time
  double half_conversion_fraction = 0.0;  // crystalline fraction that defines T50

  // Level 1 (autocatalytic)
  double auto_k0 = 0.0;        // 1/s
  double auto_k1 = 0.0;        // 1/s
  double auto_ph_slope = 0.0;  // beta_pH
  double auto_reference_pH = 0.0;
  double auto_mg_langmuir_constant = 0.0;  // m3/mol
  double auto_mg_effectiveness = 0.0;

  // All catalogue defaults.
  static KineticParameters defaults();

  // Sets one parameter by catalogue name (SI value). Returns false for an unknown name.
  bool set(const std::string& name, double value) noexcept;
  // Reads one parameter by name; NaN for an unknown name.
  double get(const std::string& name) const noexcept;

  // "HAP" | "WH" | "OCP" | "DCPD" | "newberyite"
  const CrystalParameters& crystal(const std::string& phase) const;

  // Binding by index (what a sweep point or a fit applies, with no string look-up): slot_of(name)
  // once, then at(slot). Slots run from 0 to slot_count() - 1 over every bound name.
  static int slot_of(const std::string& name) noexcept;  // -1 for an unknown name
  static std::size_t slot_count() noexcept;
  double& at(std::size_t slot) noexcept;
  double at(std::size_t slot) const noexcept;
};

// Names bound to fields (for the catalogue-consistency test and documentation).
std::vector<std::string> bound_parameter_names();

// Standard concentration that turns a dimensionless activity into the concentration a Langmuir
// constant in m3/mol multiplies: c0 = 1 mol/kg x 1 kg/L = 1000 mol/m3.
inline constexpr double kStandardConcentration = 1000.0;  // mol/m3

}  // namespace calcikin::kinetics
