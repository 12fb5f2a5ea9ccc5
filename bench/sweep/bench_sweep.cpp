// Sweep benchmark (not a test): prints, from one run,
//   * throughput of the T50-assay sweep (total Mg swept, scenarios/t50_assay.yaml) at 1 and 2
//   threads,
//     the parallel efficiency, and (MPI builds) 2 ranks x 1 thread against 1 rank x 2 threads;
//   * the HDF5 writer's share of the wall time (goal <= 5 %);
//   * peak RSS of summaries-only sweeps of 10,000 / 100,000 (and 1,000,000 with --large) points of
//     the engine's logistic test model: memory must not grow with the number of points.
// Each measurement runs in a child process (this executable, mode `child`) so that its peak RSS is
// its own (wait4 rusage).
//
//   bench_sweep [--scenario FILE] [--points N] [--large]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "calcikin_build_info.hpp"
#include "models/api/run.hpp"
#include "models/scenario/loader.hpp"
#include "models/scenario/overrides.hpp"
#include "solver/io/sweep_writer.hpp"
#ifdef CALCIKIN_BENCH_ENGINE_MODEL
#include "logistic_sweep.hpp"
#endif

namespace {

using namespace calcikin;

struct ChildResult {
  double points = 0, wall = 0, writer = 0;
  long peak_rss_kib = 0;
  bool ok = false;
};

// Runs argv as a child process; parses "points wall writer" from its stdout; peak RSS from wait4.
ChildResult run_child(const std::vector<std::string>& args) {
  int pipefd[2];
  if (pipe(pipefd) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], STDOUT_FILENO);
    close(pipefd[0]);
    close(pipefd[1]);
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipefd[1]);
  std::string out;
  char buffer[256];
  ssize_t n = 0;
  while ((n = read(pipefd[0], buffer, sizeof buffer)) > 0)
    out.append(buffer, static_cast<std::size_t>(n));
  close(pipefd[0]);
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  ChildResult r;
  r.peak_rss_kib = usage.ru_maxrss;
  r.ok = std::sscanf(out.c_str(), "%lf %lf %lf", &r.points, &r.wall, &r.writer) == 3;
  return r;
}

std::string self_path() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

// child model THREADS POINTS OUT SCENARIO: the scenario with its total Mg swept over POINTS values.
int child_model(int threads, std::size_t points, const std::string& out, const std::string& file) {
  scenario::Scenario s = scenario::load_file(file);
  s.sweep = {};
  s.sweep.mode = scenario::SweepMode::Zip;
  scenario::SweepParameter mg = scenario::sweep_parameter(s, "solution.totals.Mg", {});
  mg.unit_text = "mmol/kgw";
  for (std::size_t i = 0; i < points; ++i)
    mg.values.push_back(5e-3 * static_cast<double>(i) /
                        static_cast<double>(std::max<std::size_t>(1, points - 1)));
  s.sweep.parameters.push_back(mg);
  s.sweep.confirm_above = 1'000'000'000;
  api::RunOptions o;
  o.output = out;
  o.threads = threads;
  o.progress = sweep::ProgressMode::Never;
  o.shard = sweep::Shard{};
  const api::RunResult r = api::run(s, o);
  if (r.output_path.empty()) return 0;  // an MPI worker rank: rank 0 reports
  std::printf("%zu %.6f %.6f\n", r.points, r.wall_seconds, r.writer_seconds);
  return 0;
}

#ifdef CALCIKIN_BENCH_ENGINE_MODEL
int child_engine(int threads, std::size_t points, const std::string& out) {
  testing::LogisticSweep s;
  s.plan = testing::LogisticSweep::zip_plan(points);
  s.threads = threads;
  s.time_series = io::TimeSeriesOutput::None;  // summaries only
  s.settings.rtol = 1e-6;
  const auto summary = testing::run_logistic(out, s);
  std::printf("%zu %.6f %.6f\n", summary.computed, summary.wall_seconds, summary.writer_seconds);
  return 0;
}
#endif

