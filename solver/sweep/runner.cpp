#include "solver/sweep/runner.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <vector>

#include "solver/io/run_sink.hpp"
#include "solver/sweep/pipeline.hpp"
#include "solver/sweep/runner_parts.hpp"

namespace calcikin::sweep {

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

LocalWork::LocalWork(const io::RunSink& writer) {
  summary.total = writer.rows();
  pending.reserve(writer.rows());
  for (std::size_t row = 0; row < writer.rows(); ++row) {
    if (!writer.completed(row)) {
      pending.push_back(writer.global_index(row));
    } else {
      ++summary.skipped;
      if (writer.failed(row)) ++summary.failed;
    }
  }
}

bool LocalWork::next(std::size_t& global) {
  const std::size_t i = cursor.fetch_add(1);
  if (i >= pending.size()) return false;
  global = pending[i];
  return true;
}

std::size_t LocalWork::take(std::size_t count, std::vector<std::uint64_t>& out) {
  out.clear();
  const std::size_t first = cursor.fetch_add(count);
  for (std::size_t i = first; i < first + count && i < pending.size(); ++i)
    out.push_back(pending[i]);
  return out.size();
}

ProgressCounter::ProgressCounter(RunnerSummary& summary, ProgressCallback callback, double start)
    : summary_(summary), callback_(std::move(callback)), start_(start) {
  progress_.total = summary.total;
  progress_.resumed = summary.skipped;
  progress_.done = summary.skipped;
  progress_.failed = summary.failed;
}

void ProgressCounter::add(const io::RunRecord* const* records, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    ++progress_.done;
    if (records[i]->status == io::RunStatus::Failed) ++progress_.failed;
  }
  const double now = now_seconds();
  if (callback_ && now - last_report_ >= 0.25) {
    progress_.elapsed_seconds = now - start_;
    callback_(progress_);
    last_report_ = now;
  }
}

RunnerSummary ProgressCounter::finish(double writer_seconds) {
  summary_.computed = progress_.done - summary_.skipped;
  summary_.failed = progress_.failed;
  summary_.interrupted = progress_.done < summary_.total;
  summary_.wall_seconds = now_seconds() - start_;
  summary_.writer_seconds = writer_seconds;
  if (callback_) {
    progress_.elapsed_seconds = summary_.wall_seconds;
    callback_(progress_);
  }
  return summary_;
}

void evaluate_point(const SweepPlan& plan, PointEvaluator& evaluator, std::size_t global_index,
                    double* values, io::RunRecord& record) noexcept {
  record.reset(global_index);
  plan.point(global_index, values);
  try {
    evaluator.evaluate(global_index, plan.parameter_count() > 0 ? values : nullptr, record);
    if (record.status == io::RunStatus::NotRun) {
      record.status = io::RunStatus::Failed;
      record.message = "the evaluator returned without a result";
    }
    if (record.status == io::RunStatus::Failed) {
      // Every failure names its run and its swept values, whatever the evaluator wrote: the
      // solver's reason first (a long parameter echo must not push it out of view), then the run.
      // The run goes after the reason's first clause (details such as CVODE's own text follow),
      // so a message cut to a fixed length still holds both.
      std::string why = record.message.empty() ? std::string("failed") : record.message;
      std::string run = "; run " + std::to_string(global_index);
      if (plan.parameter_count() > 0) run += " (" + plan.describe(global_index) + ")";
      const std::size_t clause = why.find("; ");
      why.insert(clause == std::string::npos ? why.size() : clause, run);
      record.fail(std::move(why));
    }
  } catch (const std::exception& e) {
    record.fail(std::string(e.what()) + "; run " + std::to_string(global_index));
  } catch (...) {
    record.fail("unknown error; run " + std::to_string(global_index));
  }
}

detail::Pipeline local_pipeline(LocalWork& work, ProgressCounter& counter, io::RunSink& writer,
                                const RunnerOptions& options) {
  detail::Pipeline p;
  p.threads = options.threads;
  p.cancel = options.cancel;
  p.batch_rows = options.flush_rows;
  p.points = work.pending.size();
  p.flush_seconds = options.flush_seconds;
  p.next_point = [&work](std::size_t& global) { return work.next(global); };
  p.sink = [&](io::RunRecord* const* records, std::size_t n) {
    writer.write(records, n);
    counter.add(records, n);
  };
  p.periodic = [&writer] { writer.flush(); };
  return p;
}

RunnerSummary run_points(const SweepPlan& plan, const io::RunLayout& layout,
                         const EvaluatorFactory& factory, io::RunSink& writer,
                         const RunnerOptions& options) {
  const double start = now_seconds();
  const double writer_start = writer.hdf5_seconds();
  LocalWork work(writer);
  ProgressCounter counter(work.summary, options.on_progress, start);

  detail::Pipeline p = local_pipeline(work, counter, writer, options);
  detail::run_pipeline(plan, layout, factory, p);
  writer.flush();
  return counter.finish(writer.hdf5_seconds() - writer_start);
}

}  // namespace calcikin::sweep
