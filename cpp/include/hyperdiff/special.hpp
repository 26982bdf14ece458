// Scalar special functions the elementary table needs and libm lacks.
#pragma once

#include <cmath>

#include "common.hpp"

namespace hyperdiff {
inline namespace HYPERDIFF_ISA_NAMESPACE {
namespace detail {

// Digamma psi(x) = d/dx log|Gamma(x)|.
// x <= 0: reflection psi(x) = psi(1 - x) - pi cot(pi x). Poles at 0, -1, ...:
// psi -> -inf from the right and +inf from the left, so nan, except at +-0,
// whose sign names the side (-inf at +0, +inf at -0).
// Near its positive root x0 the asymptotic series cancels, so there a Taylor
// series about x0 keeps relative accuracy.
inline double digamma(double x) {
  if (std::isnan(x) || x == -INFINITY) return NAN;
  if (x <= 0) {
    if (x == 0) return -1 / x;
    if (x == std::floor(x)) return NAN;
    // pi cot(pi x) with the argument reduced exactly to [-1/2, 1/2].
    const double r = x - std::nearbyint(x);
    const double pi_cot = std::fabs(r) == 0.5 ? 0.0 : kPi / std::tan(kPi * r);
    return digamma(1 - x) - pi_cot;
  }
  constexpr double x0 = 1.4616321449683623412626595;  // root of psi
  constexpr double x0_lo = 9.549995429965697e-17;     // x0 - double(x0)
  if (std::fabs(x - x0) < 0.05) {
    // psi(x0 + t) = sum_k psi^(k)(x0) t^k / k!, coefficients from mpmath.
    const double t = (x - x0) - x0_lo;
    constexpr double c[] = {0.9676722454476212,   -0.4427631689835921,  0.258499760955651,
                            -0.16394270544240652, 0.10782405069126237,  -0.07219956125645471,
                            0.04880428816414311,  -0.03316112647484736, 0.022597648232218104,
                            -0.01542476590494896, 0.010538791616612175, -0.007204534386356869};
    double s = c[11];
    for (int k = 10; k >= 0; --k) s = s * t + c[k];
    return s * t;
  }
  double acc = 0;
  while (x < 10) {
    acc -= 1 / x;
    x += 1;
  }
  // psi(x) ~ log x - 1/(2x) - sum B_2k / (2k x^2k); at x >= 10 the first
  // omitted term (k = 8) is below 1e-17
  const double z = 1 / (x * x);
  const double series =
      z * (1.0 / 12 -
           z * (1.0 / 120 -
                z * (1.0 / 252 -
                     z * (1.0 / 240 - z * (1.0 / 132 - z * (691.0 / 32760 - z * (1.0 / 12)))))));
  return acc + std::log(x) - 0.5 / x - series;
}

// Trigamma psi1(x) = psi'(x).
// x <= 0: reflection psi1(x) = -psi1(1 - x) + pi^2 / sin^2(pi x). Poles at
// 0, -1, ...: +inf (from both sides).
inline double trigamma(double x) {
  if (std::isnan(x) || x == -INFINITY) return NAN;
  if (x == INFINITY) return 0;
  if (x <= 0) {
    if (x == std::floor(x)) return INFINITY;
    const double s = std::sin(kPi * (x - std::nearbyint(x)));
    return -trigamma(1 - x) + kPi * kPi / (s * s);
  }
  double acc = 0;
  while (x < 15) {
    acc += 1 / (x * x);
    x += 1;
  }
  // psi1(x) ~ 1/x + 1/(2x^2) + sum B_2k / x^(2k+1); at x >= 15 the first
  // omitted term (k = 9) is below 1e-20
  const double z = 1 / (x * x);
  const double series =
      z * (1.0 / 6 -
           z * (1.0 / 30 -
                z * (1.0 / 42 -
                     z * (1.0 / 30 - z * (5.0 / 66 - z * (691.0 / 2730 -
                                                          z * (7.0 / 6 - z * (3617.0 / 510))))))));
  return acc + (1 + (0.5 + series * x) / x) / x;
}

}  // namespace detail
}  // namespace HYPERDIFF_ISA_NAMESPACE
}  // namespace hyperdiff
