// The table of elementwise unary functions.
//
// Each entry names the ufunc it implements and computes, at a value a, the
// value f0 = f(a) and the derivatives f1 = f'(a), f2 = f''(a) together (they
// share subexpressions). The kinds' chain rules (kinds.hpp) do the rest, so an
// entry here is all a new function needs, for every kind and scalar type.
//
// Conventions at non-differentiable points and domain edges:
//   - piecewise constant functions (floor, ceil, trunc, rint, sign): f1 = f2 = 0;
//   - absolute at 0: f1 = sign(0) = 0;
//   - sqrt, cbrt at 0: f1 = +inf;
//   - -0 is 0 for a function defined on one side of it (sqrt, log, logit: f1 = +inf,
//     the one-sided derivative); for one defined on both sides it names the side
//     from the left, as in IEEE's 1/-0 = -inf (cbrt'' and digamma at -0: +inf);
//   - at +-inf, where f' has a limit, f1 and f2 take it (arctan, arcsinh, erf);
//   - poles of the derivatives: +-inf where both sides agree (trigamma), else nan.
// Values follow numpy's (nan outside the domain, then nan derivatives too).
// Derivative formulas avoid cancellation: 1 - a^2 is formed as (1 - a)(1 + a),
// tanh' as 1/cosh^2 rather than 1 - tanh^2, erf's exp(-a^2) with a^2 split exactly;
// and overflow: where a^2 overflows (|a| > 1e154 in float64), arctan', arcsinh'
// and arccosh' are formed from 1/|a| (1/(1 + a^2) -> (1/a)^2).
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>

#include "common.hpp"
#include "complex.hpp"
#include "special.hpp"
#include "vector_math.hpp"

