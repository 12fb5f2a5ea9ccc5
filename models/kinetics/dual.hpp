#pragma once
// Dual: forward-mode automatic differentiation with a fixed number of derivative slots (no
// allocation). The mechanistic right-hand side is a template on its scalar type; evaluated with
// Dual<kMaxStates> it yields exact Jacobian rows (the model's "analytic" Jacobian).
#include <array>
#include <cmath>
#include <cstddef>

namespace calcikin::kinetics {

template <std::size_t N>
struct Dual {
  double v = 0.0;
  std::array<double, N> d{};

  Dual() = default;
  Dual(double value) : v(value) {}  // NOLINT: constants convert implicitly, as in any AD type

  static Dual variable(double value, std::size_t slot) {
    Dual x(value);
    x.d[slot] = 1.0;
    return x;
  }
  Dual& operator+=(const Dual& o) {
    v += o.v;
    for (std::size_t i = 0; i < N; ++i) d[i] += o.d[i];
    return *this;
  }
  Dual& operator-=(const Dual& o) {
    v -= o.v;
    for (std::size_t i = 0; i < N; ++i) d[i] -= o.d[i];
    return *this;
  }
  Dual& operator*=(const Dual& o) {
    for (std::size_t i = 0; i < N; ++i) d[i] = d[i] * o.v + v * o.d[i];
    v *= o.v;
    return *this;
  }
  Dual& operator/=(const Dual& o) {
    const double inv = 1.0 / o.v;
    for (std::size_t i = 0; i < N; ++i) d[i] = (d[i] - v * inv * o.d[i]) * inv;
    v *= inv;
    return *this;
  }
};

// Applies a scalar function with known derivative: f(x) with f'(x) = df.
template <std::size_t N>
inline Dual<N> chain(const Dual<N>& x, double f, double df) {
  Dual<N> r(f);
  for (std::size_t i = 0; i < N; ++i) r.d[i] = df * x.d[i];
  return r;
}

template <std::size_t N>
inline Dual<N> operator+(Dual<N> a, const Dual<N>& b) {
  return a += b;
}
template <std::size_t N>
inline Dual<N> operator-(Dual<N> a, const Dual<N>& b) {
  return a -= b;
}
template <std::size_t N>
inline Dual<N> operator*(Dual<N> a, const Dual<N>& b) {
  return a *= b;
}
template <std::size_t N>
inline Dual<N> operator/(Dual<N> a, const Dual<N>& b) {
  return a /= b;
}
template <std::size_t N>
inline Dual<N> operator+(Dual<N> a, double b) {
  a.v += b;
  return a;
}
template <std::size_t N>
inline Dual<N> operator+(double b, Dual<N> a) {
  a.v += b;
  return a;
}
template <std::size_t N>
inline Dual<N> operator-(Dual<N> a, double b) {
  a.v -= b;
  return a;
}
template <std::size_t N>
inline Dual<N> operator-(double b, const Dual<N>& a) {
  return chain(a, b - a.v, -1.0);
}
template <std::size_t N>
inline Dual<N> operator-(const Dual<N>& a) {
  return chain(a, -a.v, -1.0);
}
template <std::size_t N>
inline Dual<N> operator*(Dual<N> a, double b) {
  a.v *= b;
  for (auto& x : a.d) x *= b;
  return a;
}
template <std::size_t N>
inline Dual<N> operator*(double b, Dual<N> a) {
  return a * b;
}
template <std::size_t N>
inline Dual<N> operator/(Dual<N> a, double b) {
  return a * (1.0 / b);
}
template <std::size_t N>
inline Dual<N> operator/(double b, const Dual<N>& a) {
  return chain(a, b / a.v, -b / (a.v * a.v));
}
template <std::size_t N>
inline bool operator<(const Dual<N>& a, double b) {
  return a.v < b;
}
template <std::size_t N>
inline bool operator>(const Dual<N>& a, double b) {
  return a.v > b;
}
template <std::size_t N>
inline bool operator<=(const Dual<N>& a, double b) {
  return a.v <= b;
}
template <std::size_t N>
inline bool operator>=(const Dual<N>& a, double b) {
  return a.v >= b;
}

template <std::size_t N>
inline Dual<N> exp(const Dual<N>& x) {
  const double e = std::exp(x.v);
  return chain(x, e, e);
}
template <std::size_t N>
inline Dual<N> expm1(const Dual<N>& x) {
  return chain(x, std::expm1(x.v), std::exp(x.v));
}
template <std::size_t N>
inline Dual<N> log(const Dual<N>& x) {
  return chain(x, std::log(x.v), 1.0 / x.v);
}
template <std::size_t N>
inline Dual<N> sqrt(const Dual<N>& x) {
  const double s = std::sqrt(x.v);
  return chain(x, s, 0.5 / s);
}
template <std::size_t N>
inline Dual<N> cbrt(const Dual<N>& x) {
  const double c = std::cbrt(x.v);
  return chain(x, c, c / (3.0 * x.v));
}
template <std::size_t N>
inline Dual<N> pow(const Dual<N>& x, double p) {
  const double f = std::pow(x.v, p);
  return chain(x, f, p * std::pow(x.v, p - 1.0));
}
template <std::size_t N>
inline Dual<N> pow(const Dual<N>& x, const Dual<N>& p) {  // x > 0
  const double f = std::pow(x.v, p.v);
  Dual<N> r(f);
  const double dx = p.v * std::pow(x.v, p.v - 1.0), dp = f * std::log(x.v);
  for (std::size_t i = 0; i < N; ++i) r.d[i] = dx * x.d[i] + dp * p.d[i];
  return r;
}
template <std::size_t N>
inline Dual<N> pow(double x, const Dual<N>& p) {  // x > 0
  const double f = std::pow(x, p.v);
  return chain(p, f, f * std::log(x));
}
template <std::size_t N>
inline Dual<N> cos(const Dual<N>& x) {
  return chain(x, std::cos(x.v), -std::sin(x.v));
}
template <std::size_t N>
inline Dual<N> tanh(const Dual<N>& x) {
  const double t = std::tanh(x.v);
  return chain(x, t, 1.0 - t * t);
}

// Comparisons of two duals compare their values (branches of the rate laws on parameters).
template <std::size_t N>
inline bool operator<(const Dual<N>& a, const Dual<N>& b) {
  return a.v < b.v;
}
template <std::size_t N>
inline bool operator>(const Dual<N>& a, const Dual<N>& b) {
  return a.v > b.v;
}
template <std::size_t N>
inline bool operator<=(const Dual<N>& a, const Dual<N>& b) {
  return a.v <= b.v;
}
template <std::size_t N>
inline bool operator>=(const Dual<N>& a, const Dual<N>& b) {
  return a.v >= b.v;
}

inline double value_of(double x) { return x; }
template <std::size_t N>
inline double value_of(const Dual<N>& x) {
  return x.v;
}

}  // namespace calcikin::kinetics
