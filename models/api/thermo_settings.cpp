#include "models/api/thermo_settings.hpp"

#include "models/scenario/thermo_parameters.hpp"
#include "models/thermo/speciator.hpp"

namespace calcikin::api {

std::vector<ThermoBinding> bind_thermo_parameters(const scenario::Scenario& s,
                                                  const thermo::ChemicalSystem& system) {
  std::vector<ThermoBinding> out;
  if (s.thermodynamics.parameters.empty()) return out;
  const auto catalogue = scenario::thermo_parameter_catalogue(s.database);
  for (std::size_t i = 0; i < s.thermodynamics.parameters.size(); ++i) {
    const scenario::ThermoParameterSetting& p = s.thermodynamics.parameters[i];
    const scenario::ThermoParameterInfo& info = scenario::require_thermo_parameter(
        *catalogue, p.name, p.where, "thermodynamics.parameters." + p.name, p.source_line);
    const int index = info.kind == scenario::ThermoParameterKind::PhaseLogKOffset
                          ? system.phase_index(info.target)
                          : system.species_index(info.target);
    if (index < 0) continue;
    out.push_back(ThermoBinding{info.kind, static_cast<std::size_t>(index), i});
  }
  return out;
}

void apply_thermo_parameters(thermo::Speciator& speciator,
                             const std::vector<ThermoBinding>& bindings,
                             const scenario::ThermodynamicsSpec& spec) {
  for (const ThermoBinding& b : bindings) {
    const double value = spec.parameters[b.setting].value;
    if (b.kind == scenario::ThermoParameterKind::PhaseLogKOffset)
      speciator.set_phase_log_k_offset(b.index, value);
    else
      speciator.set_species_log_k_offset(b.index, value);
  }
}

}  // namespace calcikin::api