namespace hyperdiff {
inline namespace HYPERDIFF_ISA_NAMESPACE {

// The vectorized primitives of complex a that complex entries build on: sin_cos
// gives p = sin a, q = cos a; sinh_cosh p = sinh a, q = cosh a; exp p = q = exp a.
enum class ComplexBlock { none, sin_cos, sinh_cosh, exp };

struct UnaryEntry {
  static constexpr const char* module = "numpy";
  static constexpr bool zero_f2 = false;  // f'' == 0: the chain rule skips f2 e1 e2
  static constexpr bool has_complex = false;
  // f' is 0 by structure (a step), never by underflow: a strong zero (kinds.hpp)
  static constexpr bool structural_zeros = false;
  // f' = unit_sign (+-1) wherever the value is defined (negative, positive): complex
  // parts times it by unit_times (kinds.hpp's term); 0 for the others
  static constexpr int unit_sign = 0;
  // complex a: f0, f1, f2 from eval_block, given the block's vectorized primitive p, q
  // of a (kernels.hpp's complex_block) where glibc's would run scalar
  static constexpr ComplexBlock complex_block = ComplexBlock::none;
  // real a: edges(a, f0, f1, f2) runs on every element after the vector loop, to fix
  // the derivatives where the loop's formulas leave the range (exp2)
  static constexpr bool has_edges = false;
  template <class T>
  static void edges(T, T, T&, T&) {}
};

// Piecewise constant (floor, ceil, trunc, rint, sign): f1 = f2 = 0, and the
// parts are 0 whatever the operand's (floor(cbrt(x) + 0.5)' at 0 is 0).
struct StepEntry : UnaryEntry {
  static constexpr bool zero_f2 = true;
  static constexpr bool structural_zeros = true;
};

// A holomorphic function numpy also evaluates on complex numbers: it gets
// complex kernels, and its f1, f2 are the complex derivatives. (Non-holomorphic
// ones, abs, conj, angle, are built from real and imaginary parts in Python.)
struct HolomorphicEntry : UnaryEntry {
  static constexpr bool has_complex = true;
};

namespace detail {
// 1 as T's real type: 1 - a and a + 1 with it keep the sign of a complex a's zero
// imaginary part (with a complex 1, 0 - 0 and -0 + 0 are +0), which says on which
// side of a branch cut numpy's value lies (arcsin(2 + 0j) is on the upper side).
template <class T>
inline constexpr auto kRealOne = decltype(std::real(std::declval<T>()))(1);

// Beyond this |a|, 1 + a^2 rounds to a^2 (and a^2 overflows soon after).
template <class T>
inline constexpr T kHuge = T(1) / std::numeric_limits<T>::epsilon();

// a with -0 turned into +0 (x + 0 is +0 for x = -0, x otherwise; compilers
// may not fold it without -fno-signed-zeros): for functions defined on one
// side of 0, whose derivative there is the one-sided +inf. Complex: a.
template <class T>
inline T unsigned_zero(T a) {
  if constexpr (is_complex_v<T>) {
    return a;
  } else {
    return a + T(0);
  }
}

template <class T>
inline T if_inf(T a, T v, T limit) {
  if constexpr (is_complex_v<T>) {
    return std::isinf(a.real()) || std::isinf(a.imag()) ? limit : v;
  } else {
    return std::isinf(a) ? limit : v;
  }
}
template <class T>
inline T sign_of(T a) {
  return a > 0 ? T(1) : (a < 0 ? T(-1) : (a == 0 ? T(0) : a));
}
// 1 + a^2; for complex a as (1 + ia)(1 - ia), which keeps its accuracy near
// a = +-i, where 1 + a^2 cancels.
template <class T>
inline T one_plus_square(T a) {
  if constexpr (is_complex_v<T>) {
    using R = typename T::value_type;
    return T(R(1) - a.imag(), a.real()) * T(R(1) + a.imag(), -a.real());
  } else {
    return T(1) + a * a;
  }
}

// 2^-(E/2 + 8), E the largest binary exponent: t = s a for any |a| from
// kHuge to the largest float squares without over- or underflow.
template <class R>
constexpr R huge_scale() {
  R s = R(1);
  for (int e = 0; e < std::numeric_limits<R>::max_exponent / 2 + 8; ++e) s /= R(2);
  return s;
}

// The scale s of scaled_one_plus_square and scaled_one_minus_square: 1, or where a
// component of a exceeds kHuge and a^2 would overflow, huge_scale (a power of two,
// so the principal branch, sqrt(s^2 w) = s sqrt(w), and the signs of zeros are kept).
template <class C>
inline typename C::value_type square_scale(C a) {
  using R = typename C::value_type;
  const bool huge = std::max(std::fabs(a.real()), std::fabs(a.imag())) > kHuge<R>;
  return huge ? huge_scale<R>() : R(1);
}
// For complex a: s and s^2 (1 + a^2) = (s + i t)(s - i t), t = s a, with s = 1 (the
// same operations as one_plus_square) or huge_scale (square_scale).
template <class C>
inline C scaled_one_plus_square(C a, typename C::value_type& s) {
  s = square_scale(a);
  const C t = a * s;
  return C(s - t.imag(), t.real()) * C(s + t.imag(), -t.real());
}
// For complex a: s and s^2 (1 - a)(1 + a) = (s - t)(s + t), t = s a, with s = 1 (the
// same operations as (1 - a)(1 + a), kRealOne's signed zeros included) or huge_scale
// (square_scale): arcsin' at 1e155 was 1/sqrt(-inf) = 0 for -1e-155 i.
template <class C>
inline C scaled_one_minus_square(C a, typename C::value_type& s) {
  s = square_scale(a);
  const C t = a * s;
  return (s - t) * (s + t);
}
// exp(-a^2/N) (N = 1, 2: exact scalings) with a^2 = hi + lo split exactly, so
// large |a| keeps full accuracy. Where exp(-hi/N) underflows to 0 the result is
// 0: there lo may be -inf (a^2 overflowed) or nan (a = +-inf), and 0 * (1 - lo)
// would be nan.
template <int N = 1, class T>
inline T gaussian(T a) {
  const T hi = a * a;
  const T lo = std::fma(a, a, -hi);
  const T e = std::exp(-hi / T(N));
  return e == T(0) ? T(0) : e * (T(1) - lo / T(N));
}
}  // namespace detail

struct Negative : HolomorphicEntry {
  static constexpr const char* name = "negative";
  static constexpr bool zero_f2 = true;
  static constexpr int unit_sign = -1;
  // -a: f' = -1
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    f0 = -a;
    f1 = T(-1);
    f2 = T(0);
  }
};

struct Positive : HolomorphicEntry {
  static constexpr const char* name = "positive";
  static constexpr bool zero_f2 = true;
  static constexpr int unit_sign = 1;
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    f0 = a;
    f1 = T(1);
    f2 = T(0);
  }
};

