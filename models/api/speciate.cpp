#include "models/api/speciate.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "models/api/initial_solution.hpp"
#include "models/api/thermo_settings.hpp"
#include "models/scenario/loader.hpp"
#include "models/scenario/thermo_parameters.hpp"
#include "models/thermo/chemical_system.hpp"
#include "models/thermo/speciator.hpp"
#include "solver/input/json.hpp"

namespace calcikin::api {
namespace {

using input::InputError;
using input::SourceLocation;

// The scenario's thermodynamics section with the API/CLI options on top (they map onto the same
// named parameters: a phase's offset is its catalogue parameter, e.g. WH -> WH.dlogK_stab).
scenario::ThermodynamicsSpec merged_thermodynamics(const scenario::Scenario& s,
                                                   const SpeciateOptions& choices) {
  scenario::ThermodynamicsSpec spec = s.thermodynamics;
  if (choices.phase_log_k_offsets.empty() && choices.species_log_k_offsets.empty()) {
    for (const std::string& name : choices.enable_species) spec.optional_species.push_back(name);
    return spec;
  }
  const auto catalogue = scenario::thermo_parameter_catalogue(s.database);
  auto set = [&](scenario::ThermoParameterKind kind, const std::string& target, double value,
                 const char* option) {
    const scenario::ThermoParameterInfo* info = catalogue->find_target(kind, target);
    if (info == nullptr)
      throw InputError(
          SourceLocation{"<options>", 0, 0}, option,
          std::string(kind == scenario::ThermoParameterKind::PhaseLogKOffset ? "phase '"
                                                                             : "species '") +
              target + "' has no log K parameter in database " + catalogue->database());
    for (scenario::ThermoParameterSetting& p : spec.parameters)
      if (p.name == info->name) {
        p.value = value;
        return;
      }
    spec.parameters.push_back(
        scenario::ThermoParameterSetting{info->name, value, SourceLocation{"<options>", 0, 0}, {}});
  };
  for (const auto& [name, v] : choices.phase_log_k_offsets)
    set(scenario::ThermoParameterKind::PhaseLogKOffset, name, v, "log_k_offset");
  for (const auto& [name, v] : choices.species_log_k_offsets)
    set(scenario::ThermoParameterKind::SpeciesLogKOffset, name, v, "species_log_k_offset");
  for (const std::string& name : choices.enable_species) spec.optional_species.push_back(name);
  return spec;
}

}  // namespace

SpeciationReport speciate(const scenario::Scenario& s, const SpeciateOptions& choices) {
  const scenario::SolutionSpec& sol = s.solution;
  std::shared_ptr<const thermo::Database> db;
  try {
    db = thermo::load_database(s.database);
  } catch (const InputError& e) {
    if (e.where().line > 0) throw;  // a problem inside the database file: point there
    scenario::fail_at(s, s.database_where, "database", e.problem(), e.hint());
  }

  // The initial solution, described and checked once (the same code as `run`).
  const InitialSolution solution(s, *db);
  const std::vector<std::string>& elements = solution.components();
  const std::size_t charge_index = solution.charge_index();
  scenario::Scenario thermo_scenario;  // only what bind_thermo_parameters reads
  thermo_scenario.database = s.database;
  thermo_scenario.thermodynamics = merged_thermodynamics(s, choices);
  thermo::SystemOptions options;
  options.element_locations = solution.locations();
  options.enable_species = thermo_scenario.thermodynamics.optional_species;
  std::shared_ptr<const thermo::ChemicalSystem> system;
  try {
    system = thermo::ChemicalSystem::create(db, elements, options);
  } catch (const InputError& e) {
    throw scenario::with_source_line(s, e);  // element problems point at the scenario line
  }
  std::vector<double> totals = solution.molalities(sol, *db);

  thermo::Speciator sp(system);
  apply_thermo_parameters(sp, bind_thermo_parameters(thermo_scenario, *system),
                          thermo_scenario.thermodynamics);
  sp.set_temperature(sol.temperature);  // inside the database's range (InitialSolution)
  thermo::SpeciationStatus st;
  double adjusted = 0.0;
  if (sol.charge_balance) {
    st = sp.solve_charge_balance(totals.data(), sol.pH, charge_index, &adjusted);
    if (!st.converged) {
      // Try once more from a cold start before giving up.
      sp.reset_initial_guess();
      st = sp.solve_charge_balance(totals.data(), sol.pH, charge_index, &adjusted);
    }
  } else {
    st = sp.solve_fixed_pH(totals.data(), sol.pH);
  }
  if (!st.converged) {
    std::ostringstream msg;
    msg << "speciation did not converge after " << st.iterations
        << " iterations (largest scaled residual " << st.residual
        << "; reached I = " << sp.ionic_strength() << " mol/kg";
    if (sol.charge_balance)
      msg << ", " << *sol.charge_balance << " = " << adjusted << " mol/kg: charge balance on "
          << *sol.charge_balance << " may be impossible";
    msg << ")";
    throw SpeciationError(msg.str());
  }
  if (sol.charge_balance) totals[charge_index] = adjusted;

  SpeciationReport r;
  r.database = db->name;
  r.temperature = sol.temperature;
  r.pH = sp.pH();
  r.ionic_strength = sp.ionic_strength();
  r.activity_water = sp.activity_water();
  r.charge_balance = sp.charge_balance();
  r.charge_balance_element = sol.charge_balance ? *sol.charge_balance : "";
  r.status = st;
  for (std::size_t i = 0; i < elements.size(); ++i) r.totals.emplace_back(elements[i], totals[i]);
  for (std::size_t j = 0; j < system->num_species(); ++j) {
    SpeciesResult x;
    x.name = system->species_name(j);
    x.molality = sp.molality(j);
    x.activity = std::pow(10.0, sp.log10_activity(j));
    x.log_gamma = sp.log10_gamma(j);
    r.species.push_back(x);
  }
  for (std::size_t p = 0; p < system->num_phases(); ++p) {
    const double si = sp.saturation_index(p);
    if (!std::isfinite(si)) continue;  // an element of the phase has total 0
    PhaseResult x;
    x.name = system->phase_name(p);
    x.formula = system->phase(p).formula;
    x.saturation_index = si;
    x.log_iap = sp.log10_iap(p);
    x.log_k = sp.log10_k(p);
    x.ion_count = system->phase_ion_count(p);
    x.mean_saturation_ratio = x.ion_count > 0 ? sp.mean_ion_saturation_ratio(p) : std::nan("");
    r.phases.push_back(x);
  }
  return r;
}

std::string to_json(const SpeciationReport& r) {
  std::ostringstream o;
  o << "{\n";
  o << "  \"database\": " << input::json_string(r.database) << ",\n";
  o << "  \"temperature_C\": " << input::json_number(r.temperature - 273.15) << ",\n";
  o << "  \"pH\": " << input::json_number(r.pH) << ",\n";
  o << "  \"ionic_strength\": " << input::json_number(r.ionic_strength) << ",\n";
  o << "  \"activity_water\": " << input::json_number(r.activity_water) << ",\n";
  o << "  \"charge_balance\": " << input::json_number(r.charge_balance) << ",\n";
  o << "  \"charge_balance_element\": "
    << (r.charge_balance_element.empty() ? std::string("null")
                                         : input::json_string(r.charge_balance_element))
    << ",\n";
  o << "  \"iterations\": " << r.status.iterations << ",\n";
  o << "  \"totals\": {";
  for (std::size_t i = 0; i < r.totals.size(); ++i)
    o << (i ? ", " : "") << input::json_string(r.totals[i].first) << ": "
      << input::json_number(r.totals[i].second);
  o << "},\n  \"species\": {\n";
  for (std::size_t i = 0; i < r.species.size(); ++i) {
    const auto& x = r.species[i];
    o << "    " << input::json_string(x.name)
      << ": {\"molality\": " << input::json_number(x.molality)
      << ", \"activity\": " << input::json_number(x.activity)
      << ", \"log_gamma\": " << input::json_number(x.log_gamma) << "}"
      << (i + 1 < r.species.size() ? "," : "") << "\n";
  }
  o << "  },\n  \"saturation_indices\": {";
  for (std::size_t i = 0; i < r.phases.size(); ++i)
    o << (i ? ", " : "") << input::json_string(r.phases[i].name) << ": "
      << input::json_number(r.phases[i].saturation_index);
  o << "},\n  \"phases\": {\n";
  for (std::size_t i = 0; i < r.phases.size(); ++i) {
    const auto& x = r.phases[i];
    o << "    " << input::json_string(x.name) << ": {\"formula\": " << input::json_string(x.formula)
      << ", \"si\": " << input::json_number(x.saturation_index)
      << ", \"log_iap\": " << input::json_number(x.log_iap)
      << ", \"log_k\": " << input::json_number(x.log_k)
      << ", \"nu\": " << input::json_number(x.ion_count)
      << ", \"mean_saturation_ratio\": " << input::json_number(x.mean_saturation_ratio) << "}"
      << (i + 1 < r.phases.size() ? "," : "") << "\n";
  }
  o << "  }\n}\n";
  return o.str();
}

std::string to_table(const SpeciationReport& r) {
  std::ostringstream o;
  char buf[256];
  std::snprintf(
      buf, sizeof buf, "database %s\ntemperature %.2f degC   pH %.3f   I %.5f mol/kg   a_w %.5f\n",
      r.database.c_str(), r.temperature - 273.15, r.pH, r.ionic_strength, r.activity_water);
  o << buf;
  o << "\ntotals (mmol/kg water)"
    << (r.charge_balance_element.empty()
            ? ""
            : ", " + r.charge_balance_element + " adjusted to charge balance")
    << "\n";
  for (const auto& [e, v] : r.totals) {
    std::snprintf(buf, sizeof buf, "  %-10s %14.6g\n", e.c_str(), v * 1e3);
    o << buf;
  }
  o << "\nspecies                 mmol/kgw       log a    log gamma\n";
  for (const auto& x : r.species) {
    if (x.molality <= 0) continue;
    std::snprintf(buf, sizeof buf, "  %-18s %12.5g %11.4f %11.4f\n", x.name.c_str(),
                  x.molality * 1e3, std::log10(x.activity), x.log_gamma);
    o << buf;
  }
  o << "\nphase                      SI     log IAP      log K     nu\n";
  for (const auto& x : r.phases) {
    std::snprintf(buf, sizeof buf, "  %-18s %9.4f %11.4f %10.4f %6.3g\n", x.name.c_str(),
                  x.saturation_index, x.log_iap, x.log_k, x.ion_count);
    o << buf;
  }
  return o.str();
}

}  // namespace calcikin::api
