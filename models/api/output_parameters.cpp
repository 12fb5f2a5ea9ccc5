#include "models/api/output_parameters.hpp"

#include "models/kinetics/parameter_catalogue.hpp"
#include "models/scenario/thermo_parameters.hpp"

namespace calcikin::api {

std::vector<io::ParameterValue> effective_parameters(const scenario::Scenario& s) {
  std::vector<io::ParameterValue> out;
  for (const kinetics::ParameterInfo& info : kinetics::ParameterCatalogue::builtin().parameters()) {
    double value = info.default_si;
    for (const scenario::ParameterOverride& o : s.kinetics.parameters) {
      if (o.name == info.name) value = o.value;
    }
    out.push_back({"kinetics.parameters." + info.name, info.unit, value});
  }
  const auto catalogue = scenario::thermo_parameter_catalogue(s.database);
  for (const scenario::ThermoParameterInfo& info : catalogue->entries()) {
    double value = info.default_value;
    for (const scenario::ThermoParameterSetting& p : s.thermodynamics.parameters) {
      if (p.name == info.name) value = p.value;
    }
    out.push_back({"thermodynamics.parameters." + info.name, "1", value});
  }
  return out;
}

}  // namespace calcikin::api
