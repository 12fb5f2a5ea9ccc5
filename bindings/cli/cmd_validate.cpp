// calcikin validate FILE...: reads each scenario file (and applies --set overrides), prepares it
// exactly as `run` does (api::prepare_run: initial solution, database range, kinetics, sweep plan)
// and reports every problem; writes nothing. "ok" means `run` would start computing. stdout: one
// summary line per valid file, with the expected size of the output file
// (api::expected_output_bytes, the figure Python's Scenario.expected_file_size() gives). Exit 0
// when all are valid, 3 otherwise.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bindings/cli/commands.hpp"
#include "models/api/output_size.hpp"
#include "models/api/run.hpp"
#include "models/scenario/loader.hpp"
#include "models/scenario/overrides.hpp"
#include "solver/input/exit_codes.hpp"

namespace calcikin::cli {
namespace {

struct ValidateOptions {
  std::vector<std::string> files;
  std::vector<std::string> overrides;
  bool yes = false;
};

std::string summary(const scenario::Scenario& s, const sweep::SweepPlan& plan) {
  const std::size_t points = plan.size();
  return s.name + ": " + std::to_string(s.solution.totals.size()) + " totals, " +
         std::to_string(s.minerals.size()) + " minerals, " + std::to_string(points) +
         (points == 1 ? " point" : " points");
}

int run_validate(const ValidateOptions& options) {
  int rc = kExitOk;
  for (const std::string& file : options.files) {
    try {
      scenario::Scenario s = load_scenario(file, options.overrides);
      const api::PreparedRun prepared = api::prepare_run(s, options.yes);
      const std::uint64_t bytes = api::expected_output_bytes(prepared, options.overrides);
      std::printf("ok: %s (%s; output file about %s%s)\n", file.c_str(),
                  summary(s, prepared.plan).c_str(), api::format_bytes(bytes).c_str(),
                  s.output.compression > 0 ? " before compression" : "");
    } catch (const input::InputError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      rc = kExitInvalidInput;
    }
  }
  std::fflush(stdout);
  return rc;
}

}  // namespace

void register_validate(CLI::App& app, CommandTable& table) {
  auto options = std::make_shared<ValidateOptions>();
  CLI::App* sub =
      app.add_subcommand("validate", "Check scenario files without running them (writes nothing)");
  sub->add_option("files", options->files, "Scenario files (YAML, schema calcikin/scenario/1)")
      ->required();
  sub->add_option("--set", options->overrides,
                  "Override a value: PATH=VALUE, e.g. solution.totals.Mg='2 mmol/kgw'");
  sub->add_flag("--yes", options->yes,
                "Accept sweeps larger than sweep.confirm_above (as `run --yes` does)");
  sub->footer(exit_code_help());
  table.add(sub, [options] { return run_validate(*options); });
}

}  // namespace calcikin::cli
