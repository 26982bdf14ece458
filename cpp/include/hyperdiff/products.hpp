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
// products are not). Skipping is the chain rules' strong zero: 0 times inf is 0. So is
// skipping zero rows: of a's (a zero row of the product) and of b's (the terms of a
// zero row of b), from masks made in the same scan (a unit seed plane has one row; T6's
// X X and X X Y do a fifth of the work). (Skipping zero entries one by one measured no
// faster on T6's products and 20% slower on dense ones: the branch costs what the
// product saved.)
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
#include <memory>
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

// Which rows of a plane (rows of `cols` components) have a nonzero entry: bit r for row
// r. A plane of more than kMaskRows rows gets every bit, and the loops below take every
// row of it.
using RowMask = std::uint64_t;
constexpr std::ptrdiff_t kMaskRows = 64;

// acc += s_j b_j (b_j: row j of b, Width entries) over the rows j in mask, in
// increasing order (every j < n of a plane of more than kMaskRows rows, unless mask is
// 0). Plain loops over arrays the caller keeps: GCC keeps the accumulators in
// registers (a lambda per row, capturing them, had them stored to the stack after each
// add: T6's (X X) Y ran at the latency of those stores).
template <int Width, class T>
inline void add_products(T (&acc)[Width], const T* s, const T* b, RowMask mask, std::ptrdiff_t n) {
  if (n > kMaskRows) {
    if (mask == 0) return;
    for (std::ptrdiff_t j = 0; j < n; ++j) {
      for (int q = 0; q < Width; ++q) acc[q] += times(s[j], b[j * Width + q]);
    }
    return;
  }
  for (; mask != 0; mask &= mask - 1) {
    const std::ptrdiff_t j = __builtin_ctzll(mask);
    for (int q = 0; q < Width; ++q) acc[q] += times(s[j], b[j * Width + q]);
  }
}

// acc1 += s1_j b1_j and acc2 += s2_j b2_j over the same rows: one loop, two chains.
template <int Width, class T>
inline void add_products(T (&acc1)[Width], const T* s1, const T* b1, T (&acc2)[Width], const T* s2,
                         const T* b2, RowMask mask, std::ptrdiff_t n) {
  if (n > kMaskRows) {
    if (mask == 0) return;
    for (std::ptrdiff_t j = 0; j < n; ++j) {
      for (int q = 0; q < Width; ++q) {
        acc1[q] += times(s1[j], b1[j * Width + q]);
        acc2[q] += times(s2[j], b2[j * Width + q]);
      }
    }
    return;
  }
  for (; mask != 0; mask &= mask - 1) {
    const std::ptrdiff_t j = __builtin_ctzll(mask);
    for (int q = 0; q < Width; ++q) {
      acc1[q] += times(s1[j], b1[j * Width + q]);
      acc2[q] += times(s2[j], b2[j * Width + q]);
    }
  }
}

