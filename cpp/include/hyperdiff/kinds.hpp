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
// A zero part is a strong zero: it contributes exactly 0 even where the
// derivative is inf or nan (sqrt' and log' at 0), because the direction it
// stands for is not perturbed. Without this, a constant operand or an unseeded
// e12 would turn a finite result into nan.
//
// Storage is struct-of-arrays: plane p of a block is planes[p][0..m).
#pragma once

#include <cstddef>

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

}  // namespace HYPERDIFF_ISA_NAMESPACE
}  // namespace hyperdiff
