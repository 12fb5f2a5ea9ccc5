#include "models/kinetics/trajectory.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <exception>
#include <string>

namespace calcikin::kinetics {

namespace {

// The observations that need the speciation (the written outputs and the final state) are made
// after the integration, from the kept states: a speciation solve at an output time would otherwise
// move the speciation warm start of the integrator's next right-hand side, so that the trajectory
// (and t50, the final fractions, the solver statistics) would depend, at the Newton tolerance, on
// which outputs are written. Unwritten outputs get the amounts only (for the conservation check).
class Observer final : public ode::IntegrationObserver {
 public:
  Observer(KineticsModel& model, ObservationSink* sink, TrajectoryResult& result,
           std::size_t output_count, double rtol)
      : model_(model), sink_(sink), result_(result), output_count_(output_count), n_(model.size()) {
    pending_.reserve(output_count);
    states_.reserve(output_count * n_);
    // A dissolved total or a phase amount may dip below zero by the integration error, not more.
    // CVODE controls the local error of each step (weighted RMS over all states <= 1, so one
    // component may carry sqrt(n) of it); the global error of a long stiff run is typically one to
    // two decades above the local tolerance (Hindmarsh et al. 2005, ACM TOMS 31:363; CVODE user
    // guide, "choice of tolerances"). A dissolved total is its element's total minus the solids,
    // so its error scales with rtol x the element's total: the floor is 100 rtol of that (1e-4 of
    // the total at the default rtol 1e-6), at least 1e-12 mol/kg. One rtol (the earlier floor)
    // failed 1-3 % of plausible parameter sets whose Mg solids (Mg-ACP, WH) had taken up all Mg
    // at -3e-6 of the Mg total; real failures (a phase growing beyond the element it consumes)
    // go below zero by percent of the total. Never below 1e-6 of the total: at tight rtol the
    // absolute tolerances dominate (a dissolved ACP pool rests at -2e-10 mol/kg at rtol 1e-12).
    const double relative = std::max(1e-6, 100.0 * rtol);
    const auto& totals = model_.element_totals();
    double largest = 0.0;
    for (std::size_t k = 0; k < kComponentCount; ++k) {
      floor_[k] = -(relative * std::abs(totals[k]) + 1e-12);
      largest = std::max(largest, std::abs(totals[k]));
    }
    amount_floor_ = -(relative * largest + 1e-12);
  }

  // The first output whose dissolved totals or phase amounts are below zero beyond the tolerance:
  // the model's states are bounded by CVODE constraints, but the dissolved totals are not states.
  const std::string& unphysical() const noexcept { return unphysical_; }

  bool on_output(std::size_t index, double t, const double* y) override {
    if (!check_positivity(t, y)) return false;
    const bool last = index + 1 == output_count_;
    if (last || (sink_ != nullptr && sink_->needs_chemistry(index))) {
      pending_.push_back({index, t});
      states_.insert(states_.end(), y, y + n_);
    } else if (sink_ != nullptr) {
      model_.observe_amounts(t, y, observation_);
      sink_->record(index, t, observation_);
    }
    std::copy(y, y + n_, last_y_.begin());
    last_index_ = index;
    result_.final_time = t;
    return true;
  }

  bool on_root(double t, const double* y, const int* flags) override {
    // Only upward crossings count (the fraction can fall again if crystals redissolve).
    if (flags[0] > 0 && !(result_.induction_time == result_.induction_time))
      result_.induction_time = t;
    if (flags[1] > 0 && !(result_.t50 == result_.t50)) result_.t50 = t;
    if (model_.root_count() > 2 && flags[2] < 0) {
      result_.reached_steady_state = true;
      std::copy(y, y + n_, last_y_.begin());
      result_.final_time = t;
      return false;
    }
    return true;
  }

  // The deferred observations (in time order, so each speciation warm-starts from the previous
  // output), then the final one (the steady state, or the last output reached).
  void finish() {
    bool final_done = false;
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      model_.observe(pending_[i].t, states_.data() + i * n_, observation_);
      if (sink_ != nullptr) sink_->record(pending_[i].index, pending_[i].t, observation_);
      if (!result_.reached_steady_state && pending_[i].index == last_index_) {
        result_.final_observation = observation_;
        final_done = true;
      }
    }
    if (!final_done && (result_.reached_steady_state || any_output())) {
      model_.observe(result_.final_time, last_y_.data(), observation_);
      result_.final_observation = observation_;
    }
  }

  std::size_t last_index() const noexcept { return last_index_; }

 private:
  bool check_positivity(double t, const double* y) {
    model_.observe_amounts(t, y, check_);
    static constexpr std::array<const char*, kComponentCount> kNames{"Ca", "Mg", "P", "H"};
    for (std::size_t k = 0; k < kComponentCount; ++k) {
      if (k == kH) continue;  // hydrogen is a balance with a free sign, not an amount
      if (!(check_.dissolved[k] >= floor_[k])) {
        report(t, std::string("dissolved ") + kNames[k], check_.dissolved[k]);
        return false;
      }
    }
    for (std::size_t i = 0; i < check_.phase_count; ++i) {
      if (!(check_.amount[i] >= amount_floor_)) {
        report(t, "amount of phase " + std::to_string(i), check_.amount[i]);
        return false;
      }
    }
    return true;
  }

  void report(double t, const std::string& what, double value) {
    std::array<char, 160> text{};
    std::snprintf(text.data(), text.size(),
                  "unphysical state: %s = %.3g mol/kg at t = %.4g s (below zero beyond the "
                  "integration tolerance: tighten solver.rtol/atol_scale)",
                  what.c_str(), value, t);
    unphysical_ = text.data();
  }

 public:
  bool any_output() const noexcept { return last_index_ != static_cast<std::size_t>(-1); }

 private:
  struct Pending {
    std::size_t index;
    double t;
  };

  KineticsModel& model_;
  ObservationSink* sink_;
  TrajectoryResult& result_;
  std::size_t output_count_;
  std::size_t n_;
  std::vector<Pending> pending_;
  std::vector<double> states_;  // pending_.size() x n_
  std::array<double, 64> last_y_{};
  Observation observation_;
  Observation check_;
  std::array<double, kComponentCount> floor_{};
  double amount_floor_ = 0.0;
  std::string unphysical_;
  std::size_t last_index_ = static_cast<std::size_t>(-1);
};

}  // namespace

TrajectoryResult run_trajectory(KineticsModel& model, ode::CvodeIntegrator& integrator,
                                const std::vector<double>& output_times,
                                const ode::IntegratorOptions& options, ObservationSink* sink) {
  TrajectoryResult result;
  std::array<double, 64> y0{};
  model.initial_state(y0.data());
  Observer observer(model, sink, result, output_times.size(), options.rtol);
  result.integration = integrator.integrate(model, 0.0, y0.data(), output_times, options, observer);
  if (!observer.unphysical().empty()) {
    result.integration.status = ode::IntegrationStatus::Failed;
    result.integration.message = observer.unphysical();
    return result;
  }
  try {
    observer.finish();
  } catch (const std::exception& e) {
    result.integration.status = ode::IntegrationStatus::Failed;
    result.integration.message = std::string("output observer failed: ") + e.what();
    return result;
  }
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
