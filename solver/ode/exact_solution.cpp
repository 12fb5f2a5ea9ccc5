#include "solver/ode/exact_solution.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <sstream>
#include <string>

namespace calcikin::ode {

namespace {

// Walks the output times and reports, in time order, every root crossing before each output: the
// earliest crossing of any root after the last one (several roots crossing at the same instant
// are one event with several flags, as CVODE reports them). on_event(t, flags) and on_output(k,
// t) return false to stop; an exception from either (or from the system) fails the walk.
class ExactWalk {
 public:
  ExactWalk(const OdeSystem& system, double t0, const double* y0)
      : system_(system), t0_(t0), y0_(y0), flags_(system.root_count(), 0) {}

  IntegrationStatus status = IntegrationStatus::Success;
  double t_reached = 0.0;
  std::string message;

  template <class OnEvent, class OnOutput>
  void run(const std::vector<double>& output_times, const char* what, OnEvent&& on_event,
           OnOutput&& on_output) {
    double t = t0_;
    bool stopped = false;
    try {
      for (std::size_t k = 0; k < output_times.size() && !stopped; ++k) {
        const double tout = std::max(output_times[k], t0_);
        stopped = !crossings(t, tout, on_event);
        if (stopped) break;
        t = tout;
        stopped = !on_output(k, tout);
      }
    } catch (const std::exception& e) {
      std::ostringstream s;
      s << what << " at t = " << t << " s; model: " << e.what();
      status = IntegrationStatus::Failed;
      message = s.str();
      t_reached = t;
      return;
    }
    t_reached = t;
    if (stopped) status = IntegrationStatus::StoppedByObserver;
  }

 private:
  // on_event for each crossing in (t_from, t_to] (t moves to it); false as soon as it says stop.
  template <class OnEvent>
  bool crossings(double& t, double t_to, OnEvent& on_event) {
    for (;;) {
      double first = std::numeric_limits<double>::infinity();
      std::fill(flags_.begin(), flags_.end(), 0);
      for (std::size_t i = 0; i < flags_.size(); ++i) {
        int direction = 0;
        const double ti = system_.exact_root_time(i, t0_, y0_, t, t_to, &direction);
        if (!(ti > t && ti <= t_to) || direction == 0) continue;
        if (ti < first) {
          first = ti;
          std::fill(flags_.begin(), flags_.end(), 0);
        }
        if (ti == first) flags_[i] = direction;
      }
      if (!std::isfinite(first)) return true;
      t = first;
      if (!on_event(t, flags_.data())) return false;
    }
  }

  const OdeSystem& system_;
  double t0_;
  const double* y0_;
  std::vector<int> flags_;
};

}  // namespace

IntegrationResult follow_exact_solution(OdeSystem& system, double t0, const double* y0,
                                        const std::vector<double>& output_times,
                                        IntegrationObserver& observer) {
  std::vector<double> y(y0, y0 + system.size());
  auto state_at = [&](double t) {
    if (t > t0)
      system.exact_state(t0, y0, t, y.data());
    else
      std::copy(y0, y0 + system.size(), y.begin());
  };
  ExactWalk walk(system, t0, y0);
  walk.run(
      output_times, "exact solution failed",
      [&](double t, const int* flags) {
        state_at(t);
        return observer.on_root(t, y.data(), flags);
      },
      [&](std::size_t k, double t) {
        state_at(t);
        return observer.on_output(k, t, y.data());
      });
  IntegrationResult result;
  result.status = walk.status;
  result.t_reached = walk.t_reached;
  result.message = walk.message;
  return result;
}

SensitivityResult follow_exact_sensitivities(SensitivitySystem& system, double t0, const double* y0,
                                             const std::vector<double>& output_times,
                                             const std::vector<std::size_t>& stop_on_root) {
  const std::size_t n = system.size(), np = system.parameter_count();
  SensitivityResult result;
  result.n = n;
  result.np = np;
  result.t_reached = t0;
  std::vector<double> y(n), s(np * n);
  std::vector<const double*> s_at(np);
  for (std::size_t j = 0; j < np; ++j) s_at[j] = s.data() + j * n;
  EventScratch scratch;
  auto state_at = [&](double t) {
    if (t > t0) {
      system.exact_state(t0, y0, t, y.data());
      system.exact_sensitivities(t0, y0, t, s.data());
    } else {
      std::copy(y0, y0 + n, y.begin());
      std::fill(s.begin(), s.end(), 0.0);
      system.initial_sensitivities(s.data());
    }
  };
  ExactWalk walk(system, t0, y0);
  walk.run(
      output_times, "exact sensitivities failed",
      [&](double t, const int* flags) {
        state_at(t);
        bool go_on = true;
        for (std::size_t i = 0; i < system.root_count(); ++i) {
          if (flags[i] == 0) continue;
          SensitivityResult::Event ev;
          ev.root = i;
          ev.direction = flags[i];
          ev.t = t;
          ev.y = y;
          ev.dt_dp.assign(np, 0.0);
          event_time_sensitivities(system, i, t, y.data(), s_at.data(), ev.dt_dp.data(), scratch);
          result.events.push_back(std::move(ev));
          if (std::find(stop_on_root.begin(), stop_on_root.end(), i) != stop_on_root.end())
            go_on = false;
        }
        return go_on;
      },
      [&](std::size_t, double t) {
        state_at(t);
        result.times.push_back(t);
        result.y.insert(result.y.end(), y.begin(), y.end());
        result.s.insert(result.s.end(), s.begin(), s.end());
        return true;
      });
  result.status = walk.status;
  result.t_reached = walk.t_reached;
  result.message = walk.message;
  return result;
}

}  // namespace calcikin::ode
