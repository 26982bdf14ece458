// The table of elementwise binary functions f(x, y).
//
// Each entry computes the value and the partials fx, fy, fxx, fxy, fyy at
// (x, y). Flags name the partials that are identically zero so the chain rule
// (kinds.hpp) skips their terms. Entries are written for numerical care, e.g.
// the quotient's partials use q = x/y: fy = -q/y rather than -x/y^2, which
// would underflow y^2 in float32 at y ~ 1e-20.
//
// Conventions: maximum/minimum/fmax/fmin take numpy's (vectorized) value, nan
// handling and signed zeros included (x86 max/min return the second operand at
// a tie); their derivative at a tie follows the first argument. hypot at (0, 0): partials 0.
// floor_divide: all partials 0; remainder, fmod: d/dy = -(integer quotient).
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "common.hpp"
#include "complex.hpp"
#include "vector_math.hpp"

namespace hyperdiff {
inline namespace HYPERDIFF_ISA_NAMESPACE {

template <class T>
struct Partials {
  T f0, fx, fy, fxx, fxy, fyy;
};

struct BinaryEntry {
  static constexpr const char* module = "numpy";
  static constexpr bool has_fx = true, has_fy = true;
  static constexpr bool has_fxx = true, has_fxy = true, has_fyy = true;
  static constexpr bool has_complex = false;  // complex kernels (holomorphic in x and y)
  static constexpr bool quotient = false;     // second order by the quotient rule (kinds.hpp)
  // a partial that is 0 is 0 by structure (a selection), never by underflow:
  // a strong zero in the chain rule (kinds.hpp)
  static constexpr bool structural_zeros = false;
  // fxy = 1 (a product): the chain rule does not reorder fxy (x_a y_b + x_b y_a)
  static constexpr bool unit_fxy = false;
  // eval returns T(1) at the elements whose partials edges(x, y, p) recomputes,
  // else T(0) (a scalar pass after the vector loop, kernels.hpp): rare points
  // the vector formulas do not cover (power's zeros, infinities, overflow). A
  // flag of the element type keeps the loop vectorized (a bool one did not)
  static constexpr bool has_edges = false;
  // fx = 1 and fy = unit_sign (+-1) everywhere (add, subtract): the chain rule
  // adds or subtracts the parts, with no partials to fill or multiply (kinds.hpp)
  static constexpr int unit_sign = 0;
  // with one operand a constant, the partial in the other is a function of the
  // constant alone, whose zeros are structural (x 0 and x/inf are 0 for every x): a
  // strong zero against an infinite part (kinds.hpp's first_order), as the products
  // of matrices have it (c @ sqrt(v) at v = 0 with c = [0, 2])
  static constexpr bool constant_zeros = false;
  // power: x**3 and x**4 for an exponent that is one number (kernels.hpp), by
  // products in integer_eval instead of pow in eval
  static constexpr bool integer_powers = false;
};

struct LinearEntry : BinaryEntry {
  static constexpr bool has_fxx = false, has_fxy = false, has_fyy = false;
};

struct Add : LinearEntry {
  static constexpr const char* name = "add";
  static constexpr bool has_complex = true;
  static constexpr int unit_sign = 1;
  template <class T>
  static void eval(T x, T y, Partials<T>& p) {
    p.f0 = x + y;
    p.fx = T(1);
    p.fy = T(1);
  }
};

struct Subtract : LinearEntry {
  static constexpr const char* name = "subtract";
  static constexpr bool has_complex = true;
  static constexpr int unit_sign = -1;
  template <class T>
  static void eval(T x, T y, Partials<T>& p) {
    p.f0 = x - y;
    p.fx = T(1);
    p.fy = T(-1);
  }
};

struct Multiply : BinaryEntry {
  static constexpr const char* name = "multiply";
  static constexpr bool has_complex = true;
  static constexpr bool has_fxx = false, has_fyy = false;
  static constexpr bool unit_fxy = true;
  static constexpr bool constant_zeros = true;  // fx = y, fy = x
  template <class T>
  static void eval(T x, T y, Partials<T>& p) {
    if constexpr (is_complex_v<T>) {
      p.f0 = detail::complex_multiply(x, y);
    } else {
      p.f0 = x * y;
    }
    p.fx = y;
    p.fy = x;
    p.fxy = T(1);
  }
};

struct Divide : BinaryEntry {
  static constexpr const char* name = "divide";
  static constexpr bool has_fxx = false;
  static constexpr bool has_complex = true;
  static constexpr bool quotient = true;  // by the quotient rule: see first_order, binary_second
  static constexpr bool constant_zeros = true;  // fx = 1/y (0 at y = inf)
  // q = x/y: fx = 1/y, fy = -q/y, fxy = -1/y^2, fyy = 2q/y^2; fy = -q at q = 0
  // (x = 0: -x/y^2 is 0 along y, also where 1/y overflows)
  template <class T>
  static void eval(T x, T y, Partials<T>& p) {
    T q, r;
    if constexpr (is_complex_v<T>) {
      q = detail::complex_divide(x, y);
      r = detail::complex_reciprocal(y);
    } else {
      q = x / y;
      r = T(1) / y;
    }
    p.f0 = q;
    p.fx = r;
    p.fy = q == T(0) ? -q : -q * r;  // 0 at x = 0 also where 1/y overflows (subnormal y)
    p.fxy = -r * r;
    p.fyy = T(2) * (q * r) * r;
  }
};

namespace detail {
// c x^e in the limit x -> 0+ (at_zero) or x -> +inf, for c, e not nan: c where
// e = 0, else 0 where x^e vanishes and inf where it grows, with c's sign; 0 for c = 0.
template <class T>
inline T power_limit(T c, T e, bool at_zero) {
  if (c == T(0) || e == T(0)) return c;
  const bool vanishes = at_zero ? e > T(0) : e < T(0);
  return std::copysign(vanishes ? T(0) : T(INFINITY), c);
}

// min <= |q| <= max: a normal float (complex: its larger part), not 0, inf or nan.
template <class T>
inline bool normal_magnitude(T q) {
  using R = decltype(std::abs(std::real(q)));
  R m;
  if constexpr (is_complex_v<T>) {
    m = std::max(std::fabs(q.real()), std::fabs(q.imag()));
  } else {
    m = std::fabs(q);
  }
  return (m >= std::numeric_limits<R>::min()) & (m <= std::numeric_limits<R>::max());
}
}  // namespace detail

struct Power : BinaryEntry {
  static constexpr const char* name = "power";
  // p = x^y: fx = y x^(y-1), fxx = y (y-1) x^(y-2), fy = p log x,
  // fxy = x^(y-1) (1 + y log x), fyy = p log^2 x.
  // The vector loop (eval) takes u = p/x = x^(y-1) and w = u/x = x^(y-2):
  // fx = y u, fxx = y (y-1) w, each a few roundings from exact where p, u, w
  // are normal floats and y is finite. It flags the other elements (p not nan)
  // for edges, a scalar pass, which takes the limits there:
  // - x, y finite and nonzero (p, u or w over- or underflows, subnormal x):
  //   the same formulas in long double (x87: 64-bit significand, exponents to
  //   +-16382, so no partial within double's range over- or underflows on the
  //   way; where long double is double, as the vector loop).
  // - y = 0: x^0 = 1 for every x (numpy's 0^0 and nan^0 too): fx = fxx = 0;
  //   fy = log x, fxy = 1/x, fyy = log^2 x for x > 0, nan for x <= 0 (x^y has
  //   no derivative in y at y = 0 there).
  // - x = 1: 1^y = 1: fy = fyy = 0, fxy = 1, fx = y, fxx = y (y-1), y infinite too.
  // - x = +-0, +inf (y != 0): the limits as x -> 0+ or +inf, y fixed: fx, fxx
  //   by power_limit (x = 0: fx = 0 for y > 1, 1 at y = 1, inf with y's sign
  //   below; x = inf: inf for y > 1, 1 at y = 1, 0 below); fy, fyy -> 0 where
  //   x^y -> 0, and fy -> -inf (x = 0) or inf (x = inf), fyy -> inf where it
  //   grows; fxy -> 0 at x = 0 for y > 1, -inf for 0 < y <= 1, inf for y < 0,
  //   and at x = inf inf for y >= 1, 0 below.
  // - x = -0, -inf with finite integer y (x^y defined on both sides): fx and
  //   fxx from the left, as IEEE's pow(-0, -1) = -inf: x^e has the sign
  //   (-1)^e there. Other y: x = -0 is 0 (the right side); x = -inf has
  //   fx = fxx = nan (x^y is not real), but 0 where they vanish at y = +-inf
  //   (as for finite x < 0 below).
  // - x < 0: x^y is real at integer y only, so fy, fxy, fyy are nan.
  // - y = +-inf (x finite, x != 1): the limits along y. Where |x|^y -> inf
  //   (and at x = -1): fx -> inf with y's sign, fxx, fxy, fyy -> inf, fy ->
  //   inf with the sign of log|x|; where |x|^y -> 0 all -> 0. x < 0: x^y is
  //   real at integer y only, and through them fx's sign alternates: the
  //   parts that do not vanish are nan (numpy's value follows C99, which
  //   takes every large float as an even integer: pow(-2, inf) = inf).
  // float32 is evaluated in double (its edges are double's edges). Complex:
  // the same forms with complex log and quotients, in complex long double
  // where p, u or w is not a normal float; at x = 0, the real limits above for
  // real y (y > 0: p = 0), and for complex y 0 where Re y exceeds the order
  // of the partial in x, else nan (numpy's 0^y is nan for Re y <= 0).
  static constexpr bool has_complex = true;
  static constexpr bool has_edges = true;

  template <class T>
  static T eval(T x, T y, Partials<T>& p) {
    if constexpr (is_complex_v<T>) {
      complex_eval(x, y, p);
      return T(0);
    } else if constexpr (std::is_same_v<T, float>) {
      Partials<double> w;
      const double edge = real_eval<double>(x, y, w);
      p = {T(w.f0), T(w.fx), T(w.fy), T(w.fxx), T(w.fxy), T(w.fyy)};
      return T(edge);
    } else {
      return real_eval(x, y, p);
    }
  }

  // x**n for n = 3 or 4, one number (kernels.hpp): x^n, n x^(n-1) and n (n-1) x^(n-2)
  // by products, each a few roundings from exact (x x x, as the Taylor kinds' integer
  // powers: within 2 ulps of x^n, 3 of numpy's pow), without pow and the quotients
  // p / x, which were most of a cubic term's cost. Flags, as eval's, the elements where
  // a power is not a normal float (zeros, infinities, over- and underflow): edges
  // takes them.
  static constexpr bool integer_powers = true;

  template <class T>
  static T integer_eval(T x, int n, Partials<T>& p) {
    if constexpr (std::is_same_v<T, float>) {
      Partials<double> w;
      const double edge = integer_eval<double>(x, n, w);
      p = {T(w.f0), T(w.fx), T(w.fy), T(w.fxx), T(w.fxy), T(w.fyy)};
      return T(edge);
    } else {
      const T square = x * x, cube = square * x;
      const T v = n == 3 ? cube : square * square;
      const T below = n == 3 ? square : cube;  // x^(n-1)
      const T second = n == 3 ? x : square;    // x^(n-2)
      p.f0 = v;
      p.fx = T(n) * below;
      p.fxx = T(n * (n - 1)) * second;
      p.fy = p.fxy = p.fyy = T(0);  // (the exponent has no parts here)
      const bool regular = detail::normal_magnitude(v) & detail::normal_magnitude(below) &
                           detail::normal_magnitude(second);
      return (v == v) & !regular ? T(1) : T(0);
    }
  }

  template <class T>
  static void edges(T x, T y, Partials<T>& p) {
    if constexpr (std::is_same_v<T, float>) {
      Partials<double> w;
      real_edges<double>(x, y, w);
      p = {p.f0, T(w.fx), T(w.fy), T(w.fxx), T(w.fxy), T(w.fyy)};
    } else if constexpr (!is_complex_v<T>) {
      real_edges(x, y, p);
    }
  }

  template <class T>
  static T real_eval(T x, T y, Partials<T>& p) {
    const T v = std::pow(x, y);
    const T lg = std::log(x);
    const T u = v / x, w = u / x;
    p.f0 = v;
    p.fx = y * u;
    p.fxx = (y * (y - T(1))) * w;
    p.fy = v * lg;
    p.fxy = u * (T(1) + y * lg);
    p.fyy = v * lg * lg;
    // (& rather than &&: the branches of && kept float32's loop, evaluated in
    // double, scalar below AVX-512)
    const bool regular = detail::normal_magnitude(v) & detail::normal_magnitude(u) &
                         detail::normal_magnitude(w) &
                         (std::fabs(y) <= std::numeric_limits<T>::max());
    return (v == v) & !regular ? T(1) : T(0);
  }

  template <class T>
  static void real_edges(T x, T y, Partials<T>& p) {
    const T inf = T(INFINITY), nan = T(NAN);
    if (y == T(0)) {  // x^0 = 1
      const bool positive = x > T(0);
      p.fx = p.fxx = T(0);
      p.fy = positive ? std::log(x) : nan;
      p.fxy = positive ? T(1) / x : nan;
      p.fyy = p.fy * p.fy;
      return;
    }
    if (x == T(1)) {  // 1^y = 1
      p.fx = y;
      p.fxx = y * (y - T(1));
      p.fy = p.fyy = T(0);
      p.fxy = T(1);
      return;
    }
    if (x != x || y != y) {
      p.fx = p.fxx = p.fy = p.fxy = p.fyy = nan;
      return;
    }
    const bool y_inf = std::isinf(y), negative = std::signbit(x);
    const bool integer = !y_inf && y == std::trunc(y);
    const bool even = integer && std::fmod(y, T(2)) == T(0);
    if (x == T(0) || std::isinf(x)) {
      const bool zero = x == T(0);
      p.fx = detail::power_limit(y, y - T(1), zero);
      p.fxx = detail::power_limit(y * (y - T(1)), y - T(2), zero);
      if (negative && integer) {  // the left side: x^(y-1) has the sign (-1)^(y-1)
        p.fx = even ? -p.fx : p.fx;
        p.fxx = even ? p.fxx : -p.fxx;
      } else if (negative && !zero) {  // (-inf)^y, y not an integer: not real
        p.fx = y_inf && p.fx == T(0) ? T(0) : nan;
        p.fxx = y_inf && p.fxx == T(0) ? T(0) : nan;
      }
      if (negative && !zero) {
        p.fy = p.fxy = p.fyy = nan;
        return;
      }
      const bool grows = zero ? y < T(0) : y > T(0);  // x^y -> inf
      p.fy = grows ? (zero ? -inf : inf) : T(0);
      p.fyy = grows ? inf : T(0);
      if (zero) {
        p.fxy = y > T(1) ? T(0) : (y > T(0) ? -inf : inf);
      } else {
        p.fxy = y >= T(1) ? inf : T(0);
      }
      return;
    }
    if (y_inf) {
      const T la = std::log(std::fabs(x));
      const bool grows = y * la > T(0) || x == T(-1);  // |x|^y -> inf, or |y|
      p.fx = grows ? (negative ? nan : std::copysign(inf, y)) : T(0);
      p.fxx = grows ? (negative ? nan : inf) : T(0);
      p.fy = negative ? nan : (grows ? std::copysign(inf, la) : T(0));
      p.fxy = negative ? nan : (grows ? inf : T(0));
      p.fyy = negative ? nan : (grows ? inf : T(0));
      return;
    }
    using L = long double;
    const L xl = x, yl = y;
    const L v = std::pow(xl, yl), lg = std::log(xl);
    const L u = v / xl, w = u / xl;
    p.fx = T(yl * u);
    p.fxx = T((yl * (yl - 1)) * w);
    p.fy = T(v * lg);
    p.fxy = T(u * (1 + yl * lg));
    p.fyy = T(v * lg * lg);
  }

  template <class C>
  static void complex_eval(C x, C y, Partials<C>& p) {
    using R = typename C::value_type;
    if constexpr (std::is_same_v<R, float>) {
      Partials<std::complex<double>> w;
      complex_eval<std::complex<double>>(x, y, w);
      p = {detail::complex_power(x, y), C(w.fx), C(w.fy), C(w.fxx), C(w.fxy), C(w.fyy)};
      return;
    } else {
      const C v = detail::complex_power(x, y);
      p.f0 = v;
      const R yr = y.real();
      if (x == C(0)) {
        const C nan(R(NAN), R(NAN)), zero(R(0), R(0));
        if (y.imag() == R(0)) {
          Partials<R> w;
          real_edges<R>(R(0), yr, w);
          p.fx = C(w.fx);
          p.fxx = C(w.fxx);
        } else {
          p.fx = yr > R(1) ? zero : nan;
          p.fxx = yr > R(2) ? zero : nan;
        }
        // each y-partial -> 0 where Re y exceeds its order in x, else none
        p.fxy = yr > R(1) ? zero : nan;
        p.fy = p.fyy = yr > R(0) ? zero : nan;
        return;
      }
      const C u = detail::complex_divide(v, x);
      const C w = detail::complex_divide(u, x);
      const bool finite = std::isfinite(x.real()) && std::isfinite(x.imag()) && std::isfinite(yr) &&
                          std::isfinite(y.imag());
      if (finite && !(detail::normal_magnitude(v) && detail::normal_magnitude(u) &&
                      detail::normal_magnitude(w))) {
        using L = std::complex<long double>;
        const L xl(x), yl(y);
        const L vl = std::pow(xl, yl), lgl = std::log(xl);
        const L ul = vl / xl, wl = ul / xl;
        p.fx = C(yl * ul);
        p.fxx = C((yl * (yl - L(1))) * wl);
        p.fy = C(vl * lgl);
        p.fxy = C(ul * (L(1) + yl * lgl));
        p.fyy = C(vl * lgl * lgl);
        return;
      }
      const C lg = std::log(x);
      p.fx = y * u;
      p.fxx = (y - C(1)) * (y * w);
      p.fy = v * lg;
      p.fxy = u * (C(1) + y * lg);
      p.fyy = v * lg * lg;
    }
  }
};

namespace detail {
// The direction (u, w) = (x, y)/r of a point at distance r = hypot(x, y), and
// 1/r, from the point scaled by a power of 2 where r overflows (near the
// largest floats) or loses bits (subnormals); an infinite coordinate gives the
// direction of the limit, (+-1, 0) or, both infinite, the diagonal
// (+-1, +-1)/sqrt2, and 1/r = 0. nan at the origin.
template <class T>
inline void direction(T x, T y, T r, T& u, T& w, T& ir) {
  constexpr T up = T(1) / (std::numeric_limits<T>::epsilon() * std::numeric_limits<T>::epsilon());
  constexpr T max = std::numeric_limits<T>::max();
  const T scale = r < std::numeric_limits<T>::min() ? up : (r > max ? T(0.5) : T(1));
  const bool x_inf = std::fabs(x) == T(INFINITY), y_inf = std::fabs(y) == T(INFINITY);
  const bool any_inf = x_inf || y_inf;
  const T xs = x_inf ? std::copysign(T(1), x) : (any_inf ? T(0) : x * scale);
  const T ys = y_inf ? std::copysign(T(1), y) : (any_inf ? T(0) : y * scale);
  const T rs = std::hypot(xs, ys);
  u = xs / rs;
  w = ys / rs;
  ir = any_inf ? T(0) : scale / rs;
}

// a b, but 0 for a = 0 whatever b (an exact zero of a partial stays 0 where
// its other factor, a power of 1/r, overflows).
template <class T>
inline T zero_or_product(T a, T b) {
  return a == T(0) ? T(0) : a * b;
}
}  // namespace detail

struct Arctan2 : BinaryEntry {
  static constexpr const char* name = "arctan2";
  // atan2(x, y), r = hypot(x, y), u = x/r, w = y/r:
  // fx = w/r, fy = -u/r, fxx = -2uw/r^2, fxy = (u^2 - w^2)/r^2, fyy = 2uw/r^2.
  // (u, w) from detail::direction; at +-inf all partials -> 0 (1/r = 0); an
  // exact zero of the numerator stays 0 where 1/r overflows (subnormals).
  // nan at the origin.
  template <class T>
  static void eval(T x, T y, Partials<T>& p) {
    T u, w, ir;
    detail::direction(x, y, std::hypot(x, y), u, w, ir);
    const T uw = u * w, diff = (u - w) * (u + w);
    p.f0 = std::atan2(x, y);
    p.fx = detail::zero_or_product(w, ir);
    p.fy = -detail::zero_or_product(u, ir);
    p.fxx = T(-2) * detail::zero_or_product(uw, ir * ir);
    p.fxy = detail::zero_or_product(diff, ir * ir);
    p.fyy = T(2) * detail::zero_or_product(uw, ir * ir);
  }
};

struct Hypot : BinaryEntry {
  static constexpr const char* name = "hypot";
  // r = hypot(x, y), u = x/r, w = y/r: fx = u, fy = w, fxx = w^2/r,
  // fxy = -uw/r, fyy = u^2/r. (u, w) from detail::direction (finite where r
  // overflows); all 0 at the origin. At (+-inf, +-inf) fx, fy are nan: their
  // limits depend on the direction (hypot(t, 2 t)' at inf is sqrt 5, which the
  // diagonal's (1 + 2)/sqrt 2 missed); the second partials' (1/r) are 0.
  template <class T>
  static void eval(T x, T y, Partials<T>& p) {
    const T r = std::hypot(x, y);
    const bool origin = r == T(0);
    const bool both_inf = std::fabs(x) == T(INFINITY) && std::fabs(y) == T(INFINITY);
    T du, dw, dir;
    detail::direction(x, y, r, du, dw, dir);
    const T u = origin ? T(0) : du, w = origin ? T(0) : dw;
    const T ir = origin ? T(0) : dir;
    p.f0 = r;
    p.fx = both_inf ? T(NAN) : u;
    p.fy = both_inf ? T(NAN) : w;
    p.fxx = detail::zero_or_product(w * w, ir);
    p.fxy = -detail::zero_or_product(u * w, ir);
    p.fyy = detail::zero_or_product(u * u, ir);
  }
};

// maximum, minimum, fmax, fmin: one rule, the selection of an operand. Max:
// which comparison (x > y, or x < y); PropagateNan: a nan operand is the result
// (maximum, minimum: x's nan by taking x, y's by taking y) or is passed over
// (fmax, fmin: y's nan by taking x, x's by taking y). The value is taken
// where x wins strictly (a tie takes y, as x86's max/min), the derivative
// follows x at a tie: d = 1 for the selected operand, 0 for the other, a
// structural zero (kinds.hpp: fmax(cbrt x, 0.5)' at 0 is 0).
template <bool Max, bool PropagateNan>
struct Selection : LinearEntry {
  static constexpr bool structural_zeros = true;
  template <class T>
  static void eval(T x, T y, Partials<T>& p) {
    const bool nan_takes_x = PropagateNan ? x != x : y != y;
    const bool take_x = (Max ? x > y : x < y) || nan_takes_x;
    const bool follow_x = (Max ? x >= y : x <= y) || nan_takes_x;
    p.f0 = take_x ? x : y;
    p.fx = follow_x ? T(1) : T(0);
    p.fy = follow_x ? T(0) : T(1);
  }
};

struct Maximum : Selection<true, true> {
  static constexpr const char* name = "maximum";
};

struct Minimum : Selection<false, true> {
  static constexpr const char* name = "minimum";
};

struct Fmax : Selection<true, false> {
  static constexpr const char* name = "fmax";
};

struct Fmin : Selection<false, false> {
  static constexpr const char* name = "fmin";
};

struct Fmod : LinearEntry {
  static constexpr const char* name = "fmod";
  // fmod = x - n y with n = trunc(x/y) an integer recovered exactly from the value
  template <class T>
  static void eval(T x, T y, Partials<T>& p) {
    const T m = std::fmod(x, y);
    p.f0 = m;
    p.fx = T(1);
    p.fy = -std::nearbyint((x - m) / y);
  }
};

namespace detail {
// The rounding error of d = fl(x - y) (Knuth's TwoSum): x - y = d + error exactly.
template <class T>
inline T difference_error(T x, T y, T d) {
  const T b = d - x;
  return (x - (d - b)) - (y + b);
}

// numpy's npy_divmod: floor quotient and Python-style remainder, bit for bit.
template <class T>
inline void floor_divmod(T x, T y, T& floordiv, T& mod) {
  mod = std::fmod(x, y);
  if (y == T(0)) {
    floordiv = x / y;
    return;
  }
  T div = (x - mod) / y;
  if (mod != T(0)) {
    if ((y < T(0)) != (mod < T(0))) {
      mod += y;
      div -= T(1);
    }
  } else {
    mod = std::copysign(T(0), y);
  }
  if (div != T(0)) {
    floordiv = std::floor(div);
    if (div - floordiv > T(0.5)) floordiv += T(1);
  } else {
    floordiv = std::copysign(T(0), x / y);
  }
}
}  // namespace detail

struct Remainder : LinearEntry {
  static constexpr const char* name = "remainder";
  template <class T>
  static void eval(T x, T y, Partials<T>& p) {
    T q, m;
    detail::floor_divmod(x, y, q, m);
    p.f0 = m;
    p.fx = T(1);
    p.fy = -q;
  }
};

struct FloorDivide : LinearEntry {
  static constexpr const char* name = "floor_divide";
  static constexpr bool has_fx = false, has_fy = false;  // piecewise constant
  template <class T>
  static void eval(T x, T y, Partials<T>& p) {
    T q, m;
    detail::floor_divmod(x, y, q, m);
    p.f0 = q;
  }
};

struct Logaddexp : BinaryEntry {
  static constexpr const char* name = "logaddexp";
  // log(e^x + e^y): fx = s(x - y), fy = s(y - x), fxx = fyy = -fxy = fx fy,
  // s the logistic function, both from e = exp(-|x - y|) without cancellation.
  // An infinite difference (an infinite argument) gives e = 0: fx, fy = 1, 0
  // or 0, 1 (the error term is nan there). x == y gives e = 1: fx = fy = 1/2;
  // but at x = y = +-inf (numpy's value a tie: inf == inf) every partial is nan:
  // their limits depend on the direction (logaddexp(t, 2 t)' at inf is 2, the
  // diagonal's 1/2 + 1/2 = 1 was silently wrong).
  // e at x == y: 1, nan at infinities (every partial nan through it)
  template <class T>
  static T tie(T x) {
    return std::fabs(x) == T(INFINITY) ? T(NAN) : T(1);
  }
  template <class T>
  static void eval(T x, T y, Partials<T>& p) {
    const T d = x - y;
    const T err = detail::difference_error(x, y, d);  // exp(-|d + err|), to first order in err
    const T e_rounded = std::exp(-std::fabs(d)) * (T(1) - (d < T(0) ? -err : err));
    const T e = x == y ? tie<T>(x) : (std::fabs(d) == T(INFINITY) ? T(0) : e_rounded);
    const T big = T(1) / (T(1) + e), small = e * big;
    // numpy's value, nan included
    p.f0 = x == y      ? x + detail::kLn2<T>
           : d > T(0)  ? x + std::log1p(std::exp(-d))
           : d <= T(0) ? y + std::log1p(std::exp(d))
                       : d;
    p.fx = d >= T(0) ? big : small;
    p.fy = d >= T(0) ? small : big;
    p.fxx = big * small;
    p.fxy = -big * small;
    p.fyy = big * small;
  }
};

struct Logaddexp2 : BinaryEntry {
  static constexpr const char* name = "logaddexp2";
  // log2(2^x + 2^y): as logaddexp with base-2 logistic weights, second partials times ln 2
  template <class T>
  static void eval(T x, T y, Partials<T>& p) {
    constexpr T ln2 = detail::kLn2<T>, log2e = detail::kLog2e<T>;
    const T d = x - y;
    const T err = detail::difference_error(x, y, d);
    const T e_rounded = std::exp2(-std::fabs(d)) * (T(1) - ln2 * (d < T(0) ? -err : err));
    const T e = x == y ? Logaddexp::tie<T>(x) : (std::fabs(d) == T(INFINITY) ? T(0) : e_rounded);
    const T big = T(1) / (T(1) + e), small = e * big;
    p.f0 = x == y      ? x + T(1)
           : d > T(0)  ? x + log2e * std::log1p(std::exp2(-d))
           : d <= T(0) ? y + log2e * std::log1p(std::exp2(d))
                       : d;
    p.fx = d >= T(0) ? big : small;
    p.fy = d >= T(0) ? small : big;
    p.fxx = ln2 * big * small;
    p.fxy = -ln2 * big * small;
    p.fyy = ln2 * big * small;
  }
};

struct Copysign : LinearEntry {
  static constexpr const char* name = "copysign";
  static constexpr bool has_fy = false;
  // |x| with y's sign: fx = +-1 as the signs agree; 0 at x = +-0, as
  // |x|' = sign(0) = 0 (copysign(x, 1) is |x|)
  template <class T>
  static void eval(T x, T y, Partials<T>& p) {
    p.f0 = std::copysign(x, y);
    p.fx = x == T(0) ? T(0) : std::copysign(T(1), x) * std::copysign(T(1), y);
  }
};

using BinaryFunctions =
    TypeList<Add, Subtract, Multiply, Divide, Power, Arctan2, Hypot, Maximum, Minimum, Fmax, Fmin,
             Fmod, Remainder, FloorDivide, Logaddexp, Logaddexp2, Copysign>;

}  // namespace HYPERDIFF_ISA_NAMESPACE
}  // namespace hyperdiff
