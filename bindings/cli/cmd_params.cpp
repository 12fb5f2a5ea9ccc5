// calcikin params [--kinetic | --thermo] [--database DB]: every parameter a scenario can set or
// sweep (kinetics.parameters.<name>, thermodynamics.parameters.<name>) with its default, unit,
// range, tag and source: the kinetic catalogue compiled in (models/data/kinetics_parameters.yaml)
// and the thermodynamic parameters of the database (builtin unless --database names a PHREEQC
// file). Python: ck.kinetic_parameters(), ck.thermo_parameters().
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "bindings/cli/commands.hpp"
#include "models/kinetics/parameter_catalogue.hpp"
#include "models/scenario/thermo_parameters.hpp"
#include "solver/input/exit_codes.hpp"

namespace calcikin::cli {
namespace {

struct ParamsOptions {
  bool kinetic = false;
  bool thermo = false;
  std::string database = "builtin";
};

std::string number(double v) {
  if (std::isnan(v)) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", v);
  return text;
}

int run_params(const ParamsOptions& o) {
  const bool both = !o.kinetic && !o.thermo;
  if (o.kinetic || both) {
    std::printf("# kinetic parameters (kinetics.parameters.<name>; SI values)\n");
    std::printf("%-40s %12s %-12s %21s  %-11s %s\n", "name", "default", "unit", "range", "tag",
                "source");
    for (const kinetics::ParameterInfo& p : kinetics::ParameterCatalogue::builtin().parameters()) {
      std::printf("%-40s %12s %-12s %10s..%-9s  %-11s %s\n", p.name.c_str(),
                  number(p.default_si).c_str(), p.unit.empty() ? "1" : p.unit.c_str(),
                  number(p.min_si).c_str(), number(p.max_si).c_str(), p.tag.c_str(),
                  p.source.c_str());
    }
  }
  if (o.thermo || both) {
    if (both) std::printf("\n");
    std::printf("# thermodynamic parameters of database %s (thermodynamics.parameters.<name>)\n",
                o.database.c_str());
    std::fputs(
        scenario::format_catalogue(*scenario::thermo_parameter_catalogue(o.database)).c_str(),
        stdout);
  }
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

void register_params(CLI::App& app, CommandTable& table) {
  auto o = std::make_shared<ParamsOptions>();
  CLI::App* sub = app.add_subcommand(
      "params", "List the kinetic and thermodynamic parameters a scenario can set or sweep");
  sub->add_flag("--kinetic", o->kinetic, "Only the kinetic parameters");
  sub->add_flag("--thermo", o->thermo, "Only the thermodynamic parameters of the database");
  sub->add_option("--database", o->database,
                  "builtin (default) or a PHREEQC .dat file for the thermodynamic parameters");
  sub->footer(exit_code_help());
  table.add(sub, [o] { return run_params(*o); });
}

}  // namespace calcikin::cli
