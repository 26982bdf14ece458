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
// These two rules per kind are the only place derivative algebra lives; every
// elementwise function supplies only (f0, f1, f2) or its partials.
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
// e12 would turn a finite result into nan.
//
// Storage is struct-of-arrays: plane p of a block is planes[p][0..m).
#pragma once

#include <cstddef>
#include <cstdint>

#include "common.hpp"

namespace hyperdiff {
inline namespace HYPERDIFF_ISA_NAMESPACE {

enum class KindId : int { Dual = 0, HyperDual = 1 };

// derivative * part, with a zero part a strong zero.
template <class T>
inline T scaled(T derivative, T part) {
  return part == T(0) ? T(0) : derivative * part;
}

// Pointers to the planes of one block. A real (derivative-free) operand has
// one plane.
template <class T, int N>
struct Planes {
  T* p[N];
};

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
      const T d = xd[i];
      y0[i] = f.f0[i];
      yd[i] = scaled(f.f1[i], d);
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
      T d = T(0);
      if constexpr (XParts && Fn::has_fx) d += scaled(f.fx[i], xd[i]);
      if constexpr (YParts && Fn::has_fy) d += scaled(f.fy[i], yd[i]);
      o0[i] = f.f0[i];
      od[i] = d;
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
      const T a1 = x1[i], a2 = x2[i], a12 = x12[i], g = f.f1[i];
      T h = scaled(g, a12);
      if constexpr (!Fn::zero_f2) h += scaled(f.f2[i], a1 * a2);
      y0[i] = f.f0[i];
      y1[i] = scaled(g, a1);
      y2[i] = scaled(g, a2);
      y12[i] = h;
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
      T d1 = T(0), d2 = T(0), d12 = T(0);
      if constexpr (XParts && Fn::has_fx) {
        d1 += scaled(f.fx[i], x1[i]);
        d2 += scaled(f.fx[i], x2[i]);
        d12 += scaled(f.fx[i], x12[i]);
      }
      if constexpr (YParts && Fn::has_fy) {
        d1 += scaled(f.fy[i], y1[i]);
        d2 += scaled(f.fy[i], y2[i]);
        d12 += scaled(f.fy[i], y12[i]);
      }
      if constexpr (XParts && Fn::has_fxx) d12 += scaled(f.fxx[i], x1[i] * x2[i]);
      if constexpr (XParts && YParts && Fn::has_fxy) {
        d12 += scaled(f.fxy[i], x1[i] * y2[i] + x2[i] * y1[i]);
      }
      if constexpr (YParts && Fn::has_fyy) d12 += scaled(f.fyy[i], y1[i] * y2[i]);
      o0[i] = f.f0[i];
      o1[i] = d1;
      o2[i] = d2;
      o12[i] = d12;
    }
  }
};

// The multivariate kind with a run-time layout (see the top of this file):
// planes 0 | 1 .. P | P+1 .. P+Q hold the value, the g_p and the h_q, and
// pairs[2q], pairs[2q+1] are the first-order indices of h_q. Each rule runs
// plane by plane over the block. Second-order planes are written first, so an
// output that is also the input (out=x) is read before it is overwritten.
struct Jet {
  static constexpr bool second_order = true;

  int first;                  // P
  int second;                 // Q
  const std::int64_t* pairs;  // Q x 2, each index in [0, P)
  const std::int64_t* runs;   // run_count x (q0, a, b0, n): see for_each_run
  int run_count;

  int planes() const { return 1 + first + second; }

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
      for (int t = 0; t < n; ++t) {
        T h = scaled(f1, xh[t]);
        if constexpr (!Fn::zero_f2) h += scaled(f2, ga * gb[t]);
        yh[t] = h;
      }
    });
