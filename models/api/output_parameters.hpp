#pragma once
// The effective model parameters of a run, as the output file stores them (parameter_value /
// parameter_units along the `parameter` dimension, docs/file-format.md): every kinetic parameter of
// the catalogue and every thermodynamic parameter of the scenario's database, at the scenario's
// value (catalogue default unless kinetics.parameters / thermodynamics.parameters or --set set it).
#include <vector>

#include "models/scenario/scenario.hpp"
#include "solver/io/sweep_writer.hpp"

namespace calcikin::api {

// `scenario` must have its kinetic parameters resolved (Simulation::prepare does that). Names are
// the dotted scenario paths (kinetics.parameters.X, thermodynamics.parameters.Y), as sweep paths.
std::vector<io::ParameterValue> effective_parameters(const scenario::Scenario& scenario);

}  // namespace calcikin::api
