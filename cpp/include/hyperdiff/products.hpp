// The product of two small matrices in a kind's algebra, every part in one pass.
//
// With x = x0 + sum_a x_a e_a + sum_q x_(a_q b_q) e_a_q e_b_q (and y alike), the
// product of matrices is bilinear, so its planes are
//   (x y)_k = x_k y0 + x0 y_k                                  every part plane k
//   (x y)_(ab) += x_a y_b + x_b y_a                            every pair q = (a, b)
// (a pair (a, a) stores e_a^2 counted twice, so it gets x_a y_a twice as well).
// Done as batched GEMMs, the pair blocks x_i y_j of all i, j come out in block order
// and must be gathered into the layout's order, which costs more than the GEMM for
// small matrices; here each output plane is computed in place, once, from the
// layout's pair table. The value plane is not written: it is numpy's matmul.
//
// A product with a factor plane that is all zero is skipped: seeds are unit planes and
// most planes of a Hessian's first products are zero (T6's X X: 700 of 5,200 plane
// products are not). Skipping is the chain rules' strong zero: 0 times inf is 0.
// (Skipping zero entries as well, the rows of a unit matrix, measured no faster on T6's
// products and 20% slower on dense ones: the branch costs what the product saved.)
//
// Compiled once per instruction set (products.cpp), reached through
// KernelTable::matrix_product. Python sends it products of 2 <= p <= 8 columns and
// m n p <= 256: beyond, BLAS on the stacked planes is faster (_algebra._matrix_product).
#pragma once

#include <algorithm>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "hyperdiff/common.hpp"
#include "hyperdiff/dispatch.hpp"