void print_row(const char* what, const ChildResult& r) {
  if (!r.ok) {
    std::printf("  %-44s failed\n", what);
    return;
  }
  std::printf("  %-44s %8.0f points %8.2f s %10.1f points/s  writer %5.1f %%  peak RSS %7.1f MiB\n",
              what, r.points, r.wall, r.points / r.wall, 100.0 * r.writer / r.wall,
              static_cast<double>(r.peak_rss_kib) / 1024.0);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc >= 2 && std::strcmp(argv[1], "child") == 0) {
      const std::string kind = argv[2];
      if (kind == "model" && argc == 7)
        return child_model(std::atoi(argv[3]), std::strtoul(argv[4], nullptr, 10), argv[5],
                           argv[6]);
#ifdef CALCIKIN_BENCH_ENGINE_MODEL
      if (kind == "engine" && argc == 6)
        return child_engine(std::atoi(argv[3]), std::strtoul(argv[4], nullptr, 10), argv[5]);
#endif
      return 2;
    }
    std::string scenario_file = std::string(CALCIKIN_SOURCE_DIR) + "/scenarios/t50_assay.yaml";
    std::size_t points = 40;
    bool large = false;
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--scenario" && i + 1 < argc)
        scenario_file = argv[++i];
      else if (a == "--points" && i + 1 < argc)
        points = std::strtoul(argv[++i], nullptr, 10);
      else if (a == "--large")
        large = true;
      else {
        std::fprintf(stderr, "usage: bench_sweep [--scenario FILE] [--points N] [--large]\n");
        return 2;
      }
    }
    const std::string self = self_path();
    const auto dir = std::filesystem::temp_directory_path() /
                     ("calcikin_bench_sweep_" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    const auto out = [&](const std::string& name) { return (dir / name).string(); };

    std::printf(
        "T50-assay sweep (%s, total Mg 0..5 mmol/kgw, %zu points, time series as the scenario's "
        "output.time_series):\n",
        scenario_file.c_str(), points);
    const ChildResult t1 = run_child(
        {self, "child", "model", "1", std::to_string(points), out("t1.h5"), scenario_file});
    print_row("1 thread", t1);
    const ChildResult t2 = run_child(
        {self, "child", "model", "2", std::to_string(points), out("t2.h5"), scenario_file});
    print_row("2 threads", t2);
    if (t1.ok && t2.ok) {
      const double speedup = (t2.points / t2.wall) / (t1.points / t1.wall);
      std::printf("  parallel efficiency at 2 threads: %.0f %% (speed-up %.2f)\n", 50.0 * speedup,
                  speedup);
    }
#ifdef CALCIKIN_MPIEXEC
    const ChildResult m2 =
        run_child({CALCIKIN_MPIEXEC, "-n", "2", "--oversubscribe", "--allow-run-as-root", self,
                   "child", "model", "1", std::to_string(points), out("m2.h5"), scenario_file});
    print_row("2 MPI ranks x 1 thread", m2);
    if (m2.ok && t2.ok)
      std::printf("  2 ranks / 2 threads throughput: %.2f\n",
                  (m2.points / m2.wall) / (t2.points / t2.wall));
#else
    std::printf("  (2 MPI ranks vs 2 threads: build with the `mpi` preset)\n");
#endif

#ifdef CALCIKIN_BENCH_ENGINE_MODEL
    std::printf(
        "Engine (logistic test model, summaries only, 2 threads): memory against the number of "
        "points\n");
    std::vector<std::size_t> sizes = {10'000, 100'000};
    if (large) sizes.push_back(1'000'000);
    for (std::size_t n : sizes) {
      const ChildResult r =
          run_child({self, "child", "engine", "2", std::to_string(n), out("engine.h5")});
      print_row((std::to_string(n) + " points").c_str(), r);
      std::filesystem::remove(out("engine.h5"));
    }
#else
    std::printf(
        "  (engine memory rows need the tests' logistic model: configure with "
        "CALCIKIN_BUILD_TESTS=ON)\n");
#endif
    std::filesystem::remove_all(dir);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
