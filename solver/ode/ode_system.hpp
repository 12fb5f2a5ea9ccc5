#pragma once
// OdeSystem: what the CVODE integrator needs from a model. Generic numerics: nothing here knows
// about chemistry. A model may throw from any method; the integrator catches everything inside its
// CVODE callbacks (no exception ever crosses C code) and turns it into a CVODE error flag:
//   RecoverableEvaluationError -> +1 (CVODE retries with a smaller step),
//   anything else              -> -1 (the run fails; the exception text becomes the run's message).
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>

namespace calcikin::ode {

// Thrown by a model when an evaluation failed in a way a smaller step may cure (e.g. an inner
// nonlinear solve that did not converge from a far-away trial state).
class RecoverableEvaluationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A square dense matrix in SUNDIALS' column-major layout, viewed without owning it.
class DenseMatrixView {
 public:
  DenseMatrixView(double* data, std::size_t n) noexcept : data_(data), n_(n) {}
  double& operator()(std::size_t row, std::size_t col) noexcept { return data_[col * n_ + row]; }
  double operator()(std::size_t row, std::size_t col) const noexcept {
    return data_[col * n_ + row];
  }
  std::size_t size() const noexcept { return n_; }
  double* data() noexcept { return data_; }

 private:
  double* data_;
  std::size_t n_;
};

class OdeSystem {
 public:
  virtual ~OdeSystem() = default;

  virtual std::size_t size() const noexcept = 0;

  // dy/dt at (t, y). Must not allocate (it is called thousands of times per run).
  virtual void rhs(double t, const double* y, double* ydot) = 0;

  // Non-null (the reason) when the last rhs() found that the last jacobian() no longer describes
  // the system at that state (e.g. rate laws that change form there). The integrators' right-hand
  // side callbacks then report a recoverable failure with this reason, on which CVODE's Newton
  // solver re-evaluates the Jacobian and retries. Callers outside an integrator may ignore it.
  virtual const char* outdated_jacobian() const noexcept { return nullptr; }

  // Optional analytic Jacobian d(ydot)/dy; J arrives zeroed. Without it CVODE uses difference
  // quotients.
  virtual bool has_jacobian() const noexcept { return false; }
  virtual void jacobian(double /*t*/, const double* /*y*/, const double* /*ydot*/,
                        DenseMatrixView /*J*/) {}

  // Optional root functions g_i(t, y); the integrator reports every sign change (events).
  virtual std::size_t root_count() const noexcept { return 0; }
  virtual void roots(double /*t*/, const double* /*y*/, double* /*g*/) {}

  // Optional inequality constraints: states that must stay >= 0 (amounts, concentrations). When
  // has_nonnegative_states() is true, nonnegative_states(mask) sets mask[i] = 1 for each such state
  // (0 for the others) and CVODE enforces them (CVodeSetConstraints: a step that would make one
  // negative is retried smaller); a run that cannot keep them fails with a message naming them.
  virtual bool has_nonnegative_states() const noexcept { return false; }
  virtual void nonnegative_states(double* /*mask*/) const {}

  // Per-state absolute tolerances (same units as the states).
  virtual void absolute_tolerances(double* atol) const = 0;

  // Optional closed-form solution (solver/ode/exact_solution.hpp follows it instead of stepping):
  // exact_state gives y(t) for t >= t0 from y(t0) = y0 (the start the integrator was given).
  // A system that offers it also gives the crossing times of its root functions along that
  // solution: exact_root_time(i, ...) returns the first time in (t_from, t_to] at which g_i changes
  // sign (direction +1 rising, -1 falling), or NaN when it does not. Both must not allocate.
  virtual bool has_exact_solution() const noexcept { return false; }
  virtual void exact_state(double /*t0*/, const double* /*y0*/, double /*t*/, double* /*y*/) const {
  }
  virtual double exact_root_time(std::size_t /*i*/, double /*t0*/, const double* /*y0*/,
                                 double /*t_from*/, double /*t_to*/, int* /*direction*/) const {
    return std::numeric_limits<double>::quiet_NaN();
  }

  // Name of state i, used in failure messages ("worst components").
  virtual std::string state_name(std::size_t i) const { return "y[" + std::to_string(i) + "]"; }
};

}  // namespace calcikin::ode