struct Absolute : UnaryEntry {
  static constexpr const char* name = "absolute";
  static constexpr bool zero_f2 = true;
  // |a|' = sign(a), with sign(0) = 0
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    f0 = std::fabs(a);
    f1 = detail::sign_of(a);
    f2 = T(0);
  }
};

struct Sign : StepEntry {
  static constexpr const char* name = "sign";
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    f0 = detail::sign_of(a);
    f1 = T(0);
    f2 = T(0);
  }
};

struct Sqrt : HolomorphicEntry {
  static constexpr const char* name = "sqrt";
  // sqrt' = 1/(2 sqrt a), sqrt'' = -sqrt'/(2a); at -0 as at +0 (sqrt(-0) = -0)
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    const T s = std::sqrt(a);
    f0 = s;
    f1 = T(0.5) / detail::unsigned_zero(s);
    f2 = T(-0.5) * f1 / detail::unsigned_zero(a);
  }
};

struct Cbrt : UnaryEntry {
  static constexpr const char* name = "cbrt";
  // cbrt' = 1/(3 c^2), cbrt'' = -2 cbrt'/(3a), c = cbrt(a)
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    const T c = std::cbrt(a);
    f0 = c;
    f1 = T(1) / (T(3) * c * c);
    f2 = T(-2) / T(3) * f1 / a;
  }
};

struct Square : HolomorphicEntry {
  static constexpr const char* name = "square";
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    if constexpr (is_complex_v<T>) {
      f0 = detail::complex_multiply(a, a);
    } else {
      f0 = a * a;
    }
    f1 = T(2) * a;
    f2 = T(2);
  }
};

struct Reciprocal : HolomorphicEntry {
  static constexpr const char* name = "reciprocal";
  // (1/a)' = -r^2, (1/a)'' = 2 r^3, r = 1/a
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    T r;
    if constexpr (is_complex_v<T>) {
      r = detail::complex_reciprocal(a);
    } else {
      r = T(1) / a;
    }
    f0 = r;
    f1 = -r * r;
    f2 = T(2) * r * r * r;
  }
};

struct Exp : HolomorphicEntry {
  static constexpr const char* name = "exp";
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    const T e = std::exp(a);
    f0 = e;
    f1 = e;
    f2 = e;
  }
  static constexpr ComplexBlock complex_block = ComplexBlock::exp;
  template <class C>
  static void eval_block(C, C exp_a, C, C& f0, C& f1, C& f2) {
    f0 = exp_a;
    f1 = exp_a;
    f2 = exp_a;
  }
};

struct Exp2 : HolomorphicEntry {
  static constexpr const char* name = "exp2";
  // (2^a)' = ln2 2^a
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    T e;
    if constexpr (is_complex_v<T>) {
      e = std::exp(a * detail::kLn2<typename T::value_type>);  // numpy's order
    } else {
      e = std::exp2(a);
    }
    f0 = e;
    f1 = detail::kLn2<T> * e;
    f2 = detail::kLn2<T> * f1;
  }
  // 2^a overflows from a = 1024 (float32 128), ln2 2^a and ln2^2 2^a only from 1024.53
  // and 1025.06 (128.53, 129.06): there f1 = (2 ln2) 2^(a-1), f2 = (4 ln2^2) 2^(a-2)
  // (exact shifts of a), not inf. Real a, in a scalar pass after the vector loop.
  static constexpr bool has_edges = true;
  template <class T>
  static void edges(T a, T f0, T& f1, T& f2) {
    if (std::isinf(f0) && a < T(INFINITY)) {
      const T ln2 = detail::kLn2<T>;
      f1 = (T(2) * ln2) * std::exp2(a - T(1));
      f2 = (T(4) * ln2 * ln2) * std::exp2(a - T(2));
    }
  }
};

struct Expm1 : HolomorphicEntry {
  static constexpr const char* name = "expm1";
  // exp(a) directly: expm1(a) + 1 cancels for a << 0
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    const T e = std::exp(a);
    if constexpr (is_complex_v<T>) {
      f0 = detail::complex_expm1(a);
    } else {
      f0 = std::expm1(a);
    }
    f1 = e;
    f2 = e;
  }
};

struct Log : HolomorphicEntry {
  static constexpr const char* name = "log";
  // log' = 1/a, log'' = -1/a^2; at -0 as at +0
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    const T r = T(1) / detail::unsigned_zero(a);
    f0 = std::log(a);
    f1 = r;
    f2 = -r * r;
  }
};

