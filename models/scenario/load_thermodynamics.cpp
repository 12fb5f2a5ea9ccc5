// The `thermodynamics:` section: named parameters of the database (thermo_parameters.hpp) and the
// optional species to include. Names are checked against the scenario's database here, at load
// time.
#include <algorithm>
#include <set>

#include "models/scenario/loader_sections.hpp"
#include "models/scenario/overrides.hpp"
#include "models/scenario/thermo_parameters.hpp"
#include "solver/input/did_you_mean.hpp"

namespace calcikin::scenario::detail {

ThermoParameterSetting read_thermo_parameter(const input::Entry& e,
                                             const ThermoParameterCatalogue& catalogue) {
  require_thermo_parameter(catalogue, e.key, e.key_node.location(), e.key_node.path(),
                           e.key_node.source_line());
  ThermoParameterSetting p;
  p.name = e.key;
  p.value = e.value.number();  // log10 units: a plain number, a unit is an error
  if (auto problem = range_problem(PathTarget::ThermoParameter, p.value))
    e.value.fail(*problem + " (got '" + e.value.text() + "')");
  p.where = e.value.location();
  p.source_line = e.value.source_line();
  return p;
}

void load_thermodynamics(const input::Node& node, Scenario& s) {
  std::shared_ptr<const ThermoParameterCatalogue> catalogue =
      thermo_parameter_catalogue(s.database);
  if (auto n = node.get("parameters"))
    for (const input::Entry& e : n->entries())
      s.thermodynamics.parameters.push_back(read_thermo_parameter(e, *catalogue));
  if (auto n = node.get("optional_species")) {
    s.thermodynamics.optional_species_where = n->location();
    const std::vector<std::string>& known = catalogue->optional_species();
    std::set<std::string> seen;
    for (const input::Node& item : n->items()) {
      const std::string name = item.text();
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        const std::string suggestion = input::did_you_mean(name, known);
        item.fail("'" + name + "' is not an optional species of database '" +
                      catalogue->database() + "'" + (suggestion.empty() ? "" : "; " + suggestion),
                  known.empty() ? "this database has no optional species"
                                : "optional species: " + input::quoted_list(known));
      }
      if (!seen.insert(name).second) item.fail("species '" + name + "' is listed twice");
      s.thermodynamics.optional_species.push_back(name);
    }
  }
  node.check_known_keys();
}

}  // namespace calcikin::scenario::detail
