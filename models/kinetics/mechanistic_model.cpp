#include "models/kinetics/mechanistic_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "models/kinetics/dual.hpp"
#include "models/kinetics/rate_laws.hpp"

namespace calcikin::kinetics {

namespace {

constexpr double kPi = 3.141592653589793;
constexpr double kLn10 = 2.302585092994046;
constexpr double kBoltzmann = 1.380649e-23;   // J/K (SI 2019, exact)
constexpr double kAvogadro = 6.02214076e23;   // 1/mol (SI 2019, exact)
constexpr double kGasConstant = 8.314462618;  // J/(mol K) (SI 2019: N_A k_B, exact)
constexpr double kWaterVolumePerKg = 1e-3;    // m3 of water per kg (homogeneous nucleation per kg)

// A crystal's parameters by kind: the model is built once per sweep point or fit evaluation, so it
// takes them without a look-up by name.
template <class T>
const BasicCrystalParameters<T>& crystal_parameters(const BasicKineticParameters<T>& p,
                                                    CrystalKind kind) {
  switch (kind) {
    case CrystalKind::HAP:
      return p.hap;
    case CrystalKind::WH:
      return p.wh;
    case CrystalKind::OCP:
      return p.ocp;
    case CrystalKind::DCPD:
      return p.dcpd;
    case CrystalKind::Newberyite:
      return p.newberyite;
  }
  throw std::logic_error("unknown crystal kind");
}

}  // namespace

const std::vector<std::string>& kinetic_phase_names() {
  static const std::vector<std::string> names = {"ACP", "HAP", "WH", "OCP", "DCPD", "newberyite"};
  return names;
}

CrystalKind crystal_kind(const std::string& name) {
  if (name == "HAP") return CrystalKind::HAP;
  if (name == "WH") return CrystalKind::WH;
  if (name == "OCP") return CrystalKind::OCP;
  if (name == "DCPD") return CrystalKind::DCPD;
  if (name == "newberyite") return CrystalKind::Newberyite;
  throw std::invalid_argument("no kinetics for crystalline phase '" + name + "'");
}

const char* crystal_name(CrystalKind kind) {
  switch (kind) {
    case CrystalKind::HAP:
      return "HAP";
    case CrystalKind::WH:
      return "WH";
    case CrystalKind::OCP:
      return "OCP";
    case CrystalKind::DCPD:
      return "DCPD";
    case CrystalKind::Newberyite:
      return "newberyite";
  }
  return "?";
}

template <class T>
MechanisticConstants<T> MechanisticModel::constants(const BasicKineticParameters<T>& raw) const {
  using std::exp;
  MechanisticConstants<T> k;
  k.p = raw;
  BasicKineticParameters<T>& p = k.p;
  // Arrhenius factors on the kinetic prefactors, relative to the temperature at which they hold.
  const T t_ref = raw.reference_temperature > 0.0 ? raw.reference_temperature : T(310.15);
  auto arrhenius = [&](const T& activation_energy) {
    return exp(-activation_energy / kGasConstant * (1.0 / temperature_ - 1.0 / t_ref));
  };
  const T f_growth_t = arrhenius(p.growth_activation_energy);
  const T f_nucleation_t = arrhenius(p.nucleation_activation_energy);
  const T f_acp_t = arrhenius(p.acp_activation_energy);
  p.acp_rate_constant *= f_acp_t;
  p.acp_mg_exchange_rate *= f_acp_t;
  for (BasicCrystalParameters<T>* cp : {&p.hap, &p.wh, &p.ocp, &p.dcpd, &p.newberyite}) {
    cp->growth_rate_constant *= f_growth_t;
    cp->dissolution_rate_constant *= f_growth_t;
    cp->heterogeneous_prefactor *= f_nucleation_t;
    cp->homogeneous_prefactor *= f_nucleation_t;
    cp->secondary_prefactor *= f_nucleation_t;
    cp->ocp_substrate_prefactor *= f_nucleation_t;
    cp->substrate_prefactor *= f_nucleation_t;
    cp->hap_substrate_prefactor *= f_nucleation_t;
  }
  for (std::size_t c = 0; c < crystals_.size(); ++c) {
    const Crystal& cr = crystals_[c];
    k.crystal[c] = crystal_parameters(p, cr.kind);
    const T g = k.crystal[c].interfacial_energy;
    k.barrier0[c] =
        16.0 * kPi * g * g * g * cr.volume_per_unit * cr.volume_per_unit / (3.0 * kT_ * kT_ * kT_);
    k.contact[c] = rate::contact_factor(k.crystal[c].contact_angle);
  }
  return k;
}

MechanisticModel::MechanisticModel(SolutionChemistry& chemistry, const MechanisticSetup& setup)
    : chemistry_(chemistry),
      raw_(setup.parameters),
      temperature_(setup.temperature),
      kT_(kBoltzmann * setup.temperature),
      acp_phase_(setup.acp_phase),
      acp_(chemistry.phase(setup.acp_phase)),
      atol_scale_(setup.atol_scale) {
  if (setup.crystals.size() > kMaxCrystals)
    throw std::invalid_argument("at most 5 crystalline phases");
  if (chemistry.phase_count() > kMaxPhases)
    throw std::invalid_argument("too many chemistry phases");
  if (!(setup.temperature > 0.0)) throw std::invalid_argument("temperature must be positive");
  n_states_ = 2 + 4 * setup.crystals.size();
  n_quantities_ = quantity_count(chemistry.phase_count());
  l_ref_ = raw_.moment_length_scale;

  // Conserved totals: dissolved + every solid at t = 0.
  element_totals_ = setup.dissolved;
  const double acp_mg = 3.0 * setup.acp_mg_fraction * setup.acp_amount;
  for (std::size_t k = 0; k < kComponentCount; ++k)
    element_totals_[k] += acp_.stoichiometry[k] * setup.acp_amount;
  element_totals_[kCa] -= acp_mg;
  element_totals_[kMg] += acp_mg;

  n_ref_ = element_totals_[kP] > 0.0 ? element_totals_[kP] / 2.0 : 1e-3;
  for (const CrystalSetup& cs : setup.crystals) {
    const PhaseChemistry& ph = chemistry.phase(cs.chemistry_phase);
    Crystal c{};
    c.kind = cs.kind;
    c.phase = cs.chemistry_phase;
    c.molar_volume = ph.molar_volume;
    c.ion_count = ph.ion_count;
    c.volume_per_unit = ph.molar_volume / kAvogadro;
    c.mu0_ref = 3.0 * n_ref_ * ph.molar_volume / (4.0 * kPi * l_ref_ * l_ref_ * l_ref_);
    c.stoich = ph.stoichiometry;
    if (cs.kind == CrystalKind::OCP) ocp_index_ = crystals_.size();
    if (cs.kind == CrystalKind::HAP) hap_index_ = crystals_.size();
    for (std::size_t k = 0; k < kComponentCount; ++k)
      element_totals_[k] += c.stoich[k] * cs.seed_amount;
    crystals_.push_back(c);
  }
  k_ = constants(static_cast<const BasicKineticParameters<double>&>(raw_));

  acp_particles_ = 0.0;
  if (setup.acp_amount > 0.0) {
    if (!(setup.acp_radius > 0.0)) throw std::invalid_argument("ACP radius must be positive");
    const double r = setup.acp_radius;
    acp_particles_ = 3.0 * setup.acp_amount * acp_.molar_volume / (4.0 * kPi * r * r * r);
  }
  y0_.fill(0.0);
  y0_[0] = setup.acp_amount / n_ref_;
  y0_[1] = acp_mg / n_ref_;
  for (std::size_t c = 0; c < crystals_.size(); ++c) {
    const CrystalSetup& cs = setup.crystals[c];
    if (cs.seed_amount <= 0.0) continue;
    const double r = cs.seed_radius;
    const double particles =
        3.0 * cs.seed_amount * crystals_[c].molar_volume / (4.0 * kPi * r * r * r);
    double rk = 1.0;
    for (std::size_t k = 0; k < 4; ++k) {
      y0_[2 + 4 * c + k] =
          particles * rk / (crystals_[c].mu0_ref * std::pow(l_ref_, static_cast<double>(k)));
      rk *= r;
    }
  }
  // The solid's phosphate at t = 0 (ACP and seeds), the reference of the events' solid floor.
  solid_p0_ = acp_.stoichiometry[kP] * setup.acp_amount;
  for (std::size_t c = 0; c < crystals_.size(); ++c)
    if (setup.crystals[c].seed_amount > 0.0)
      solid_p0_ += crystals_[c].stoich[kP] * setup.crystals[c].seed_amount;
}

bool MechanisticModel::exact_parameter(std::size_t slot) noexcept {
  static const int length_scale = KineticParameters::slot_of("numerics.moment_length_scale");
  return slot < KineticParameters::slot_count() && static_cast<int>(slot) != length_scale;
}

void MechanisticModel::initial_state(double* y0) const {
  std::copy(y0_.begin(), y0_.begin() + n_states_, y0);
  jacobian_negative_totals_ = -1;  // a new trajectory: no Jacobian yet
}

void MechanisticModel::absolute_tolerances(double* atol) const {
  for (std::size_t i = 0; i < n_states_; ++i) atol[i] = atol_scale_;
}

std::string MechanisticModel::state_name(std::size_t i) const {
  if (i == 0) return "ACP amount";
  if (i == 1) return "Mg in ACP";
  const std::size_t c = (i - 2) / 4;
  const std::size_t k = (i - 2) % 4;
  return std::string(crystal_name(crystals_[c].kind)) + " moment mu" + std::to_string(k);
}

template <class S, class T>
void MechanisticModel::dissolved_totals_with(double t, const S* y, S* totals,
                                             const MechanisticConstants<T>& rc) const {
  const S n_acp = y[0] * n_ref_;
  const S mg_acp = y[1] * n_ref_;
  for (std::size_t k = 0; k < kComponentCount; ++k)
    totals[k] = S(element_totals_[k]) - acp_.stoichiometry[k] * n_acp;
  totals[kCa] += mg_acp;  // Mg replaces Ca on the ACP cation sites
  totals[kMg] -= mg_acp;
  for (std::size_t c = 0; c < crystals_.size(); ++c) {
    const S n_c = y[2 + 4 * c + 3] * n_ref_;  // mu3 scaled so that y3 = n_c / n_ref
    for (std::size_t k = 0; k < kComponentCount; ++k) totals[k] -= crystals_[c].stoich[k] * n_c;
  }
  totals[kP] += rc.p.phosphate_source_rate * t;
}

template <class S, class T>
void MechanisticModel::rates_with(double t, const S* y, const S* q, S* ydot,
                                  const MechanisticConstants<T>& rc) const {
  using std::cbrt;
  using std::exp;
  using std::sqrt;
  const std::size_t m = chemistry_.phase_count();
  const S log_a_ca = q[quantity_ca(m)];
  const S log_a_mg = q[quantity_mg(m)];
  const S a_mg = exp(kLn10 * log_a_mg);
  const S a_ca = exp(kLn10 * log_a_ca);
  // Dissolved totals (signed) and the positive parts the speciation saw: the transport limit below.
  std::array<S, kComponentCount> dissolved{};
  dissolved_totals_with(t, y, dissolved.data(), rc);
  std::array<S, kComponentCount> seen{};
  for (std::size_t k = 0; k < kH; ++k) seen[k] = chemistry_total(k, dissolved[k]);

  // ---- ACP pool (Mg in/on ACP: Ding et al. 2014)
  const S n_acp = y[0] * n_ref_;
  const S mg_acp = y[1] * n_ref_;
  const S n_pos = rate::smooth_positive(n_acp, rc.p.vanishing_amount);
  S area_acp(0.0);
  if (acp_particles_ > 0.0) {
    // A = 4 pi r^2 N with r = (3 n V_m / (4 pi N))^(1/3)  =>  A = (36 pi N)^(1/3) (n V_m)^(2/3)
    const S v = n_pos * acp_.molar_volume;
    const S v13 = cbrt(v);
    area_acp = std::cbrt(36.0 * kPi * acp_particles_) * v13 * v13;
    // The last of a dissolving pool (n < n_tail) loses area in proportion to its amount, so it
    // decays exponentially: A ~ n^(2/3) alone makes the pool vanish in finite time with
    // dA/dn ~ n^(-1/3), and CVODE resolved that extinction with second-long steps and error-test
    // failures (~40 % of the right-hand sides of a T50-assay run).
    if (rc.p.acp_tail_amount > 0.0)
      area_acp = area_acp * cbrt(n_pos / (n_pos + rc.p.acp_tail_amount));
  }
  const S s_acp = exp(kLn10 * q[acp_phase_] / acp_.ion_count);
  S dn_acp = rc.p.acp_rate_constant * area_acp * (s_acp - 1.0);
  // A dissolving pool stops at zero: A ~ n^(2/3) reaches zero in finite time, and a step that
  // overshoots to n < 0 must not keep dissolving. The factor is a C-infinity step, 0 for n <= 0 and
  // 1 for n >= w (w = vanishing amount): a vanished pool is exactly at rest. (The earlier factor
  // n+/(n+ + w) left a drift ~|n|^(-5/3) below zero, which CVODE resolved to the absolute
  // tolerance for hours after the ACP was gone: 60 % of the right-hand sides of a T50 run.)
  const S alive = rate::smooth_step(n_acp, rc.p.vanishing_amount);
  if (s_acp < 1.0) dn_acp = dn_acp * alive;
  // Mg/(Ca+Mg) of the ACP, kept in [0, 1] when a vanishing pool leaves round-off in both amounts.
  const S x_mg =
      rate::soft_cap(rate::smooth_positive(mg_acp, 1e-20 * n_ref_) / (3.0 * n_pos), 1.0, 8.0);
  // Exchange partition x/(1 - x) = D_Mg a_Mg/a_Ca, written without the ratio (a Ca-free solution
  // gives x = 1 with Mg, 0 without, not NaN).
  const S d_mg = rc.p.acp_mg_distribution * a_mg;
  const S x_new = d_mg / (a_ca + d_mg + 1e-300);
  // Composition of the ACP flux, C-infinity in S: the D_Mg rule (x_new) where the pool grows by
  // more than the switch width (S - 1 > width), congruent (x_Mg) where it dissolves by more
  // (1 - S > width), and in between their harmonic mean m = 2 x_new x_Mg / (x_new + x_Mg), reached
  // at S = 1 from either side by a one-sided C-infinity step:
  //   x_flux = m + w_g (x_new - m)  (S >= 1),   m + w_d (x_Mg - m)  (S < 1).
  // Since m <= 2 min(x_new, x_Mg), a growing pool takes Mg at no more than 2 x_new, which vanishes
  // with the dissolved Mg, and a dissolving pool releases Mg at no more than 2 x_Mg, which vanishes
  // with the ACP's Mg: the composition cannot drive either Mg amount below zero. At the partition
  // (x_new = x_Mg) m is both. (A switch centred at S = 1 released Mg at x_new > x_Mg from a pool
  // that sat at S ~ 1 for days, Abbona at Mg 50 mM, and drained the ACP's Mg below zero; the
  // one-sided switch that followed took Mg at x_Mg into a pool growing at 0 < S - 1 < width from a
  // solution that had none, Ca-exhausted at pH 10: dissolved Mg -1e-7 mol/kg at any rtol.)
  const S x_min = rate::harmonic_mean(x_new, x_mg);
  const S x_flux = s_acp >= 1.0
                       ? x_min + rate::smooth_step(s_acp - 1.0, rc.p.acp_composition_switch_width) *
                                     (x_new - x_min)
                       : x_min + rate::smooth_step(1.0 - s_acp, rc.p.acp_composition_switch_width) *
                                     (x_mg - x_min);
  ydot[0] = dn_acp / n_ref_;
  // Slow exchange of the standing pool towards the partition (Mg in, Ca out, or back), on top of
  // the composition of the net flux: dn_Mg/dt = k_ex A_ACP (x_eq - x_Mg).
  // The exchange stops with the pool (factor `alive`).
  ydot[1] =
      (3.0 * x_flux * dn_acp + rc.p.acp_mg_exchange_rate * area_acp * alive * (x_new - x_mg)) /
      n_ref_;
  // A Mg-free system keeps a Mg-free ACP exactly (round-off in y[1] would otherwise appear as a
  // negative dissolved Mg total).
  if (!(element_totals_[kMg] > 0.0)) ydot[1] = S(0.0);

  const S theta_acp =
      rate::competitive_langmuir(a_mg, rc.p.acp_mg_langmuir_constant, a_ca,
                                 rc.p.acp_ca_langmuir_constant, kStandardConcentration);
  const S f_acp = exp(-rc.p.acp_mg_incorporation_inhibition * x_mg) *
                  rate::soft_floor(1.0 - rc.p.acp_mg_adsorption_inhibition * theta_acp, 1e-3);

  // ---- protein inhibitor of finite capacity (fetuin-A-like, Pasch et al. 2012): one coverage
  // theta_I on every mineral surface (ACP and crystals, equal affinity). More mineral area -> lower
  // coverage
  // -> faster nucleation: the route by which Ca and phosphate shorten T50 in serum. Blocking
  // factors 1 - alpha theta_I with alpha in [0, 1] stay in [0, 1] without a floor (C-infinity).
  S f_protein_nucleation(1.0);
  S f_protein_growth(1.0);
  if (rc.p.inhibitor_amount > 0.0) {
    S area = area_acp;
    for (std::size_t c = 0; c < crystals_.size(); ++c)
      area += 4.0 * kPi * rate::smooth_positive(y[2 + 4 * c + 2], 1e-30) * crystals_[c].mu0_ref *
              l_ref_ * l_ref_;
    const S sites = area / (kAvogadro * rc.p.inhibitor_footprint);  // mol/kg of footprints
    const S theta_i = rate::capacity_limited_coverage(
        sites, rc.p.inhibitor_amount, rc.p.inhibitor_binding_constant * kStandardConcentration);
    f_protein_nucleation = 1.0 - rc.p.inhibitor_nucleation_effectiveness * theta_i;
    f_protein_growth = 1.0 - rc.p.inhibitor_growth_effectiveness * theta_i;
  }

  int shrinking = 0;
  // ---- crystalline phases: CNT nucleation + size-independent growth, moments (spec
  // §2.4, 2.5, 2.7)
  for (std::size_t c = 0; c < crystals_.size(); ++c) {
    const Crystal& cr = crystals_[c];
    const BasicCrystalParameters<T>& kc = rc.crystal[c];
    const S* mu = y + 2 + 4 * c;  // scaled moments
    S* dmu = ydot + 2 + 4 * c;
    // A phase that contains an element the system does not have (WH or newberyite without Mg)
    // cannot exist: its moments stay at rest (they start at zero). Round-off in them would
    // otherwise show as a dissolved total below zero of the absent element (Abbona at Mg 0:
    // dissolved Mg -2e-11 mol/kg, hypercube).
    bool impossible = false;
    for (std::size_t k = 0; k < kH; ++k)
      if (cr.stoich[k] > 0.0 && !(element_totals_[k] > 0.0)) impossible = true;
    if (impossible) {
      for (std::size_t k = 0; k < 4; ++k) dmu[k] = S(0.0);
      continue;
    }
    const S ln_omega = kLn10 * q[cr.phase];
    const S sigma = exp(ln_omega / cr.ion_count) - 1.0;
    // Mg coverage competing with Ca (E2), Kubota-Mullin blocking with alpha ~ 1/sigma and the
    // phase's lattice allowance (only evaluated where sigma > 0: growth and secondary nucleation).
    const S theta = rate::competitive_langmuir(a_mg, kc.mg_langmuir_constant, a_ca,
                                               kc.ca_langmuir_constant, kStandardConcentration);
    S f_growth = f_protein_growth;
    if (sigma > 0.0)
      f_growth = f_growth * rate::kubota_mullin_sigma(theta, sigma, kc.mg_effectiveness,
                                                      kc.mg_reference_supersaturation,
                                                      kc.mg_lattice_coverage);
    const S surface_flux = rate::surface_flux(
        sigma, kc.growth_rate_constant, kc.growth_order, kc.dissolution_rate_constant,
        rc.p.supersaturation_cap, rc.p.cap_sharpness, rc.p.rate_smoothing);
    S flux = surface_flux;
    if (sigma > 0.0) flux = flux * f_growth;

    // Scaled physical moments: mu_k = mu[k] * mu0_ref * L^k. With m_k = mu[k] * L^k (units m^k per
    // mu0_ref), the moment equations keep their form for the scaled variables.
    const double L = l_ref_;

    // Transport in series with the surface reaction (docs/model.md §3.5b). Each lattice element k
    // (s_k per formula unit) reaches a particle of radius r by diffusion, 4 pi r D c_k per particle
    // (Sherwood number 2), driven by c_k = (T_k - T_k,eq)/V_w, T_k,eq = T_k Omega^(-1/s_k) the
    // dissolved total at which the phase would be saturated with the other elements as they are.
    // The flux per area is then F = F_s / (1 + Da), Da = sum_k s_k F_s r / (D c_k): the surface
    // law F_s where the solution holds the elements (Da << 1), diffusion-limited and linear in
    // T_k - T_k,eq where an element runs out. Without it the growth of a phase that takes the last
    // of an element stayed at the capped rate until the element was gone (Omega_WH ~ a_Mg^2 enters
    // sigma = Omega^(1/36) - 1 so weakly that SI_WH was still ~10 at 1e-10 mol/kg of Mg), then
    // jumped to full dissolution where round-off made the total negative, and CVODE chattered
    // across zero for up to 1e5 steps (hypercube). For a population r = mu2/mu1 makes the volume
    // rate exact in both limits (4 pi F_s mu2 reaction-limited, 4 pi D mu1 c_k / s_k
    // diffusion-limited); a nucleus has its own radius.
    // The speciation sees T+ (the smooth positive part of T), so the part in series with the
    // surface reaction is driven by T+ (1 - Omega^(-1/s_k)), which has the sign of Omega - 1 by
    // construction; the deficit T - T+ (a total a step left below zero; ~w^2/(4T), nothing, for a
    // present element) is refilled by diffusion alone, F_x = sum_k D (T_k - T+_k) / (V_w s_k r):
    // the rate is continuous and increasing in T_k through zero, and a negative total is a
    // restoring flux in proportion to it (not "element absent: dissolve at full rate", nor a
    // standstill).
    S inverse_supply(0.0);  // sum_k s_k / (D c_k), 1/(m/s mol/m3)
    S deficit(0.0);         // sum_k (T_k - T+_k) / s_k, mol/kg
    bool supply_blocked = false;
    const bool transport = rc.p.diffusion_coefficient > 0.0;
    if (transport) {
      for (std::size_t k = 0; k < kH; ++k) {
        const double s_k = cr.stoich[k];
        if (!(s_k > 0.0) || !(element_totals_[k] > 0.0)) continue;
        deficit += rate::smooth_negative(dissolved[k], 1e-12 * element_totals_[k]) / s_k;
        if (supply_blocked) continue;
        S arg = -ln_omega / s_k;
        if (arg > 600.0) arg = S(600.0);
        const S drive = seen[k] * (1.0 - exp(arg)) / kWaterVolumePerKg;  // mol/m3
        if (sigma > 0.0 ? !(drive > 0.0) : !(drive < 0.0)) {
          supply_blocked = true;  // saturation (or round-off at it): no surface flux
          continue;
        }
        inverse_supply += s_k / (rc.p.diffusion_coefficient * drive);
      }
    }
    if (transport) {
      const S r21 = L * rate::smooth_positive(mu[2], 1e-30) /
                    (rate::smooth_positive(mu[1], 1e-30) + 1e-300);  // mu2/mu1, m
      flux = supply_blocked ? S(0.0) : flux / (1.0 + flux * r21 * inverse_supply);
      flux += rc.p.diffusion_coefficient * deficit / (kWaterVolumePerKg * r21);
    }
    const S growth = flux * cr.molar_volume;  // m/s
    S nucleation(0.0);
    S size = S(rc.p.minimum_nucleus_radius);
    const S gamma_factor = 1.0 + kc.mg_interfacial_energy_factor * theta;
    const S barrier = rc.barrier0[c] * gamma_factor * gamma_factor * gamma_factor;
    if (ln_omega > 0.0) {
      const S f_hom = rate::nucleation_factor(ln_omega, barrier);
      const S f_het = rate::nucleation_factor(ln_omega, rc.contact[c] * barrier);
      const S f_sec = rate::nucleation_factor(ln_omega, kc.secondary_barrier_ratio * barrier);
      const S area_own =
          4.0 * kPi * rate::smooth_positive(mu[2], 1e-30) * cr.mu0_ref * L * L;  // m2/kg
      // Nucleation on/in Mg-ACP with the phase's Mg tolerance: mismatch work beta_s (x - y_s)^2 (in
      // kT per nucleus) around the phase's own Mg content y_s (HAP, OCP: 0; WH: 1 Mg per 10
      // cations), times the dehydration barrier exp(-lambda_D x) and the adsorbed-Mg blocking that
      // every crystalline phase shares (f_acp: Yun et al. 2018; Ding et al. 2014).
      // Newberyite (MgHPO4.3H2O) is all Mg: y = 1 (it does not form from Ca-rich ACP).
      const T y_s = cr.kind == CrystalKind::WH           ? kc.mg_composition_optimum
                    : cr.kind == CrystalKind::Newberyite ? T(1.0)
                                                         : T(0.0);
      const S mismatch = x_mg - y_s;
      const S acp_factor = f_acp * exp(-kc.mg_mismatch * mismatch * mismatch);
      // The protein factor acts on every route (it covers every mineral surface, and a nucleus in
      // solution is a surface it binds to as well).
      // HAP also nucleates on OCP surfaces (epitaxial OCP -> HAP; the nucleation of apatite is the
      // rate-determining step of the transformation, Ito et al. 2014): the route on from the
      // HPO4-bearing first crystals to apatite once ACP is gone.
      S area_substrate(0.0);
      if (ocp_index_ < crystals_.size() && kc.ocp_substrate_prefactor > 0.0 &&
          cr.kind != CrystalKind::OCP)
        area_substrate = kc.ocp_substrate_prefactor * 4.0 * kPi *
                         rate::smooth_positive(y[2 + 4 * ocp_index_ + 2], 1e-30) *
                         crystals_[ocp_index_].mu0_ref * L * L;
      // WH also nucleates on HAP surfaces in Mg-rich media (Jang et al. 2015: HAP -> WH in
      // Mg-containing acidic media; Okazaki & LeGeros 1992: Mg-WH reprecipitates where Mg/Ca is
      // high): per m2 of HAP, in proportion to the Mg coverage of the HAP surface (the Mg the WH
      // nucleus needs), with WH's own barrier. Acidity enters through Omega_WH against Omega_HAP.
      if (hap_index_ < crystals_.size() && kc.hap_substrate_prefactor > 0.0) {
        const Crystal& hap = crystals_[hap_index_];
        const S theta_hap = rate::competitive_langmuir(
            a_mg, rc.crystal[hap_index_].mg_langmuir_constant, a_ca,
            rc.crystal[hap_index_].ca_langmuir_constant, kStandardConcentration);
        area_substrate += kc.hap_substrate_prefactor * theta_hap * 4.0 * kPi *
                          rate::smooth_positive(y[2 + 4 * hap_index_ + 2], 1e-30) * hap.mu0_ref *
                          L * L;
      }
      // A foreign substrate (vessel walls; Cheng et al. 1988's heterogeneous cells, where no ACP
      // forms) carries no Mg-ACP terms: A_sub,s A_wall f(f_c B), with each phase's own A_sub,s
      // (OCP and brushite nucleate there; apatite and WH do not, Cheng et al. 1988).
      // Nucleation on ACP stops with the pool (factor `alive`, as dissolution and exchange): a
      // vanished pool has no surface. Without it the regularised remainder (area of ~w, the
      // vanishing amount) nucleated crystals for days after the ACP had dissolved, and a medium
      // whose trace ACP dissolves (DMEM) took its HAP/WH split from that numerical remainder.
      nucleation = (kc.heterogeneous_prefactor * area_acp * alive * acp_factor * f_het +
                    kc.substrate_prefactor * rc.p.substrate_area * f_het +
                    area_substrate * f_growth * f_het +
                    kc.secondary_prefactor * area_own * f_growth * f_sec +
                    kc.homogeneous_prefactor * kWaterVolumePerKg * f_hom) *
                   f_protein_nucleation;
      const S r_crit =
          2.0 * kc.interfacial_energy * gamma_factor * cr.volume_per_unit / (kT_ * ln_omega);
      size = sqrt(r_crit * r_crit + rc.p.minimum_nucleus_radius * rc.p.minimum_nucleus_radius);
      // A nucleus is supplied by diffusion as a particle of its radius is: the attachment frequency
      // of the limiting element to it, surface reaction (F_s, unblocked) in series with diffusion.
      if (supply_blocked)
        nucleation = S(0.0);
      else if (transport)
        nucleation = nucleation / (1.0 + surface_flux * size * inverse_supply);
    }
    const S j = nucleation / cr.mu0_ref;  // scaled nuclei per s
    const S g = growth / L;               // scaled growth rate
    const S l = size / L;
    const T l_min = rc.p.minimum_nucleus_radius / L;
    if (g < 0.0) {
      shrinking |= 1 << c;
      // Dissolution (the plain moment equations are ill-posed when crystals vanish):
      // self-similar shrinking. The volume moment follows the surface flux (d mu3 = 3 G mu2) and
      // every other moment decays at the same relative rate, so the population loses particles at
      // constant shape and no moment can turn negative. The relative rate 3 G / L32 (L32 =
      // mu3/mu2) is taken with L32 no smaller than the minimum nucleus radius: a population far
      // below the absolute tolerance has no meaningful L32, and mu2/mu3 of round-off (or of a
      // volume moment a step left just below zero, where its positive part is ~w^2/|mu3|) made the
      // rate explode and the moments oscillate with growing amplitude (DCPD at 7e-28 mol/kg
      // reached -3.7e-3 mol/kg within three steps, Cheng cells, hypercube).
      const S volume = rate::smooth_positive(mu[3], 1e-20);
      const S surface = rate::smooth_positive(mu[2], 1e-20);
      // (A supersaturated phase can shrink too: by the transport term's deficit; its nuclei, if
      // any, add as in growth.)
      const S relative = 3.0 * g * surface / (volume + l_min * surface + 1e-30);
      for (std::size_t k = 0; k < 4; ++k) dmu[k] = relative * mu[k];
      dmu[0] += j;
      dmu[1] += j * l;
      dmu[2] += j * l * l;
      dmu[3] += j * l * l * l;
    } else {
      // Growth reads the positive parts of the moments: a population far below the absolute
      // tolerance may carry a small negative error, which growth (linear in mu) would otherwise
      // amplify like a real population.
      dmu[0] = j;
      dmu[1] = g * rate::smooth_positive(mu[0], 1e-30) + j * l;
      dmu[2] = 2.0 * g * rate::smooth_positive(mu[1], 1e-30) + j * l * l;
      dmu[3] = 3.0 * g * rate::smooth_positive(mu[2], 1e-30) + j * l * l * l;
    }
  }
  rates_shrinking_ = shrinking;
}

template <class S>
S MechanisticModel::chemistry_total(std::size_t k, const S& x) const {
  // The speciation sees the smooth positive part of Ca, Mg, P (width 1e-12 of the element's total):
  // a trial state of CVODE that overshoots a vanishing total (e.g. P when HAP exhausts it) is then
  // strongly undersaturated instead of failing the solve. The outputs and the conservation use the
  // raw totals.
  return element_totals_[k] > 0.0 ? rate::smooth_positive(x, 1e-12 * element_totals_[k])
                                  : S(0.0);  // an absent element stays absent (no round-off)
}

template <class S, class T>
void MechanisticModel::chemistry_totals_with(double t, const S* y, S* totals,
                                             const MechanisticConstants<T>& rc) const {
  dissolved_totals_with(t, y, totals, rc);
  for (std::size_t k = 0; k < kH; ++k) totals[k] = chemistry_total(k, totals[k]);
}

template <class S>
void MechanisticModel::dissolved_totals(double t, const S* y, S* totals) const {
  dissolved_totals_with(t, y, totals, k_);
}
template <class S>
void MechanisticModel::rates(double t, const S* y, const S* q, S* ydot) const {
  rates_with(t, y, q, ydot, k_);
}
template <class S>
void MechanisticModel::chemistry_totals(double t, const S* y, S* totals) const {
  chemistry_totals_with(t, y, totals, k_);
}

void MechanisticModel::evaluate_chemistry(double t, const double* y) {
  std::array<double, kComponentCount> totals{};
  chemistry_totals(t, y, totals.data());
  if (chem_valid_ && totals == totals_)
    return;  // same solution as the last solve (e.g. rhs then jacobian)
  chem_valid_ = false;
  chemistry_.evaluate(totals.data(), chem_);
  totals_ = totals;
  chem_valid_ = true;
}

namespace {
template <class S>
void fill_quantities(const ChemistryResult& r, std::size_t m, S* q) {
  for (std::size_t i = 0; i < m; ++i) q[i] = S(r.saturation_index[i]);
  q[quantity_ca(m)] = S(r.log10_activity_ca);
  q[quantity_mg(m)] = S(r.log10_activity_mg);
}
}  // namespace

int MechanisticModel::negative_totals(double t, const double* y) const {
  std::array<double, kComponentCount> totals{};
  dissolved_totals(t, y, totals.data());
  int bits = 0;
  for (std::size_t k = 0; k < kH; ++k)
    if (element_totals_[k] > 0.0 && totals[k] < 0.0) bits |= 1 << k;
  return bits;
}

void MechanisticModel::rhs(double t, const double* y, double* ydot) {
  // A Jacobian evaluated where a dissolved total was on the other side of zero must not be used:
  // with the element present, the growth of a phase that exhausts it is stiff (d rate / d amount
  // ~ -1e2 1/s for HAP taking the last phosphate); once the total is below zero the element is
  // absent for the chemistry and that feedback is 0. CVODE keeps its Jacobian for up to 50 steps;
  // with the stale stiff one the Newton matrix I - gamma J shrinks every correction ~1e5-fold, so
  // the corrector "converges" after one iteration at the predictor, and the step returns the
  // extrapolated growth of the history: HAP grew beyond the calcium and phosphate that exist
  // (dissolved Ca -0.53 mol/kg of 11 mM at rtol 1e-5, T50-assay mixture at pH 9) while every
  // right-hand side said "dissolve". Such a state is reported through outdated_jacobian(): the
  // integrators' callbacks turn it into a recoverable failure (a throw from rhs() itself would
  // also fail callers outside an integrator: difference quotients, event sensitivities, the
  // Jacobian tests). A recoverable failure there makes CVODE's Newton solver
  // re-evaluate the Jacobian at this state and retry (SUNNonlinSol_Newton: a recoverable residual
  // failure with a Jacobian that is not current), i.e. once per crossing. Only a Jacobian of an
  // earlier step counts as stale (more right-hand sides since it than CVODE's 3 Newton iterations):
  // iterates of one step that cross zero around a fresh Jacobian are left to the Newton
  // convergence test, else a solution resting at an exhausted element (zero within the tolerance)
  // failed with repeated errors.
  // One failure per stale Jacobian: the Newton solver evaluates the residual at the same state
  // again before it re-evaluates the Jacobian, which then re-arms the check.
  ++rhs_calls_since_jacobian_;
  outdated_ = nullptr;
  if (jacobian_negative_totals_ >= 0 && rhs_calls_since_jacobian_ > 3 &&
      negative_totals(t, y) != jacobian_negative_totals_) {
    jacobian_negative_totals_ = -1;
    outdated_ = "a dissolved total changed sign since the Jacobian was evaluated";
  }
  evaluate_rhs(t, y, ydot);
  // The same for a crystal that switched between growth and dissolution: the moment equations
  // change form (growth vs self-similar shrinking), and a Jacobian of the other branch made the
  // Newton corrector stay at the predictor, which extrapolated WH dissolution (mu0 3046 -> 393 in
  // 1,400 s) while every right-hand side said "grow" (hypercube sample 99, CV_ERR_FAILURE).
  if (jacobian_negative_totals_ >= 0 && rhs_calls_since_jacobian_ > 3 &&
      rates_shrinking_ != jacobian_shrinking_) {
    jacobian_negative_totals_ = -1;
    outdated_ =
        "a crystal switched between growth and dissolution since the Jacobian was evaluated";
  }
}

void MechanisticModel::evaluate_rhs(double t, const double* y, double* ydot) {
  evaluate_chemistry(t, y);
  std::array<double, kMaxPhases + 2> q{};
  fill_quantities(chem_, chemistry_.phase_count(), q.data());
  rates(t, y, q.data(), ydot);
}

void MechanisticModel::jacobian(double t, const double* y, const double*, ode::DenseMatrixView J) {
  jacobian_negative_totals_ = negative_totals(t, y);
  rhs_calls_since_jacobian_ = 0;
  // The dual width follows the state count, so adding phases costs nothing to runs without them.
  if (n_states_ <= 2 + 4 * 1)
    jacobian_with<2 + 4 * 1>(t, y, J);
  else if (n_states_ <= 2 + 4 * 2)
    jacobian_with<2 + 4 * 2>(t, y, J);
  else if (n_states_ <= 2 + 4 * 3)
    jacobian_with<2 + 4 * 3>(t, y, J);
  else
    jacobian_with<kMaxStates>(t, y, J);
  jacobian_shrinking_ = rates_shrinking_;
}

template <std::size_t N>
void MechanisticModel::jacobian_with(double t, const double* y, ode::DenseMatrixView J) {
  using D = Dual<N>;
  std::array<D, N> yd{};
  for (std::size_t i = 0; i < n_states_; ++i) yd[i] = D::variable(y[i], i);
  std::array<D, kComponentCount> totals{};
  chemistry_totals(t, yd.data(), totals.data());
  evaluate_chemistry(t, y);
  chemistry_.sensitivities(totals_.data(), chem_, dq_dtotals_.data());
  // Chain rule: q(y) = q(T(y)); dq/dy = dq/dT dT/dy, with dT/dy carried by the dual totals.
  const std::size_t m = chemistry_.phase_count();
  std::array<D, kMaxPhases + 2> q{};
  fill_quantities(chem_, m, q.data());
  for (std::size_t j = 0; j < n_quantities_; ++j)
    for (std::size_t k = 0; k < kComponentCount; ++k) {
      const double dqdt = dq_dtotals_[j * kComponentCount + k];
      if (dqdt == 0.0) continue;
      for (std::size_t s = 0; s < n_states_; ++s) q[j].d[s] += dqdt * totals[k].d[s];
    }
  std::array<D, N> ydot{};
  rates(t, yd.data(), q.data(), ydot.data());
  for (std::size_t i = 0; i < n_states_; ++i)
    for (std::size_t j = 0; j < n_states_; ++j) J(i, j) = ydot[i].d[j];
}

void MechanisticModel::roots(double t, const double* y, double* g) {
  // Crystalline fraction alpha = P in crystals / P in all solids, written without a division so the
  // root functions stay defined when there is no mineral.
  double p_acp = acp_.stoichiometry[kP] * y[0] * n_ref_;
  double p_crystal = 0.0;
  for (std::size_t c = 0; c < crystals_.size(); ++c)
    p_crystal += crystals_[c].stoich[kP] * y[2 + 4 * c + 3] * n_ref_;
  // Fractions of the solid, but of no less than a floor of its initial phosphate
  // (events.solid_floor_fraction): where the precursor dissolves instead of converting, its last
  // trace against trace crystals is no conversion (the crossing time was set by the integrator
  // tolerance); the events then wait for the crystals to reach the fraction of that floor.
  const double p_solid = std::max(p_acp + p_crystal, k_.p.solid_floor_fraction * solid_p0_);
  g[0] = p_crystal - k_.p.induction_fraction * p_solid;
  g[1] = p_crystal - k_.p.half_conversion_fraction * p_solid;
  if (stop_when_steady_) {
    evaluate_rhs(t, y, ydot_work_.data());  // no Jacobian checks: a root function must not fail
    double worst = 0.0;
    for (std::size_t i = 0; i < n_states_; ++i) worst = std::max(worst, std::fabs(ydot_work_[i]));
    g[2] = worst - steady_tolerance_;
  }
}

void MechanisticModel::observe(double t, const double* y, Observation& out) {
  evaluate_chemistry(t, y);
  observe_amounts(t, y, out);
  out.saturation_index[0] = chem_.saturation_index[acp_phase_];
  for (std::size_t c = 0; c < crystals_.size(); ++c)
    out.saturation_index[1 + c] = chem_.saturation_index[crystals_[c].phase];
  out.pH = chem_.pH;
  out.log10_activity_ca = chem_.log10_activity_ca;
}

void MechanisticModel::observe_amounts(double t, const double* y, Observation& out) {
  out.phase_count = 1 + crystals_.size();
  dissolved_totals(t, y, out.dissolved.data());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double n_acp = y[0] * n_ref_;
  const double mg_acp = y[1] * n_ref_;
  out.amount[0] = n_acp;
  for (std::size_t k = 0; k < kComponentCount; ++k) out.solid[0][k] = acp_.stoichiometry[k] * n_acp;
  out.solid[0][kCa] -= mg_acp;
  out.solid[0][kMg] += mg_acp;
  out.saturation_index[0] = nan;
  out.mean_radius[0] =
      (acp_particles_ > 0.0 && n_acp > 0.0)
          ? std::cbrt(3.0 * n_acp * acp_.molar_volume / (4.0 * kPi * acp_particles_))
          : nan;
  double p_solid = out.solid[0][kP];
  double p_crystal = 0.0;
  for (std::size_t c = 0; c < crystals_.size(); ++c) {
    const Crystal& cr = crystals_[c];
    const double* mu = y + 2 + 4 * c;
    const double n_c = mu[3] * n_ref_;
    out.amount[1 + c] = n_c;
    for (std::size_t k = 0; k < kComponentCount; ++k) out.solid[1 + c][k] = cr.stoich[k] * n_c;
    out.saturation_index[1 + c] = nan;
    out.mean_radius[1 + c] = mu[0] > 0.0 ? mu[1] / mu[0] * l_ref_ : nan;
    p_solid += out.solid[1 + c][kP];
    p_crystal += out.solid[1 + c][kP];
  }
  out.crystalline_fraction = p_solid > 0.0 ? p_crystal / p_solid : 0.0;
  out.pH = nan;
  out.log10_activity_ca = nan;
}

template void MechanisticModel::dissolved_totals<double>(double, const double*, double*) const;
template void MechanisticModel::rates<double>(double, const double*, const double*, double*) const;

// Directional derivatives for forward sensitivities (mechanistic_directional.cpp): the widths it
// uses.
template void MechanisticModel::chemistry_totals<double>(double, const double*, double*) const;
// With the kinetic parameters as duals of the same width (exact df/dp): rates_with and
// chemistry_totals_with on MechanisticConstants<Dual<N>> from constants().
// N is a template argument here, where parentheses would change nothing.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define CALCIKIN_DIRECTIONAL_WIDTH(N)                                                              \
  template void MechanisticModel::rates<Dual<N>>(double, const Dual<N>*, const Dual<N>*, Dual<N>*) \
      const;                                                                                       \
  template void MechanisticModel::chemistry_totals<Dual<N>>(double, const Dual<N>*, Dual<N>*)      \
      const;                                                                                       \
  template void MechanisticModel::rates_with<Dual<N>, Dual<N>>(                                    \
      double, const Dual<N>*, const Dual<N>*, Dual<N>*, const MechanisticConstants<Dual<N>>&)      \
      const;                                                                                       \
  template void MechanisticModel::chemistry_totals_with<Dual<N>, Dual<N>>(                         \
      double, const Dual<N>*, Dual<N>*, const MechanisticConstants<Dual<N>>&) const;               \
  template MechanisticConstants<Dual<N>> MechanisticModel::constants<Dual<N>>(                     \
      const BasicKineticParameters<Dual<N>>&) const;
// NOLINTEND(bugprone-macro-parentheses)
CALCIKIN_DIRECTIONAL_WIDTH(1)
CALCIKIN_DIRECTIONAL_WIDTH(2)
CALCIKIN_DIRECTIONAL_WIDTH(3)
CALCIKIN_DIRECTIONAL_WIDTH(4)
CALCIKIN_DIRECTIONAL_WIDTH(6)
CALCIKIN_DIRECTIONAL_WIDTH(8)
#undef CALCIKIN_DIRECTIONAL_WIDTH

}  // namespace calcikin::kinetics
