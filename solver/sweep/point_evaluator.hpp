#pragma once
// PointEvaluator: computes one sweep point into a RunRecord. The model (models/api) implements it;
// the sweep runner creates one evaluator per thread (through an EvaluatorFactory) and reuses it for
// every point that thread computes, so integrator workspaces are allocated once per thread.
#include <functional>
#include <memory>

#include "solver/io/run_layout.hpp"

namespace calcikin::sweep {

class PointEvaluator {
 public:
  virtual ~PointEvaluator() = default;
  // swept_si_values: one SI value per sweep parameter, in the plan's parameter order (nullptr when
  // the plan has no parameters). `out` was reset (NaN, NotRun) by the runner. Must set out.status
  // to Ok or Failed; on failure set out.message (why: CVODE flag name, time reached, worst
  // components; the runner prefixes the run index and swept values) and may leave values unset —
  // the runner turns every value of a failed run into NaN. Never throws: the runner treats an
  // escaping exception as a failed point anyway, but an evaluator should catch and report its own.
  virtual void evaluate(std::size_t run_index, const double* swept_si_values,
                        io::RunRecord& out) noexcept = 0;
};

// Called once per worker thread (concurrently from several threads: must be thread-safe).
using EvaluatorFactory = std::function<std::unique_ptr<PointEvaluator>()>;

}  // namespace calcikin::sweep
