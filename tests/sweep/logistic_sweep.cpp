#include "logistic_sweep.hpp"

#include "solver/sweep/mpi_runner.hpp"

namespace calcikin::testing {

sweep::PlanSpec LogisticSweep::default_plan() {
  sweep::PlanSpec spec;
  spec.mode = sweep::PlanMode::Grid;
  spec.parameters.push_back({"model.rate", "1/s", {0.5, 1.0, 2.0, 4.0, 8.0, 1e6}, false});
  spec.parameters.push_back({"model.initial", "1", {0.01, 0.1, -1.0}, false});
  return spec;
}

sweep::PlanSpec LogisticSweep::zip_plan(std::size_t points) {
  sweep::PlanSpec spec;
  spec.mode = sweep::PlanMode::Zip;
  sweep::PlanParameter r{"model.rate", "1/s", {}, false};
  sweep::PlanParameter x0{"model.initial", "1", {}, false};
  for (std::size_t i = 0; i < points; ++i) {
    const double f = points > 1 ? static_cast<double>(i) / static_cast<double>(points - 1) : 0.0;
    r.values.push_back(i % 7 == 3 ? 1e6 : 0.2 + 4.8 * f);
    x0.values.push_back(0.05 + 0.15 * f);
  }
  spec.parameters = {r, x0};
  return spec;
}

sweep::RunnerSummary run_logistic(const std::string& path, const LogisticSweep& s, bool resume) {
  const sweep::SweepPlan plan(s.plan);
  const io::RunLayout layout = logistic_layout(s.settings);
  io::WriterSetup setup;
  setup.path = path;
  setup.layout = layout;
  for (std::size_t k = 0; k < plan.parameter_count(); ++k) {
    setup.swept.push_back({plan.variable_name(k), plan.parameter(k).path, plan.parameter(k).units});
  }
  setup.swept_values = [&plan](std::size_t run, double* out) { plan.point(run, out); };
  setup.total_runs = plan.size();
  setup.shard_index = s.shard.index;
  setup.shard_count = s.shard.count;
  setup.time_series = s.time_series;
  setup.time_series_every = s.every;
  setup.compression = s.compression;
  setup.text_attributes["scenario_hash"] = s.scenario_hash;
  setup.integer_attributes["threads"] = s.threads;
  sweep::RunnerOptions options;
  options.threads = s.threads;
  options.cancel = s.cancel;
  options.on_progress = s.on_progress;
  options.flush_rows = s.flush_rows;
  options.flush_seconds = 0.2;
  const sweep::MpiWorld world = s.use_mpi ? sweep::mpi_world() : sweep::MpiWorld{};
  if (world.rank != 0)
    return sweep::run_points_mpi_worker(plan, layout, logistic_factory(layout, s.settings),
                                        options);
  auto writer = resume ? io::SweepWriter::resume(setup) : io::SweepWriter::create(setup);
  const sweep::RunnerSummary summary =
      world.size > 1
          ? sweep::run_points_mpi_master(plan, layout, logistic_factory(layout, s.settings),
                                         *writer, options)
          : sweep::run_points(plan, layout, logistic_factory(layout, s.settings), *writer, options);
  if (summary.interrupted) {
    writer->close_partial();
  } else {
    writer->finish({}, {{"wall_seconds", summary.wall_seconds}});
  }
  return summary;
}

}  // namespace calcikin::testing
