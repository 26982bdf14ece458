// Complex components: the few operations whose value numpy computes its own
// way (its umath loops and funcs.inc), written the same way here so complex
// values match numpy's bit for bit. The rest (log, sqrt, tan, ..., pow's general
// case) are C99's clog, csqrt, ... in both numpy and std::complex, but sin, cos, sinh,
// cosh and exp: glibc's formulas vectorized (kernels.hpp), within a few ulps of numpy's.
//
// GCC's vectorizer turns the pairs (a*b - c*d, a*d + c*b) of complex arithmetic
// into fused multiply-add-subtract instructions even at -ffp-contract=off
// (GCC 12, x86-64-v3 and up), so a plain product or quotient would round
// differently by position and instruction set. Hence the product is written
// fused, as numpy's SIMD loops compute it, and the quotients, which numpy does
// not fuse, are kept out of the vectorizer.
#pragma once

#include <cmath>
#include <complex>
#include <cstdint>

#include "common.hpp"

namespace hyperdiff {
inline namespace HYPERDIFF_ISA_NAMESPACE {
namespace detail {

// x y as numpy's complex multiply, whose SIMD loops fuse it on CPUs with FMA
// (all x86-64-v3). Fused here on every build (a libm fma call below v3, which
// glibc runs on the FMA unit where there is one), so the value does not depend
// on the kernel build; on CPUs without FMA numpy's plain product can differ in
// the last bit.
template <class R>
std::complex<R> complex_multiply(std::complex<R> x, std::complex<R> y) {
  const R xr = x.real(), xi = x.imag(), yr = y.real(), yi = y.imag();
  return {std::fma(xr, yr, -(xi * yi)), std::fma(xr, yi, xi * yr)};
}

// x / y by Smith's method, scaled by a reciprocal as numpy's complex divide.
template <class R>
HYPERDIFF_UNFUSED std::complex<R> complex_divide(std::complex<R> x, std::complex<R> y) {
  const R xr = x.real(), xi = x.imag(), yr = y.real(), yi = y.imag();
  if (std::fabs(yr) >= std::fabs(yi)) {
    if (yr == R(0) && yi == R(0)) return {xr / std::fabs(yr), xi / std::fabs(yr)};
    const R rat = yi / yr;
    const R scl = R(1) / (yr + yi * rat);
    return {(xr + xi * rat) * scl, (xi - xr * rat) * scl};
  }
  const R rat = yr / yi;
  const R scl = R(1) / (yi + yr * rat);
  return {(xr * rat + xi) * scl, (xi * rat - xr) * scl};
}

// 1 / x as numpy's complex reciprocal.
template <class R>
HYPERDIFF_UNFUSED std::complex<R> complex_reciprocal(std::complex<R> x) {
  const R xr = x.real(), xi = x.imag();
  if (std::fabs(xi) <= std::fabs(xr)) {
    const R r = xi / xr;
    const R d = xr + xi * r;
    return {R(1) / d, -r / d};
  }
  const R r = xr / xi;
  const R d = xr * r + xi;
  return {r / d, R(-1) / d};
}

// log(1 + x) from |1 + x| and its angle, as numpy.
template <class R>
std::complex<R> complex_log1p(std::complex<R> x) {
  const R re = x.real() + R(1);
  return {std::log(std::hypot(re, x.imag())), std::atan2(x.imag(), re)};
}

// exp(x) - 1 with the real part's cancellation avoided, as numpy.
template <class R>
std::complex<R> complex_expm1(std::complex<R> x) {
  const R a = std::sin(x.imag() / R(2));
  return {std::expm1(x.real()) * std::cos(x.imag()) - R(2) * a * a,
          std::exp(x.real()) * std::sin(x.imag())};
}

// An unfused product (numpy's scalar code), for use where GCC does not vectorize.
template <class R>
std::complex<R> plain_multiply(std::complex<R> x, std::complex<R> y) {
  return {x.real() * y.real() - x.imag() * y.imag(), x.real() * y.imag() + x.imag() * y.real()};
}

// x ** y as numpy: 1 for y = 0; at x = 0, 0 for Re y > 0 and nan otherwise;
// repeated (unfused)
// products for integer y with |y| < 100, else C99's cpow.
template <class R>
HYPERDIFF_UNFUSED std::complex<R> complex_power(std::complex<R> x, std::complex<R> y) {
  using C = std::complex<R>;
  const R yr = y.real(), yi = y.imag();
  if (yr == R(0) && yi == R(0)) return C(R(1), R(0));
  if (x.real() == R(0) && x.imag() == R(0)) {
    return yr > R(0) ? C(R(0), R(0)) : C(R(NAN), R(NAN));
  }
  if (yi == R(0) && yr == std::trunc(yr) && std::fabs(yr) < R(100)) {
    const std::int64_t n = static_cast<std::int64_t>(yr);
    if (n == 1) return x;
    if (n == 2) return plain_multiply(x, x);
    if (n == 3) return plain_multiply(x, plain_multiply(x, x));
    std::int64_t k = n < 0 ? -n : n;
    C result(R(1), R(0)), p = x;
    for (std::int64_t mask = 1;; mask <<= 1) {
      if (k & mask) result = plain_multiply(result, p);
      if (k < (mask << 1)) break;
      p = plain_multiply(p, p);
    }
    return n < 0 ? complex_divide(C(R(1), R(0)), result) : result;
  }
  return std::pow(x, y);
}

}  // namespace detail
}  // namespace HYPERDIFF_ISA_NAMESPACE
}  // namespace hyperdiff