// c = a1 b1 + a2 b2 (or c += it), a2 b2 left out when a2 is null: (m x n)(n x p)
// products, row-major, p = Width known at compile time so a row's accumulators stay
// in registers. ra, rb: the rows of a (m of n) and of b (n of p) that are not zero; a
// zero row of a gives a zero row of c, and a zero row j of b drops the terms a_rj b_j:
// the chain rules' strong zero, as for whole planes. Each sum adds its terms in the
// order of j, skipped ones being zeros, so the bits are those of the full sums.
// (Seeds are unit planes: one row of a Hessian's seed planes is not zero; T6's X X
// Y costs a fifth of its products this way.)
template <int Width, class T>
inline void products(T* c, const T* a1, const T* b1, RowMask ra1, RowMask rb1, const T* a2,
                     const T* b2, RowMask ra2, RowMask rb2, std::ptrdiff_t m, std::ptrdiff_t n,
                     bool accumulate) {
  if (a2 == nullptr && n <= kMaskRows && rb1 != 0 && (rb1 & (rb1 - 1)) == 0) {
    // one product whose b has one row j that is not zero (a unit seed plane: T6's X X Y
    // has 650 such planes): c's row r is a_rj b_j, each sum's one term, (0 + t) + 0 as
    // below, without the loops over rows of b
    const std::ptrdiff_t j = __builtin_ctzll(rb1);
    const T* bj = b1 + j * Width;
    int nonzero = 0, column = 0;
    for (int q = 0; q < Width; ++q) {
      if (bj[q] != T(0)) ++nonzero, column = q;
    }
    if (nonzero == 1 && !accumulate) {
      // and that row one entry (a unit seed plane itself): every other sum is (0 + s 0)
      // + 0, +0 for the finite s the caller keeps (an inf or nan: it mends out)
      const T v = bj[column];
      for (std::ptrdiff_t r = 0; r < m; ++r) {
        T* row = c + r * Width;
        std::fill(row, row + Width, T(0));
        if (r >= kMaskRows || ((ra1 >> r) & 1) != 0) {
          row[column] = (T(0) + times(a1[r * n + j], v)) + T(0);
        }
      }
      return;
    }
    for (std::ptrdiff_t r = 0; r < m; ++r) {
      T* row = c + r * Width;
      if (r < kMaskRows && ((ra1 >> r) & 1) == 0) {
        if (!accumulate) std::fill(row, row + Width, T(0));
        continue;
      }
      const T s = a1[r * n + j];
      for (int q = 0; q < Width; ++q) {
        const T term = (T(0) + times(s, bj[q])) + T(0);
        row[q] = accumulate ? row[q] + term : term;
      }
    }
    return;
  }
  for (std::ptrdiff_t r = 0; r < m; ++r) {
    const bool row1 = r >= kMaskRows || ((ra1 >> r) & 1) != 0;
    const bool row2 = a2 != nullptr && (r >= kMaskRows || ((ra2 >> r) & 1) != 0);
    T* row = c + r * Width;
    if (!row1 && !row2) {
      if (!accumulate) std::fill(row, row + Width, T(0));
      continue;
    }
    T first[Width] = {}, second[Width] = {};
    const T *s1 = a1 + r * n, *s2 = row2 ? a2 + r * n : nullptr;
    const RowMask use1 = row1 ? rb1 : 0, use2 = row2 ? rb2 : 0;
    if (use1 == use2) {  // both sums over the same j: one loop, two chains
      add_products<Width>(first, s1, b1, second, s2, b2, use1, n);
    } else {
      add_products<Width>(first, s1, b1, use1, n);
      add_products<Width>(second, s2, b2, use2, n);
    }
    for (int q = 0; q < Width; ++q) {
      row[q] = accumulate ? row[q] + (first[q] + second[q]) : first[q] + second[q];
    }
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

// Whether count components from p hold an inf or nan (all exponent bits set), as
// integers (a loop that vectorizes).
template <class T>
inline bool any_nonfinite(const T* p, std::ptrdiff_t count) {
  using Real = decltype(std::real(T()));
  using Bits = std::conditional_t<sizeof(Real) == 8, std::uint64_t, std::uint32_t>;
  constexpr Bits exponent = sizeof(Real) == 8 ? Bits(0x7ff0000000000000ULL) : Bits(0x7f800000U);
  const auto* real = reinterpret_cast<const Real*>(p);
  const std::ptrdiff_t reals = count * static_cast<std::ptrdiff_t>(sizeof(T) / sizeof(Real));
  Bits found = 0;
  for (std::ptrdiff_t i = 0; i < reals; ++i) {
    Bits bits;
    std::memcpy(&bits, real + i, sizeof(Bits));
    found |= static_cast<Bits>((bits & exponent) == exponent);
  }
  return found != 0;
}

// A plane's rows that are not zero; rows of one entry (a column), or more than
// kMaskRows rows: every row unless the plane is zero (a scan of each entry costs more
// than the products it saves).
template <class T>
inline RowMask nonzero_rows(const T* p, std::ptrdiff_t rows, std::ptrdiff_t cols) {
  if (rows > kMaskRows || cols == 1) {
    const RowMask every = rows >= kMaskRows ? ~RowMask(0) : (RowMask(1) << rows) - 1;
    return all_zero(p, rows * cols) ? 0 : every;
  }
  RowMask mask = 0;
  for (std::ptrdiff_t r = 0; r < rows; ++r) {
    if (!all_zero(p + r * cols, cols)) mask |= RowMask(1) << r;
  }
  return mask;
}

// Each plane's start, or null for a plane that is all zero (plane 0 is always kept),
// and its rows that are not zero (planes of rows x cols); planes from `scanned` on are
// known zero and not read. Zero planes come in runs (a seed's planes beyond its own
// directions, the pairs of a first product), so blocks of kRun planes are judged in one
// pass first (T6's X has 26 nonzero planes of 1,326); x x scans x once. T6's X X: 20.8
// -> 16.7 us. A block holding a nonzero plane is read again plane by plane, and T6's
// X X has its nonzero planes scattered: blocks of 4 read less twice than blocks of 16
// (T6 3% faster; 2 and 8 slower). Planes `zero` says are zero (an earlier product's
// record) are not read: T6's X X is 1,185 zero planes of 1,326.
template <class T>
void nonzero_planes(Vector<const T*>& starts, Vector<RowMask>& masks, const T* x,
                    std::ptrdiff_t planes, std::ptrdiff_t scanned, std::ptrdiff_t rows,
                    std::ptrdiff_t cols, const bool* zero) {
  constexpr std::ptrdiff_t kRun = 4;
  const std::ptrdiff_t size = rows * cols;
  starts.assign(static_cast<std::size_t>(planes), nullptr);
  masks.assign(static_cast<std::size_t>(planes), 0);
  starts[0] = x;
  masks[0] = nonzero_rows(x, rows, cols);
  for (std::ptrdiff_t j = 1; j < scanned && zero != nullptr; ++j) {
    if (zero[j] || all_zero(x + j * size, size)) continue;
    starts[j] = x + j * size;
    masks[j] = nonzero_rows(starts[j], rows, cols);
  }
  for (std::ptrdiff_t k = 1; k < scanned && zero == nullptr; k += kRun) {
    const std::ptrdiff_t end = std::min(scanned, k + kRun);
    if (all_zero(x + k * size, (end - k) * size)) continue;
    for (std::ptrdiff_t j = k; j < end; ++j) {
      if (all_zero(x + j * size, size)) continue;  // (one pass over a zero plane)
      starts[j] = x + j * size;
      masks[j] = nonzero_rows(starts[j], rows, cols);
    }
  }
}

// One output plane: c (=|+=) a1 b1 + a2 b2, where a null a1 or a2 is a product known
// to be zero.
template <int Width, class T>
inline void plane(T* c, const T* a1, const T* b1, RowMask ra1, RowMask rb1, const T* a2,
                  const T* b2, RowMask ra2, RowMask rb2, std::ptrdiff_t m, std::ptrdiff_t n,
                  bool accumulate) {
  if (a1 == nullptr) {
    a1 = a2, b1 = b2, ra1 = ra2, rb1 = rb2, a2 = nullptr;
  }
  if (a1 == nullptr) {
    if (!accumulate) std::fill(c, c + m * Width, T(0));
  } else {
    products<Width>(c, a1, b1, ra1, rb1, a2, b2, ra2, rb2, m, n, accumulate);
  }
}

// Whether a nonzero plane (starts[j] not null) holds an inf or nan.
template <class T>
bool any_nonfinite_plane(const Vector<const T*>& starts, std::ptrdiff_t size) {
  for (const T* start : starts) {
    if (start != nullptr && any_nonfinite(start, size)) return true;
  }
  return false;
}

template <int Width, class T>
bool product_parts(T* out, const T* x, const T* y, const ProductShape& s) {
  const std::ptrdiff_t m = s.m, n = s.n, so = m * Width;
  Vector<const T*> xs, ys;
  Vector<RowMask> xr, yr;
  nonzero_planes(xs, xr, x, s.planes, s.x_planes, m, n, s.x_zero);
  if (y == x && m == n && n == Width) {
    ys = xs, yr = xr;  // x x: one scan
  } else {
    nonzero_planes(ys, yr, y, s.planes, s.y_planes, n, Width, s.y_zero);
  }
  // a pair plane whose x_k y0 + x0 y_k is known zero is written once, by its pair
  // terms (or as zeros), not zeroed and added to: the same bits, since 0 + v is v for
  // every sum these loops make (none is -0: each starts from +0)
  const auto pair_terms_only = [&](std::ptrdiff_t k) {
    return k > s.first && xs[k] == nullptr && ys[k] == nullptr;
  };
  // The planes with no product are zeros: flagged in the loops, filled after them a
  // run of planes at a time (T6's X X: 1,000 zero planes of 1,326 in a few runs, where a
  // fill each cost a call), and the flags are the record the next product or dot reads
  // instead of scanning them (s.out_zero). (bool flags: a byte stored in these loops
  // may alias anything they read.)
  std::unique_ptr<bool[]> own(s.out_zero == nullptr ? new bool[s.planes] : nullptr);
  bool* zero = s.out_zero != nullptr ? s.out_zero : own.get();
  zero[0] = false;
  for (std::ptrdiff_t k = 1; k < s.planes; ++k) {
    zero[k] = !xs[k] && !ys[k];
    if (zero[k] || pair_terms_only(k)) continue;  // (a pair plane: its terms below)
    plane<Width>(out + k * so, xs[k], y, xr[k], yr[0], ys[k] ? x : nullptr, ys[k], xr[0], yr[k], m,
                 n, false);
  }
  for (std::ptrdiff_t q = 0; q < s.pair_count; ++q) {
    const std::ptrdiff_t a = 1 + s.pairs[2 * q], b = 1 + s.pairs[2 * q + 1], k = 1 + s.first + q;
    const bool ab = xs[a] && ys[b], ba = xs[b] && ys[a];
    if (!ab && !ba) continue;  // (its first loop's terms or zeros: as flagged there)
    plane<Width>(out + k * so, ab ? xs[a] : nullptr, ys[b], xr[a], yr[b], ba ? xs[b] : nullptr,
                 ys[a], xr[b], yr[a], m, n, !pair_terms_only(k));
    zero[k] = false;
  }
  for (std::ptrdiff_t k = 1; k < s.planes;) {
    if (!zero[k]) {
      ++k;
      continue;
    }
    std::ptrdiff_t end = k + 1;
    while (end < s.planes && zero[end]) ++end;
    std::fill(out + k * so, out + end * so, T(0));
    k = end;
  }
  // (zero planes hold no inf: only the others are read again)
  return any_nonfinite_plane(xs, m * n) || (y != x && any_nonfinite_plane(ys, n * Width));
}

// out's planes 1 .. planes-1 for out = x y in the algebra of the layout (first
// first-order planes, pairs[2q], pairs[2q+1] the first-order indices of second-order
// plane 1 + first + q): x (planes, m, n), y (planes, n, p), out (planes, m, p), all C
// order, 1 <= p <= kMaxProductWidth. Plane 0 of out is left as it is. Returns whether x
// or y holds an inf or nan.
template <class T, int Width = 1>
bool matrix_product_parts(void* out, const void* x, const void* y, const ProductShape& s) {
  if (s.p == Width) {
    return product_parts<Width>(static_cast<T*>(out), static_cast<const T*>(x),
                                static_cast<const T*>(y), s);
  } else if constexpr (Width < kMaxProductWidth) {
    return matrix_product_parts<T, Width + 1>(out, x, y, s);
  }
  return false;
}

// a . b over n components in 8 chains (chain l takes components l, l + 8, ...),
// summed in order, then the last n % 8: a fixed order the compiler vectorizes
// without reassociating sums (the kernels' options forbid it).
template <class T>
inline T lane_dot(const T* a, const T* b, std::ptrdiff_t n) {
  constexpr std::ptrdiff_t kLanes = 8;
  T chains[kLanes] = {};
  std::ptrdiff_t e = 0;
  for (; e + kLanes <= n; e += kLanes) {
    for (std::ptrdiff_t l = 0; l < kLanes; ++l) chains[l] += a[e + l] * b[e + l];
  }
  T sum = T(0);
  for (std::ptrdiff_t l = 0; l < kLanes; ++l) sum += chains[l];
  for (; e < n; ++e) sum += a[e] * b[e];
  return sum;
}

// x . x of a real dual array x (planes of s.n components) read as one vector, every
// part in one pass (_linalg._dot_with_itself): out[k] = 2 x0 . x_k for every plane k,
// then 2 x_a . x_b added to pair q = (a, b)'s plane; out[0] is numpy's dot (Python's).
// T6's norm, 2,601 dots of 25: 11 us, where a GEMV, a Gram GEMM and numpy's take,
// scale and add of its pairs took 16 (each numpy call's overhead).
template <class T>
void self_dot_parts(void* out_planes, const void* x_planes, const ProductShape& s) {
  if constexpr (!is_complex_v<T>) {
    T* out = static_cast<T*>(out_planes);
    const T* x = static_cast<const T*>(x_planes);
    const std::ptrdiff_t n = s.n;
    // a plane known +0 (s.x_zero) against a finite x0: 2 (x0 . 0) is +0 (each chain
    // starts at +0, and +0 + -0 is +0), not computed (T6's X X Y: 535 of 1,326)
    const bool* zero = s.x_zero != nullptr && !any_nonfinite(x, n) ? s.x_zero : nullptr;
    for (std::ptrdiff_t k = 1; k < s.planes; ++k) {
      out[k] = zero != nullptr && zero[k] ? T(0) : T(2) * lane_dot(x, x + k * n, n);
    }
    for (std::ptrdiff_t q = 0; q < s.pair_count; ++q) {
      const std::ptrdiff_t a = 1 + s.pairs[2 * q], b = 1 + s.pairs[2 * q + 1];
      T& plane = out[1 + s.first + q];
      plane = plane + T(2) * lane_dot(x + a * n, x + b * n, n);
    }
  }
}

}  // namespace detail

}  // namespace HYPERDIFF_ISA_NAMESPACE
}  // namespace hyperdiff
