#pragma once
// A real (not mocked) small test model for the sweep engine, independent of the chemistry:
// logistic growth dx/dt = r x (1 - x/K), x(0) = x0, integrated with an adaptive explicit
// Heun-Euler pair. Swept parameters (in this order): r (1/s), x0 (1). K = 1.
//
// Outputs per run: x(time) on a log time grid, t_half (first time x >= K/2, interpolated), steps
// (int64), fraction(phase) with phases {"grown", "free"} = (x, 1-x) at the end, dominant (label).
// Failure region: explicit steps are stability-limited (h < 2/r), so a large r exhausts the step
// cap (a genuine integrator failure, like CVODE's CV_TOO_MUCH_WORK); x0 <= 0 is rejected.
#include <cstddef>
#include <memory>

#include "solver/io/run_layout.hpp"
#include "solver/sweep/point_evaluator.hpp"

namespace calcikin::testing {

struct LogisticSettings {
  double t_end = 10.0;  // s
  std::size_t time_points = 12;
  std::size_t max_steps = 20000;
  double rtol = 1e-8;
  double delay_seconds = 0.0;  // wall time spent per point (to make kill/resume windows wide)
};

io::RunLayout logistic_layout(const LogisticSettings& settings);

class LogisticEvaluator : public sweep::PointEvaluator {
 public:
  LogisticEvaluator(const io::RunLayout& layout, LogisticSettings settings);
  void evaluate(std::size_t run_index, const double* swept, io::RunRecord& out) noexcept override;

 private:
  LogisticSettings settings_;
  std::vector<double> times_;
  std::size_t x_, t_half_, steps_, fraction_, dominant_;
};

sweep::EvaluatorFactory logistic_factory(const io::RunLayout& layout,
                                         const LogisticSettings& settings);

}  // namespace calcikin::testing
