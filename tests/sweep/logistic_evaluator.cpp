#include "logistic_evaluator.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <thread>

namespace calcikin::testing {

io::RunLayout logistic_layout(const LogisticSettings& settings) {
  io::RunLayout layout;
  io::Coordinate time{io::kTimeDimension, "s", "time", {}, {}};
  for (std::size_t i = 0; i < settings.time_points; ++i) {
    // 0.01 s .. t_end, logarithmic
    const double f = static_cast<double>(i) / static_cast<double>(settings.time_points - 1);
    time.values.push_back(0.01 * std::pow(settings.t_end / 0.01, f));
  }
  layout.dimensions.push_back(time);
  layout.dimensions.push_back(io::Coordinate{"phase", "", "phase", {}, {"grown", "free"}});
  layout.variables.push_back({"x", {"time"}, "1", "population", io::ValueKind::Float64, {}});
  layout.variables.push_back(
      {"t_half", {}, "s", "time to half of the capacity", io::ValueKind::Float64, {}});
  layout.variables.push_back({"steps", {}, "1", "integrator steps", io::ValueKind::Int64, {}});
  layout.variables.push_back(
      {"fraction", {"phase"}, "1", "final fractions", io::ValueKind::Float64, {}});
  layout.variables.push_back(
      {"dominant", {}, "", "dominant phase at the end", io::ValueKind::Label, {"grown", "free"}});
  layout.validate();
  return layout;
}

LogisticEvaluator::LogisticEvaluator(const io::RunLayout& layout, LogisticSettings settings)
    : settings_(settings),
      times_(layout.dimensions[layout.dimension_index("time")].values),
      x_(layout.variable_index("x")),
      t_half_(layout.variable_index("t_half")),
      steps_(layout.variable_index("steps")),
      fraction_(layout.variable_index("fraction")),
      dominant_(layout.variable_index("dominant")) {}

void LogisticEvaluator::evaluate(std::size_t, const double* swept, io::RunRecord& out) noexcept {
  if (settings_.delay_seconds > 0)
    std::this_thread::sleep_for(std::chrono::duration<double>(settings_.delay_seconds));
  const double r = swept[0];
  const double x0 = swept[1];
  if (!(x0 > 0)) {
    out.status = io::RunStatus::Failed;
    out.message = "initial population must be positive";
    return;
  }
  const auto f = [r](double x) { return r * x * (1.0 - x); };
  double t = 0.0, x = x0, h = 1e-4;
  double t_half = x0 >= 0.5 ? 0.0 : NAN;
  std::size_t steps = 0, next_out = 0;
  double* series = out.data(x_);
  while (next_out < times_.size()) {
    if (steps >= settings_.max_steps) {
      out.status = io::RunStatus::Failed;
      out.message = "step cap of " + std::to_string(settings_.max_steps) +
                    " reached at t=" + std::to_string(t) + " s";
      return;
    }
    const double target = times_[next_out];
    const double step = std::min(h, target - t);
    const double k1 = f(x), k2 = f(x + step * k1);
    const double x_new = x + 0.5 * step * (k1 + k2);
    const double err = std::fabs(0.5 * step * (k2 - k1));
    const double tol = settings_.rtol * std::max(1.0, std::fabs(x_new));
    ++steps;
    if (err <= tol) {
      if (std::isnan(t_half) && x_new >= 0.5) t_half = t + step * (0.5 - x) / (x_new - x);
      t += step;
      x = x_new;
      if (t >= target) series[next_out++] = x;
    }
    h = step * std::clamp(0.9 * std::sqrt(tol / std::max(err, 1e-300)), 0.2, 5.0);
  }
  out.data(t_half_)[0] = t_half;
  out.data(steps_)[0] = static_cast<double>(steps);
  out.data(fraction_)[0] = x;
  out.data(fraction_)[1] = 1.0 - x;
  out.data(dominant_)[0] = x >= 0.5 ? 0.0 : 1.0;
  out.status = io::RunStatus::Ok;
}

sweep::EvaluatorFactory logistic_factory(const io::RunLayout& layout,
                                         const LogisticSettings& settings) {
  return [layout, settings] { return std::make_unique<LogisticEvaluator>(layout, settings); };
}

}  // namespace calcikin::testing
