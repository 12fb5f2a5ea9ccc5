#pragma once
// The thermodynamic parameters a scenario may set (`thermodynamics.parameters`), derived from the
// database the scenario names -- nothing here is hard-coded per phase or species:
//
//   <Phase>.<offset name>   a phase with a named log K offset in the database (builtin WH:
//                           WH.dlogK_stab, the stabilisation term; default, range and source from
//                           the database entry). The value *is* the offset added to log10 Ksp.
//   <Phase>.log_k_offset    every other phase: log10 Ksp = database value + offset (default 0)
//   <Species>.log_k_offset  every aqueous species that is not a master species: log10 K of its
//                           formation reaction = database value + offset (default 0). W1: builtin
//                           NaHPO4- 1.07 -> 0.29 (HPO4 basis, phreeqc.dat) is NaHPO4-.log_k_offset
//                           -0.78.
//
// Names follow the database's spelling (PHREEQC files: "Hydroxyapatite.log_k_offset",
// "CaHPO4.log_k_offset"). All values are dimensionless (log10 units).
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "models/scenario/scenario.hpp"
#include "models/thermo/database.hpp"

namespace calcikin::scenario {

struct ThermoParameterInfo {
  std::string name;  // "WH.dlogK_stab", "NaHPO4-.log_k_offset"
  ThermoParameterKind kind = ThermoParameterKind::PhaseLogKOffset;
  std::string target;          // the phase or species, as the database spells it
  double default_value = 0.0;  // log10 units
  // Plausible range from the database (not enforced); NaN when the database gives none.
  double min = 0.0, max = 0.0;
  std::string description;
  std::string source;  // the database entry's source (builtin) or "file:line" (PHREEQC file)
};

class ThermoParameterCatalogue {
 public:
  explicit ThermoParameterCatalogue(const thermo::Database& db);

  const std::string& database() const noexcept { return database_; }
  const std::vector<ThermoParameterInfo>& entries() const noexcept { return entries_; }
  const ThermoParameterInfo* find(std::string_view name) const;
  // The parameter of a phase ("WH" -> "WH.dlogK_stab") or species ("NaHPO4-" ->
  // "NaHPO4-.log_k_offset").
  const ThermoParameterInfo* find_target(ThermoParameterKind kind, std::string_view target) const;
  std::vector<std::string> names() const;
  // Species of the database that are off unless enabled (`thermodynamics.optional_species`).
  const std::vector<std::string>& optional_species() const noexcept { return optional_species_; }

 private:
  std::string database_;
  std::vector<ThermoParameterInfo> entries_;
  std::vector<std::string> optional_species_;
};

// The catalogue of the database a scenario names ("builtin" or a PHREEQC file path), built once per
// database and cached (thread-safe). Throws InputError for a database that cannot be read.
std::shared_ptr<const ThermoParameterCatalogue> thermo_parameter_catalogue(
    const std::string& database);

// The catalogue entry of `name`, or InputError at `where` with did-you-mean.
const ThermoParameterInfo& require_thermo_parameter(const ThermoParameterCatalogue& catalogue,
                                                    std::string_view name,
                                                    const SourceLocation& where,
                                                    const std::string& key_path,
                                                    const std::string& source_line);

// A readable table of the catalogue (name, default, range, description, source) for the CLI.
std::string format_catalogue(const ThermoParameterCatalogue& catalogue);

}  // namespace calcikin::scenario