struct Log2 : HolomorphicEntry {
  static constexpr const char* name = "log2";
  // log2' = log2(e)/a (1/(a ln2) would overflow a ln2 for log10's ln10 near
  // the largest floats), log2'' = -log2'/a; at -0 as at +0
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    if constexpr (is_complex_v<T>) {
      f0 = std::log(a) * detail::kLog2e<typename T::value_type>;  // numpy's order
      f1 = T(1) / (a * detail::kLn2<T>);
      f2 = -f1 / a;
    } else {
      const T z = detail::unsigned_zero(a);
      f0 = std::log2(a);
      f1 = detail::kLog2e<T> / z;
      f2 = -f1 / z;
    }
  }
};

struct Log10 : HolomorphicEntry {
  static constexpr const char* name = "log10";
  // as log2
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    if constexpr (is_complex_v<T>) {
      f0 = std::log(a) * detail::kLog10e<typename T::value_type>;  // numpy's order
      const T scaled = a * detail::kLn10<T>;  // (overflows beyond |a| = 7.8e307: then log10 e / a)
      f1 = std::isinf(scaled.real()) || std::isinf(scaled.imag())
               ? detail::kLog10e<typename T::value_type> * (T(1) / a)
               : T(1) / scaled;
      f2 = -f1 / a;
    } else {
      const T z = detail::unsigned_zero(a);
      f0 = std::log10(a);
      f1 = detail::kLog10e<T> / z;
      f2 = -f1 / z;
    }
  }
};

struct Log1p : HolomorphicEntry {
  static constexpr const char* name = "log1p";
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    const T r = T(1) / (T(1) + a);
    if constexpr (is_complex_v<T>) {
      f0 = detail::complex_log1p(a);
    } else {
      f0 = std::log1p(a);
    }
    f1 = r;
    f2 = -r * r;
  }
};

struct Sin : HolomorphicEntry {
  static constexpr const char* name = "sin";
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    const T s = std::sin(a);
    f0 = s;
    f1 = std::cos(a);
    f2 = -s;
  }
  static constexpr ComplexBlock complex_block = ComplexBlock::sin_cos;
  template <class C>
  static void eval_block(C, C sin_a, C cos_a, C& f0, C& f1, C& f2) {
    f0 = sin_a;
    f1 = cos_a;
    f2 = -sin_a;
  }
};

struct Cos : HolomorphicEntry {
  static constexpr const char* name = "cos";
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    const T c = std::cos(a);
    f0 = c;
    f1 = -std::sin(a);
    f2 = -c;
  }
  static constexpr ComplexBlock complex_block = ComplexBlock::sin_cos;
  template <class C>
  static void eval_block(C, C sin_a, C cos_a, C& f0, C& f1, C& f2) {
    f0 = cos_a;
    f1 = -sin_a;
    f2 = -cos_a;
  }
};

struct Tan : HolomorphicEntry {
  static constexpr const char* name = "tan";
  // tan' = 1 + t^2, tan'' = 2 t tan'; for complex a, tan' = 1/cos^2 a, as
  // t -> +-i away from the real axis and 1 + t^2 cancels. Beyond |Im a| = 20,
  // where cos a overflows soon (|Im a| ~ 710, complex64 89: it gave nan),
  // tan' = e / (cos(a) e^-|y|)^2 with e = e^-2|y|, y = Im a, the scaled
  // cos(a) e^-|y| = (cos x (1 + e) / 2, -sign(y) sin x (1 - e) / 2), x = Re a
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    const T t = std::tan(a);
    f0 = t;
    if constexpr (is_complex_v<T>) {
      using R = typename T::value_type;
      const R x = a.real(), y = a.imag();
      const T c = std::cos(a);
      const R e = std::exp(R(-2) * std::fabs(y));
      const T scaled(std::cos(x) * ((R(1) + e) / R(2)),
                     -std::copysign(R(1), y) * std::sin(x) * ((R(1) - e) / R(2)));
      f1 = std::fabs(y) > R(20) ? T(e) / (scaled * scaled) : T(1) / (c * c);
    } else {
      f1 = T(1) + t * t;
    }
    f2 = T(2) * t * f1;
  }
};

