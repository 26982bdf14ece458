// Number kinds and their chain rules.
//
// Every kind is a truncated polynomial algebra over a scalar type T. A value
// a + h, with h a nilpotent perturbation, maps through a smooth f as
//   f(a + h) = f(a) + f'(a) h + f''(a) h^2 / 2,
// and the kinds differ only in which products of perturbations survive:
//   Dual       a + d eps                  (eps^2 = 0)
//   HyperDual  a + e1 eps1 + e2 eps2 + e12 eps1 eps2   (eps1^2 = eps2^2 = 0)
// so for a unary f
//   Dual:      (f0, f1 d)
//   HyperDual: (f0, f1 e1, f1 e2, f1 e12 + f2 e1 e2)
// and for a binary f(x, y) with partials fx, fy, fxx, fxy, fyy
//   first parts:  fx x' + fy y'
//   e12:          fx x12 + fy y12 + fxx x1 x2 + fxy (x1 y2 + x2 y1) + fyy y1 y2.
// These rules, written once below (first_order, unary_second, binary_second)
// and called by every kind's loops, are the only place derivative algebra
// lives; every elementwise function supplies only (f0, f1, f2) or its partials.
//
// Jet has its layout at run time and covers the multivariate kinds: a value,
// P first-order parts g_p (eps_p^2 = 0) and Q second-order parts h_q, each the
// coefficient of a product eps_a eps_b named by its pair (a_q, b_q):
//   DualVec(K)            P = K,       Q = 0
//   HyperDualVec(K1, K2)  P = K1 + K2, Q = K1 K2,       pairs (i, K1 + j)
//   symmetric Hessian     P = K,       Q = K (K+1) / 2, pairs (i, j), i <= j
//   HyperDual             P = 2,       Q = 1,           pair (0, 1)
// Its rules are HyperDual's with (e1, e2) -> (g_a, g_b) for each pair:
//   unary:  (f0, f1 g_p, f1 h_q + f2 g_a g_b)
//   binary: g_p: fx x_p + fy y_p
//           h_q: fx xh_q + fy yh_q + fxx x_a x_b + fxy (x_a y_b + x_b y_a) + fyy y_a y_b.
//
// A zero part is a strong zero: it contributes exactly 0 even where the
// derivative is inf or nan (sqrt' and log' at 0), because the direction it
// stands for is not perturbed. Without this, a constant operand or an unseeded
// e12 would turn a finite result into nan. A zero derivative is a strong zero
// only where it is zero by the function's structure (Fn::structural_zeros: a
// selection, max(x, c) = c, or a step, floor): the result does not move with
// that operand, whatever its parts (fmax(cbrt x, 0.5)' at 0 is 0, not 0 inf).
// Elsewhere a zero derivative may have underflowed (atan2's x/r^2 at r = 1e37
// in float32), and times an infinite part it stays nan: the dtype has lost
// both magnitudes, and their product could be anything (0 would be a wrong
// number, inf as well: the true one there is -1).
//
// A second-order term d a b is formed as (d a) b: a b alone overflows where
// d a b need not (scaled_product).
//
// Storage is struct-of-arrays: plane p of a block is planes[p][0..m).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "common.hpp"

