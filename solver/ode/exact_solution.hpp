#pragma once
// Following a closed-form solution instead of stepping. A system that offers one
// (OdeSystem::has_exact_solution, e.g. a logistic conversion law) gets its states at the output
// times and its root crossings from the formula: no integration error, no tolerance dependence,
// a few function evaluations per output instead of hundreds of BDF steps. The protocol is the one
// of the stepping integrators, so their callers cannot tell the paths apart but by exactness and
// zero step counts: outputs and events reach the observer in time order (CvodeIntegrator), and a
// SensitivityResult carries each event's time sensitivity by the same implicit-function rule
// (CvodesSensitivityIntegrator, event_time_sensitivities). Generic numerics: nothing here knows
// about chemistry.
#include <cstddef>
#include <vector>

#include "solver/ode/cvode_integrator.hpp"
#include "solver/ode/cvodes_sensitivity.hpp"

namespace calcikin::ode {

// The states along system's exact solution from (t0, y0) at each output time (increasing), with
// every root crossing in between reported to the observer first. Never throws for model failures
// (an exception from the system or the observer becomes status Failed and the message).
IntegrationResult follow_exact_solution(OdeSystem& system, double t0, const double* y0,
                                        const std::vector<double>& output_times,
                                        IntegrationObserver& observer);

// States, sensitivities and events with their time sensitivities along the exact solution (the
// system must offer has_exact_sensitivities()). `stop_on_root`: as for
// CvodesSensitivityIntegrator::integrate.
SensitivityResult follow_exact_sensitivities(SensitivitySystem& system, double t0, const double* y0,
                                             const std::vector<double>& output_times,
                                             const std::vector<std::size_t>& stop_on_root);

}  // namespace calcikin::ode
