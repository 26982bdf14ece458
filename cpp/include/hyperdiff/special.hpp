// Scalar special functions the elementary table needs and libm lacks.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>

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

// The standard normal cdf as scipy computes it (cephes' ndtr, scipy/xsf
// include/xsf/cephes/ndtr.h): the same rational approximations of erf and erfc
// in the same operations, so the value is scipy's bit for bit (checked on
// normals, tails, subnormals, +-0, +-inf, nan). Hence HYPERDIFF_UNFUSED: erfc's
// exp must be the scalar libm's, as scipy's. ndtr(a) = (1 + erf(x))/2 for
// |x| < 1, else erfc(|x|)/2 from the right tail, x = a/sqrt 2; erfc(z) =
// exp(-z^2) P(z)/Q(z), two fits split at z = 8, 0 once exp(-z^2) underflows.
namespace cephes {
// c[0] x^(N-1) + ... + c[N-1] by Horner's rule (cephes' polevl)
template <std::size_t N>
inline double polevl(double x, const double (&c)[N]) {
  double s = c[0];
  for (std::size_t i = 1; i < N; ++i) s = s * x + c[i];
  return s;
}
// x^N + c[0] x^(N-1) + ... + c[N-1] (cephes' p1evl: the leading 1 implied)
template <std::size_t N>
inline double p1evl(double x, const double (&c)[N]) {
  double s = x + c[0];
  for (std::size_t i = 1; i < N; ++i) s = s * x + c[i];
  return s;
}
inline constexpr double kP[] = {
    2.46196981473530512524E-10, 5.64189564831068821977E-1, 7.46321056442269912687E0,
    4.86371970985681366614E1,   1.96520832956077098242E2,  5.26445194995477358631E2,
    9.34528527171957607540E2,   1.02755188689515710272E3,  5.57535335369399327526E2};
inline constexpr double kQ[] = {1.32281951154744992508E1, 8.67072140885989742329E1,
                                3.54937778887819891062E2, 9.75708501743205489753E2,
                                1.82390916687909736289E3, 2.24633760818710981792E3,
                                1.65666309194161350182E3, 5.57535340817727675546E2};
inline constexpr double kR[] = {5.64189583547755073984E-1, 1.27536670759978104416E0,
                                5.01905042251180477414E0,  6.16021097993053585195E0,
                                7.40974269950448939160E0,  2.97886665372100240670E0};
inline constexpr double kS[] = {2.26052863220117276590E0, 9.39603524938001434673E0,
                                1.20489539808096656605E1, 1.70814450747565897222E1,
                                9.60896809063285878198E0, 3.36907645100081516050E0};
inline constexpr double kT[] = {9.60497373987051638749E0, 9.00260197203842689217E1,
                                2.23200534594684319226E3, 7.00332514112805075473E3,
                                5.55923013010394962768E4};
inline constexpr double kU[] = {3.35617141647503099647E1, 5.21357949780152679795E2,
                                4.59432382970980127987E3, 2.26290000613890934246E4,
                                4.92673942608635921086E4};
inline constexpr double kMaxLog = 7.09782712893383996843E2;  // log of the largest double
}  // namespace cephes

HYPERDIFF_UNFUSED inline double ndtr(double a) {
  using namespace cephes;
  if (std::isnan(a)) return std::numeric_limits<double>::quiet_NaN();  // scipy's, even for -nan
  const double x = a * 0.70710678118654752440;
  const double z = std::fabs(x);
  if (z < 1.0) {
    const double s = x * x;
    return 0.5 + 0.5 * (x * polevl(s, kT) / p1evl(s, kU));  // erf(x)
  }
  const double minus_square = -z * z;
  double y = 0.0;  // erfc(z)
  if (!(minus_square < -kMaxLog)) {
    const double e = std::exp(minus_square);
    y = z < 8.0 ? e * polevl(z, kP) / p1evl(z, kQ) : e * polevl(z, kR) / p1evl(z, kS);
  }
  y = 0.5 * y;
  return x > 0 ? 1.0 - y : y;
}

}  // namespace detail
}  // namespace HYPERDIFF_ISA_NAMESPACE
}  // namespace hyperdiff
