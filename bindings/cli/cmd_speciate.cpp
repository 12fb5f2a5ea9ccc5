// calcikin speciate FILE.yaml [--json] [--set PATH=VALUE] [--log-k-offset PHASE=V]
//                  [--species-log-k-offset SPECIES=V] [--enable-species NAME]: aqueous speciation
//                  and saturation indices of
// the scenario's initial solution (api::speciate). stdout: a table, or JSON with --json (full
// precision). The flags are shorthands for the scenario's `thermodynamics` section (--log-k-offset
// WH=-10 is
// --set thermodynamics.parameters.WH.dlogK_stab=-10) and win over it.
// calcikin speciate --list-parameters [FILE.yaml]: the thermodynamic parameters of the scenario's
// database (builtin without FILE), with defaults, ranges and sources.
// Exit 0 ok, 3 invalid input, 4 the speciation did not converge (message on stderr).
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "bindings/cli/commands.hpp"
#include "models/api/speciate.hpp"
#include "models/scenario/loader.hpp"
#include "models/scenario/overrides.hpp"
#include "models/scenario/thermo_parameters.hpp"
#include "solver/input/exit_codes.hpp"

namespace calcikin::cli {
namespace {

struct SpeciateOptions {
  std::string file;
  bool json = false;
  bool list_parameters = false;
  std::vector<std::string> overrides;
  std::vector<std::string> phase_offsets, species_offsets, enable_species;
};

// "NAME=VALUE" -> (NAME, VALUE); InputError naming the flag otherwise.
std::pair<std::string, double> name_value(const std::string& flag, const std::string& text) {
  const auto eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0)
    throw input::InputError(input::SourceLocation{"<command line>", 0, 0}, flag,
                            "expected NAME=VALUE, got '" + text + "'", "",
                            "e.g. " + flag + " WH=-10");
  try {
    std::size_t used = 0;
    const double v = std::stod(text.substr(eq + 1), &used);
    if (used != text.size() - eq - 1) throw std::invalid_argument("trailing text");
    return {text.substr(0, eq), v};
  } catch (const std::exception&) {
    throw input::InputError(input::SourceLocation{"<command line>", 0, 0}, flag,
                            "'" + text.substr(eq + 1) + "' is not a number", "",
                            "e.g. " + flag + " WH=-10");
  }
}

int list_parameters(const SpeciateOptions& options) {
  const std::string database =
      options.file.empty() ? "builtin" : scenario::load_file(options.file).database;
  const std::string text =
      scenario::format_catalogue(*scenario::thermo_parameter_catalogue(database));
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
  return kExitOk;
}

int run_speciate(const SpeciateOptions& options) {
  if (options.list_parameters) return list_parameters(options);
  if (options.file.empty()) {
    std::fputs(
        "error: speciate needs a scenario file (or --list-parameters); see calcikin speciate "
        "--help\n",
        stderr);
    return kExitUsage;
  }
  scenario::Scenario s = load_scenario(options.file, options.overrides);
  api::SpeciateOptions choices;
  for (const auto& t : options.phase_offsets)
    choices.phase_log_k_offsets.push_back(name_value("--log-k-offset", t));
  for (const auto& t : options.species_offsets)
    choices.species_log_k_offsets.push_back(name_value("--species-log-k-offset", t));
  choices.enable_species = options.enable_species;
  api::SpeciationReport report;
  try {
    report = api::speciate(s, choices);
  } catch (const api::SpeciationError& e) {
    std::fprintf(stderr, "error: %s: %s\n", options.file.c_str(), e.what());
    return kExitPointsFailed;
  }
  const std::string text = options.json ? api::to_json(report) : api::to_table(report);
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

void register_speciate(CLI::App& app, CommandTable& table) {
  auto options = std::make_shared<SpeciateOptions>();
  CLI::App* sub =
      app.add_subcommand("speciate", "Speciation and saturation indices of a scenario's solution");
  sub->add_option("file", options->file, "Scenario file (YAML, schema calcikin/scenario/1)");
  sub->add_flag("--list-parameters", options->list_parameters,
                "List the thermodynamic parameters (thermodynamics.parameters) of FILE's database "
                "(builtin without FILE)");
  sub->add_flag("--json", options->json, "Print JSON (full precision) instead of a table");
  sub->add_option("--set", options->overrides,
                  "Override a value: PATH=VALUE, e.g. solution.pH=7.0");
  sub->add_option(
      "--log-k-offset", options->phase_offsets,
      "Phase log K offset PHASE=VALUE (builtin WH: dlogK_stab, default -12), e.g. WH=-10");
  sub->add_option("--species-log-k-offset", options->species_offsets,
                  "Shift a species' formation log K, SPECIES=VALUE, e.g. NaHPO4-=-0.78 "
                  "(phreeqc.dat's constant)");
  sub->add_option("--enable-species", options->enable_species,
                  "Include an optional species (builtin: CaCl+ MgCl+ NaCl)");
  sub->footer(exit_code_help());
  table.add(sub, [options] { return run_speciate(*options); });
}

}  // namespace calcikin::cli
