#pragma once
// The scenario's `thermodynamics.parameters` bound to one chemical system: names are looked up once
// (prepare time); applying the values of a point to a Speciator is then a few assignments.
//
//   auto bindings = api::bind_thermo_parameters(scenario, *system);       // once
//   api::apply_thermo_parameters(speciator, bindings, point.thermodynamics);  // per point
//
// A parameter whose phase or species is not part of the system (its elements are absent, or an
// optional species that is not enabled) has no effect and gets no binding.
#include <cstddef>
#include <vector>

#include "models/scenario/scenario.hpp"
#include "models/thermo/chemical_system.hpp"

namespace calcikin::thermo {
class Speciator;
}

namespace calcikin::api {

struct ThermoBinding {
  scenario::ThermoParameterKind kind = scenario::ThermoParameterKind::PhaseLogKOffset;
  std::size_t index = 0;    // phase or species index in the system
  std::size_t setting = 0;  // position in ThermodynamicsSpec::parameters
};

// InputError (at the setting's scenario line) for a name the scenario's database does not have.
std::vector<ThermoBinding> bind_thermo_parameters(const scenario::Scenario& s,
                                                  const thermo::ChemicalSystem& system);

// Sets every bound offset from `spec` (same parameter order as the scenario that was bound).
void apply_thermo_parameters(thermo::Speciator& speciator,
                             const std::vector<ThermoBinding>& bindings,
                             const scenario::ThermodynamicsSpec& spec);

}  // namespace calcikin::api
