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
// dissolution, Mg inhibition. A template on the scalar: double for a run, a dual number where the
// forward sensitivities differentiate the rate laws with respect to the parameters
// (models/kinetics/mechanistic_directional). Every field is a T (for_each_field lists them all).
template <class T>
struct BasicCrystalParameters {
  T interfacial_energy = 0.0;            // J/m2, effective nucleation gamma (gamma_eff)
  T heterogeneous_prefactor = 0.0;       // 1/(m2 s), per m2 of ACP surface
  T contact_angle = 0.0;                 // rad, on ACP (f(theta_c) reduces the barrier)
  T homogeneous_prefactor = 0.0;         // 1/(m3 s), per m3 of water
  T secondary_prefactor = 0.0;           // 1/(m2 s), per m2 of the phase's own surface
  T secondary_barrier_ratio = 0.0;       // B_sec / B
  T mg_interfacial_energy_factor = 0.0;  // kappa_gamma: gamma_eff (1 + kappa theta_Mg)
  T growth_rate_constant = 0.0;          // mol/(m2 s)
  T growth_order = 0.0;                  // n in sigma^n
  T dissolution_rate_constant = 0.0;     // mol/(m2 s), first order in |sigma|
  T mg_langmuir_constant = 0.0;          // m3/mol, Mg2+ (activity x c0) on growth sites
  T mg_effectiveness = 0.0;              // alpha_KM,ref (Kubota-Mullin) at sigma_ref
  T ca_langmuir_constant = 0.0;          // m3/mol, Ca2+ competing for the same sites (K_Ca)
  T mg_reference_supersaturation = 0.0;  // sigma_ref: alpha(sigma) = alpha_ref sigma_ref/sigma
  T mg_lattice_coverage = 0.0;           // theta*: Mg coverage taken up as lattice constituent
  T mg_mismatch = 0.0;  // beta_s: Mg mismatch work of nucleation on ACP, kT per unit (x-y)^2
  T mg_composition_optimum =
      0.0;  // y_WH (Mg/(Ca+Mg) of WH); x*: WH only (Mg/(Ca+Mg) of ACP where WH nucleates best)
  T ocp_substrate_prefactor = 0.0;  // 1/(m2 s), per m2 of OCP surface (HAP only: OCP -> HAP)
  T substrate_prefactor = 0.0;      // 1/(m2 s), per m2 of foreign substrate (substrate.area)
  T hap_substrate_prefactor = 0.0;  // 1/(m2 s), per m2 of HAP surface (WH only: WH on HAP)
};

template <class T>
struct BasicKineticParameters {
  // ACP pool
  T acp_rate_constant = 0.0;                // mol/(m2 s)
  T acp_mg_distribution = 0.0;              // D_Mg
  T acp_mg_incorporation_inhibition = 0.0;  // lambda_inc
  T acp_mg_adsorption_inhibition = 0.0;     // alpha_ads
  T acp_mg_langmuir_constant = 0.0;         // m3/mol
  T acp_ca_langmuir_constant = 0.0;         // m3/mol, Ca2+ competing with Mg2+ on ACP
  T acp_mg_exchange_rate = 0.0;          // mol/(m2 s), k_ex of the Mg/Ca exchange of standing ACP
  T acp_composition_switch_width = 0.0;  // width of the growth/dissolution blend in S_ACP - 1

  BasicCrystalParameters<T> hap, wh, ocp, dcpd, newberyite;

  // Protein inhibitor with a finite capacity (fetuin-A-like; fetuin-A sets the T50 of serum,
  // Pasch et al. 2012): a total amount binds (Langmuir, with its own mass balance) to the mineral
  // surface; the covered fraction blocks heterogeneous nucleation on ACP and, optionally, crystal
  // growth.
  T inhibitor_amount = 0.0;            // mol/kg, total protein (0 = protein-free medium)
  T inhibitor_footprint = 0.0;         // m2 of mineral surface covered per bound molecule
  T inhibitor_binding_constant = 0.0;  // m3/mol, Langmuir constant of the free protein
  T inhibitor_nucleation_effectiveness =
      0.0;                                 // share of the nucleation sites a bound molecule blocks
  T inhibitor_growth_effectiveness = 0.0;  // same for growth and secondary-nucleation sites

