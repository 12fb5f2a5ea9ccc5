#pragma once
// Forward sensitivities with CVODES (SUNDIALS 6.4): s_j(t) = dy(t)/dp_j for the parameters p of an
// OdeSystem, and the sensitivities of event times t* (roots of g(t, y)) by the implicit-function
// rule used by AMICI (Froehlich et al. 2017, Bioinformatics 33:1049):
//     dt*/dp_j = -(dg/dy . s_j(t*) + dg/dp_j) / (dg/dt + dg/dy . f(t*, y*)).
// The sensitivity right-hand side is s_j' = J(t, y) s_j + df/dp_j (CVODES' all-at-once fS
// callback, staggered corrector with error control on the sensitivities): from the system's own
// sensitivity_rhs when it offers one (directional derivatives), else J from the system's Jacobian
// (or a difference quotient when it has none) and df/dp from the system.
// Generic numerics: nothing here knows about chemistry. One instance per thread; the workspace is
// reused while the system and parameter counts stay the same (the right-hand sides allocate
// nothing).
#include <cstddef>
#include <string>
#include <vector>

#include "solver/ode/cvode_integrator.hpp"
#include "solver/ode/ode_system.hpp"

namespace calcikin::ode {

// What the sensitivity integrator needs beyond an OdeSystem.
class SensitivitySystem : public OdeSystem {
 public:
  virtual std::size_t parameter_count() const noexcept = 0;
  // df/dp at (t, y): dfdp[j * size() + i] = d f_i / d p_j (column j = parameter j). Arrives zeroed.
  // Must not allocate.
  virtual void parameter_jacobian(double t, const double* y, double* dfdp) = 0;
  // Optional, preferred when offered: every sensitivity right-hand side at once,
  //   out[j][i] = (J(t, y) s_j)_i + df_i/dp_j,   j < parameter_count(), i < size(),
  // with ydot = f(t, y) (CVODES has just evaluated rhs() at this state). A model can then apply
  // its Jacobian to the directions (forward mode, N_p directional derivatives) instead of forming
  // J and df/dp. Must not allocate.
  virtual bool has_sensitivity_rhs() const noexcept { return false; }
  virtual void sensitivity_rhs(double /*t*/, const double* /*y*/, const double* /*ydot*/,
                               const double* const* /*s*/, double* const* /*out*/) {}
  // s_j(t0) = dy0/dp_j (same layout as dfdp); default: zero (initial state independent of p).
  virtual void initial_sensitivities(double* /*s0*/) const {}
  // Gradient of root function `i` at (t, y): dg_i/dy (size()) and the explicit parts dg_i/dt and
  // dg_i/dp (parameter_count(), arrives zeroed). Default: finite differences of roots() in y, and
  // no explicit t or p dependence.
  virtual void root_gradient(std::size_t i, double t, const double* y, double* dgdy, double* dgdt,
                             double* dgdp);
  // With a closed-form solution (OdeSystem::has_exact_solution): s_j(t) along it from the start
  // (t0, y0), whose sensitivities are initial_sensitivities(); same layout as dfdp. Must not
  // allocate.
  virtual bool has_exact_sensitivities() const noexcept { return false; }
  virtual void exact_sensitivities(double /*t0*/, const double* /*y0*/, double /*t*/,
                                   double* /*s*/) const {}
};

// Scratch vectors of event_time_sensitivities (sized n, n, np once per run).
struct EventScratch {
  std::vector<double> f, dgdy, dgdp;
};

// dt*/dp_j (np values into dt_dp) of a crossing of root `i` at (t, y), with s[j] = s_j(t*) (n
// each), by the implicit-function rule above. May throw what the system's calls throw.
void event_time_sensitivities(SensitivitySystem& system, std::size_t i, double t, const double* y,
                              const double* const* s, double* dt_dp, EventScratch& scratch);

struct SensitivityOptions {
  IntegratorOptions integrator;
  // Relative scale of each parameter for CVODES' sensitivity error weights (|p_j|, or 1); empty =
  // 1 for every parameter. Sensitivities are error-controlled with atol_j = atol / pbar_j.
  std::vector<double> parameter_scale;
  bool error_control = true;  // include the sensitivities in the local error test
  // Sensitivity tolerances relative to the states': rtol_s = factor * rtol, atol_s = factor *
  // atol / pbar_j.
  double sensitivity_tolerance_factor = 1.0;
  // CVODES' corrector for the sensitivities: staggered (states first, then the sensitivities,
  // each with its own Newton iteration) or simultaneous (one Newton iteration on both).
  bool simultaneous_corrector = false;
};

// States and sensitivities at each output time, and every event (root crossing) with its time
// sensitivity. Layouts: y[k * n + i]; s[(k * np + j) * n + i] (output k, parameter j, state i).
struct SensitivityResult {
  IntegrationStatus status = IntegrationStatus::Success;
  std::string message;
  double t_reached = 0.0;
  std::size_t n = 0, np = 0;
  std::vector<double> times;  // the output times reached (a prefix of the requested ones)
  std::vector<double> y;
  std::vector<double> s;
  struct Event {
    std::size_t root = 0;  // root function index
    int direction = 0;     // +1 rising, -1 falling
    double t = 0.0;
    std::vector<double> dt_dp;  // np
    std::vector<double> y;      // state at t (n)
  };
  std::vector<Event> events;  // in the order they happened
  IntegratorStatistics statistics;
  // First event of root `i` (rising or falling), or nullptr.
  const Event* first_event(std::size_t i) const noexcept;
};

class CvodesSensitivityIntegrator {
 public:
  CvodesSensitivityIntegrator();
  ~CvodesSensitivityIntegrator();
  CvodesSensitivityIntegrator(const CvodesSensitivityIntegrator&) = delete;
  CvodesSensitivityIntegrator& operator=(const CvodesSensitivityIntegrator&) = delete;

  // Integrates from (t0, y0) through output_times (increasing); a system with a closed-form
  // solution and exact sensitivities is followed exactly (options.integrator.exact_solution;
  // solver/ode/exact_solution.hpp). `stop_on_root`: root indices whose
  // first crossing ends the run (e.g. an event that is the last datum needed); empty = never stop.
  // Never throws for solver or model failures (status/message); throws std::invalid_argument for
  // programming errors (empty system, no parameters).
  SensitivityResult integrate(SensitivitySystem& system, double t0, const double* y0,
                              const std::vector<double>& output_times,
                              const SensitivityOptions& options,
                              const std::vector<std::size_t>& stop_on_root = {});

  struct Workspace;  // SUNDIALS objects; defined in the .cpp

 private:
  Workspace* ws_;
};

}  // namespace calcikin::ode
