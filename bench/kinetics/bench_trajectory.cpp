// Benchmark: wall time per trajectory of a scenario (default scenarios/t50_assay.yaml) on one core,
// with the integrator statistics and the T50 of the run. Prints one JSON object.
//   bench_kinetics_trajectory [SCENARIO] [REPETITIONS] [--set PATH=VALUE]... [--point I]
//   [--time-series MODE]
// --point I runs point I of the scenario's sweep (default: point 0). --time-series all | none | N
// overrides output.time_series (N: every N-th output time): `none` is the cost of a summaries-only
// sweep point (no speciation solve at the unwritten output times).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "models/api/run.hpp"
#include "models/api/simulation.hpp"
#include "models/scenario/loader.hpp"
#include "models/scenario/overrides.hpp"
#include "solver/input/input_error.hpp"

using namespace calcikin;

int main(int argc, char** argv) {
  const std::string path =
      argc > 1 ? argv[1] : std::string(CALCIKIN_SOURCE_DIR) + "/scenarios/t50_assay.yaml";
  const int reps = argc > 2 ? std::atoi(argv[2]) : 200;
  try {
    scenario::Scenario sc = scenario::load_file(path);
    std::size_t point = 0;
    for (int i = 3; i + 1 < argc; i += 2) {
      if (std::string(argv[i]) == "--set") scenario::apply_set(sc, argv[i + 1]);
      if (std::string(argv[i]) == "--point")
        point = static_cast<std::size_t>(std::atol(argv[i + 1]));
      if (std::string(argv[i]) == "--time-series") {
        const std::string mode = argv[i + 1];
        sc.output.time_series = mode == "all"    ? scenario::TimeSeriesMode::All
                                : mode == "none" ? scenario::TimeSeriesMode::None
                                                 : scenario::TimeSeriesMode::Every;
        if (sc.output.time_series == scenario::TimeSeriesMode::Every)
          sc.output.every = std::max(1, std::atoi(mode.c_str()));
      }
    }
    auto sim = api::Simulation::prepare(sc);
    const io::RunLayout& L = sim->layout();
    const sweep::SweepPlan plan = api::make_plan(sim->scenario());
    std::vector<double> swept(plan.parameter_count());
    if (plan.parameter_count() > 0) plan.point(point, swept.data());
    auto evaluator = sim->evaluator_factory()();
    io::RunRecord rec(L);
    std::vector<double> times;
    for (int i = 0; i < reps + 1; ++i) {
      rec.reset(0);
      const auto t0 = std::chrono::steady_clock::now();
      evaluator->evaluate(0, swept.empty() ? nullptr : swept.data(), rec);
      const auto t1 = std::chrono::steady_clock::now();
      if (i > 0)
        times.push_back(std::chrono::duration<double>(t1 - t0).count());  // first run warms caches
    }
    std::sort(times.begin(), times.end());
    auto scalar = [&](const char* name) { return rec.data(L.variable_index(name))[0]; };
    std::printf(
        "{\"scenario\": \"%s\", \"status\": \"%s\", \"message\": \"%s\", \"repetitions\": %d, "
        "\"median_ms\": %.4f, "
        "\"min_ms\": %.4f, \"t50_h\": %.6g, \"induction_h\": %.6g, \"steps\": %.0f, "
        "\"rhs_evaluations\": %.0f, "
        "\"jacobian_evaluations\": %.0f, \"error_test_failures\": %.0f, "
        "\"nonlinear_convergence_failures\": %.0f, "
        "\"conservation_error\": %.3e, \"initial_acp_mmol_per_kg\": %.4f}\n",
        path.c_str(), rec.status == io::RunStatus::Ok ? "ok" : "failed", rec.message.c_str(), reps,
        1e3 * times[times.size() / 2], 1e3 * times.front(), scalar("t50") / 3600,
        scalar("induction_time") / 3600, scalar("steps"), scalar("rhs_evaluations"),
        scalar("jacobian_evaluations"), scalar("error_test_failures"),
        scalar("nonlinear_convergence_failures"), scalar("conservation_error"),
        1e3 * scalar("initial_acp_amount"));
    // End state per phase: share of the solid phosphate, saturation index, amount.
    const std::size_t np = sim->phases().size();
    const std::size_t nt = sim->output_times().size();
    std::printf("{\"final\": {");
    for (std::size_t p = 0; p < np; ++p)
      std::printf(
          "%s\"%s\": {\"fraction\": %.4f, \"SI\": %.3f, \"mmol_per_kg\": %.5g, \"mg_fraction\": "
          "%.4f}",
          p ? ", " : "", sim->phases()[p].c_str(),
          rec.data(L.variable_index("final_phase_fraction"))[p],
          rec.data(L.variable_index("saturation_index"))[(nt - 1) * np + p],
          1e3 * rec.data(L.variable_index("phase_amount"))[(nt - 1) * np + p],
          rec.data(L.variable_index("solid_mg_fraction"))[p]);
    const double* dissolved = rec.data(L.variable_index("dissolved_total")) + 3 * (nt - 1);
    std::printf("}, \"dissolved_mM\": {\"Ca\": %.6g, \"Mg\": %.6g, \"P\": %.6g}}\n",
                1e3 * dissolved[0], 1e3 * dissolved[1], 1e3 * dissolved[2]);
    return rec.status == io::RunStatus::Ok ? 0 : 1;
  } catch (const input::InputError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
