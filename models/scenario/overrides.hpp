#pragma once
// Dotted paths into a Scenario: what sweeps (`sweep.parameters`) and `--set path=value` change.
//
// All unit parsing happens once, at load time (udunits2 is not thread-safe); applying one sweep
// point is then a plain assignment of a number already in the path's storage unit:
//
//   ResolvedPath p = resolve_path(s, "solution.totals.Mg", where);     // load time
//   double v = convert_value(p, 2.0, "mmol/kgw", where);               // load time: 0.002 (mol/kg)
//   apply(s, p, v);                                                    // per point: no parsing
//
// Paths and their storage units (what `apply` takes):
//   solution.temperature   K              solution.pH            1 (0..14)
//   solution.density       kg/L           solution.totals.<El>   mol/kg (molal) or mol/m3 (molar)
//   solution.buffer.total  mol/kg         minerals.<Phase>.amount  mol/kg   minerals.<Phase>.radius
//   m time.end               s              solver.rtol            1 kinetics.parameters.<name> the
//   SI unit the kinetics model declares for <name> thermodynamics.parameters.<name>   1 (log10
//   units; names from the database, thermo_parameters.hpp)
//
// Kinetic parameter names and SI units come from the kinetic catalogue
// (models/data/kinetics_parameters.yaml, compiled in), available when the file is read like the
// database's thermodynamic catalogue: every value is SI once loaded. Dimensionless is spelled "1"
// (input::kDimensionless) everywhere.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/kinetics/parameter_catalogue.hpp"
#include "models/scenario/scenario.hpp"
#include "solver/input/input_error.hpp"

namespace calcikin::scenario {

// Every path the scenario accepts (including one per element/phase/parameter present), for
// did-you-mean and documentation.
std::vector<std::string> known_paths(const Scenario& s);

// Throws InputError (with did-you-mean) for an unknown path. Elements and phases need not be in the
// scenario yet (applying then adds them), but must be well-formed names.
// `key_path` is what messages name ("" = the path itself).
ResolvedPath resolve_path(const Scenario& s, std::string_view path, const SourceLocation& where,
                          const std::string& source_line = {}, std::string_view key_path = {});

// Converts `number unit_text` to the path's storage unit and checks the value is allowed there
// (pH 0..14, temperature 0..100 degC, concentrations >= 0, a kinetic parameter's physical domain,
// ...). For Total paths this also sets path.basis from the unit (molal or molar). Throws InputError
// at `where` (quoting `written`, the text as the user wrote it).
double convert_value(ResolvedPath& path, double number, std::string_view unit_text,
                     const SourceLocation& where, const std::string& source_line = {},
                     std::size_t unit_column_offset = 0);

// The problem with `value` (in storage units) at `target`, or nullopt when it is allowed.
std::optional<std::string> range_problem(PathTarget target, double value);

// Sets the value (storage unit) at the path. Adds a missing total, mineral or kinetic parameter.
// No parsing, no allocation unless an entry is added.
void apply(Scenario& s, const ResolvedPath& path, double value);

// --set path=value
struct SetOverride {
  std::string path;
  std::string value_text;  // "2 mmol/kgw", "7.2", "37 degC"
};
// Splits "path=value" (spaces around '=' allowed). Throws InputError (file "--set") when malformed.
SetOverride parse_set(std::string_view argument);
// parse_set + resolve_path + convert_value + apply.
void apply_set(Scenario& s, std::string_view argument);

// A sweep parameter built in code (tests, benches): `path` resolved once, `values` already SI in
// the path's unit (for a total: in `basis`). Throws InputError for an unknown path.
SweepParameter sweep_parameter(const Scenario& s, std::string_view path, std::vector<double> values,
                               ConcentrationBasis basis = ConcentrationBasis::Molal);

// The kinetic catalogue's entry of `name`, or InputError at `where` with did-you-mean.
const kinetics::ParameterInfo& kinetic_parameter(std::string_view name, const SourceLocation& where,
                                                 const std::string& key_path,
                                                 const std::string& source_line = {});

// True for "Ca", "C(4)", "S(6)", "Fe(+2)", "N(-3)".
bool is_element_name(std::string_view name);
// True for "ACP", "HAP", "OCP", "Brushite", "Calcite_s", "WH(Mg)".
bool is_phase_name(std::string_view name);

}  // namespace calcikin::scenario