struct Arcsin : HolomorphicEntry {
  static constexpr const char* name = "arcsin";
  // asin' = 1/sqrt((1 - a)(1 + a)), asin'' = a asin'^3; complex: s / sqrt(s^2 (1 - a)
  // (1 + a)) (detail::scaled_one_minus_square: no overflow of a^2)
  template <class T>
  static T inverse_root(T a) {
    if constexpr (is_complex_v<T>) {
      typename T::value_type s;
      const T w = detail::scaled_one_minus_square(a, s);
      return T(s) / std::sqrt(w);
    } else {
      return T(1) / std::sqrt((T(1) - a) * (T(1) + a));
    }
  }
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    const T g = inverse_root(a);
    f0 = std::asin(a);
    f1 = g;
    f2 = a * g * g * g;
  }
};

struct Arccos : HolomorphicEntry {
  static constexpr const char* name = "arccos";
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    const T g = Arcsin::inverse_root(a);
    f0 = std::acos(a);
    f1 = -g;
    f2 = -a * g * g * g;
  }
};

struct Arctan : HolomorphicEntry {
  static constexpr const char* name = "arctan";
  // atan' = 1/(1 + a^2), atan'' = -2 (a atan') atan'; both -> 0 at +-inf.
  // Real |a| > kHuge: atan' = (1/a)^2 (a^2 overflows); complex: s (s / (s^2
  // (1 + a^2))) with s a power of two (detail::scaled_one_plus_square)
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    T g;
    if constexpr (is_complex_v<T>) {
      typename T::value_type s;
      const T w = detail::scaled_one_plus_square(a, s);
      g = s * (T(s) / w);
    } else {
      const bool huge = std::fabs(a) > detail::kHuge<T>;
      const T q = T(1) / (huge ? a : T(1) + a * a);
      g = huge ? q * q : q;
    }
    f0 = std::atan(a);
    f1 = g;
    f2 = detail::if_inf(a, T(-2) * (a * g) * g, T(0));
  }
};

struct Sinh : HolomorphicEntry {
  static constexpr const char* name = "sinh";
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    const T s = std::sinh(a);
    f0 = s;
    f1 = std::cosh(a);
    f2 = s;
  }
  static constexpr ComplexBlock complex_block = ComplexBlock::sinh_cosh;
  template <class C>
  static void eval_block(C, C sinh_a, C cosh_a, C& f0, C& f1, C& f2) {
    f0 = sinh_a;
    f1 = cosh_a;
    f2 = sinh_a;
  }
};

struct Cosh : HolomorphicEntry {
  static constexpr const char* name = "cosh";
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    const T c = std::cosh(a);
    f0 = c;
    f1 = std::sinh(a);
    f2 = c;
  }
  static constexpr ComplexBlock complex_block = ComplexBlock::sinh_cosh;
  template <class C>
  static void eval_block(C, C sinh_a, C cosh_a, C& f0, C& f1, C& f2) {
    f0 = cosh_a;
    f1 = sinh_a;
    f2 = cosh_a;
  }
};

struct Tanh : HolomorphicEntry {
  static constexpr const char* name = "tanh";
  // tanh' = 1/cosh^2 (1 - t^2 cancels for large |a|), tanh'' = -2 t tanh'.
  // 1/cosh^2 = 4e/(1 + e)^2 with e = exp(-2|a|) <= 1: no overflow where cosh^2
  // does (|a| > 355: a subnormal tanh', 0 from 373; 0 at +-inf). Complex: the same
  // with e = exp(-+2a) for |Re a| > 20 (cosh overflows from 710), else
  // 1/cosh^2, accurate near the poles i pi (k + 1/2), where 1 + e cancels.
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    const T t = std::tanh(a);
    if constexpr (is_complex_v<T>) {
      using R = typename T::value_type;
      const R re = a.real();
      if (std::fabs(re) > R(20)) {
        const T e = std::exp(re > R(0) ? R(-2) * a : R(2) * a);
        const T one_e = T(1) + e;
        f1 = T(4) * e / (one_e * one_e);
      } else {
        const T c = std::cosh(a);
        f1 = T(1) / (c * c);
      }
    } else {  // 4e as (2h)(2h), h = exp(-|a|): one rounding where 4e is subnormal
      const T h = std::exp(-std::fabs(a));
      const T one_e = T(1) + h * h, den = one_e * one_e;
      f0 = t;
      f1 = (T(2) * h) * (T(2) * h) / den;
      f2 = ((T(-2) * t) * (T(2) * h)) * (T(2) * h) / den;  // t = +-1 there: one rounding too
      return;
    }
    f0 = t;
    f2 = T(-2) * t * f1;
  }
};

