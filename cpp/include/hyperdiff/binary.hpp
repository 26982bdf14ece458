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
};

struct LinearEntry : BinaryEntry {
  static constexpr bool has_fxx = false, has_fxy = false, has_fyy = false;
};

struct Add : LinearEntry {
  static constexpr const char* name = "add";
  static constexpr bool has_complex = true;
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
  static constexpr bool quotient = true;  // fxy, fyy square 1/y: see binary_second
  // q = x/y: fx = 1/y, fy = -q/y, fxy = -1/y^2, fyy = 2q/y^2
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
    p.fy = -q * r;
    p.fxy = -r * r;
    p.fyy = T(2) * (q * r) * r;
  }
};

struct Power : BinaryEntry {
  static constexpr const char* name = "power";
  // p = x^y: fx = y p/x, fxx = (y - 1) fx/x, fy = p log x, fyy = p log^2 x,
  // fxy = p/x (1 + y log x). At x = 0 the p/x forms are replaced by the limits
  // of y x^(y-1) (0 for y > 1 or y = 0, 1 for y = 1, inf below) and of
  // y (y-1) x^(y-2); d/dy there is 0 (the limit from x > 0 for y > 0).
  // float32 is evaluated in double: 1 + y log x cancels where y log x ~ -1.
  // Complex: the same partials with complex log and quotients; at x = 0 the
  // limits above for real y, and for complex y 0 where Re y is large enough.
  static constexpr bool has_complex = true;
  template <class T>
  static void eval(T x, T y, Partials<T>& p) {
    if constexpr (is_complex_v<T>) {
      complex_eval(x, y, p);
    } else if constexpr (std::is_same_v<T, float>) {
      Partials<double> w;
      real_eval<double>(x, y, w);
      p = {T(w.f0), T(w.fx), T(w.fy), T(w.fxx), T(w.fxy), T(w.fyy)};
    } else {
      real_eval(x, y, p);
    }
  }

  template <class T>
  static void real_eval(T x, T y, Partials<T>& p) {
    const T v = std::pow(x, y);
    const T lg = std::log(x);
    const bool zero = x == T(0);
    const T inf = T(INFINITY);
    const T fx0 = (y > T(1) || y == T(0)) ? T(0) : (y == T(1) ? T(1) : inf);
    const T fxx0 = (y > T(2) || y == T(0) || y == T(1))
                       ? T(0)
                       : (y == T(2) ? T(2) : (y * (y - T(1)) > T(0) ? inf : -inf));
    const T v_over_x = v / x;
    const T fx = zero ? fx0 : y * v_over_x;
    p.f0 = v;
    p.fx = fx;
    p.fxx = zero ? fxx0 : (y - T(1)) * fx / x;
    p.fy = zero ? T(0) : v * lg;
    p.fxy = zero ? T(0) : v_over_x * (T(1) + y * lg);
    p.fyy = zero ? T(0) : v * lg * lg;
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
      if (x == C(0)) {
        const R yr = y.real();
        if (y.imag() == R(0)) {
          Partials<R> w;
          real_eval<R>(R(0), yr, w);
          p.fx = C(w.fx);
          p.fxx = C(w.fxx);
          p.fy = p.fxy = p.fyy = C(0);
        } else {  // each partial -> 0 where Re y exceeds its order in x, else none
          const C nan(R(NAN), R(NAN)), zero(R(0), R(0));
          p.fx = p.fxy = yr > R(1) ? zero : nan;
          p.fxx = yr > R(2) ? zero : nan;
          p.fy = p.fyy = yr > R(0) ? zero : nan;
        }
        return;
      }
      const C lg = std::log(x);
      const C v_over_x = detail::complex_divide(v, x);
      p.fx = y * v_over_x;
      p.fxx = (y - C(1)) * detail::complex_divide(p.fx, x);
      p.fy = v * lg;
      p.fxy = v_over_x * (C(1) + y * lg);
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
  // overflows; the diagonal at (+-inf, +-inf)); all 0 at the origin.
  template <class T>
  static void eval(T x, T y, Partials<T>& p) {
    const T r = std::hypot(x, y);
    const bool origin = r == T(0);
    T du, dw, dir;
    detail::direction(x, y, r, du, dw, dir);
    const T u = origin ? T(0) : du, w = origin ? T(0) : dw;
    const T ir = origin ? T(0) : dir;
    p.f0 = r;
    p.fx = u;
    p.fy = w;
    p.fxx = detail::zero_or_product(w * w, ir);
    p.fxy = -detail::zero_or_product(u * w, ir);
    p.fyy = detail::zero_or_product(u * u, ir);
  }
};

struct Maximum : LinearEntry {
  static constexpr const char* name = "maximum";
  template <class T>
  static void eval(T x, T y, Partials<T>& p) {
    const bool take_x = x > y || x != x;
    const bool follow_x = x >= y || x != x;
    p.f0 = take_x ? x : y;
    p.fx = follow_x ? T(1) : T(0);
    p.fy = follow_x ? T(0) : T(1);
  }
};

struct Minimum : LinearEntry {
  static constexpr const char* name = "minimum";
  template <class T>
  static void eval(T x, T y, Partials<T>& p) {
    const bool take_x = x < y || x != x;
    const bool follow_x = x <= y || x != x;
    p.f0 = take_x ? x : y;
    p.fx = follow_x ? T(1) : T(0);
    p.fy = follow_x ? T(0) : T(1);
  }
};

struct Fmax : LinearEntry {
  static constexpr const char* name = "fmax";
  template <class T>
  static void eval(T x, T y, Partials<T>& p) {
    const bool take_x = x > y || y != y;
    const bool follow_x = x >= y || y != y;
    p.f0 = take_x ? x : y;
    p.fx = follow_x ? T(1) : T(0);
    p.fy = follow_x ? T(0) : T(1);
  }
};

struct Fmin : LinearEntry {
  static constexpr const char* name = "fmin";
  template <class T>
  static void eval(T x, T y, Partials<T>& p) {
    const bool take_x = x < y || y != y;
    const bool follow_x = x <= y || y != y;
    p.f0 = take_x ? x : y;
    p.fx = follow_x ? T(1) : T(0);
    p.fy = follow_x ? T(0) : T(1);
  }
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
  // or 0, 1 (the error term is nan there). x == y, infinities included (numpy's
  // value treats inf == inf as a tie), gives e = 1: fx = fy = 1/2.
  template <class T>
  static void eval(T x, T y, Partials<T>& p) {
    const T d = x - y;
    const T err = detail::difference_error(x, y, d);  // exp(-|d + err|), to first order in err
    const T e_rounded = std::exp(-std::fabs(d)) * (T(1) - (d < T(0) ? -err : err));
    const T e = x == y ? T(1) : (std::fabs(d) == T(INFINITY) ? T(0) : e_rounded);
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
    const T e = x == y ? T(1) : (std::fabs(d) == T(INFINITY) ? T(0) : e_rounded);
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
