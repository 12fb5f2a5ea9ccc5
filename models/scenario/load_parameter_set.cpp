// kinetics.parameter_set: FILE -- the parameter set `calcikin fit` writes beside its HDF5 output
// (models/fit/fit.cpp, parameter_set_yaml), read as a scenario reads its own parameters:
//
//   kinetics:
//     parameters:
//       HAP.growth.rate_constant: 1.8e-08 mol/m2/s
//       WH.nucleation.interfacial_energy: 0.062 J/m2   # not identifiable
//   thermodynamics:
//     parameters:
//       WH.dlogK_stab: -9.7
//   not_identifiable: [kinetics.parameters.WH.nucleation.interfacial_energy]
//
// The path is relative to the scenario file's folder. Kinetic values go through the kinetic
// catalogue (units converted to SI, physical domains checked) and thermodynamic names through the
// database's catalogue, exactly like kinetics.parameters and thermodynamics.parameters; errors
// point into the set's file (file:line:col, caret), or at the key in the scenario when the file is
// missing or unreadable.
//
// Precedence (lowest first): catalogue default < parameter set < the scenario's own
// kinetics.parameters / thermodynamics.parameters < --set < a sweep or a fit.
//
// Not identifiable parameters (their profile was flat: the data do not determine them) are loaded
// as written -- the fit's end point is a valid value, and a scenario that reproduces the fit must
// use it -- but each one the scenario does not override gives a warning (Scenario::warnings) at its
// line in the set, so that nobody mistakes it for a calibrated value.
#include <algorithm>
#include <filesystem>
#include <map>
#include <system_error>

#include "models/scenario/loader_sections.hpp"
#include "models/scenario/thermo_parameters.hpp"
#include "solver/input/document.hpp"

namespace calcikin::scenario::detail {
namespace {

constexpr const char* kKineticPrefix = "kinetics.parameters.";
constexpr const char* kThermoPrefix = "thermodynamics.parameters.";
constexpr const char* kSetHint =
    "the parameter set `calcikin fit` writes beside its output (FIT.yaml beside FIT.h5), a path "
    "relative to the scenario file's folder";

std::string warning_text(const SourceLocation& where, const std::string& key_path,
                         const std::string& problem, const std::string& source_line,
                         const std::string& hint) {
  std::string text = input::format_input_error(where, key_path, problem, source_line, hint);
  const std::string error = "error: ";
  if (text.rfind(error, 0) == 0) text.replace(0, error.size(), "warning: ");
  return text;
}

}  // namespace

void load_parameter_set(const input::Node& value, const std::string& base_dir, Scenario& s) {
  const std::string written = value.text();
  if (written.empty()) value.fail("empty parameter set path", kSetHint);
  const std::string path = resolve_relative(base_dir, written);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    value.fail("parameter set file not found: " + path, kSetHint);
  // Messages name the file as the scenario's folder and the key spell it (relative when the
  // scenario was named relatively), like the scenario itself.
  std::filesystem::path shown(written);
  if (shown.is_relative() && !base_dir.empty()) shown = std::filesystem::path(base_dir) / shown;
  const std::shared_ptr<const input::Document> doc =
      input::Document::from_file(shown.lexically_normal().string());
  const input::Node root = doc->root();
  root.check_known_keys({"kinetics", "thermodynamics", "not_identifiable"});
  s.kinetics.parameter_set = path;
  s.kinetics.parameter_set_text = doc->text();
  s.kinetics.parameter_set_where = value.location();

  // Paths the fit marked not identifiable ("kinetics.parameters.X" or
  // "thermodynamics.parameters.Y"), each with the place it is listed.
  std::map<std::string, input::Node> not_identifiable;
  if (auto n = root.get("not_identifiable"))
    for (const input::Node& item : n->items()) {
      const std::string name = item.text();
      if (name.rfind(kKineticPrefix, 0) != 0 && name.rfind(kThermoPrefix, 0) != 0)
        item.fail("'" + name + "' is not a parameter path",
                  "e.g. kinetics.parameters.HAP.growth.rate_constant or "
                  "thermodynamics.parameters.WH.dlogK_stab");
      not_identifiable.emplace(name, item);
    }
  std::map<std::string, bool> listed;  // parameter path -> present in the set
  const auto warn_if_not_identifiable = [&](const std::string& key_path, const SourceLocation& at,
                                            const std::string& line) {
    if (not_identifiable.count(key_path) == 0) return;
    s.warnings.push_back(warning_text(
        at, key_path,
        "not identifiable in the fit that wrote " + written +
            ": the data did not determine it; its value is loaded as written, not a calibrated "
            "value",
        line, "set it in the scenario's own parameters to choose a value"));
  };

  if (auto k = root.get("kinetics")) {
    if (auto params = k->get("parameters")) {
      for (const input::Entry& e : params->entries()) {
        ParameterOverride p = read_kinetic_parameter(e);  // checked even when overridden
        const std::string key_path = kKineticPrefix + p.name;
        listed[key_path] = true;
        const bool overridden =
            std::any_of(s.kinetics.parameters.begin(), s.kinetics.parameters.end(),
                        [&](const ParameterOverride& o) { return o.name == p.name; });
        if (overridden) continue;
        warn_if_not_identifiable(key_path, p.where, p.source_line);
        s.kinetics.parameters.push_back(std::move(p));
      }
    }
    k->check_known_keys();
  }
  if (auto t = root.get("thermodynamics")) {
    if (auto params = t->get("parameters")) {
      const std::shared_ptr<const ThermoParameterCatalogue> catalogue =
          thermo_parameter_catalogue(s.database);
      for (const input::Entry& e : params->entries()) {
        ThermoParameterSetting p = read_thermo_parameter(e, *catalogue);
        const std::string key_path = kThermoPrefix + p.name;
        listed[key_path] = true;
        const bool overridden =
            std::any_of(s.thermodynamics.parameters.begin(), s.thermodynamics.parameters.end(),
                        [&](const ThermoParameterSetting& o) { return o.name == p.name; });
        if (overridden) continue;
        warn_if_not_identifiable(key_path, p.where, p.source_line);
        s.thermodynamics.parameters.push_back(std::move(p));
      }
    }
    t->check_known_keys();
  }
  for (const auto& [name, item] : not_identifiable)
    if (listed.count(name) == 0)
      item.fail("'" + name + "' is marked not identifiable but has no value in this set");
  root.check_known_keys();
}

}  // namespace calcikin::scenario::detail