struct Arcsinh : HolomorphicEntry {
  static constexpr const char* name = "arcsinh";
  // asinh' = 1/sqrt(1 + a^2), asinh'' = -a asinh'^3 (a asinh' first: ~ +-1);
  // both -> 0 at +-inf. Real |a| > kHuge: asinh' = 1/|a| (a^2 overflows);
  // complex: s / sqrt(s^2 (1 + a^2)) (detail::scaled_one_plus_square)
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    T g;
    if constexpr (is_complex_v<T>) {
      typename T::value_type s;
      const T w = detail::scaled_one_plus_square(a, s);
      g = T(s) / std::sqrt(w);
    } else {
      const T m = std::fabs(a);
      g = T(1) / (m > detail::kHuge<T> ? m : std::sqrt(T(1) + a * a));
    }
    f0 = std::asinh(a);
    f1 = g;
    f2 = detail::if_inf(a, -a * g * g * g, T(0));
  }
};

struct Arccosh : HolomorphicEntry {
  static constexpr const char* name = "arccosh";
  // acosh' = 1/sqrt((a - 1)(a + 1)), acosh'' = -a acosh'^3; for complex a
  // the principal branch needs sqrt(a - 1) sqrt(a + 1) (the one-root form
  // flips sign where (a - 1)(a + 1) crosses the negative real axis).
  // Real a > kHuge: acosh' = 1/a (a^2 overflows)
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    T g;
    if constexpr (is_complex_v<T>) {
      g = T(1) / (std::sqrt(a - detail::kRealOne<T>) * std::sqrt(a + detail::kRealOne<T>));
    } else {
      g = T(1) / (a > detail::kHuge<T> ? a : std::sqrt((a - T(1)) * (a + T(1))));
    }
    f0 = std::acosh(a);
    f1 = g;
    f2 = detail::if_inf(a, -a * g * g * g, T(0));
  }
};

struct Arctanh : HolomorphicEntry {
  static constexpr const char* name = "arctanh";
  // atanh' = 1/((1 - a)(1 + a)), atanh'' = 2a atanh'^2 (a atanh' first: 2a overflows);
  // complex: s (s / (s^2 (1 - a)(1 + a))) (detail::scaled_one_minus_square)
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    T g;
    if constexpr (is_complex_v<T>) {
      typename T::value_type s;
      const T w = detail::scaled_one_minus_square(a, s);
      g = s * (T(s) / w);
    } else {
      g = T(1) / ((T(1) - a) * (T(1) + a));
    }
    f0 = std::atanh(a);
    f1 = g;
    f2 = T(2) * (a * g) * g;
  }
};

// numpy multiplies by pi/180 (180/pi) formed in the component type.
struct Deg2rad : UnaryEntry {
  static constexpr const char* name = "deg2rad";
  static constexpr bool zero_f2 = true;
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    constexpr T k = T(detail::kPi) / T(180);
    f0 = a * k;
    f1 = k;
    f2 = T(0);
  }
};

struct Rad2deg : UnaryEntry {
  static constexpr const char* name = "rad2deg";
  static constexpr bool zero_f2 = true;
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    constexpr T k = T(180) / T(detail::kPi);
    f0 = a * k;
    f1 = k;
    f2 = T(0);
  }
};

struct Floor : StepEntry {
  static constexpr const char* name = "floor";
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    f0 = std::floor(a);
    f1 = T(0);
    f2 = T(0);
  }
};

struct Ceil : StepEntry {
  static constexpr const char* name = "ceil";
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    f0 = std::ceil(a);
    f1 = T(0);
    f2 = T(0);
  }
};

struct Trunc : StepEntry {
  static constexpr const char* name = "trunc";
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    f0 = std::trunc(a);
    f1 = T(0);
    f2 = T(0);
  }
};

struct Rint : StepEntry {
  static constexpr const char* name = "rint";
  static constexpr bool has_complex = true;  // each part rounded: derivative 0 all the same
  // round half to even, as numpy
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    if constexpr (is_complex_v<T>) {
      f0 = T(std::nearbyint(a.real()), std::nearbyint(a.imag()));
    } else {
      f0 = std::nearbyint(a);
    }
    f1 = T(0);
    f2 = T(0);
  }
};

