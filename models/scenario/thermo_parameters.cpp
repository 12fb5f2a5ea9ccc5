#include "models/scenario/thermo_parameters.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "solver/input/did_you_mean.hpp"

namespace calcikin::scenario {
namespace {

constexpr double kNoBound = std::numeric_limits<double>::quiet_NaN();
constexpr const char* kOffsetField = "log_k_offset";

}  // namespace

ThermoParameterCatalogue::ThermoParameterCatalogue(const thermo::Database& db)
    : database_(db.name) {
  std::set<std::string> taken;
  for (const thermo::Phase& p : db.phases) {
    ThermoParameterInfo e;
    e.kind = ThermoParameterKind::PhaseLogKOffset;
    e.target = p.name;
    e.source = p.source;
    if (!p.offset_parameter.empty()) {
      e.name = p.name + "." + p.offset_parameter;
      e.default_value = p.default_log_k_offset;
      e.min = p.offset_min;
      e.max = p.offset_max;
      e.description = "log10 Ksp offset '" + p.offset_parameter + "' of " + p.name +
                      " (log K = database expression + this value)";
    } else {
      e.name = p.name + "." + kOffsetField;
      e.min = e.max = kNoBound;
      e.description =
          "shift of log10 Ksp of " + p.name + (p.formula.empty() ? "" : " (" + p.formula + ")");
    }
    if (taken.insert(e.name).second) entries_.push_back(std::move(e));
  }
  // Master species (and H+) have log K 0 by definition: shifting them means nothing.
  std::set<std::string> masters = {"H+"};
  for (const thermo::BasisSpecies& b : db.basis) masters.insert(b.species);
  for (const thermo::AqueousSpecies& sp : db.species) {
    if (sp.optional) optional_species_.push_back(sp.name);
    if (masters.count(sp.name) != 0) continue;
    ThermoParameterInfo e;
    e.kind = ThermoParameterKind::SpeciesLogKOffset;
    e.target = sp.name;
    e.name = sp.name + "." + kOffsetField;
    e.min = e.max = kNoBound;
    e.description =
        "shift of the formation log10 K of " + sp.name + (sp.optional ? " (optional species)" : "");
    e.source = sp.source;
    // A species spelt like a phase (rare in PHREEQC files) keeps the phase's meaning of the name.
    if (taken.insert(e.name).second) entries_.push_back(std::move(e));
  }
}

const ThermoParameterInfo* ThermoParameterCatalogue::find(std::string_view name) const {
  for (const ThermoParameterInfo& e : entries_)
    if (e.name == name) return &e;
  return nullptr;
}

const ThermoParameterInfo* ThermoParameterCatalogue::find_target(ThermoParameterKind kind,
                                                                 std::string_view target) const {
  for (const ThermoParameterInfo& e : entries_)
    if (e.kind == kind && e.target == target) return &e;
  return nullptr;
}

std::vector<std::string> ThermoParameterCatalogue::names() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const ThermoParameterInfo& e : entries_) out.push_back(e.name);
  return out;
}

std::shared_ptr<const ThermoParameterCatalogue> thermo_parameter_catalogue(
    const std::string& database) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const ThermoParameterCatalogue>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(database);
  if (it != cache.end()) return it->second;
  auto catalogue =
      std::make_shared<const ThermoParameterCatalogue>(*thermo::load_database(database));
  cache.emplace(database, catalogue);
  return catalogue;
}

const ThermoParameterInfo& require_thermo_parameter(const ThermoParameterCatalogue& catalogue,
                                                    std::string_view name,
                                                    const SourceLocation& where,
                                                    const std::string& key_path,
                                                    const std::string& source_line) {
  if (const ThermoParameterInfo* e = catalogue.find(name)) return *e;
  const std::vector<std::string> names = catalogue.names();
  std::string suggestion = input::did_you_mean(name, names);
  if (suggestion.empty()) {
    // The phase or species is right, the field is not ("WH.log_k_stabilisation"): name its
    // parameter.
    const std::string_view entity = name.substr(0, std::min(name.rfind('.'), name.size()));
    for (const ThermoParameterInfo& e : catalogue.entries())
      if (e.target == entity) suggestion = "did you mean '" + e.name + "'?";
  }
  std::string hint = "names are <Phase>.log_k_offset and <Species>.log_k_offset as database '" +
                     catalogue.database() + "' spells them";
  std::vector<std::string> named;  // the database's named offsets (builtin: WH.dlogK_stab)
  for (const ThermoParameterInfo& e : catalogue.entries())
    if (e.kind == ThermoParameterKind::PhaseLogKOffset && e.name != e.target + "." + kOffsetField)
      named.push_back(e.name);
  if (!named.empty()) hint += ", and " + input::quoted_list(named);
  hint += "; list them with 'calcikin speciate --list-parameters FILE'";
  throw input::InputError(where, key_path,
                          "unknown thermodynamic parameter '" + std::string(name) + "'" +
                              (suggestion.empty() ? "" : "; " + suggestion),
                          source_line, hint);
}

std::string format_catalogue(const ThermoParameterCatalogue& catalogue) {
  std::ostringstream o;
  o << "thermodynamic parameters of database " << catalogue.database()
    << " (thermodynamics.parameters.NAME; dimensionless, log10 units)\n";
  char buf[160];
  std::snprintf(buf, sizeof buf, "%-32s %9s  %-15s %s\n", "name", "default", "range",
                "description [source]");
  o << buf;
  for (const ThermoParameterInfo& e : catalogue.entries()) {
    char range[40] = "-";
    if (std::isfinite(e.min) && std::isfinite(e.max))
      std::snprintf(range, sizeof range, "%g...%g", e.min, e.max);
    std::snprintf(buf, sizeof buf, "%-32s %9g  %-15s ", e.name.c_str(), e.default_value, range);
    o << buf << e.description << (e.source.empty() ? "" : " [" + e.source + "]") << "\n";
  }
  if (!catalogue.optional_species().empty())
    o << "optional species (thermodynamics.optional_species): "
      << input::quoted_list(catalogue.optional_species()) << "\n";
  return o.str();
}

}  // namespace calcikin::scenario
