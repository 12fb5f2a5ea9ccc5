#include "models/kinetics/kinetic_parameters.hpp"

#include <cmath>
#include <iterator>
#include <stdexcept>

#include "models/kinetics/parameter_catalogue.hpp"

namespace calcikin::kinetics {

namespace {

using KP = KineticParameters;
using CP = CrystalParameters;

struct Binding {
  const char* name;
  double KP::*field;
};
struct CrystalBinding {
  const char* suffix;
  double CP::*field;
};

constexpr Binding kBindings[] = {
    {"ACP.rate_constant", &KP::acp_rate_constant},
    {"ACP.mg.distribution_coefficient", &KP::acp_mg_distribution},
    {"ACP.mg.incorporation_inhibition", &KP::acp_mg_incorporation_inhibition},
    {"ACP.mg.adsorption_inhibition", &KP::acp_mg_adsorption_inhibition},
    {"ACP.mg.langmuir_constant", &KP::acp_mg_langmuir_constant},
    {"ACP.mg.calcium_langmuir_constant", &KP::acp_ca_langmuir_constant},
    {"ACP.mg.exchange_rate_constant", &KP::acp_mg_exchange_rate},
    {"ACP.mg.composition_switch_width", &KP::acp_composition_switch_width},
    {"inhibitor.amount", &KP::inhibitor_amount},
    {"inhibitor.footprint", &KP::inhibitor_footprint},
    {"inhibitor.binding_constant", &KP::inhibitor_binding_constant},
    {"inhibitor.nucleation_effectiveness", &KP::inhibitor_nucleation_effectiveness},
    {"inhibitor.growth_effectiveness", &KP::inhibitor_growth_effectiveness},
    {"substrate.area", &KP::substrate_area},
    {"growth.supersaturation_cap", &KP::supersaturation_cap},
    {"transport.diffusion_coefficient", &KP::diffusion_coefficient},
    {"temperature.reference", &KP::reference_temperature},
    {"temperature.growth_activation_energy", &KP::growth_activation_energy},
    {"temperature.acp_activation_energy", &KP::acp_activation_energy},
    {"temperature.nucleation_activation_energy", &KP::nucleation_activation_energy},
    {"numerics.cap_sharpness", &KP::cap_sharpness},
    {"numerics.rate_smoothing", &KP::rate_smoothing},
    {"numerics.minimum_nucleus_radius", &KP::minimum_nucleus_radius},
    {"numerics.moment_length_scale", &KP::moment_length_scale},
    {"numerics.vanishing_amount", &KP::vanishing_amount},
    {"numerics.acp_tail_amount", &KP::acp_tail_amount},
    {"source.phosphate.rate", &KP::phosphate_source_rate},
    {"events.induction_fraction", &KP::induction_fraction},
    {"events.half_conversion_fraction", &KP::half_conversion_fraction},
    {"events.solid_floor_fraction", &KP::solid_floor_fraction},
    {"autocatalytic.k0", &KP::auto_k0},
    {"autocatalytic.k1", &KP::auto_k1},
    {"autocatalytic.ph_slope", &KP::auto_ph_slope},
    {"autocatalytic.reference_pH", &KP::auto_reference_pH},
    {"autocatalytic.mg.langmuir_constant", &KP::auto_mg_langmuir_constant},
    {"autocatalytic.mg.effectiveness", &KP::auto_mg_effectiveness},
};

constexpr CrystalBinding kCrystalBindings[] = {
    {"nucleation.interfacial_energy", &CP::interfacial_energy},
    {"nucleation.heterogeneous_prefactor", &CP::heterogeneous_prefactor},
    {"nucleation.contact_angle", &CP::contact_angle},
    {"nucleation.homogeneous_prefactor", &CP::homogeneous_prefactor},
    {"nucleation.secondary_prefactor", &CP::secondary_prefactor},
    {"nucleation.secondary_barrier_ratio", &CP::secondary_barrier_ratio},
    {"nucleation.mg_interfacial_energy_factor", &CP::mg_interfacial_energy_factor},
    {"nucleation.mg_mismatch", &CP::mg_mismatch},
    {"nucleation.substrate_prefactor", &CP::substrate_prefactor},
    {"growth.rate_constant", &CP::growth_rate_constant},
    {"growth.order", &CP::growth_order},
    {"dissolution.rate_constant", &CP::dissolution_rate_constant},
    {"mg.langmuir_constant", &CP::mg_langmuir_constant},
    {"mg.effectiveness", &CP::mg_effectiveness},
    {"mg.calcium_langmuir_constant", &CP::ca_langmuir_constant},
    {"mg.reference_supersaturation", &CP::mg_reference_supersaturation},
    {"mg.lattice_coverage", &CP::mg_lattice_coverage},
};

constexpr const char* kCrystalNames[] = {"HAP", "WH", "OCP", "DCPD", "newberyite"};
constexpr CP KP::*kCrystalFields[] = {&KP::hap, &KP::wh, &KP::ocp, &KP::dcpd, &KP::newberyite};
constexpr std::size_t kCrystals = std::size(kCrystalNames);

// Fields that only one phase has in the catalogue.
struct PhaseBinding {
  const char* name;
  CP KP::*crystal;
  double CP::*field;
};
constexpr PhaseBinding kPhaseBindings[] = {
    {"WH.nucleation.mg_composition_optimum", &KP::wh, &CP::mg_composition_optimum},
    {"HAP.nucleation.ocp_substrate_prefactor", &KP::hap, &CP::ocp_substrate_prefactor},
    {"WH.nucleation.hap_substrate_prefactor", &KP::wh, &CP::hap_substrate_prefactor},
};

constexpr std::size_t kTopLevel = std::size(kBindings);
constexpr std::size_t kPerCrystal = std::size(kCrystalBindings);
// Slots: the top-level fields, then each crystal's fields (HAP, WH, OCP), then the single-phase
// fields -- the order of bound_parameter_names().
constexpr std::size_t kSlotCount = kTopLevel + kCrystals * kPerCrystal + std::size(kPhaseBindings);

double* field_at(KP& p, std::size_t slot) noexcept {
  if (slot < kTopLevel) return &(p.*(kBindings[slot].field));
  slot -= kTopLevel;
  if (slot < kCrystals * kPerCrystal)
    return &((p.*(kCrystalFields[slot / kPerCrystal])).*
             (kCrystalBindings[slot % kPerCrystal].field));
  const PhaseBinding& b = kPhaseBindings[slot - kCrystals * kPerCrystal];
  return &((p.*(b.crystal)).*(b.field));
}

}  // namespace

int KineticParameters::slot_of(const std::string& name) noexcept {
  for (std::size_t i = 0; i < kTopLevel; ++i)
    if (name == kBindings[i].name) return static_cast<int>(i);
  for (std::size_t i = 0; i < std::size(kPhaseBindings); ++i)
    if (name == kPhaseBindings[i].name)
      return static_cast<int>(kTopLevel + kCrystals * kPerCrystal + i);
  for (std::size_t k = 0; k < kCrystals; ++k) {
    const std::string prefix = std::string(kCrystalNames[k]) + ".";
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = name.substr(prefix.size());
    for (std::size_t j = 0; j < kPerCrystal; ++j)
      if (rest == kCrystalBindings[j].suffix)
        return static_cast<int>(kTopLevel + k * kPerCrystal + j);
  }
  return -1;
}

std::size_t KineticParameters::slot_count() noexcept { return kSlotCount; }

double& KineticParameters::at(std::size_t slot) noexcept { return *field_at(*this, slot); }

const double& KineticParameters::at(std::size_t slot) const noexcept {
  return *field_at(const_cast<KP&>(*this), slot);
}

std::vector<std::string> bound_parameter_names() {
  std::vector<std::string> out;
  for (const Binding& b : kBindings) out.emplace_back(b.name);
  for (const char* phase : kCrystalNames)
    for (const CrystalBinding& b : kCrystalBindings)
      out.push_back(std::string(phase) + "." + b.suffix);
  for (const PhaseBinding& b : kPhaseBindings) out.emplace_back(b.name);
  return out;
}

bool KineticParameters::set(const std::string& name, double value) noexcept {
  const int slot = slot_of(name);
  if (slot < 0) return false;
  at(static_cast<std::size_t>(slot)) = value;
  return true;
}

double KineticParameters::get(const std::string& name) const noexcept {
  const int slot = slot_of(name);
  return slot < 0 ? std::nan("") : at(static_cast<std::size_t>(slot));
}

KineticParameters KineticParameters::defaults() {
  static const KineticParameters values = [] {
    KineticParameters p;
    for (const ParameterInfo& info : ParameterCatalogue::builtin().parameters())
      if (!p.set(info.name, info.default_si))
        throw std::logic_error("kinetic parameter '" + info.name +
                               "' of the catalogue is not bound to a field");
    return p;
  }();
  return values;
}

const CrystalParameters& KineticParameters::crystal(const std::string& phase) const {
  if (phase == "HAP") return hap;
  if (phase == "WH") return wh;
  if (phase == "OCP") return ocp;
  if (phase == "DCPD") return dcpd;
  if (phase == "newberyite") return newberyite;
  throw std::invalid_argument("no kinetic parameters for phase '" + phase + "'");
}

}  // namespace calcikin::kinetics