namespace hyperdiff {
inline namespace HYPERDIFF_ISA_NAMESPACE {
namespace detail {

// a * b without the nan/inf rescue of C99's complex product (numpy does not do it
// either, and it keeps the loop scalar): the plain (ac - bd, ad + bc).
template <class T>
inline T times(T a, T b) {
  return a * b;
}
template <class R>
inline std::complex<R> times(std::complex<R> a, std::complex<R> b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}

// c = a1 b1 + a2 b2 (or c += it), a2 b2 left out when a2 is null: (m x n)(n x p)
// products, row-major, p = Width known at compile time so a row's accumulators stay
// in registers.
template <int Width, class T>
inline void products(T* c, const T* a1, const T* b1, const T* a2, const T* b2, std::ptrdiff_t m,
                     std::ptrdiff_t n, bool accumulate) {
  for (std::ptrdiff_t r = 0; r < m; ++r) {
    T first[Width] = {}, second[Width] = {};
    if (a2 != nullptr) {
      for (std::ptrdiff_t j = 0; j < n; ++j) {
        const T s = a1[r * n + j], t = a2[r * n + j];
        for (int q = 0; q < Width; ++q) {
          first[q] += times(s, b1[j * Width + q]);
          second[q] += times(t, b2[j * Width + q]);
        }
      }
    } else {
      for (std::ptrdiff_t j = 0; j < n; ++j) {
        const T s = a1[r * n + j];
        for (int q = 0; q < Width; ++q) first[q] += times(s, b1[j * Width + q]);
      }
    }
    T* row = c + r * Width;
    for (int q = 0; q < Width; ++q) {
      row[q] = accumulate ? row[q] + (first[q] + second[q]) : first[q] + second[q];
    }
  }
}

// One output plane: c (=|+=) a1 b1 + a2 b2, where a null a1 or a2 is a product known
// to be zero.
template <int Width, class T>
inline void plane(T* c, const T* a1, const T* b1, const T* a2, const T* b2, std::ptrdiff_t m,
                  std::ptrdiff_t n, bool accumulate) {
  if (a1 == nullptr) {
    a1 = a2, b1 = b2, a2 = nullptr;
  }
  if (a1 == nullptr) {
    if (!accumulate) std::fill(c, c + m * Width, T(0));
  } else {
    products<Width>(c, a1, b1, a2, b2, m, n, accumulate);
  }
}

// Whether count components from p are all +-0: their bits but the sign, or-ed as
// integers (a loop that vectorizes, where comparing as floats does not).
template <class T>
inline bool all_zero(const T* p, std::ptrdiff_t count) {
  using Real = decltype(std::real(T()));
  using Bits = std::conditional_t<sizeof(Real) == 8, std::uint64_t, std::uint32_t>;
  const auto* real = reinterpret_cast<const Real*>(p);
  const std::ptrdiff_t reals = count * static_cast<std::ptrdiff_t>(sizeof(T) / sizeof(Real));
  Bits any = 0;
  for (std::ptrdiff_t i = 0; i < reals; ++i) {
    Bits bits;
    std::memcpy(&bits, real + i, sizeof(Bits));
    any |= bits << 1;
  }
  return any == 0;
}

// Each plane's start, or null for a plane that is all zero (plane 0 is always kept).
// Zero planes come in runs (a seed's planes beyond its own directions, the pairs of a
// first product), so blocks of kRun planes are judged in one pass first (T6's X has 26
// nonzero planes of 1,326); x x scans x once. T6's X X: 20.8 -> 16.7 us.
template <class T>
void nonzero_planes(std::vector<const T*>& starts, const T* x, std::ptrdiff_t planes,
                    std::ptrdiff_t size) {
  constexpr std::ptrdiff_t kRun = 16;
  starts.assign(static_cast<std::size_t>(planes), nullptr);
  starts[0] = x;
  for (std::ptrdiff_t k = 1; k < planes; k += kRun) {
    const std::ptrdiff_t end = std::min(planes, k + kRun);
    if (all_zero(x + k * size, (end - k) * size)) continue;
    for (std::ptrdiff_t j = k; j < end; ++j) {
      starts[j] = all_zero(x + j * size, size) ? nullptr : x + j * size;
    }
  }
}

template <int Width, class T>
void product_parts(T* out, const T* x, const T* y, const ProductShape& s) {
  const std::ptrdiff_t m = s.m, n = s.n, sx = m * n, sy = n * Width, so = m * Width;
  std::vector<const T*> xs, ys;
  nonzero_planes(xs, x, s.planes, sx);
  if (y == x && sy == sx) {
    ys = xs;  // x x: one scan
  } else {
    nonzero_planes(ys, y, s.planes, sy);
  }
  for (std::ptrdiff_t k = 1; k < s.planes; ++k) {
    plane<Width>(out + k * so, xs[k], y, ys[k] ? x : nullptr, ys[k], m, n, false);
  }
  for (std::ptrdiff_t q = 0; q < s.pair_count; ++q) {
    const std::ptrdiff_t a = 1 + s.pairs[2 * q], b = 1 + s.pairs[2 * q + 1];
    const bool ab = xs[a] && ys[b], ba = xs[b] && ys[a];
    plane<Width>(out + (1 + s.first + q) * so, ab ? xs[a] : nullptr, ys[b], ba ? xs[b] : nullptr,
                 ys[a], m, n, true);
  }
}

// out's planes 1 .. planes-1 for out = x y in the algebra of the layout (first
// first-order planes, pairs[2q], pairs[2q+1] the first-order indices of second-order
// plane 1 + first + q): x (planes, m, n), y (planes, n, p), out (planes, m, p), all C
// order, 1 <= p <= kMaxProductWidth. Plane 0 of out is left as it is.
template <class T, int Width = 1>
void matrix_product_parts(void* out, const void* x, const void* y, const ProductShape& s) {
  if (s.p == Width) {
    product_parts<Width>(static_cast<T*>(out), static_cast<const T*>(x), static_cast<const T*>(y),
                         s);
  } else if constexpr (Width < kMaxProductWidth) {
    matrix_product_parts<T, Width + 1>(out, x, y, s);
  }
}

}  // namespace detail

}  // namespace HYPERDIFF_ISA_NAMESPACE
}  // namespace hyperdiff
