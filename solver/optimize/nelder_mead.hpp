#pragma once
// Bounded Nelder-Mead simplex minimisation (Nelder & Mead 1965, Comput J 7:308) with the
// dimension-adaptive coefficients of Gao & Han 2012 (Comput Optim Appl 51:259): reflection 1,
// expansion 1 + 2/n, contraction 0.75 - 1/(2n), shrink 1 - 1/n. Bounds are kept by projecting
// every trial point onto the box (as scipy.optimize.minimize(method="Nelder-Mead", bounds=...)).
// The derivative-free method of `calcikin fit` for objectives without a usable gradient
// (categorical phase outcomes: the likelihood is flat where one phase dominates). Generic numerics.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace calcikin::optimize {

struct NelderMeadOptions {
  std::vector<double> lower, upper;  // bounds (required)
  int max_evaluations = 2000;
  double x_tolerance = 1e-6;   // simplex diameter (max-norm, per coordinate) at convergence
  double f_tolerance = 1e-10;  // spread of the vertex values at convergence
  double initial_step = 0.1;   // first simplex edge, as a fraction of each coordinate's range
};

struct NelderMeadResult {
  std::vector<double> x;
  double f = 0.0;
  int iterations = 0, evaluations = 0;
  bool converged = false;
  std::string message;
  std::vector<double> trace_f;  // best value after each iteration
};

// Minimises f over the box from x0 (projected into it). f may return +infinity (a failed
// evaluation); such points are never accepted.
NelderMeadResult nelder_mead(const std::function<double(const double*)>& f,
                             const std::vector<double>& x0, const NelderMeadOptions& options);

}  // namespace calcikin::optimize
