#include "models/kinetics/trajectory.hpp"

#include <algorithm>
#include <array>

namespace calcikin::kinetics {

namespace {

class Observer final : public ode::IntegrationObserver {
 public:
  Observer(KineticsModel& model, ObservationSink* sink, TrajectoryResult& result)
      : model_(model), sink_(sink), result_(result) {}

  bool on_output(std::size_t index, double t, const double* y) override {
    model_.observe(t, y, observation_);
    if (sink_ != nullptr) sink_->record(index, t, observation_);
    last_index_ = index;
    result_.final_observation = observation_;
    result_.final_time = t;
    return true;
  }

  bool on_root(double t, const double* y, const int* flags) override {
    // Only upward crossings count (the fraction can fall again if crystals redissolve).
    if (flags[0] > 0 && !(result_.induction_time == result_.induction_time)) result_.induction_time = t;
    if (flags[1] > 0 && !(result_.t50 == result_.t50)) result_.t50 = t;
    if (model_.root_count() > 2 && flags[2] < 0) {
      result_.reached_steady_state = true;
      model_.observe(t, y, observation_);
      result_.final_observation = observation_;
      result_.final_time = t;
      return false;
    }
    return true;
  }

  std::size_t last_index() const noexcept { return last_index_; }
  bool any_output() const noexcept { return last_index_ != static_cast<std::size_t>(-1); }
  const Observation& observation() const noexcept { return observation_; }

 private:
  KineticsModel& model_;
  ObservationSink* sink_;
  TrajectoryResult& result_;
  Observation observation_;
  std::size_t last_index_ = static_cast<std::size_t>(-1);
};

}  // namespace

TrajectoryResult run_trajectory(KineticsModel& model, ode::CvodeIntegrator& integrator,
                                const std::vector<double>& output_times, const ode::IntegratorOptions& options,
                                ObservationSink* sink) {
  TrajectoryResult result;
  std::array<double, 64> y0{};
  model.initial_state(y0.data());
  Observer observer(model, sink, result);
  result.integration = integrator.integrate(model, 0.0, y0.data(), output_times, options, observer);
  if (result.reached_steady_state && sink != nullptr) {
    // Fill the remaining outputs with the steady state.
    const std::size_t first = observer.any_output() ? observer.last_index() + 1 : 0;
    for (std::size_t k = first; k < output_times.size(); ++k)
      sink->record(k, output_times[k], result.final_observation);
    result.integration.status = ode::IntegrationStatus::Success;
  }
  return result;
}

}  // namespace calcikin::kinetics
