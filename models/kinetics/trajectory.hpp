#pragma once
// run_trajectory: integrates a kinetics model over an output time grid with the CVODE integrator,
// hands every output's Observation to a sink, and reports the events (induction time, T50, steady).
#include <cstddef>
#include <limits>
#include <vector>

#include "models/kinetics/observation.hpp"
#include "solver/ode/cvode_integrator.hpp"

namespace calcikin::kinetics {

class ObservationSink {
 public:
  virtual ~ObservationSink() = default;
  virtual void record(std::size_t index, double t, const Observation& observation) = 0;
};

struct TrajectoryResult {
  ode::IntegrationResult integration;
  double induction_time = std::numeric_limits<double>::quiet_NaN();  // s, NaN if not reached
  double t50 = std::numeric_limits<double>::quiet_NaN();             // s, NaN if not reached
  bool reached_steady_state = false;
  Observation final_observation;  // at the last time reached
  double final_time = 0.0;
};

// With stop_when_steady the run ends at the steady event; later outputs repeat the final state
// (the system no longer changes within the steady tolerance).
TrajectoryResult run_trajectory(KineticsModel& model, ode::CvodeIntegrator& integrator,
                                const std::vector<double>& output_times, const ode::IntegratorOptions& options,
                                ObservationSink* sink);

}  // namespace calcikin::kinetics
