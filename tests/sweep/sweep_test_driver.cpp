// A process running a logistic test sweep through the engine, for CLI-level tests that kill it
// (kill -9, SIGINT) and resume it:
//   sweep_test_driver run OUT.h5 POINTS THREADS DELAY_S [--resume]   exit 0 / 4 / 130 like calcikin
//   run sweep_test_driver grid OUT.h5                                      the 6 x 3 grid (rate x
//   initial) sweep_test_driver compare A.h5 B.h5                                exit 0 when the
//   datasets are equal
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "logistic_sweep.hpp"
#include "solver/io/dataset_compare.hpp"
#include "solver/sweep/cancel.hpp"

int main(int argc, char** argv) {
  using namespace calcikin;
  try {
    const std::string mode = argc > 1 ? argv[1] : "";
    if (mode == "compare" && argc == 4) {
      const auto diffs = io::compare_datasets(argv[2], argv[3]);
      for (const auto& d : diffs) std::fprintf(stderr, "%s\n", d.c_str());
      return diffs.empty() ? 0 : 1;
    }
    if (mode == "grid" && argc == 3) {
      const auto summary = testing::run_logistic(argv[2], testing::LogisticSweep{});
      return summary.failed > 0 ? 4 : 0;
    }
    if (mode == "run" && (argc == 6 || argc == 7)) {
      testing::LogisticSweep s;
      s.plan = testing::LogisticSweep::zip_plan(std::strtoul(argv[3], nullptr, 10));
      s.threads = std::atoi(argv[4]);
      s.settings.delay_seconds = std::atof(argv[5]);
      s.flush_rows = 8;
      s.use_mpi = true;  // a plain process is a world of one
      sweep::CancelToken cancel;
      sweep::InterruptGuard guard(cancel);
      s.cancel = &cancel;
      const bool resume = argc == 7 && std::string(argv[6]) == "--resume";
      const auto summary = testing::run_logistic(argv[2], s, resume);
      std::fprintf(stderr, "total %zu skipped %zu computed %zu failed %zu\n", summary.total,
                   summary.skipped, summary.computed, summary.failed);
      if (summary.interrupted) return 130;
      if (summary.total == 0) return 0;  // an MPI worker rank
      return summary.failed > 0 ? 4 : 0;
    }
    std::fprintf(
        stderr, "usage: sweep_test_driver run OUT POINTS THREADS DELAY [--resume] | compare A B\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 5;
  }
}
