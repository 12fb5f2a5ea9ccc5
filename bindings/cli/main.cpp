// calcikin command-line interface: one file per subcommand (cmd_*.cpp), all calling the same C++
// entry points as the Python module (models/api). Logs and progress go to stderr; stdout carries
// only the data that was asked for.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <string>

#include "bindings/cli/commands.hpp"
#include "solver/input/exit_codes.hpp"

namespace {

int run_cli(int argc, char** argv) {
  CLI::App app{"calcikin: calcium phosphate mineralization and its inhibition by magnesium"};
  app.require_subcommand(0, 1);
  app.footer(calcikin::cli::exit_code_help());
  bool show_version = false;
  app.add_flag("--version", show_version, "Print version, git commit, library versions and exit");

  calcikin::cli::CommandTable commands;
  calcikin::cli::register_all(app, commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return calcikin::kExitUsage;
  }
  if (show_version) {
    std::fputs(calcikin::cli::version_text().c_str(), stdout);
    return calcikin::kExitOk;
  }
  if (app.get_subcommands().empty()) {
    std::fputs(app.help().c_str(), stderr);
    return calcikin::kExitUsage;
  }
  return commands.run_selected();
}

}  // namespace

int main(int argc, char** argv) {
  // Subcommands map their own errors to exit codes (CommandTable::run_selected); this is the last
  // line of defence for anything thrown while the command line itself is set up.
  try {
    return run_cli(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: internal error: %s\n", e.what());
  } catch (...) {
    std::fputs("error: internal error\n", stderr);
  }
  return 1;
}
