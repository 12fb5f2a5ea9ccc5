#pragma once
// Internal to the loader: one function per top-level section of a scenario file. Each reads its
// map, converts units to SI and rejects unknown keys.
#include <string>

#include "models/scenario/scenario.hpp"
#include "models/scenario/thermo_parameters.hpp"
#include "solver/input/document.hpp"

namespace calcikin::scenario::detail {

void load_solution(const input::Node& node, SolutionSpec& out);
void load_minerals(const input::Node& node, std::vector<MineralSpec>& out);
// Needs s.database (parameter names come from the database).
void load_thermodynamics(const input::Node& node, Scenario& s);
// Needs s.thermodynamics loaded (kinetics.parameter_set may carry thermodynamic parameters).
void load_kinetics(const input::Node& node, const std::string& base_dir, Scenario& s);
// kinetics.parameter_set: FILE (load_parameter_set.cpp). `value` is the key's value in the
// scenario (errors about the file itself point there).
void load_parameter_set(const input::Node& value, const std::string& base_dir, Scenario& s);
// One entry of a kinetics.parameters map: name checked against the kinetic catalogue, value
// converted to its SI unit, physical domain checked (errors at the entry, with caret).
ParameterOverride read_kinetic_parameter(const input::Entry& e);
// One entry of a thermodynamics.parameters map: name from the database's catalogue, plain number.
ThermoParameterSetting read_thermo_parameter(const input::Entry& e,
                                             const ThermoParameterCatalogue& catalogue);
void load_time(const input::Node& node, TimeSpec& out);
void load_solver(const input::Node& node, SolverSpec& out);
void load_output(const input::Node& node, const std::string& base_dir, OutputSpec& out);
// Needs the rest of the scenario loaded (paths are resolved against it).
void load_sweep(const input::Node& node, Scenario& s);

// base_dir / path, absolute and normalised.
std::string resolve_relative(const std::string& base_dir, const std::string& path);

}  // namespace calcikin::scenario::detail