// scipy.special ufuncs: dispatched when scipy is importable.
struct ScipySpecialEntry : UnaryEntry {
  static constexpr const char* module = "scipy.special";
};

struct Erf : ScipySpecialEntry {
  static constexpr const char* name = "erf";
  // erf' = 2/sqrt(pi) exp(-a^2), erf'' = -2a erf'
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    const T g = detail::kTwoOverSqrtPi<T> * detail::gaussian(a);
    f0 = std::erf(a);
    f1 = g;
    f2 = detail::if_inf(a, T(-2) * (a * g), T(0));  // (a g first: 2a overflows)
  }
};

struct Erfc : ScipySpecialEntry {
  static constexpr const char* name = "erfc";
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    const T g = detail::kTwoOverSqrtPi<T> * detail::gaussian(a);
    f0 = std::erfc(a);
    f1 = -g;
    f2 = detail::if_inf(a, T(2) * (a * g), T(0));
  }
};

struct Expit : ScipySpecialEntry {
  static constexpr const char* name = "expit";
  // s = 1/(1 + e^-a); s' = s(-a) s(a) and s'' = s' (1 - 2s), both from
  // e = exp(-|a|) so neither cancels: 1 - 2s = -sign(a) |expm1(-|a|)| / (1 + e)
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    const T e = std::exp(-std::fabs(a));
    const T big = T(1) / (T(1) + e);  // s(|a|)
    const T small = e * big;          // s(-|a|)
    const T one_minus_2s = -std::copysign(std::expm1(-std::fabs(a)), a) * big;
    f0 = T(1) / (T(1) + std::exp(-a));
    f1 = big * small;
    f2 = f1 * one_minus_2s;
  }
};

struct Logit : ScipySpecialEntry {
  static constexpr const char* name = "logit";
  // logit' = 1/(p(1 - p)), logit'' = (2p - 1) logit'^2; at -0 as at +0
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    // near 1/2, log1p of (2a - 1)/(1 - a) (both exact there) keeps relative accuracy
    const T g = T(1) / (detail::unsigned_zero(a) * (T(1) - a));
    const bool middle = a > T(0.3) && a < T(0.65);
    f0 = middle ? std::log1p((T(2) * a - T(1)) / (T(1) - a)) : std::log(a / (T(1) - a));
    f1 = g;
    f2 = (T(2) * a - T(1)) * g * g;
  }
};

struct Gammaln : ScipySpecialEntry {
  static constexpr const char* name = "gammaln";
  // log|Gamma|' = digamma, '' = trigamma (evaluated in double); the value at
  // -inf is scipy's -inf (lgamma's is +inf)
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    int sign;
    const T v = static_cast<T>(::lgamma_r(static_cast<double>(a), &sign));
    f0 = a == -std::numeric_limits<T>::infinity() ? a : v;
    f1 = static_cast<T>(detail::digamma(a));
    f2 = static_cast<T>(detail::trigamma(a));
  }
};

struct Ndtr : ScipySpecialEntry {
  static constexpr const char* name = "ndtr";
  // Phi(a) = erfc(-a/sqrt 2)/2; Phi' = phi = exp(-a^2/2)/sqrt(2 pi) (a^2 split
  // exactly, as erf's), Phi'' = -a phi. The value is scipy's bit for bit:
  // cephes' ndtr in double (special.hpp), float32 rounded from it as scipy's loop
  template <class T>
  static void eval(T a, T& f0, T& f1, T& f2) {
    const T phi = detail::kOneOverSqrtTwoPi<T> * detail::gaussian<2>(a);
    f0 = static_cast<T>(detail::ndtr(static_cast<double>(a)));
    f1 = phi;
    f2 = detail::if_inf(a, -(a * phi), T(0));
  }
};

// The table, in the order the extension exports it.
using UnaryFunctions =
    TypeList<Negative, Positive, Absolute, Sign, Sqrt, Cbrt, Square, Reciprocal, Exp, Exp2, Expm1,
             Log, Log2, Log10, Log1p, Sin, Cos, Tan, Arcsin, Arccos, Arctan, Sinh, Cosh, Tanh,
             Arcsinh, Arccosh, Arctanh, Deg2rad, Rad2deg, Floor, Ceil, Trunc, Rint, Erf, Erfc,
             Expit, Logit, Gammaln, Ndtr>;

}  // namespace HYPERDIFF_ISA_NAMESPACE
}  // namespace hyperdiff
