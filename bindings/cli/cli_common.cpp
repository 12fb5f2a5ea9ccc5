// What every subcommand shares: the registry, --version text, the exit-code footer, and the one
// place where exceptions become messages and exit codes.
#include <omp.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <new>
#include <string>

#include "bindings/cli/commands.hpp"
#include "calcikin_build_info.hpp"
#include "calcikin_git_commit.hpp"
#include "models/scenario/loader.hpp"
#include "models/scenario/overrides.hpp"
#include "solver/input/exit_codes.hpp"
#include "solver/input/input_error.hpp"
#include "solver/io/io_error.hpp"

namespace calcikin::cli {

void register_all(CLI::App& app, CommandTable& table) {
  // One line per subcommand (declared in commands.hpp, defined in cmd_<name>.cpp).
  register_validate(app, table);
  register_speciate(app, table);
  register_run(app, table);
  register_info(app, table);
  register_merge(app, table);
  register_params(app, table);
  register_fit(app, table);
}

scenario::Scenario load_scenario(const std::string& file,
                                 const std::vector<std::string>& overrides) {
  scenario::Scenario s = scenario::load_file(file);
  for (const std::string& set : overrides) scenario::apply_set(s, set);
  for (const std::string& w : s.warnings) std::fprintf(stderr, "%s\n", w.c_str());
  return s;
}

std::string version_text() {
  std::string text = "calcikin " CALCIKIN_VERSION " (git " CALCIKIN_GIT_COMMIT ")\n";
  text += "  SUNDIALS " CALCIKIN_SUNDIALS_VERSION ", HDF5 " CALCIKIN_HDF5_VERSION
          ", Eigen " CALCIKIN_EIGEN_VERSION ", yaml-cpp " CALCIKIN_YAML_CPP_VERSION "\n";
  text += "  OpenMP threads available: " + std::to_string(omp_get_max_threads()) + "\n";
#ifdef CALCIKIN_WITH_MPI
  text += "  MPI: compiled in\n";
#else
  text += "  MPI: not compiled in\n";
#endif
  return text;
}

std::string exit_code_help() {
  return "Exit codes: 0 ok, 2 usage error, 3 invalid input (nothing written), 4 finished but some "
         "points\n"
         "failed (recorded in the output; fit: every simulation failed, nothing written), 5 "
         "output or I/O\n"
         "error, 130 interrupted (partial file kept, resumable). Logs go to stderr; stdout "
         "carries only the\nrequested data.";
}

int refuse_mpi_launch_without_mpi(const char* what) {
#ifndef CALCIKIN_WITH_MPI
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && std::atol(value) > 1) {
      std::fprintf(stderr,
                   "error: started as one of %s MPI ranks (%s=%s), but this calcikin was built "
                   "without MPI: every rank would compute the whole %s. Run one process (-j for "
                   "threads)%s, or build with the mpi preset.\n",
                   value, name, value, what,
                   std::string(what) == "sweep" ? ", use --shard K/N for job arrays" : "");
      return kExitUsage;
    }
  }
#else
  (void)what;
#endif
  return kExitOk;
}

int CommandTable::run_selected() const {
  for (const auto& [sub, action] : entries_) {
    if (!sub->parsed()) continue;
    try {
      return action();
    } catch (const input::InputError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return kExitInvalidInput;
    } catch (const io::IoError& e) {
      std::fprintf(stderr, "error: %s\n", e.what());
      return kExitIoError;
    } catch (const std::bad_alloc&) {
      std::fputs("error: out of memory\n", stderr);
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "error: internal error: %s\n", e.what());
      return 1;
    }
  }
  return kExitUsage;
}

}  // namespace calcikin::cli