namespace hyperdiff {
inline namespace HYPERDIFF_ISA_NAMESPACE {

enum class KindId : int { Dual = 0, HyperDual = 1 };

// derivative * part, with a zero part a strong zero (and, complex, each zero
// component of the part: common.hpp's part_times).
template <class T>
inline T scaled(T derivative, T part) {
  return part_times(derivative, part);
}

// derivative * part for Fn's first-order terms: a zero derivative is a strong
// zero too where Fn says its zeros are structural (see the top of this file).
template <class Fn, class T>
inline T term(T derivative, T part) {
  if constexpr (Fn::unit_sign != 0 && is_complex_v<T>) {  // add, subtract: see unit_times
    return unit_times(derivative, part);
  } else if constexpr (Fn::structural_zeros) {
    return (derivative == T(0)) | (part == T(0)) ? T(0) : part_times(derivative, part);
  } else {
    return scaled(derivative, part);
  }
}

// derivative * a * b as (derivative * a) * b, 0 where a or b is 0 (a strong
// zero). a * b first overflows where the term need not (log'' = -1/a^2 at
// a = 1e20 with parts 1e20 in float32) and underflows to a subnormal, losing
// bits, where the parts are tiny and the derivative large (sqrt'' at x^x with
// x = 30j in complex64). The order does not depend on the parts, so scaling
// a part by a power of two scales the term exactly (the pointwise probe of
// hd.derivative relies on it).
template <class T>
inline T scaled_product(T derivative, T a, T b) {
  return (a == T(0)) | (b == T(0)) ? T(0) : part_times(part_times(derivative, a), b);
}

// derivative * (a b + c d), each product as scaled_product's (a zero factor
// drops its product: fxy (x_a y_b + x_b y_a) with x = (1, 0), y = (0, 1) and
// fxy = inf is inf, not inf + nan).
template <class T>
inline T scaled_sum(T derivative, T a, T b, T c, T d) {
  return scaled_product(derivative, a, b) + scaled_product(derivative, c, d);
}

// Per-block derivative values of a unary function at the value plane.
template <class T>
struct UnaryBlock {
  const T* f0;
  const T* f1;
  const T* f2;
};

// Per-block partials of a binary function. Only those the rule needs are set.
template <class T>
struct BinaryBlock {
  const T* f0;
  const T* fx;
  const T* fy;
  const T* fxx;
  const T* fxy;
  const T* fyy;
};

// The chain rules, once for every kind, element by element. The kinds' loops
// call them with no variables of their own in the loop body: under
// `omp simd`, GCC turns such variables into per-lane arrays in memory, and for
// std::complex components that keeps the loop from vectorizing.

// term<Fn>, and where the other operand is a constant (Constant) and Fn says the
// partial is then a function of it alone (Fn::constant_zeros: multiply, divide), the
// partial's zeros strong too (x 0 is 0 for every x, so 0 against an infinite part).
template <class Fn, bool Constant, class T>
inline T constant_term(T partial, T part) {
  if constexpr (Constant && Fn::constant_zeros) {
    return parts_times(partial, part);
  } else {
    return term<Fn>(partial, part);
  }
}

// Whether Fn's parts are added or subtracted as they are (Fn::unit_sign): real
// components only (complex ones take term's unit_times: the same parts, and nan
// partials at a nan value).
// The drivers use this rule where the values are not nan, and elsewhere the
// general one with Fn's partials as arrays (WithPartials<Fn>): a nan value has
// nan partials, and they give nan parts where the parts are not 0 (kernels.hpp).
template <class Fn, class T>
inline constexpr bool unit_partials = Fn::unit_sign != 0 && !is_complex_v<T>;

template <class Fn>
struct WithPartials : Fn {
  static constexpr int unit_sign = 0;
};

// A first-order part of f(x, y): fx x' + fy y' (the terms whose operand has
// parts and whose partial is not identically zero).
template <class Fn, bool XParts, bool YParts, class T>
inline T first_order(const BinaryBlock<T>& f, std::size_t i, T x1, T y1) {
  if constexpr (unit_partials<Fn, T>) {
    // the general rule's bits: 0 + x' is x' but for -0 (a strong zero gives +0)
    const T x_1 = XParts ? x1 : T(0), y_1 = YParts ? y1 : T(0);
    return Fn::unit_sign > 0 ? (T(0) + x_1) + y_1 : (T(0) + x_1) - y_1;
  }
  if constexpr (Fn::quotient) {
    // q = x/y: q' = (x' - q y')/y, as 1/y times the difference: fx x' + fy y' =
    // x'/y - q y'/y overflows in its terms where q' does not (x/x at the
    // smallest normal float32, parts of 8: -inf + inf)
    const T x_1 = XParts ? x1 : T(0), y_1 = YParts ? y1 : T(0);
    if constexpr (!YParts) return constant_term<Fn, true>(f.fx[i], x_1);
    return scaled(f.fx[i], x_1 - scaled(f.f0[i], y_1));
  }
  T d = T(0);
  if constexpr (XParts && Fn::has_fx) d += constant_term<Fn, !YParts>(f.fx[i], x1);
  if constexpr (YParts && Fn::has_fy) d += constant_term<Fn, !XParts>(f.fy[i], y1);
  return d;
}

// A second-order part of f(x): f' h + f'' a b, for the product of the
// first-order parts a and b that h is the coefficient of.
template <class Fn, class T>
inline T unary_second(T f1, T f2, T a, T b, T h) {
  if constexpr (Fn::zero_f2) {
    return term<Fn>(f1, h);
  } else {
    return term<Fn>(f1, h) + scaled_product(f2, a, b);
  }
}

// A second-order part of f(x, y): fx xh + fy yh + fxx xa xb + fxy (xa yb + xb ya)
// + fyy ya yb.
template <class Fn, bool XParts, bool YParts, class T>
inline T binary_second(const BinaryBlock<T>& f, std::size_t i, T xa, T xb, T xh, T ya, T yb, T yh) {
  if constexpr (unit_partials<Fn, T>) return first_order<Fn, XParts, YParts>(f, i, xh, yh);
  if constexpr (Fn::quotient) {
    // q = x/y by the quotient rule twice: q_ab = (x_ab - q_a y_b - q_b y_a - q y_ab)/y
    // with q_a = (x_a - q y_a)/y. The partials' form fxy (xa yb + xb ya) + fyy ya yb
    // squares 1/y: inf - inf (nan for x/x) below |y| ~ 1e-154 (float32 1e-19), and
    // complex64 loses the sign at large |y|. q_a y_b and q_b y_a are products of two
    // parts, each zero a strong zero (parts_times): where q does not depend on b (q_b = 0)
    // and y_a is infinite or nan (1/sqrt(v) at v = 0), the pair is zero by structure, as
    // the other rules' fxy (x_a y_b + x_b y_a) is, not 0 inf = nan.
    const T q = f.f0[i], r = f.fx[i];  // x/y, 1/y
    const T x_a = XParts ? xa : T(0), x_b = XParts ? xb : T(0), x_h = XParts ? xh : T(0);
    const T y_a = YParts ? ya : T(0), y_b = YParts ? yb : T(0), y_h = YParts ? yh : T(0);
    if constexpr (!YParts) return constant_term<Fn, true>(r, x_h);  // (x/c: x_h/c)
    const T q_a = scaled(r, x_a - scaled(q, y_a));
    const T q_b = scaled(r, x_b - scaled(q, y_b));
    return scaled(r, x_h - scaled(q, y_h) - parts_times(q_a, y_b) - parts_times(q_b, y_a));
  }
  T d = T(0);
  if constexpr (XParts && Fn::has_fx) d += constant_term<Fn, !YParts>(f.fx[i], xh);
  if constexpr (YParts && Fn::has_fy) d += constant_term<Fn, !XParts>(f.fy[i], yh);
  if constexpr (XParts && Fn::has_fxx) d += scaled_product(f.fxx[i], xa, xb);
  if constexpr (XParts && YParts && Fn::has_fxy) {
    if constexpr (Fn::unit_fxy) {  // fxy = 1 (nan with the value): nothing to reorder
      // (both factors parts, so a zero of either is a strong zero: x_a = inf, y_b = 0)
      d += scaled(f.fxy[i], parts_times(xa, yb) + parts_times(xb, ya));
    } else {
      d += scaled_sum(f.fxy[i], xa, yb, xb, ya);
    }
  }
  if constexpr (YParts && Fn::has_fyy) d += scaled_product(f.fyy[i], ya, yb);
  return d;
}

struct Dual {
  static constexpr KindId id = KindId::Dual;
  static constexpr int planes = 2;
  static constexpr bool second_order = false;

  template <class Fn, class T>
  static void unary(UnaryBlock<T> f, const T* const* x, T* const* y, std::size_t m) {
    const T* xd = x[1];
    T* y0 = y[0];
    T* yd = y[1];
#pragma omp simd
    for (std::size_t i = 0; i < m; ++i) {
      y0[i] = f.f0[i];
      yd[i] = term<Fn>(f.f1[i], xd[i]);
    }
  }

  // XParts/YParts: whether each operand carries derivative planes.
  template <class Fn, bool XParts, bool YParts, class T>
  static void binary(BinaryBlock<T> f, const T* const* x, const T* const* y, T* const* out,
                     std::size_t m) {
    const T* xd = x[XParts ? 1 : 0];
    const T* yd = y[YParts ? 1 : 0];
    T* o0 = out[0];
    T* od = out[1];
#pragma omp simd
    for (std::size_t i = 0; i < m; ++i) {
      o0[i] = f.f0[i];
      od[i] = first_order<Fn, XParts, YParts>(f, i, xd[i], yd[i]);
    }
  }
};

struct HyperDual {
  static constexpr KindId id = KindId::HyperDual;
  static constexpr int planes = 4;
  static constexpr bool second_order = true;

  template <class Fn, class T>
  static void unary(UnaryBlock<T> f, const T* const* x, T* const* y, std::size_t m) {
    const T* x1 = x[1];
    const T* x2 = x[2];
    const T* x12 = x[3];
    T* y0 = y[0];
    T* y1 = y[1];
    T* y2 = y[2];
    T* y12 = y[3];
#pragma omp simd
    for (std::size_t i = 0; i < m; ++i) {
      y12[i] = unary_second<Fn>(f.f1[i], f.f2[i], x1[i], x2[i], x12[i]);
      y0[i] = f.f0[i];
      y1[i] = term<Fn>(f.f1[i], x1[i]);
      y2[i] = term<Fn>(f.f1[i], x2[i]);
    }
  }

  template <class Fn, bool XParts, bool YParts, class T>
  static void binary(BinaryBlock<T> f, const T* const* x, const T* const* y, T* const* out,
                     std::size_t m) {
    const T* x1 = x[XParts ? 1 : 0];
    const T* x2 = x[XParts ? 2 : 0];
    const T* x12 = x[XParts ? 3 : 0];
    const T* y1 = y[YParts ? 1 : 0];
    const T* y2 = y[YParts ? 2 : 0];
    const T* y12 = y[YParts ? 3 : 0];
    T* o0 = out[0];
    T* o1 = out[1];
    T* o2 = out[2];
    T* o12 = out[3];
#pragma omp simd
    for (std::size_t i = 0; i < m; ++i) {
      o12[i] = binary_second<Fn, XParts, YParts>(f, i, x1[i], x2[i], x12[i], y1[i], y2[i], y12[i]);
      o1[i] = first_order<Fn, XParts, YParts>(f, i, x1[i], y1[i]);
      o2[i] = first_order<Fn, XParts, YParts>(f, i, x2[i], y2[i]);
      o0[i] = f.f0[i];
    }
  }
};

// The multivariate kind with a run-time layout (see the top of this file):
// planes 0 | 1 .. P | P+1 .. P+Q hold the value, the g_p and the h_q, and
// pairs[2q], pairs[2q+1] are the first-order indices of h_q. Second-order
// planes are written first, so an output that is also the input (out=x) is
// read before it is overwritten.
//
// The first-order planes are written up to kGroup at a time, one loop per
// group, and the value plane in the first group's loop, never a loop of its
// own. Measured (Zen 5, 1 thread, N = 1e6 and 4e6, outputs streamed): with one
// loop per plane, DualVec(1) ran 3-6x slower than Dual on the same bytes and
// DualVec(2) 2x slower than HyperDual, while equally fast in cache. The value
// plane's loop is only a copy, which GCC turns into an inline `rep movsq`; that
// microcoded copy in every block stalled the loads of the next blocks' planes
// out of cache. Loops of one plane each, the rest of the difference (DualVec(3)
// at N = 1e6: 0.55 against 0.23 ns per element and plane), are gone in groups.
// Two planes a group, not four: with the drivers' in-cache blocks of 256
// (kernels.hpp) a group of four streams up to 16 arrays through L1 at once;
// measured (x86-64-v4, 1 thread, planes of 4096), DualVec(4) multiply took
// 1.1x the time of blocks of 64 with groups of four, 0.6x with groups of two
// (HyperDualVec(2, 2): 0.87x, 0.64x); at N = 1e6 (streamed) groups of two
// took 0.85-1.03x.
struct Jet {
  static constexpr bool second_order = true;

  int first;                  // P
  int second;                 // Q
  const std::int64_t* pairs;  // Q x 2, each index in [0, P)
  const std::int64_t* runs;   // run_count x (q0, a, b0, n): see for_each_run
  int run_count;

  int planes() const { return 1 + first + second; }

  static constexpr int kGroup = 2;

  // Calls group(p, std::index_sequence<0, .., G-1>{}, value) for the groups of
  // first-order planes p .. p+G-1 (G = kGroup, then 2 and 1 for the rest),
  // value a std::true_type for the first group (the one that also writes the
  // value plane), std::false_type after it. A layout has P >= 1.
  template <class Group>
  void for_each_group(Group group) const {
    int p = 1;
    const auto next = [&](auto value) {
      const int left = first - p + 1;
      if (left >= kGroup) {
        group(p, std::make_index_sequence<kGroup>{}, value);
        p += kGroup;
      } else if (left >= 2) {
        group(p, std::make_index_sequence<2>{}, value);
        p += 2;
      } else {
        group(p, std::make_index_sequence<1>{}, value);
        p += 1;
      }
    };
    next(std::true_type{});
    while (p <= first) next(std::false_type{});
  }

  // Calls body(q0, a, b0, n) for each run of second-order planes q0 .. q0+n-1
  // whose pairs are (a, b0), (a, b0 + 1), ...: the layouts are rows of them
  // (h[i, j] for consecutive j), and a run is one vectorizable loop.
  template <class Body>
  void for_each_run(Body body) const {
    for (int r = 0; r < run_count; ++r) {
      const std::int64_t* run = runs + 4 * r;
      body(static_cast<int>(run[0]), run[1], run[2], static_cast<int>(run[3]));
    }
  }

  // One element with its planes one apart (a 0-d array: numpy's object loops
  // after np.asarray work element by element). The same rules as below with
  // the plane as the inner loop; plane by plane, each loop would run once.
  template <class Fn, class T>
  void unary_element(T f0, T f1, T f2, const T* x, T* y) const {
    const T* g = x + 1;
    for_each_run([&](int q0, std::int64_t a, std::int64_t b0, int n) {
      const T* xh = x + 1 + first + q0;
      T* yh = y + 1 + first + q0;
      const T ga = g[a];
      const T* gb = g + b0;
#pragma omp simd
      for (int t = 0; t < n; ++t) yh[t] = unary_second<Fn>(f1, f2, ga, gb[t], xh[t]);
    });
#pragma omp simd
    for (int p = 1; p <= first; ++p) y[p] = term<Fn>(f1, x[p]);
    y[0] = f0;
  }

  // A real operand holds its value only: its parts are never read (the rules
  // ignore them), and 0 stands in for them.
  template <class Fn, bool XParts, bool YParts, class T>
  void binary_element(BinaryBlock<T> f, const T* x, const T* y, T* out) const {
    for_each_run([&](int q0, std::int64_t a, std::int64_t b0, int n) {
      const std::int64_t h = 1 + first + q0;
      const T* xh = XParts ? x + h : x;  // (in range for a real operand too)
      const T* yh = YParts ? y + h : y;
      const T* xb = XParts ? x + 1 + b0 : x;
      const T* yb = YParts ? y + 1 + b0 : y;
      const T xa = XParts ? x[1 + a] : T(0), ya = YParts ? y[1 + a] : T(0);
      T* oh = out + h;
#pragma omp simd
      for (int t = 0; t < n; ++t) {
        oh[t] = binary_second<Fn, XParts, YParts>(f, 0, xa, XParts ? xb[t] : T(0),
                                                  XParts ? xh[t] : T(0), ya, YParts ? yb[t] : T(0),
                                                  YParts ? yh[t] : T(0));
      }
    });
#pragma omp simd
    for (int p = 1; p <= first; ++p) {
      out[p] = first_order<Fn, XParts, YParts>(f, 0, XParts ? x[p] : T(0), YParts ? y[p] : T(0));
    }
    out[0] = f.f0[0];
  }

  template <class Fn, class T>
  void unary(UnaryBlock<T> f, const T* const* x, T* const* y, std::size_t m) const {
    for (int q = 0; q < second; ++q) {
      const T* xa = x[1 + pairs[2 * q]];
      const T* xb = x[1 + pairs[2 * q + 1]];
      const T* xh = x[1 + first + q];
      T* yh = y[1 + first + q];
#pragma omp simd
      for (std::size_t i = 0; i < m; ++i) {
        yh[i] = unary_second<Fn>(f.f1[i], f.f2[i], xa[i], xb[i], xh[i]);
      }
    }
    T* y0 = y[0];
    if (first == 0) {  // no parts: a layout none of hyperdiff's kinds has
#pragma omp simd
      for (std::size_t i = 0; i < m; ++i) y0[i] = f.f0[i];
      return;
    }
    for_each_group([&](int p, auto members, auto value) {
      unary_group<Fn, value>(f, x + p, y + p, y0, m, members);
    });
  }

  // First-order planes g = 0 .. G-1 of yg = f1 xg, and y0 = f0 when Value, in one loop.
  template <class Fn, bool Value, class T, std::size_t... G>
  static void unary_group(UnaryBlock<T> f, const T* const* xg, T* const* yg, T* y0, std::size_t m,
                          std::index_sequence<G...>) {
    const T* const xs[] = {xg[G]...};
    T* const ys[] = {yg[G]...};
#pragma omp simd
    for (std::size_t i = 0; i < m; ++i) {
      ((ys[G][i] = term<Fn>(f.f1[i], xs[G][i])), ...);
      if constexpr (Value) y0[i] = f.f0[i];
    }
  }

  // XParts/YParts: whether each operand carries derivative planes (a real
  // operand has only its value plane, which stands in for the unused pointers).
  template <class Fn, bool XParts, bool YParts, class T>
  void binary(BinaryBlock<T> f, const T* const* x, const T* const* y, T* const* out,
              std::size_t m) const {
    const auto x_plane = [&](std::int64_t p) { return x[XParts ? p : 0]; };
    const auto y_plane = [&](std::int64_t p) { return y[YParts ? p : 0]; };
    for (int q = 0; q < second; ++q) {
      const std::int64_t a = 1 + pairs[2 * q], b = 1 + pairs[2 * q + 1], h = 1 + first + q;
      const T *xa = x_plane(a), *xb = x_plane(b), *xh = x_plane(h);
      const T *ya = y_plane(a), *yb = y_plane(b), *yh = y_plane(h);
      T* oh = out[h];
#pragma omp simd
      for (std::size_t i = 0; i < m; ++i) {
        oh[i] = binary_second<Fn, XParts, YParts>(f, i, xa[i], xb[i], xh[i], ya[i], yb[i], yh[i]);
      }
    }
    T* o0 = out[0];
    if (first == 0) {  // as for unary functions
#pragma omp simd
      for (std::size_t i = 0; i < m; ++i) o0[i] = f.f0[i];
      return;
    }
    for_each_group([&](int p, auto members, auto value) {
      binary_group<Fn, XParts, YParts, value>(f, x + (XParts ? p : 0), y + (YParts ? p : 0),
                                              out + p, o0, m, members);
    });
  }

  // First-order planes g = 0 .. G-1 of og = fx xg + fy yg, and o0 = f0 when Value, in one
  // loop (a real operand's one plane stands in for all of its xg or yg).
  template <class Fn, bool XParts, bool YParts, bool Value, class T, std::size_t... G>
  static void binary_group(const BinaryBlock<T>& f, const T* const* xg, const T* const* yg,
                           T* const* og, T* o0, std::size_t m, std::index_sequence<G...>) {
    const T* const xs[] = {xg[XParts ? G : 0]...};
    const T* const ys[] = {yg[YParts ? G : 0]...};
    T* const os[] = {og[G]...};
#pragma omp simd
    for (std::size_t i = 0; i < m; ++i) {
      ((os[G][i] = first_order<Fn, XParts, YParts>(f, i, xs[G][i], ys[G][i])), ...);
      if constexpr (Value) o0[i] = f.f0[i];
    }
  }
};

}  // namespace HYPERDIFF_ISA_NAMESPACE
}  // namespace hyperdiff