#pragma omp simd
    for (int p = 1; p <= first; ++p) y[p] = scaled(f1, x[p]);
    y[0] = f0;
  }

  template <class Fn, bool XParts, bool YParts, class T>
  void binary_element(BinaryBlock<T> f, const T* x, const T* y, T* out) const {
    constexpr bool use_fx = XParts && Fn::has_fx, use_fy = YParts && Fn::has_fy;
    constexpr bool use_fxx = XParts && Fn::has_fxx, use_fyy = YParts && Fn::has_fyy;
    constexpr bool use_fxy = XParts && YParts && Fn::has_fxy;
    const T fx = use_fx ? f.fx[0] : T(0), fy = use_fy ? f.fy[0] : T(0);
    const T fxx = use_fxx ? f.fxx[0] : T(0), fxy = use_fxy ? f.fxy[0] : T(0);
    const T fyy = use_fyy ? f.fyy[0] : T(0);
    // a real operand has its value only: it stands in for the unread planes
    const T* xg = XParts ? x + 1 : x;
    const T* yg = YParts ? y + 1 : y;
    for_each_run([&](int q0, std::int64_t a, std::int64_t b0, int n) {
      const std::int64_t h = 1 + first + q0;
      const T* xh = XParts ? x + h : x;
      const T* yh = YParts ? y + h : y;
      const T xa = XParts ? xg[a] : T(0), ya = YParts ? yg[a] : T(0);
      const T* xb = XParts ? xg + b0 : x;
      const T* yb = YParts ? yg + b0 : y;
      T* oh = out + h;
#pragma omp simd
      for (int t = 0; t < n; ++t) {
        T d = T(0);
        if constexpr (use_fx) d += scaled(fx, xh[t]);
        if constexpr (use_fy) d += scaled(fy, yh[t]);
        if constexpr (use_fxx) d += scaled(fxx, xa * xb[t]);
        if constexpr (use_fxy) d += scaled(fxy, xa * yb[t] + xb[t] * ya);
        if constexpr (use_fyy) d += scaled(fyy, ya * yb[t]);
        oh[t] = d;
      }
    });
#pragma omp simd
    for (int p = 1; p <= first; ++p) {
      T d = T(0);
      if constexpr (use_fx) d += scaled(fx, x[p]);
      if constexpr (use_fy) d += scaled(fy, y[p]);
      out[p] = d;
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
        T h = scaled(f.f1[i], xh[i]);
        if constexpr (!Fn::zero_f2) h += scaled(f.f2[i], xa[i] * xb[i]);
        yh[i] = h;
      }
    }
    for (int p = 1; p <= first; ++p) {
      const T* xg = x[p];
      T* yg = y[p];
#pragma omp simd
      for (std::size_t i = 0; i < m; ++i) yg[i] = scaled(f.f1[i], xg[i]);
    }
    T* y0 = y[0];
#pragma omp simd
    for (std::size_t i = 0; i < m; ++i) y0[i] = f.f0[i];
  }

  // XParts/YParts: whether each operand carries derivative planes (a real
  // operand has only its value plane, which stands in for the unused pointers).
  template <class Fn, bool XParts, bool YParts, class T>
  void binary(BinaryBlock<T> f, const T* const* x, const T* const* y, T* const* out,
              std::size_t m) const {
    constexpr bool use_fx = XParts && Fn::has_fx, use_fy = YParts && Fn::has_fy;
    constexpr bool use_fxx = XParts && Fn::has_fxx, use_fyy = YParts && Fn::has_fyy;
    constexpr bool use_fxy = XParts && YParts && Fn::has_fxy;
    const auto x_plane = [&](std::int64_t p) { return x[XParts ? p : 0]; };
    const auto y_plane = [&](std::int64_t p) { return y[YParts ? p : 0]; };
    for (int q = 0; q < second; ++q) {
      const std::int64_t a = 1 + pairs[2 * q], b = 1 + pairs[2 * q + 1], h = 1 + first + q;
      const T *xa = x_plane(a), *xb = x_plane(b), *xh = x_plane(h);
      const T *ya = y_plane(a), *yb = y_plane(b), *yh = y_plane(h);
      T* oh = out[h];
#pragma omp simd
      for (std::size_t i = 0; i < m; ++i) {
        T d = T(0);
        if constexpr (use_fx) d += scaled(f.fx[i], xh[i]);
        if constexpr (use_fy) d += scaled(f.fy[i], yh[i]);
        if constexpr (use_fxx) d += scaled(f.fxx[i], xa[i] * xb[i]);
        if constexpr (use_fxy) d += scaled(f.fxy[i], xa[i] * yb[i] + xb[i] * ya[i]);
        if constexpr (use_fyy) d += scaled(f.fyy[i], ya[i] * yb[i]);
        oh[i] = d;
      }
    }
    for (int p = 1; p <= first; ++p) {
      const T* xg = x_plane(p);
      const T* yg = y_plane(p);
      T* og = out[p];
#pragma omp simd
      for (std::size_t i = 0; i < m; ++i) {
        T d = T(0);
        if constexpr (use_fx) d += scaled(f.fx[i], xg[i]);
        if constexpr (use_fy) d += scaled(f.fy[i], yg[i]);
        og[i] = d;
      }
    }
    T* o0 = out[0];
#pragma omp simd
    for (std::size_t i = 0; i < m; ++i) o0[i] = f.f0[i];
  }
};

}  // namespace HYPERDIFF_ISA_NAMESPACE
}  // namespace hyperdiff