  // temperature (Arrhenius factors exp(-E_a/R (1/T - 1/T_ref)) on the kinetic prefactors)
  T reference_temperature = 0.0;         // K, where the prefactors hold
  T growth_activation_energy = 0.0;      // J/mol: k_g, k_d of every crystal
  T acp_activation_energy = 0.0;         // J/mol: k_ACP, k_ex
  T nucleation_activation_energy = 0.0;  // J/mol: A_het, A_hom, k_sec

  // foreign substrate (vessel walls, dust: the heterogeneous nucleation of Cheng et al. 1988 where
  // no ACP forms); each crystalline phase nucleates on it with its own A_sub and contact angle
  T substrate_area = 0.0;  // m2 per kg of water

  // transport of the lattice ions to and from the particles (in series with the surface reaction)
  T diffusion_coefficient = 0.0;  // m2/s, of the dissolved elements (Sherwood number 2)

  // growth at high supersaturation
  T supersaturation_cap = 0.0;  // sigma_max (smooth cap; growth.supersaturation_cap)
  // numerics of the rate laws
  T cap_sharpness = 0.0;           // p of the soft cap sigma / (1 + (sigma/sigma_max)^p)^(1/p)
  T rate_smoothing = 0.0;          // sigma_s of the C1 blend at sigma = 0
  T minimum_nucleus_radius = 0.0;  // m
  T moment_length_scale = 0.0;     // m, L_ref of the scaled moments
  T vanishing_amount = 0.0;        // mol/kg, regularisation of the ACP area at n -> 0
  T acp_tail_amount = 0.0;         // mol/kg, A ~ n below it (exponential extinction)

  // sources and events
  T phosphate_source_rate =
      0.0;                     // mol/(kg s), zero-order Pi release (ALP on beta-glycerophosphate)
  T induction_fraction = 0.0;  // crystalline fraction that defines the induction time
  T half_conversion_fraction = 0.0;  // crystalline fraction that defines T50
  T solid_floor_fraction = 0.0;  // the events' fractions are of >= this share of the initial solid

  // Level 1 (autocatalytic)
  T auto_k0 = 0.0;        // 1/s
  T auto_k1 = 0.0;        // 1/s
  T auto_ph_slope = 0.0;  // beta_pH
  T auto_reference_pH = 0.0;
  T auto_mg_langmuir_constant = 0.0;  // m3/mol
  T auto_mg_effectiveness = 0.0;
};

using CrystalParameters = BasicCrystalParameters<double>;

struct KineticParameters : BasicKineticParameters<double> {
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
  const double& at(std::size_t slot) const noexcept;
};

