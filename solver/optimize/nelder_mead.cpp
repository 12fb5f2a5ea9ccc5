#include "solver/optimize/nelder_mead.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace calcikin::optimize {

NelderMeadResult nelder_mead(const std::function<double(const double*)>& f,
                             const std::vector<double>& x0, const NelderMeadOptions& o) {
  const std::size_t n = x0.size();
  const double inf = std::numeric_limits<double>::infinity();
  NelderMeadResult out;
  auto project = [&](std::vector<double>& x) {
    for (std::size_t i = 0; i < n; ++i) x[i] = std::min(o.upper[i], std::max(o.lower[i], x[i]));
  };
  auto eval = [&](const std::vector<double>& x) {
    ++out.evaluations;
    const double v = f(x.data());
    return std::isfinite(v) ? v : inf;
  };
  std::vector<std::vector<double>> s(n + 1, x0);
  project(s[0]);
  for (std::size_t i = 0; i < n; ++i) {
    const double span = o.upper[i] - o.lower[i];
    double h = o.initial_step * span;
    if (h == 0.0) h = 1e-3;
    // Step towards the side with room (a start at the upper bound steps down).
    if (s[0][i] + h > o.upper[i] && s[0][i] - h >= o.lower[i]) h = -h;
    s[i + 1] = s[0];
    s[i + 1][i] += h;
    project(s[i + 1]);
  }
  std::vector<double> fv(n + 1);
  for (std::size_t i = 0; i <= n; ++i) fv[i] = eval(s[i]);
  if (n == 0) {
    out.x = s[0];
    out.f = fv[0];
    out.converged = true;
    out.message = "nothing to minimise";
    return out;
  }
  const double dn = static_cast<double>(n);
  const double rho = 1.0, chi = 1.0 + 2.0 / dn, psi = 0.75 - 1.0 / (2.0 * dn),
               sigma = 1.0 - 1.0 / dn;
  std::vector<std::size_t> order(n + 1);
  std::vector<double> c(n), xr(n), xe(n), xc(n);
  auto along = [&](double t, std::vector<double>& y) {  // y = c + t (c - worst), projected
    const std::vector<double>& w = s[order[n]];
    for (std::size_t i = 0; i < n; ++i) y[i] = c[i] + t * (c[i] - w[i]);
    project(y);
  };
  out.message = "maximum number of evaluations reached";
  while (out.evaluations < o.max_evaluations) {
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return fv[a] < fv[b]; });
    const std::size_t best = order[0], worst = order[n];
    out.trace_f.push_back(fv[best]);
    double spread_x = 0.0, spread_f = 0.0;
    for (std::size_t k = 1; k <= n; ++k) {
      spread_f = std::max(spread_f, std::fabs(fv[order[k]] - fv[best]));
      for (std::size_t i = 0; i < n; ++i)
        spread_x = std::max(spread_x, std::fabs(s[order[k]][i] - s[best][i]));
    }
    if (std::isfinite(fv[best]) && spread_x <= o.x_tolerance && spread_f <= o.f_tolerance) {
      out.converged = true;
      out.message = "simplex converged";
      break;
    }
    ++out.iterations;
    std::fill(c.begin(), c.end(), 0.0);
    for (std::size_t k = 0; k < n; ++k)
      for (std::size_t i = 0; i < n; ++i) c[i] += s[order[k]][i] / dn;
    along(rho, xr);
    const double fr = eval(xr);
    const double f_second_worst = fv[order[n - 1]];
    bool shrink = false;
    if (fr < fv[best]) {
      along(rho * chi, xe);
      const double fe = eval(xe);
      if (fe < fr) {
        s[worst] = xe;
        fv[worst] = fe;
      } else {
        s[worst] = xr;
        fv[worst] = fr;
      }
    } else if (fr < f_second_worst) {
      s[worst] = xr;
      fv[worst] = fr;
    } else if (fr < fv[worst]) {  // outside contraction
      along(psi * rho, xc);
      const double fc = eval(xc);
      if (fc <= fr) {
        s[worst] = xc;
        fv[worst] = fc;
      } else {
        shrink = true;
      }
    } else {  // inside contraction
      along(-psi, xc);
      const double fc = eval(xc);
      if (fc < fv[worst]) {
        s[worst] = xc;
        fv[worst] = fc;
      } else {
        shrink = true;
      }
    }
    if (shrink) {
      for (std::size_t k = 1; k <= n; ++k) {
        std::vector<double>& v = s[order[k]];
        for (std::size_t i = 0; i < n; ++i) v[i] = s[best][i] + sigma * (v[i] - s[best][i]);
        fv[order[k]] = eval(v);
      }
    }
  }
  const std::size_t b =
      static_cast<std::size_t>(std::min_element(fv.begin(), fv.end()) - fv.begin());
  out.x = s[b];
  out.f = fv[b];
  return out;
}

}  // namespace calcikin::optimize
