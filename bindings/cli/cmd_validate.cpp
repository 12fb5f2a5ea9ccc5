// calcikin validate FILE...: reads each scenario file (and applies --set overrides) and reports
// every problem; writes nothing. stdout: one summary line per valid file. Exit 0 when all are
// valid, 3 otherwise.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bindings/cli/commands.hpp"
#include "models/scenario/loader.hpp"
#include "models/scenario/overrides.hpp"
#include "solver/input/exit_codes.hpp"

namespace calcikin::cli {
namespace {

struct ValidateOptions {
  std::vector<std::string> files;
  std::vector<std::string> overrides;
};

std::string summary(const scenario::Scenario& s) {
  std::size_t points = s.sweep.mode == scenario::SweepMode::None ? 1 : 0;
  if (s.sweep.mode == scenario::SweepMode::Grid) {
    points = 1;
    for (const auto& p : s.sweep.parameters) points *= p.values.size();
  } else if (s.sweep.mode == scenario::SweepMode::LatinHypercube) {
    points = static_cast<std::size_t>(s.sweep.samples);
  } else if (s.sweep.mode != scenario::SweepMode::None) {
    points = s.sweep.parameters.front().values.size();
  }
  return s.name + ": " + std::to_string(s.solution.totals.size()) + " totals, " +
         std::to_string(s.minerals.size()) + " minerals, " + std::to_string(points) +
         (points == 1 ? " point" : " points");
}

int run_validate(const ValidateOptions& options) {
  int rc = kExitOk;
  for (const std::string& file : options.files) {
    try {
      scenario::Scenario s = scenario::load_file(file);
      for (const std::string& o : options.overrides) scenario::apply_set(s, o);
      std::printf("ok: %s (%s)\n", file.c_str(), summary(s).c_str());
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
  sub->footer(exit_code_help());
  table.add(sub, [options] { return run_validate(*options); });
}

}  // namespace calcikin::cli