// Calls f(a.x, b.x) for every field x of two parameter sets (any scalars, const or not), in
// declaration order. A test checks that it visits every field (sizeof of the double sets).
template <class A, class B, class F>
void for_each_crystal_field(A& a, B& b, F&& f) {
  f(a.interfacial_energy, b.interfacial_energy);
  f(a.heterogeneous_prefactor, b.heterogeneous_prefactor);
  f(a.contact_angle, b.contact_angle);
  f(a.homogeneous_prefactor, b.homogeneous_prefactor);
  f(a.secondary_prefactor, b.secondary_prefactor);
  f(a.secondary_barrier_ratio, b.secondary_barrier_ratio);
  f(a.mg_interfacial_energy_factor, b.mg_interfacial_energy_factor);
  f(a.growth_rate_constant, b.growth_rate_constant);
  f(a.growth_order, b.growth_order);
  f(a.dissolution_rate_constant, b.dissolution_rate_constant);
  f(a.mg_langmuir_constant, b.mg_langmuir_constant);
  f(a.mg_effectiveness, b.mg_effectiveness);
  f(a.ca_langmuir_constant, b.ca_langmuir_constant);
  f(a.mg_reference_supersaturation, b.mg_reference_supersaturation);
  f(a.mg_lattice_coverage, b.mg_lattice_coverage);
  f(a.mg_mismatch, b.mg_mismatch);
  f(a.mg_composition_optimum, b.mg_composition_optimum);
  f(a.ocp_substrate_prefactor, b.ocp_substrate_prefactor);
  f(a.substrate_prefactor, b.substrate_prefactor);
  f(a.hap_substrate_prefactor, b.hap_substrate_prefactor);
}
template <class A, class B, class F>
void for_each_field(A& a, B& b, F&& f) {
  f(a.acp_rate_constant, b.acp_rate_constant);
  f(a.acp_mg_distribution, b.acp_mg_distribution);
  f(a.acp_mg_incorporation_inhibition, b.acp_mg_incorporation_inhibition);
  f(a.acp_mg_adsorption_inhibition, b.acp_mg_adsorption_inhibition);
  f(a.acp_mg_langmuir_constant, b.acp_mg_langmuir_constant);
  f(a.acp_ca_langmuir_constant, b.acp_ca_langmuir_constant);
  f(a.acp_mg_exchange_rate, b.acp_mg_exchange_rate);
  f(a.acp_composition_switch_width, b.acp_composition_switch_width);
  for_each_crystal_field(a.hap, b.hap, f);
  for_each_crystal_field(a.wh, b.wh, f);
  for_each_crystal_field(a.ocp, b.ocp, f);
  for_each_crystal_field(a.dcpd, b.dcpd, f);
  for_each_crystal_field(a.newberyite, b.newberyite, f);
  f(a.inhibitor_amount, b.inhibitor_amount);
  f(a.inhibitor_footprint, b.inhibitor_footprint);
  f(a.inhibitor_binding_constant, b.inhibitor_binding_constant);
  f(a.inhibitor_nucleation_effectiveness, b.inhibitor_nucleation_effectiveness);
  f(a.inhibitor_growth_effectiveness, b.inhibitor_growth_effectiveness);
  f(a.reference_temperature, b.reference_temperature);
  f(a.growth_activation_energy, b.growth_activation_energy);
  f(a.acp_activation_energy, b.acp_activation_energy);
  f(a.nucleation_activation_energy, b.nucleation_activation_energy);
  f(a.substrate_area, b.substrate_area);
  f(a.diffusion_coefficient, b.diffusion_coefficient);
  f(a.supersaturation_cap, b.supersaturation_cap);
  f(a.cap_sharpness, b.cap_sharpness);
  f(a.rate_smoothing, b.rate_smoothing);
  f(a.minimum_nucleus_radius, b.minimum_nucleus_radius);
  f(a.moment_length_scale, b.moment_length_scale);
  f(a.vanishing_amount, b.vanishing_amount);
  f(a.acp_tail_amount, b.acp_tail_amount);
  f(a.phosphate_source_rate, b.phosphate_source_rate);
  f(a.induction_fraction, b.induction_fraction);
  f(a.half_conversion_fraction, b.half_conversion_fraction);
  f(a.solid_floor_fraction, b.solid_floor_fraction);
  f(a.auto_k0, b.auto_k0);
  f(a.auto_k1, b.auto_k1);
  f(a.auto_ph_slope, b.auto_ph_slope);
  f(a.auto_reference_pH, b.auto_reference_pH);
  f(a.auto_mg_langmuir_constant, b.auto_mg_langmuir_constant);
  f(a.auto_mg_effectiveness, b.auto_mg_effectiveness);
}

// The parameters `p` as scalars T (every field T(value)), then g(field) on the field of each slot
// in `slots` (the n bound slots of KineticParameters::at): e.g. seeding a dual number's slot.
template <class T, class G>
BasicKineticParameters<T> parameters_as(const KineticParameters& p, const std::size_t* slots,
                                        std::size_t n, G&& g) {
  BasicKineticParameters<T> out;
  for_each_field(p, out, [](const double& x, T& y) { y = T(x); });
  for (std::size_t i = 0; i < n; ++i) {
    const double* target = &p.at(slots[i]);
    for_each_field(p, out, [&](const double& x, T& y) {
      if (&x == target) g(i, y);
    });
  }
  return out;
}

// Names bound to fields (for the catalogue-consistency test and documentation).
std::vector<std::string> bound_parameter_names();

// Standard concentration that turns a dimensionless activity into the concentration a Langmuir
// constant in m3/mol multiplies: c0 = 1 mol/kg x 1 kg/L = 1000 mol/m3.
inline constexpr double kStandardConcentration = 1000.0;  // mol/m3

}  // namespace calcikin::kinetics
