#pragma once
// run_trajectory: integrates a kinetics model over an output time grid with the CVODE integrator,
// hands every output's Observation to a sink, and reports the events (induction time, T50, steady).
// The observations with the speciation (outputs whose time series is written, and the final state)
// are made after the integration from the kept states, so the trajectory, the events and the final
// state are bit-identical whichever outputs are written; the sink gets those records after the
// unwritten outputs' records (any order of indices).
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
  // Whether output `index` needs the full observation (with the speciation solve: saturation
  // indices, pH, activities). When false the sink gets KineticsModel::observe_amounts only: a
  // summaries-only sweep (output.time_series: none) skips one speciation solve per output time.
  // The last output always gets the full observation (it is the final state of the summaries).
  virtual bool needs_chemistry(std::size_t /*index*/) const { return true; }
};

struct TrajectoryResult {
  ode::IntegrationResult integration;
  double induction_time = std::numeric_limits<double>::quiet_NaN();  // s, NaN if not reached
  double t50 = std::numeric_limits<double>::quiet_NaN();             // s, NaN if not reached
  bool reached_steady_state = false;
  Observation final_observation;  // at the last time reached
  double final_time = 0.0;
};

// Output times do not stop the integrator (CVODE steps past them and interpolates), so the output
// grid changes neither the steps nor the events; only the observations are made per output.
// With stop_when_steady the run ends at the steady event; later outputs repeat the final state
// (the system no longer changes within the steady tolerance).
TrajectoryResult run_trajectory(KineticsModel& model, ode::CvodeIntegrator& integrator,
                                const std::vector<double>& output_times,
                                const ode::IntegratorOptions& options, ObservationSink* sink);

}  // namespace calcikin::kinetics
