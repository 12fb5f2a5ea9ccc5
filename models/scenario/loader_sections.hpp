#pragma once
// Internal to the loader: one function per top-level section of a scenario file. Each reads its
// map, converts units to SI and rejects unknown keys.
#include <string>

#include "models/scenario/scenario.hpp"
#include "solver/input/document.hpp"

namespace calcikin::scenario::detail {

void load_solution(const input::Node& node, SolutionSpec& out);
void load_minerals(const input::Node& node, std::vector<MineralSpec>& out);
// Needs s.database (parameter names come from the database).
void load_thermodynamics(const input::Node& node, Scenario& s);
void load_kinetics(const input::Node& node, KineticsSpec& out);
void load_time(const input::Node& node, TimeSpec& out);
void load_solver(const input::Node& node, SolverSpec& out);
void load_output(const input::Node& node, const std::string& base_dir, OutputSpec& out);
// Needs the rest of the scenario loaded (paths are resolved against it).
void load_sweep(const input::Node& node, Scenario& s);

// base_dir / path, absolute and normalised.
std::string resolve_relative(const std::string& base_dir, const std::string& path);

}  // namespace calcikin::scenario::detail
