#include "models/api/run.hpp"

#include <omp.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <stdexcept>

#include "calcikin_build_info.hpp"
#include "calcikin_git_commit.hpp"
#include "models/api/output_parameters.hpp"
#include "models/api/simulation.hpp"
#include "solver/input/exit_codes.hpp"
#include "solver/input/input_error.hpp"
#include "solver/io/io_error.hpp"
#include "solver/io/output_guard.hpp"
#include "solver/io/sweep_reader.hpp"
#include "solver/io/sweep_writer.hpp"
#include "solver/io/timestamp.hpp"
#include "solver/sweep/mpi_runner.hpp"
#include "solver/sweep/runner.hpp"

namespace calcikin::api {

namespace {

sweep::PlanMode plan_mode(scenario::SweepMode mode) {
  switch (mode) {
    case scenario::SweepMode::None:
      return sweep::PlanMode::Single;
    case scenario::SweepMode::Grid:
      return sweep::PlanMode::Grid;
    case scenario::SweepMode::Zip:
      return sweep::PlanMode::Zip;
    case scenario::SweepMode::List:
      return sweep::PlanMode::List;
    case scenario::SweepMode::LatinHypercube:
      return sweep::PlanMode::LatinHypercube;
  }
  return sweep::PlanMode::Single;
}

io::TimeSeriesOutput time_series_mode(scenario::TimeSeriesMode m) {
  switch (m) {
    case scenario::TimeSeriesMode::All:
      return io::TimeSeriesOutput::All;
    case scenario::TimeSeriesMode::None:
      return io::TimeSeriesOutput::None;
    case scenario::TimeSeriesMode::Every:
      return io::TimeSeriesOutput::Every;
  }
  return io::TimeSeriesOutput::All;
}

}  // namespace

sweep::SweepPlan make_plan(const scenario::Scenario& s) {
  sweep::PlanSpec spec;
  spec.mode = plan_mode(s.sweep.mode);
  spec.samples = s.sweep.samples;
  spec.seed = s.sweep.seed;
  // Each path was resolved when the file was read: its SI unit is the output's units attribute.
  for (const scenario::SweepParameter& p : s.sweep.parameters)
    spec.parameters.push_back({p.path, p.unit, p.values, p.log_scale});
  try {
    return sweep::SweepPlan(std::move(spec));
  } catch (const std::invalid_argument& e) {
    const input::SourceLocation where = s.sweep.parameters.empty()
                                            ? input::SourceLocation{s.source_file, 0, 0}
                                            : s.sweep.parameters.front().where;
    throw input::InputError(where, "sweep", e.what());
  }
}

std::string default_output_path(const scenario::Scenario& s) {
  if (!s.output.file.empty()) return s.output.file;
  if (s.source_file.empty()) return "calcikin-run.h5";
  std::filesystem::path p(s.source_file);
  return (p.parent_path() / (p.stem().string() + ".h5")).string();
}

std::string scenario_hash(const scenario::Scenario& s, const std::vector<std::string>& overrides) {
  // FNV-1a 64: stable across platforms and library versions (std::hash is not).
  std::uint64_t h = 0xcbf29ce484222325ull;
  const auto mix = [&h](const std::string& text) {
    for (unsigned char c : text) {
      h ^= c;
      h *= 0x100000001b3ull;
    }
  };
  mix(s.source_text);
  // The values a kinetics.parameter_set brings in are part of the problem (absent: the hash of the
  // scenario text alone, as before).
  if (!s.kinetics.parameter_set_text.empty())
    mix("\n--parameter-set\n" + s.kinetics.parameter_set_text);
  for (const auto& o : overrides) mix("\n--set " + o);
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
}

PreparedRun prepare_run(const scenario::Scenario& scenario_in, bool assume_yes) {
  std::shared_ptr<const Simulation> simulation = Simulation::prepare(scenario_in);
  const scenario::Scenario& s = simulation->scenario();
  sweep::SweepPlan plan = make_plan(s);
  if (static_cast<std::int64_t>(plan.size()) > s.sweep.confirm_above && !assume_yes) {
    throw input::InputError({s.source_file, 0, 0}, "sweep",
                            "the sweep has " + std::to_string(plan.size()) +
                                " points, more than sweep.confirm_above (" +
                                std::to_string(s.sweep.confirm_above) + ")",
                            "", "pass --yes to run it anyway, or raise sweep.confirm_above");
  }
  // One evaluator as a trial: what a thread builds before its first point (the Speciator at the
  // scenario's temperature, the CVODE workspace) fails here, before any file exists.
  (void)simulation->evaluator_factory()();
  return PreparedRun{std::move(simulation), std::move(plan)};
}

RunResult run(const scenario::Scenario& scenario_in, const RunOptions& options) {
  // Everything that can reject the input happens before a file is touched.
  if (options.threads < 0 || options.threads > kMaxThreads)
    throw std::invalid_argument("threads must be between 0 (all cores) and " +
                                std::to_string(kMaxThreads) + ", got " +
                                std::to_string(options.threads));
  const PreparedRun prepared = prepare_run(scenario_in, options.assume_yes);
  const std::shared_ptr<const Simulation>& simulation = prepared.simulation;
  const scenario::Scenario& s = simulation->scenario();
  const sweep::SweepPlan& plan = prepared.plan;
  const sweep::Shard shard = options.shard.value_or(sweep::Shard{});
  const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();
  const sweep::MpiWorld world = sweep::mpi_world();

  RunResult result;
  result.output_path = options.output.empty() ? default_output_path(s) : options.output;
  // Never onto an input or something that is not a regular file (exit 3, before any computing).
  const std::string refusal =
      options.in_memory ? std::string()
                        : io::output_refusal(result.output_path, {s.source_file, s.database});
  if (!refusal.empty()) throw input::InputError({s.source_file, 0, 0}, "output", refusal);

  const io::RunLayout& layout = simulation->layout();
  io::WriterSetup setup;
  setup.path = result.output_path;
  setup.layout = layout;
  for (std::size_t k = 0; k < plan.parameter_count(); ++k) {
    setup.swept.push_back({plan.variable_name(k), plan.parameter(k).path, plan.parameter(k).units});
  }
  setup.swept_values = [&plan](std::size_t run, double* out) { plan.point(run, out); };
  setup.total_runs = plan.size();
  setup.shard_index = shard.index;
  setup.shard_count = shard.count;
  setup.time_series = time_series_mode(s.output.time_series);
  setup.time_series_every = static_cast<std::size_t>(std::max(1, s.output.every));
  setup.compression = s.output.compression;
  setup.precision = s.output.precision == scenario::TimeSeriesPrecision::Float32
                        ? io::TimeSeriesPrecision::Float32
                        : io::TimeSeriesPrecision::Float64;
  setup.parameters = effective_parameters(s);
  setup.text_attributes = {
      {"title", s.name.empty() ? std::string("calcikin run") : s.name},
      {"scenario", s.source_text},
      {"scenario_file", s.source_file},
      {"scenario_hash", scenario_hash(s, options.overrides)},
      {"program", "calcikin"},
      {"program_version", CALCIKIN_VERSION},
      {"git_commit", CALCIKIN_GIT_COMMIT},
      {"sundials_version", CALCIKIN_SUNDIALS_VERSION},
      {"hdf5_version", CALCIKIN_HDF5_VERSION},
      {"created_utc", io::utc_now()},
  };
  if (!s.kinetics.parameter_set.empty()) {
    setup.text_attributes["parameter_set"] = s.kinetics.parameter_set_text;
    setup.text_attributes["parameter_set_file"] = s.kinetics.parameter_set;
  }
  std::string overrides;
  for (const auto& o : options.overrides) overrides += (overrides.empty() ? "" : "\n") + o;
  setup.text_attributes["overrides"] = overrides;
  setup.integer_attributes = {{"threads", threads}, {"mpi_ranks", world.size}};

  sweep::ProgressPrinter printer(world.rank == 0 ? options.progress : sweep::ProgressMode::Quiet,
                                 stderr, options.progress_interval);
  sweep::RunnerOptions runner;
  runner.threads = threads;
  runner.cancel = options.cancel;
  runner.on_progress = [&](const sweep::Progress& p) {
    printer.update(p);
    if (options.on_progress) options.on_progress(p);
  };

  const sweep::EvaluatorFactory factory = simulation->evaluator_factory();
  sweep::RunnerSummary summary;
  if (!options.in_memory && world.size > 1 && world.rank != 0) {
    // MPI worker: computes what rank 0 hands out and sends the records back; writes nothing.
    summary = sweep::run_points_mpi_worker(plan, layout, factory, runner);
    result.output_path.clear();  // rank 0 writes the file
    result.points = summary.computed;
    result.exit_code = kExitOk;
    return result;
  }
  const auto final_attributes = [&](RunResult& r, const sweep::RunnerSummary& sm, double hdf5) {
    r.final_text_attributes = {{"finished_utc", io::utc_now()}};
    r.final_numeric_attributes = {{"wall_seconds", sm.wall_seconds},
                                  {"writer_seconds", hdf5},
                                  {"points_computed", static_cast<double>(sm.computed)},
                                  {"points_resumed", static_cast<double>(sm.skipped)},
                                  {"points_failed", static_cast<double>(sm.failed)}};
  };
  const auto finish_progress = [&](const sweep::RunnerSummary& sm) {
    sweep::Progress final_progress;
    final_progress.total = sm.total;
    final_progress.done = sm.skipped + sm.computed;
    final_progress.resumed = sm.skipped;
    final_progress.failed = sm.failed;
    final_progress.elapsed_seconds = sm.wall_seconds;
    printer.finish(final_progress, sm.interrupted);
  };
  if (options.in_memory) {
    // No file: the records land in arrays stored as the writer would store them.
    if (options.resume) {
      throw std::invalid_argument("resume needs the output file of the interrupted run");
    }
    auto memory = std::make_shared<io::MemoryResult>(setup);
    summary = sweep::run_points(plan, layout, factory, *memory, runner);
    finish_progress(summary);
    result.output_path.clear();
    result.points = summary.total;
    result.failed = summary.failed;
    result.interrupted = summary.interrupted;
    result.wall_seconds = summary.wall_seconds;
    final_attributes(result, summary, 0.0);
    result.memory = std::move(memory);
    result.exit_code = summary.interrupted  ? kExitInterrupted
                       : summary.failed > 0 ? kExitPointsFailed
                                            : kExitOk;
    return result;
  }
  // One process per output path; what exists there decides with --resume/--overwrite
  // (solver/io/output_guard.hpp).
  io::OutputLock lock(setup.path);
  const io::OutputDecision decision = io::decide_output(
      setup.path, options.resume, options.overwrite, setup.text_attributes.at("scenario_hash"));
  if (!decision.refusal.empty())
    throw input::InputError({s.source_file, 0, 0}, "output", decision.refusal);
  if (!decision.note.empty()) std::fprintf(stderr, "calcikin: %s\n", decision.note.c_str());
  if (decision.action == io::OutputAction::AlreadyFinished) {
    const io::SweepFileInfo done = io::read_sweep_info(setup.path);
    result.points = done.rows;
    result.resumed = done.completed;
    result.failed = done.failed;
    result.exit_code = kExitOk;
    return result;
  }
  const bool resume = decision.action == io::OutputAction::Resume;
  std::unique_ptr<io::SweepWriter> writer =
      resume ? io::SweepWriter::resume(setup) : io::SweepWriter::create(setup);
  summary = world.size > 1 ? sweep::run_points_mpi_master(plan, layout, factory, *writer, runner)
                           : sweep::run_points(plan, layout, factory, *writer, runner);

  finish_progress(summary);

  result.points = summary.total;
  result.failed = summary.failed;
  result.resumed = summary.skipped;
  result.interrupted = summary.interrupted;
  result.wall_seconds = summary.wall_seconds;
  result.writer_seconds = summary.writer_seconds;
  if (summary.interrupted) {
    writer->close_partial();
    result.output_path = writer->partial_path();
    result.exit_code = kExitInterrupted;
    return result;
  }
  final_attributes(result, summary, writer->hdf5_seconds());
  writer->finish(result.final_text_attributes, result.final_numeric_attributes);
  result.exit_code = summary.failed > 0 ? kExitPointsFailed : kExitOk;
  return result;
}

}  // namespace calcikin::api
