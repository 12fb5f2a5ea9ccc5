#pragma once
// CvodeIntegrator: SUNDIALS CVODE (BDF, Newton, dense direct linear solver) around an OdeSystem.
// One instance per thread: it owns one SUNContext and one CVODE workspace, and reuses them across
// runs (CVodeReInit) as long as the system size is unchanged, so a sweep allocates once per thread.
// CVODE's own error printer is replaced: its text is kept and becomes part of the run's message.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "solver/ode/ode_system.hpp"

namespace calcikin::ode {

struct IntegratorOptions {
  double rtol = 1e-6;
  long max_steps = 100000;  // per run (not per output interval): CVODE's limit is reset accordingly
  double max_step = 0.0;    // s, 0 = unlimited
  // Wall-clock budget of one run in seconds (0 = unlimited): checked every kWallCheckSteps steps,
  // so a run over budget fails cleanly (status Failed, the reason first in the message).
  double max_wall_time = 0.0;
  double initial_step = 0.0;  // 0 = CVODE's estimate
  int max_order = 5;
  // Follow a system's closed-form solution (OdeSystem::has_exact_solution) instead of stepping
  // with CVODE; false: always CVODE (scenario key solver.method: bdf).
  bool exact_solution = true;
};

struct IntegratorStatistics {
  long steps = 0;
  long rhs_evaluations = 0;  // including those for difference-quotient Jacobians
  long jacobian_evaluations = 0;
  long error_test_failures = 0;
  long nonlinear_convergence_failures = 0;
  long nonlinear_iterations = 0;
  long root_evaluations = 0;
};

enum class IntegrationStatus { Success, StoppedByObserver, Failed };

struct IntegrationResult {
  IntegrationStatus status = IntegrationStatus::Success;
  double t_reached = 0.0;
  std::string
      message;  // empty on success; otherwise flag name, time, worst components, CVODE's text
  IntegratorStatistics statistics;
};

// Receives the solution. on_output: at every requested output time (index into the time list).
// on_root: when root functions changed sign at t (flags[i] = +1 rising, -1 falling, 0 none).
// Returning false from either stops the run (status StoppedByObserver). Exceptions are caught.
class IntegrationObserver {
 public:
  virtual ~IntegrationObserver() = default;
  virtual bool on_output(std::size_t index, double t, const double* y) = 0;
  virtual bool on_root(double /*t*/, const double* /*y*/, const int* /*flags*/) { return true; }
};

class CvodeIntegrator {
 public:
  CvodeIntegrator();
  ~CvodeIntegrator();
  CvodeIntegrator(const CvodeIntegrator&) = delete;
  CvodeIntegrator& operator=(const CvodeIntegrator&) = delete;

  // Integrates system from (t0, y0) through output_times (increasing, all >= t0); a system with a
  // closed-form solution is followed exactly (options.exact_solution; no CVODE steps, statistics
  // zero, last_state() not updated). Never throws for
  // solver or model failures (they are reported in the result); throws std::invalid_argument only
  // for programming errors (size mismatch). y_final receives the last state reached (size()).
  IntegrationResult integrate(OdeSystem& system, double t0, const double* y0,
                              const std::vector<double>& output_times,
                              const IntegratorOptions& options, IntegrationObserver& observer);

  const double* last_state() const noexcept;

  struct Workspace;  // SUNDIALS objects; defined in the .cpp (public only for the C callbacks)

 private:
  Workspace* ws_;
};

}  // namespace calcikin::ode
