#pragma once
// Registry of CLI subcommands. Each cmd_<name>.cpp defines register_<name>(), which adds its
// CLI11 subcommand and stores the action to run when it was selected.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace calcikin::scenario {
struct Scenario;
}

namespace calcikin::cli {

class CommandTable {
 public:
  void add(CLI::App* sub, std::function<int()> action) {
    entries_.emplace_back(sub, std::move(action));
  }
  // Runs the selected subcommand; every exception is turned into a message and an exit code here.
  int run_selected() const;

 private:
  std::vector<std::pair<CLI::App*, std::function<int()>>> entries_;
};

void register_all(CLI::App& app, CommandTable& table);
std::string version_text();
std::string exit_code_help();
// A binary built without MPI but started by mpirun/srun as several ranks would do all the work on
// every rank and race for the output: exit 2 with a message (`what`: "sweep", "fit"), else 0.
int refuse_mpi_launch_without_mpi(const char* what);
// `validate`, `speciate` and `run`: loads the scenario file, applies the --set overrides (in order)
// and prints the scenario's warnings (Scenario::warnings) on stderr.
scenario::Scenario load_scenario(const std::string& file,
                                 const std::vector<std::string>& overrides);

// One per subcommand file.
void register_validate(CLI::App& app, CommandTable& table);
void register_speciate(CLI::App& app, CommandTable& table);
void register_run(CLI::App& app, CommandTable& table);
void register_info(CLI::App& app, CommandTable& table);
void register_merge(CLI::App& app, CommandTable& table);
void register_params(CLI::App& app, CommandTable& table);
void register_fit(CLI::App& app, CommandTable& table);

}  // namespace calcikin::cli
