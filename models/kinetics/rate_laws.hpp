#pragma once
// Rate laws of the mechanistic model (docs/model.md §3), written once as templates on the scalar
// type (double for the right-hand side, Dual for its Jacobian). Every law is continuously
// differentiable across saturation (sigma = 0, ln Omega = 0): a kink there costs CVODE orders of
// magnitude more steps.
#include <cmath>

#include "models/kinetics/dual.hpp"

namespace calcikin::kinetics::rate {

using std::cbrt;
using std::cos;
using std::exp;
using std::log;
using std::pow;
using std::sqrt;
using std::tanh;

// Smooth positive part: 0.5 (x + sqrt(x^2 + w^2)); equals max(x, 0) away from |x| ~ w.
// For x < 0 the algebraically equal form w^2 / (2 (r - x)) avoids the cancellation of x + r (which
// would return 0, and 0/0 downstream).
template <class S, class W>
S smooth_positive(const S& x, const W& width) {
  const S r = sqrt(x * x + width * width);
  if (x >= 0.0) return 0.5 * (x + r);
  return 0.5 * width * width / (r - x);
}

// Negative part x - smooth_positive(x, w) = 0.5 (x - sqrt(x^2 + w^2)), written without the
// cancellation of x - x+ (in the value and, with dual numbers, in the derivative): -w^2/(2 (r + x))
// for x >= 0 (~ -w^2/(4x), nothing, far above zero), 0.5 (x - r) below (~x far below zero).
template <class S>
S smooth_negative(const S& x, double width) {
  const S r = sqrt(x * x + width * width);
  if (x >= 0.0) return -0.5 * width * width / (r + x);
  return 0.5 * (x - r);
}

// Langmuir coverage theta = K c / (1 + K c), c = activity x c0 (mol/m3), K in m3/mol.
template <class S, class K>
S langmuir(const S& activity, const K& k, double c0) {
  const S kc = k * c0 * activity;
  return kc / (1.0 + kc);
}

// Competitive Langmuir coverage of a surface by Mg2+ against Ca2+ (one site, two adsorbates):
//   theta_Mg = K_Mg c0 a_Mg / (1 + K_Mg c0 a_Mg + K_Ca c0 a_Ca)
// Outcomes then depend on the Mg/Ca ratio, as every phase-outcome table of the literature is
// organised (Cheng, Grabher & LeGeros 1988, Magnesium 7:123; Abbona & Franchini-Angela 1990, J
// Cryst Growth 104:661). K_Ca = 0 gives the plain Langmuir isotherm.
template <class S, class K1, class K2>
S competitive_langmuir(const S& a_mg, const K1& k_mg, const S& a_ca, const K2& k_ca, double c0) {
  const S km = k_mg * c0 * a_mg;
  return km / (1.0 + km + k_ca * c0 * a_ca);
}

// C1 floor at zero that is exact outside |x| < w: x for x >= w, 0 for x <= -w, (x + w)^2/(4w)
// between.
template <class S, class W>
S soft_floor(const S& x, const W& w) {
  if (x >= w) return x;
  if (x <= -w) return S(0.0);
  const S u = x + w;
  return u * u / (4.0 * w);
}

// C-infinity step from 0 (x <= 0) to 1 (x >= w): 1 / (1 + exp(1/u - 1/(1 - u))), u = x/w. Every
// derivative vanishes at both ends, so a switch placed at a point the solution sits on (S_ACP = 1)
// has no jump in any derivative (a C1 polynomial step still jumps in the second derivative, which
// shows up in difference quotients and in the error control).
template <class S, class W>
S smooth_step(const S& x, const W& w) {
  if (!(x > 0.0)) return S(0.0);
  if (!(x < w)) return S(1.0);
  const S u = x / w;
  const S arg = 1.0 / u - 1.0 / (1.0 - u);
  if (arg > 700.0) return S(0.0);
  if (arg < -700.0) return S(1.0);
  return 1.0 / (1.0 + exp(arg));
}

// Harmonic mean 2ab/(a + b) of two non-negative numbers: equal to both where they agree, at most
// twice the smaller, so it vanishes with either one (0 where both are 0). C-infinity for a + b > 0.
template <class S>
S harmonic_mean(const S& a, const S& b) {
  const S sum = a + b;
  if (!(sum > 0.0)) return S(0.0);
  return 2.0 * a * b / sum;
}

// Kubota-Mullin growth factor 1 - alpha theta, floored (C1) at 0: alpha > 1 stops growth completely
// once theta > 1/alpha (Kubota & Mullin 1995, J Cryst Growth 152:203).
template <class S, class A>
S kubota_mullin(const S& theta, const A& alpha) {
  return soft_floor(1.0 - alpha * theta, 1e-3);
}

// Kubota-Mullin factor with the supersaturation-dependent effectiveness of the original theory,
// alpha(sigma) = alpha_ref sigma_ref / sigma (alpha = gamma_edge a / (kB T sigma L); Kubota &
// Mullin 1995, J Cryst Growth 152:203), and a lattice allowance theta*: Mg up to theta* of the
// sites is a lattice constituent (whitlockite holds one Mg per ten cations), only the excess blocks
// steps:
//   G/G0 = [1 - alpha(sigma) (theta - theta*)+ / (1 - theta*)]+      (sigma > 0)
// theta* = 0 is the plain form. Floored (C1) at 0: below sigma = alpha_ref sigma_ref theta growth
// stops (the impurity "dead zone").
template <class S, class T>
S kubota_mullin_sigma(const S& theta, const S& sigma, const T& alpha_ref, const T& sigma_ref,
                      const T& lattice) {
  if (!(alpha_ref > 0.0)) return S(1.0);
  S excess = theta;
  if (lattice > 0.0) excess = soft_floor(theta - lattice, 1e-3) / (1.0 - lattice);
  const S alpha = alpha_ref * sigma_ref / sigma;
  return soft_floor(1.0 - alpha * excess, 1e-3);
}

// x^p for x >= 0. The default exponents (growth order 2, cap sharpness 4 and its root 1/4, the
// Mg-ACP cap's 8 and 1/8) as products and square roots: pow is the costliest call of a right-hand
// side after the speciation (17 per evaluation, each as dear as a dozen multiplications), and
// these equal it to an ulp. Any other exponent, and an exponent that is a dual number (a fitted
// order, with its derivative x^p ln x), goes through pow.
template <class X, class P>
auto power(const X& x, const P& p) {
  return pow(x, p);
}
template <class X>
X power(const X& x, double p) {
  if (p == 2.0) return x * x;
  if (p == 4.0) {
    const X x2 = x * x;
    return x2 * x2;
  }
  if (p == 8.0) {
    const X x2 = x * x;
    const X x4 = x2 * x2;
    return x4 * x4;
  }
  if (p == 1.0) return x;
  if (p == 0.5) return sqrt(x);
  if (p == 0.25) return sqrt(sqrt(x));
  if (p == 0.125) return sqrt(sqrt(sqrt(x)));
  return pow(x, p);
}

// Soft cap of a positive relative supersaturation: sigma / (1 + (sigma/cap)^p)^(1/p). Equals sigma
// for sigma << cap, tends to cap, is 0 with slope 1 at sigma = 0.
template <class S, class T>
S soft_cap(const S& sigma, const T& cap, const T& p) {
  return sigma / power(1.0 + power(sigma / cap, p), 1.0 / p);
}

// Surface reaction flux R (mol m-2 s-1) for relative supersaturation sigma = Omega^(1/nu) - 1:
//   sigma > 0: k_g sigma_c^n * sigma/(sigma + s)        (growth, sigma_c soft-capped)
//   sigma < 0: -k_d |sigma| * |sigma|/(|sigma| + s)     (dissolution, first order)
// The factor |sigma|/(|sigma| + s) makes both branches start with zero slope: R is C1 at sigma = 0.
template <class S, class T>
S surface_flux(const S& sigma, const T& k_growth, const T& order, const T& k_dissolution,
               const T& cap, const T& sharpness, const T& smoothing) {
  if (sigma > 0.0) {
    const S capped = soft_cap(sigma, cap, sharpness);
    return k_growth * power(capped, order) * (sigma / (sigma + smoothing));
  }
  if (sigma < 0.0) {
    const S a = -sigma;
    return -k_dissolution * a * (a / (a + smoothing));
  }
  return S(0.0);
}

// exp(-B_eff / ln^2 Omega) for ln Omega > 0, 0 otherwise. All derivatives vanish as ln Omega -> 0+,
// so the factor is smooth across saturation; the exponent is capped so it never overflows.
template <class S>
S nucleation_factor(const S& ln_omega, const S& barrier) {
  if (!(ln_omega > 0.0)) return S(0.0);
  const S arg = barrier / (ln_omega * ln_omega);
  if (arg > 700.0) return S(0.0);
  return exp(-arg);
}

// Coverage of a surface by an inhibitor of finite total amount (Langmuir binding with the
// inhibitor's own mass balance, the "tight-binding" quadratic): `sites` = amount of binding sites
// (mol/kg, the mineral area over the footprint per mole), `amount` = total inhibitor (mol/kg), k =
// K c0 (kg/mol). The bound amount b solves b = sites k (amount - b) / (1 + k (amount - b)); theta =
// b / sites is
//   theta = 2 k amount / (p + sqrt((1 + k amount - k sites)^2 + 4 k sites)),  p = 1 + k amount + k
//   sites
// (the root without cancellation; the discriminant written as a sum of non-negative terms). For
// k -> infinity theta -> min(1, amount/sites): full coverage while the capacity exceeds the area,
// then falling as 1/area. C-infinity in sites and amount, defined at sites = 0 (theta = k a/(1 + k
// a)).
template <class S, class T>
S capacity_limited_coverage(const S& sites, const T& amount, const T& k) {
  const S ks = k * sites;
  const T ka = k * amount;
  const S d = (1.0 + ka) - ks;
  return (2.0 * ka) / ((1.0 + ka) + ks + sqrt(d * d + 4.0 * ks));
}

// Heterogeneous-nucleation geometry factor f(theta_c) = (2 + cos)(1 - cos)^2 / 4.
template <class T>
T contact_factor(const T& contact_angle) {
  using std::cos;
  const T c = cos(contact_angle);
  return (2.0 + c) * (1.0 - c) * (1.0 - c) / 4.0;
}

}  // namespace calcikin::kinetics::rate
