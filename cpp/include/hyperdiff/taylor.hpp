// Taylor kind: truncated univariate Taylor polynomials of run-time degree d.
//
// An element is x(t) = sum_k x_k t^k / k!, stored as d + 1 planes x_0 .. x_d:
// plane k holds the k-th derivative d^k x / dt^k at t = 0 (derivative-style
// coefficients, as jax.experimental.jet's series), not x^(k)/k!. With them a
// seed x = a + t gives f^(k)(a) in plane k with no factorials: the recurrences
// below carry integer binomial weights C(n, j), exact in T, so chains of exact
// operations stay exact (sin's derivatives are +-sin/+-cos to the bit, the third
// derivative of x^3 is 6).
//
// The rules are the standard O(d^2) recurrences of Taylor-mode AD, one per
// function family, each from the function's ODE (Griewank & Walther, ch. 13):
//   product     z = u v:       z_k = sum_{j=0..k} C(k,j) u_j v_{k-j}          (Leibniz)
//   quotient    q = u / v:     q_k = (u_k - sum_{j<k} C(k,j) q_j v_{k-j}) / v_0
//   y' = g x':                 y_k = sum_{i=0..k-1} C(k-1,i) g_i x_{k-i}     ("integral")
//   y' = x'/h:                 y_k = (x_k - sum_{i=1..k-1} C(k-1,i) h_i y_{k-i}) / h_0
//   square root s^2 = u:       s_k = (u_k - sum_{j=1..k-1} C(k,j) s_j s_{k-j}) / (2 s_0)
// and the families
//   exp, exp2, expm1:          e' = c e x'                 (c = 1, ln 2)
//   log, log2, log10, log1p:   y' = c x'/h,  h = x, 1 + x
//   sin/cos, sinh/cosh:        p' = q x', q' = -+p x'      (the pair together)
//   tan, tanh:                 y' = w x',  w = 1 +- y^2    (w_0 from the table: 1/cos^2 ...)
//   arctan, arctanh:           y' = x'/h,  h = 1 +- x^2
//   arcsin, arccos, arcsinh, arccosh: y' = +-x'/h, h = sqrt(1 - x^2), sqrt(1 + x^2), sqrt(x^2 - 1)
//   sqrt, cbrt, reciprocal, square: s^2 = x; y' = x'/(3 y^2); 1/x; x x
//   erf, erfc, ndtr:           y' = g x', g = c exp(-x^2/N): g' = -(2/N) x g x'  (g_0 = f1)
//   expit:                     s' = s r x', r = 1 - s (r_k = -s_k: no cancellation for |x| large)
//   logit:                     y' = x'/(x r), r = 1 - x
//   power:                     constant integer exponent: repeated products (exact);
//                              constant p: x y' = p y x'; constant base: z' = z log(x) y';
//                              both: exp(y log x)
//   arctan2(x, y):             z' = (y x' - x y')/(x^2 + y^2), on (x, y)/hypot(x_0, y_0)
//   hypot:                     r^2 = x^2 + y^2, on (x, y)/hypot(x_0, y_0)
//   logaddexp(2):              z' = w x' + r y', w = s(c (x - y)), r = 1 - w
//   piecewise linear (zero f''): y_k = f1 x_k for every k (floor: 0; absolute: sign x_k)
// Values and first coefficients come from the table entries themselves (f0, f1
// of elementary.hpp / binary.hpp), so degree 1 agrees with Dual bit for bit and
// the value with numpy's. gammaln has no recurrence here (its ODE needs
// polygamma of every order): degree <= 2 only, from f1 = digamma, f2 = trigamma.
//
// Strong zeros as in kinds.hpp: a product whose second factor (a part) is 0 is
// 0, and a quotient whose numerator is 0 is 0, so a constant operand or an
// unperturbed coefficient never turns inf (sqrt' at 0) into nan. The sums skip the
// terms of a factor's planes that are zero over a block (Ctx's tops: a seed x = a + t
// has one plane, x^2 two), with the same bits: sin, exp, log of a seed cost O(d).
//
// probe: an array of d + 2 planes, the last one more direction at first order
// (f1 x, fx x + fy y), so derivative(order=k) checks f pointwise in its Taylor pass.
#pragma once

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "binary.hpp"
#include "dispatch.hpp"
#include "elementary.hpp"
#include "kernels.hpp"

namespace hyperdiff {

// The highest degree the kernels take: binomial weights C(d, j) stay exact in
// float64 far beyond; float32 holds them exactly up to d = 24.
inline constexpr int kTaylorMaxDegree = 64;

// probe: plane d + 1 is one more direction at first order (z = f1 x, fx x + fy y), the
// pointwise probe of derivative(order=k) carried in the Taylor pass itself.
using TaylorUnaryKernel = void (*)(int degree, bool probe, const void* x,
                                   std::size_t x_plane_stride, void* out,
                                   std::size_t out_plane_stride, std::size_t begin,
                                   std::size_t end);
using TaylorBinaryKernel = void (*)(int degree, bool probe, Operand x, Operand y, void* out,
                                    std::size_t out_plane_stride, std::size_t begin,
                                    std::size_t end);

struct TaylorTable {
  TaylorUnaryKernel unary[kMaxUnary][kDtypes] = {};
  int unary_degree[kMaxUnary] = {};  // the highest degree each unary function takes
  TaylorBinaryKernel binary[kMaxBinary][kDtypes][3] = {};
};

inline namespace HYPERDIFF_ISA_NAMESPACE {
namespace taylor {

// Elements per block: 512, not the other kinds' 64. A block reads and writes 3 (d + 1)
// planes (33 streams at degree 10); in runs of 64 elements (8 cache lines each) out of
// cache the hardware prefetchers lost them, and the kernels ran memory-latency bound.
// A block's series (about 8 of them, 45 KB each at degree 10) stay in L2.
inline constexpr std::size_t kBlock = 512;

// One block's worth of work: the degree, the block's length, the binomial
// table binom[n (d+1) + j] = C(n, j), and the operands' tops: the highest plane of x
// (y) not zero over the block (a seed x = a + t has top 1, x^2 top 2). A term whose
// part is a zero plane adds +0 (the strong zero), so the sums skip them: sin of a
// seed costs O(d), not O(d^2), with the same bits.
template <class T>
struct Ctx {
  int d;
  std::size_t m;
  const T* binom;
  int x_top;
  int y_top;
  const T* row(int n) const { return binom + n * (d + 1); }
};

// The highest plane k <= d of s not zero (nor -0) over the block; 0 if none.
template <class T>
int top_plane(const T* const* s, int d, std::size_t m) {
  constexpr std::size_t kRun = 64;  // (vector compares a run, then the branch)
  for (int k = d; k >= 1; --k) {
    const T* sk = s[k];
    for (std::size_t start = 0; start < m; start += kRun) {
      const std::size_t n = std::min(kRun, m - start);
      int nonzero = 0;
#pragma omp simd reduction(| : nonzero)
      for (std::size_t i = 0; i < n; ++i) nonzero |= sk[start + i] != T(0);
      if (nonzero) return k;
    }
  }
  return 0;
}

// A series of one block held in scratch memory: d + 1 planes of kBlock.
template <class T>
struct Series {
  T* s[kTaylorMaxDegree + 1];
  T* operator[](int k) const { return s[k]; }
  const T* const* planes() const { return s; }
};

// Scratch memory for a kernel call: `count` series of degree d (at least four
// planes each, so a rule may use a series' planes as temporaries).
template <class T>
class Scratch {
 public:
  // (the memory and its series are the thread's, kept between calls: the fusion calls
  // a kernel per block of 512 elements, and a call on a chunk of 1e4 elements no
  // longer allocates and zeroes 100 KB; rules write before they read)
  Scratch(int d, int count) {
    Memory& memory = thread_memory();
    if (memory.d != d || memory.count < count) {
      const std::size_t size = static_cast<std::size_t>(count) * planes(d) * kBlock;
      if (memory.data.size() < size) memory.data.resize(size);
      memory.series.resize(count);
      for (int c = 0; c < count; ++c) {
        for (int k = 0; k < planes(d); ++k) {
          memory.series[c].s[k] =
              memory.data.data() + (static_cast<std::size_t>(c) * planes(d) + k) * kBlock;
        }
      }
      memory.d = d;
      memory.count = count;
    }
    series_ = memory.series.data();
  }
  const Series<T>& operator[](int c) const { return series_[c]; }

 private:
  struct Memory {
    Vector<T> data;
    Vector<Series<T>> series;
    int d = -1, count = 0;
  };
  static int planes(int d) { return std::max(d + 1, 4); }
  static Memory& thread_memory() {
    thread_local Memory memory;
    return memory;
  }
  const Series<T>* series_;
};

// The binomial rows C(n, j), n, j <= d, kept per thread for the last degree (the
// fusion calls a kernel per block).
template <class T>
Vector<T> binomials(int d);

template <class T>
const T* binomial_rows(int d) {
  thread_local Vector<T> rows;
  thread_local int degree = -1;
  if (degree != d) {
    rows = binomials<T>(d);
    degree = d;
  }
  return rows.data();
}

template <class T>
Vector<T> binomials(int d) {
  Vector<double> c((d + 1) * (d + 1), 0.0);
  for (int n = 0; n <= d; ++n) {
    c[n * (d + 1)] = 1.0;
    for (int j = 1; j <= n; ++j) {
      c[n * (d + 1) + j] = c[(n - 1) * (d + 1) + j - 1] + (j < n ? c[(n - 1) * (d + 1) + j] : 0.0);
    }
  }
  return Vector<T>(c.begin(), c.end());
}

// b == 0 ? 0 : a b, the strong zero of a part b (complex: of each of its components,
// common.hpp's part_times).
template <class T>
inline T part(T a, T b) {
  return part_times(a, b);
}

// A locally linear entry's partial times a part: add's and subtract's +-1 exactly for
// complex T too (common.hpp's unit_times), the others' as part.
template <class Fn, class T>
inline T linear_part(T a, T b) {
  if constexpr (Fn::unit_sign != 0 && is_complex_v<T>) {
    return unit_times(a, b);
  } else {
    return part(a, b);
  }
}

// A binary entry's partial times a probe's part: linear_part, and where the other
// operand is a constant (Constant) and the entry's partial is then a function of it
// alone (binary.hpp's constant_zeros), a zero partial strong too (x 0).
template <class Fn, bool Constant, class T>
inline T probe_part(T a, T b) {
  if constexpr (Constant && Fn::constant_zeros) {
    return parts_times(a, b);
  } else {
    return linear_part<Fn>(a, b);
  }
}

// w t for a binomial weight w (real, so its zero imaginary part multiplies nothing:
// a complex w (1 + 0i) times inf + 2e307i is not inf + nan i).
template <class T>
inline T weighted(T w, T t) {
  return part_times(t, w);
}

// num == 0 ? 0 : num / den.
template <class T>
inline T quotient(T num, T den) {
  return num == T(0) ? T(0) : num / den;
}

// v / k for a constant k: quotient, and 0 for a real k = +-inf (x / inf is 0 for every
// x, an infinite part's too).
template <class T>
inline T by_constant(T v, T k) {
  if constexpr (is_complex_v<T>) {
    return quotient(v, k);
  } else {
    return std::isinf(k) ? T(0) : quotient(v, k);
  }
}

// a_j b_{k-j} of two series: b's zeros strong (part), and a's too where a_j is a
// coefficient of positive degree (j >= 1: a part, not a value): (3 + 0 t) E(t) with
// E's coefficients overflowing was nan from degree 3 (a_1 b_2 = 0 inf), E(t) 3 inf.
template <class T>
inline T coefficient_product(T a, T b, bool a_part) {
  return a_part ? parts_times(a, b) : part(a, b);
}

// acc = (first ? 0 : acc) + w[j] a_j b_{k-j} + ... over the R terms from j, in one pass.
template <int R, class T>
void add_terms(std::size_t m, T* acc, bool first, const T* const* a, const T* const* b, int k,
               int j, const T* w) {
  const T* as[R > 0 ? R : 1];
  const T* bs[R > 0 ? R : 1];
  T ws[R > 0 ? R : 1];
  bool parts[R > 0 ? R : 1];
  for (int r = 0; r < R; ++r) {
    as[r] = a[j + r];
    bs[r] = b[k - j - r];
    ws[r] = w[j + r];
    parts[r] = j + r >= 1;
  }
#pragma omp simd
  for (std::size_t i = 0; i < m; ++i) {
    T sum = first ? T(0) : acc[i];
    for (int r = 0; r < R; ++r) {
      sum += weighted(ws[r], coefficient_product(as[r][i], bs[r][i], parts[r]));
    }
    acc[i] = sum;
  }
}

// acc = sum_{j=lo..hi} w[j] a_j b_{k-j} (acc = 0 when lo > hi), four terms a pass over
// the block: acc is read and written once per four terms, not once per term (that
// traffic bounded the recurrences in cache); the terms are added in the same order,
// ((0 + t_lo) + t_lo+1) + ..., as one at a time. Planes of b above b_top are zero: their
// terms are +0 (w > 0), and acc, started at +0, is never -0, so skipping them keeps
// every bit. (Complex: whole groups of four only, each term staying in the loop that
// computes it without the skip: a complex product's bits differ between the two.)
template <class T>
void sum_products(const Ctx<T>& c, T* acc, const T* const* a, const T* const* b, int k, int lo,
                  int hi, const T* w, int b_top) {
  const std::size_t m = c.m;
  bool started = false;
  const int first_part = std::max(lo, k - b_top);
  int j = is_complex_v<T> ? lo + (first_part - lo) / 4 * 4 : first_part;
  for (; j + 3 <= hi; j += 4) {
    const T w0 = w[j], w1 = w[j + 1], w2 = w[j + 2], w3 = w[j + 3];
    const T *a0 = a[j], *a1 = a[j + 1], *a2 = a[j + 2], *a3 = a[j + 3];
    const T *b0 = b[k - j], *b1 = b[k - j - 1], *b2 = b[k - j - 2], *b3 = b[k - j - 3];
    const bool first = !started, part0 = j >= 1;
#pragma omp simd
    for (std::size_t i = 0; i < m; ++i) {
      T sum = first ? T(0) : acc[i];
      sum += weighted(w0, coefficient_product(a0[i], b0[i], part0));
      sum += weighted(w1, parts_times(a1[i], b1[i]));
      sum += weighted(w2, parts_times(a2[i], b2[i]));
      sum += weighted(w3, parts_times(a3[i], b3[i]));
      acc[i] = sum;
    }
    started = true;
  }
  switch (hi - j + 1) {  // the last terms in one pass too (after a skip, often all of them)
    case 3:
      add_terms<3>(m, acc, !started, a, b, k, j, w);
      break;
    case 2:
      add_terms<2>(m, acc, !started, a, b, k, j, w);
      break;
    case 1:
      add_terms<1>(m, acc, !started, a, b, k, j, w);
      break;
    default:
      if (!started) add_terms<0>(m, acc, true, a, b, k, j, w);
  }
}

// z_k = sum_{j=0..k} C(k,j) a_j b_{k-j}, the Leibniz coefficient k of a b.
template <class T>
void leibniz(const Ctx<T>& c, T* z, const T* const* a, const T* const* b, int k, int b_top) {
  sum_products(c, z, a, b, k, 0, k, c.row(k), b_top);
}

// y_k = sum_{i=0..k-1} C(k-1,i) g_i x_{k-i}, coefficient k of y' = g x'.
template <class T>
void integral(const Ctx<T>& c, T* y, const T* const* g, const T* const* x, int k, int x_top) {
  sum_products(c, y, g, x, k, 0, k - 1, c.row(k - 1), x_top);
}

// y_k = (x_k - sum_{i=1..k-1} C(k-1,i) h_i y_{k-i}) / h_0, coefficient k of y' = x'/h;
// summed as y_j h_{k-j}, j = k-1 .. 1 (C(k-1, k-j) = C(k-1, j-1)), h the part: a zero
// h_i (h_top: h of a seed) adds nothing, and a constant h keeps an infinite y finite.
template <class T>
void over(const Ctx<T>& c, T* y, const T* const* x, const T* const* h, const T* const* ys, int k,
          int h_top) {
  sum_products(c, y, ys, h, k, 1, k - 1, k >= 2 ? c.row(k - 1) - 1 : c.row(0), h_top);
  const T* xk = x[k];
  const T* h0 = h[0];
#pragma omp simd
  for (std::size_t i = 0; i < c.m; ++i) y[i] = quotient(xk[i] - y[i], h0[i]);
}

// s_k = (u_k - sum_{j=1..k-1} C(k,j) s_j s_{k-j}) / (2 s_0), coefficient k of sqrt(u).
template <class T>
void root(const Ctx<T>& c, const T* const* s, const T* uk, T* sk, int k) {
  sum_products(c, sk, s, s, k, 1, k - 1, c.row(k), c.d);
  const T* s0 = s[0];
#pragma omp simd
  for (std::size_t i = 0; i < c.m; ++i) sk[i] = quotient(uk[i] - sk[i], T(2) * s0[i]);
}

// q_k = (u_k - sum_{j<k} C(k,j) q_j v_{k-j}) / v_0, coefficient k of u / v.
template <class T>
void divide(const Ctx<T>& c, T* q, const T* uk, const T* const* qs, const T* const* v, int k,
            int v_top) {
  sum_products(c, q, qs, v, k, 0, k - 1, c.row(k), v_top);
  const T* v0 = v[0];
#pragma omp simd
  for (std::size_t i = 0; i < c.m; ++i) q[i] = quotient(uk[i] - q[i], v0[i]);
}

template <class T>
void scale(const Ctx<T>& c, T* out, const T* in, T factor) {
#pragma omp simd
  for (std::size_t i = 0; i < c.m; ++i) out[i] = part(factor, in[i]);
}

template <class T>
void fill(const Ctx<T>& c, T* out, const T* in) {
#pragma omp simd
  for (std::size_t i = 0; i < c.m; ++i) out[i] = in[i];
}

// --- unary rules ---------------------------------------------------------
// A rule fills y_2 .. y_d (y_0 = f0 and y_1 = f1 x_1 are set by the driver)
// from x's planes, the table's f0, f1 and scratch series. `scratch` is how
// many series it needs, `degree` the highest degree it supports.
struct RuleBase {
  static constexpr int scratch = 0;
  static constexpr int degree = kTaylorMaxDegree;
};

// f'' = 0: y_k = f1 x_k for every k (floor, sign: 0; absolute: sign(x) x_k).
struct LinearRule : RuleBase {
  template <class Fn, class T>
  static void apply(const Ctx<T>& c, const T* const* x, T* const* y, const T*, const T* f1,
                    const T*, const Scratch<T>&) {
    for (int k = 2; k <= c.d; ++k) {
      const T* xk = x[k];
      T* yk = y[k];
#pragma omp simd
      for (std::size_t i = 0; i < c.m; ++i) yk[i] = linear_part<Fn>(f1[i], xk[i]);
    }
  }
};

// Only degree 2, from f1, f2 (gammaln: higher coefficients need polygamma).
struct SecondOrderRule : RuleBase {
  static constexpr int degree = 2;
  template <class Fn, class T>
  static void apply(const Ctx<T>& c, const T* const* x, T* const* y, const T*, const T* f1,
                    const T* f2, const Scratch<T>&) {
    if (c.d < 2) return;
    const T *x1 = x[1], *x2 = x[2];
    T* y2 = y[2];
#pragma omp simd
    for (std::size_t i = 0; i < c.m; ++i) y2[i] = part(f1[i], x2[i]) + part(f2[i], x1[i] * x1[i]);
  }
};

// e' = s e x': exp (e = y), exp2 (s = ln 2, e = 2^x = f0), expm1 (e = exp x = f1).
template <int Which>  // 0 exp, 1 exp2, 2 expm1
struct ExpRule : RuleBase {
  static constexpr int scratch = 2;
  template <class Fn, class T>
  static void apply(const Ctx<T>& c, const T* const* x, T* const* y, const T* f0, const T* f1,
                    const T*, const Scratch<T>& s) {
    Series<T> e = s[0];         // its planes 2.. are y's
    const Series<T>& z = s[1];  // s x
    for (int k = 2; k <= c.d; ++k) e.s[k] = y[k];
    const T factor = Which == 1 ? detail::kLn2<T> : T(1);
    fill(c, e[0], Which == 2 ? f1 : f0);
    bool shifted = false;
    if constexpr (Which == 1 && !is_complex_v<T>) {
      // 2^x overflows from x = 1024 where ln2^k 2^x does not (to 1025.06 at k = 2,
      // 1027.2 at k = 6): there e = 2^(x-4), its planes times 16 at the end (exact)
      for (std::size_t i = 0; i < c.m; ++i) {
        if (std::isinf(f0[i]) && x[0][i] < T(INFINITY)) {
          e[0][i] = std::exp2(x[0][i] - T(4));
          shifted = true;
        }
      }
    }
    for (int k = 1; k <= c.d; ++k) scale(c, z[k], x[k], factor);
    for (int k = 1; k <= c.d; ++k) integral(c, e[k], e.planes(), z.planes(), k, c.x_top);
    if constexpr (Which == 1 && !is_complex_v<T>) {
      if (shifted) {
        for (std::size_t i = 0; i < c.m; ++i) {
          if (!(std::isinf(f0[i]) && x[0][i] < T(INFINITY))) continue;
          for (int k = 2; k <= c.d; ++k) y[k][i] *= T(16);
        }
      }
    }
  }
};

// y' = s x'/h with h = x (log, log2, log10) or 1 + x (log1p); s = 1, log2 e, log10 e.
template <int Which>  // 0 log, 1 log2, 2 log10, 3 log1p
struct LogRule : RuleBase {
  static constexpr int scratch = 2;
  template <class Fn, class T>
  static void apply(const Ctx<T>& c, const T* const* x, T* const* y, const T*, const T*, const T*,
                    const Scratch<T>& s) {
    Series<T> h = s[0];         // its planes 1.. are x's
    const Series<T>& u = s[1];  // the natural log's coefficients
    const T* x0 = x[0];
    T* h0 = h[0];
#pragma omp simd
    for (std::size_t i = 0; i < c.m; ++i) {
      h0[i] = Which == 3 ? T(1) + x0[i] : detail::unsigned_zero(x0[i]);
    }
    for (int k = 1; k <= c.d; ++k) h.s[k] = const_cast<T*>(x[k]);
    const T factor = Which == 1 ? detail::kLog2e<T> : (Which == 2 ? detail::kLog10e<T> : T(1));
    for (int k = 1; k <= c.d; ++k) {
      over(c, u[k], x, h.planes(), u.planes(), k, c.x_top);
      if (k >= 2) scale(c, y[k], u[k], factor);
    }
  }
};

// p' = q x', q' = sigma p x': sin (q = cos, sigma = -1), cos (q = -sin), sinh, cosh
// (sigma = 1); p_0 = f0, q_0 = f1.
template <int Sigma>
struct PairRule : RuleBase {
  static constexpr int scratch = 2;
  template <class Fn, class T>
  static void apply(const Ctx<T>& c, const T* const* x, T* const* y, const T* f0, const T* f1,
                    const T*, const Scratch<T>& s) {
    Series<T> p = s[0];  // its planes 2.. are y's
    const Series<T>& q = s[1];
    for (int k = 2; k <= c.d; ++k) p.s[k] = y[k];
    fill(c, p[0], f0);
    fill(c, q[0], f1);
    for (int k = 1; k <= c.d; ++k) {
      integral(c, p[k], q.planes(), x, k, c.x_top);
      integral(c, q[k], p.planes(), x, k, c.x_top);
      if (Sigma < 0) scale(c, q[k], q[k], T(-1));
    }
  }
};

// y' = w x', w = 1 + sigma y^2: tan (sigma = 1), tanh (-1); w_0 = f1 (the table's
// 1 + t^2, 1/cos^2, 1/cosh^2).
template <int Sigma>
struct TanRule : RuleBase {
  static constexpr int scratch = 3;
  template <class Fn, class T>
  static void apply(const Ctx<T>& c, const T* const* x, T* const* y, const T* f0, const T* f1,
                    const T*, const Scratch<T>& s) {
    Series<T> t = s[0];  // its planes 2.. are y's
    const Series<T>& w = s[1];
    for (int k = 2; k <= c.d; ++k) t.s[k] = y[k];
    fill(c, t[0], f0);
    fill(c, w[0], f1);
    for (int k = 1; k <= c.d; ++k) {
      integral(c, t[k], w.planes(), x, k, c.x_top);
      leibniz(c, w[k], t.planes(), t.planes(), k, c.d);
      if (Sigma < 0) scale(c, w[k], w[k], T(-1));
    }
  }
};

// y' = sigma x'/h for h a function of x alone, h_0 from the entry, h_k from x.
// Kind: 0 arctan (1 + x^2), 1 arctanh (1 - x^2), 2 arcsin/arccos (sqrt(1 - x^2)),
// 3 arcsinh (sqrt(1 + x^2)), 4 arccosh (sqrt(x^2 - 1)), 5 logit (x (1 - x)).
// Where a component of x_0 exceeds 2^500 (float32 2^52), x^2 (and 2 x_0 x_1) would
// overflow: h_0 = inf, and 0 * inf in the sums gave nan where every plane is ~0 (arctan's
// third derivative at 1.7e308, float32 3e38; complex arcsin's at 1e155 (1 + i)). There the
// rule runs on X = s x, s the power of two with |X_0| in [1/2, 1) (exact), with H =
// s^2 (1 +- x^2) or s h for the roots, so y' = s X'/H (kinds 0, 1) or X'/H (the roots);
// elsewhere s = 1, the same bits.
template <int Kind, int Sigma>
struct OverRule : RuleBase {
  static constexpr int scratch = 5;
  template <class T, class R>
  static T h0_of(T a, R s) {
    if constexpr (Kind == 0) return h0_of_kind0(a, s);
    if constexpr (Kind == 1 || Kind == 2) {
      const T u = (s - a) * (s + a);
      if constexpr (Kind == 1) {
        return u;
      } else {
        return std::sqrt(u);
      }
    }
    if constexpr (Kind == 3) return std::sqrt(h0_of_kind0(a, s));
    if constexpr (Kind == 4) {
      if constexpr (is_complex_v<T>) {
        return std::sqrt(a - s) * std::sqrt(a + s);
      } else {
        return std::sqrt((a - s) * (a + s));
      }
    }
    if constexpr (Kind == 5) return detail::unsigned_zero(a) * (T(1) - a);
  }
  template <class T, class R>
  static T h0_of_kind0(T a, R s) {  // s^2 (1 + a^2); complex: (s - i t)(s + i t), t = s a
    if constexpr (is_complex_v<T>) {
      return T(s - a.imag(), a.real()) * T(s + a.imag(), -a.real());
    } else {
      return s * s + a * a;
    }
  }
  template <class Fn, class T>
  static void apply(const Ctx<T>& c, const T* const* x, T* const* y, const T*, const T*, const T*,
                    const Scratch<T>& s) {
    using R = decltype(std::abs(std::real(std::declval<T>())));
    const Series<T>& h = s[0];
    const Series<T>& u = s[1];   // y / sigma
    const Series<T>& sq = s[2];  // x^2 (or 1 - x for logit)
    const Series<T>& v = s[3];   // the radicand of the roots
    const Series<T>& big = s[4];
    alignas(64) R scales[kBlock];
    // beyond 2^(E/2 - 12), E the largest binary exponent, x_0^2 nears the overflow
    const R kFar = std::ldexp(R(1), std::numeric_limits<R>::max_exponent / 2 - 12);
    const T* const* xs = x;  // X = s x
    bool huge = false;
    if constexpr (Kind != 5) {
      for (std::size_t i = 0; i < c.m; ++i) {
        R m;
        if constexpr (is_complex_v<T>) {
          m = std::max(std::fabs(x[0][i].real()), std::fabs(x[0][i].imag()));
        } else {
          m = std::fabs(x[0][i]);
        }
        const bool far = m > kFar && m <= std::numeric_limits<R>::max();
        scales[i] = far ? std::ldexp(R(1), -std::ilogb(m) - 1) : R(1);
        huge = huge || far;
      }
      if (huge) {
        for (int k = 0; k <= c.d; ++k) {
          for (std::size_t i = 0; i < c.m; ++i) big[k][i] = x[k][i] * scales[i];
        }
        xs = big.planes();
      }
    }
    const T* x0 = xs[0];
    T* hp = h[0];
    if (huge) {
      for (std::size_t i = 0; i < c.m; ++i) hp[i] = h0_of(x0[i], scales[i]);
    } else {
#pragma omp simd
      for (std::size_t i = 0; i < c.m; ++i) hp[i] = h0_of(x0[i], R(1));
    }
    if constexpr (Kind == 5) {
#pragma omp simd
      for (std::size_t i = 0; i < c.m; ++i) sq[0][i] = T(1) - x0[i];
      for (int k = 1; k <= c.d; ++k) scale(c, sq[k], x[k], T(-1));
    }
    // h's top: 2 x_top for 1 +- x^2 and x (1 - x), the roots' are full
    const int h_top = Kind == 0 || Kind == 1 || Kind == 5 ? std::min(c.d, 2 * c.x_top) : c.d;
    for (int k = 1; k <= c.d; ++k) {
      if constexpr (Kind == 5) {
        leibniz(c, h[k], x, sq.planes(), k, c.x_top);
      } else {
        leibniz(c, sq[k], xs, xs, k, c.x_top);
        if constexpr (Kind == 0) fill(c, h[k], sq[k]);
        if constexpr (Kind == 1) scale(c, h[k], sq[k], T(-1));
        if constexpr (Kind >= 2) {
          if constexpr (Kind == 2) {
            scale(c, v[k], sq[k], T(-1));
          } else {
            fill(c, v[k], sq[k]);
          }
          root(c, h.planes(), v[k], h[k], k);
        }
      }
      over(c, u[k], xs, h.planes(), u.planes(), k, h_top);
      if (k >= 2) scale(c, y[k], u[k], T(Sigma));
    }
    if constexpr (Kind == 0 || Kind == 1) {
      if (huge) {
        for (int k = 2; k <= c.d; ++k) {
          for (std::size_t i = 0; i < c.m; ++i) y[k][i] *= scales[i];
        }
      }
    }
  }
};

// sqrt: y^2 = x.
struct SqrtRule : RuleBase {
  template <class Fn, class T>
  static void apply(const Ctx<T>& c, const T* const* x, T* const* y, const T*, const T*, const T*,
                    const Scratch<T>&) {
    for (int k = 2; k <= c.d; ++k) root(c, y, x[k], y[k], k);
  }
};

// cbrt: y' = x'/h, h = 3 y^2.
struct CbrtRule : RuleBase {
  static constexpr int scratch = 1;
  template <class Fn, class T>
  static void apply(const Ctx<T>& c, const T* const* x, T* const* y, const T* f0, const T*,
                    const T*, const Scratch<T>& s) {
    const Series<T>& h = s[0];
    (void)f0;
    leibniz(c, h[0], y, y, 0, c.d);
    scale(c, h[0], h[0], T(3));
    for (int k = 1; k <= c.d; ++k) {
      if (k >= 2) over(c, y[k], x, h.planes(), y, k, c.d);
      leibniz(c, h[k], y, y, k, c.d);
      scale(c, h[k], h[k], T(3));
    }
  }
};

// reciprocal: y x = 1.
struct ReciprocalRule : RuleBase {
  static constexpr int scratch = 1;
  template <class Fn, class T>
  static void apply(const Ctx<T>& c, const T* const* x, T* const* y, const T*, const T*, const T*,
                    const Scratch<T>& s) {
    const Series<T>& zero = s[0];
    std::fill_n(zero[0], kBlock, T(0));
    for (int k = 2; k <= c.d; ++k) divide(c, y[k], zero[0], y, x, k, c.x_top);
  }
};

// square: x x.
struct SquareRule : RuleBase {
  template <class Fn, class T>
  static void apply(const Ctx<T>& c, const T* const* x, T* const* y, const T*, const T*, const T*,
                    const Scratch<T>&) {
    for (int k = 2; k <= c.d; ++k) leibniz(c, y[k], x, x, k, c.x_top);
  }
};

// erf, erfc, ndtr: y' = g x', g = f' = c exp(-x^2/N) (the table's f1 at x_0):
// g' = g z', z = -x^2/N (erf, erfc: c = +-2/sqrt(pi), N = 1; ndtr: c = 1/sqrt(2 pi), N = 2).
template <int N>
struct GaussianRule : RuleBase {
  static constexpr int scratch = 2;
  template <class Fn, class T>
  static void apply(const Ctx<T>& c, const T* const* x, T* const* y, const T*, const T* f1,
                    const T*, const Scratch<T>& s) {
    const Series<T>& g = s[0];
    const Series<T>& z = s[1];
    const int z_top = std::min(c.d, 2 * c.x_top);
    fill(c, g[0], f1);
    for (int k = 1; k <= c.d; ++k) {
      leibniz(c, z[k], x, x, k, c.x_top);
      scale(c, z[k], z[k], T(-1) / T(N));
      integral(c, g[k], g.planes(), z.planes(), k, z_top);
      if (k >= 2) integral(c, y[k], g.planes(), x, k, c.x_top);
    }
    // g = g_0 exp(z - z_0): where g_0 underflowed to 0 every g_k is 0 too, but beyond
    // |x_0| = sqrt(max) z's planes overflow and 0 * inf made nan (erf's third derivative
    // at 1.7e308, float32 3e38): those planes are 0, as at every other such point
    if constexpr (!is_complex_v<T>) {
      for (std::size_t i = 0; i < c.m; ++i) {
        if (!(f1[i] == T(0)) || !std::isfinite(x[0][i])) continue;
        bool finite = true;
        for (int k = 1; k <= c.d; ++k) finite = finite && std::isfinite(x[k][i]);
        for (int k = 2; finite && k <= c.d; ++k) {
          if (std::isnan(y[k][i])) y[k][i] = T(0);
        }
      }
    }
  }
};

// expit: s' = w x', w = s (1 - s) = (1 - d^2)/4 with d = 1 - 2s: d_0 = -tanh(x/2) from
// exp(-|x|) and d_k = -2 s_k. (w_k as the Leibniz sum of s and r = 1 - s cancelled to
// s_1 (r_0 - s_0) near x = 0, where both are 1/2: expit's second plane and log_expit's
// third derivative at 1e-20 were 0 for -+1.25e-21, 6e-9 off at 1e-8.)
struct ExpitRule : RuleBase {
  static constexpr int scratch = 3;
  template <class Fn, class T>
  static void apply(const Ctx<T>& c, const T* const* x, T* const* y, const T*, const T* f1,
                    const T*, const Scratch<T>& s) {
    const Series<T>& e = s[0];  // s
    const Series<T>& d = s[1];  // 1 - 2s
    const Series<T>& w = s[2];
    const T* x0 = x[0];
    T *e0 = e[0], *d0 = d[0];
#pragma omp simd
    for (std::size_t i = 0; i < c.m; ++i) {
      const T a = x0[i];
      const T ex = std::exp(-std::fabs(a));
      const T big = T(1) / (T(1) + ex), small = ex * big;
      e0[i] = a >= T(0) ? big : small;
      d0[i] = -std::copysign(std::expm1(-std::fabs(a)), a) * big;
    }
    fill(c, w[0], f1);
    for (int k = 1; k <= c.d; ++k) {
      integral(c, e[k], w.planes(), x, k, c.x_top);
      scale(c, d[k], e[k], T(-2));
      leibniz(c, w[k], d.planes(), d.planes(), k, c.d);
      scale(c, w[k], w[k], T(-0.25));
      if (k >= 2) fill(c, y[k], e[k]);
    }
  }
};

template <class Fn>
struct UnaryRule : std::conditional_t<Fn::zero_f2, LinearRule, SecondOrderRule> {};
template <>
struct UnaryRule<Sqrt> : SqrtRule {};
template <>
struct UnaryRule<Cbrt> : CbrtRule {};
template <>
struct UnaryRule<Square> : SquareRule {};
template <>
struct UnaryRule<Reciprocal> : ReciprocalRule {};
template <>
struct UnaryRule<Exp> : ExpRule<0> {};
template <>
struct UnaryRule<Exp2> : ExpRule<1> {};
template <>
struct UnaryRule<Expm1> : ExpRule<2> {};
template <>
struct UnaryRule<Log> : LogRule<0> {};
template <>
struct UnaryRule<Log2> : LogRule<1> {};
template <>
struct UnaryRule<Log10> : LogRule<2> {};
template <>
struct UnaryRule<Log1p> : LogRule<3> {};
template <>
struct UnaryRule<Sin> : PairRule<-1> {};
template <>
struct UnaryRule<Cos> : PairRule<-1> {};
template <>
struct UnaryRule<Sinh> : PairRule<1> {};
template <>
struct UnaryRule<Cosh> : PairRule<1> {};
template <>
struct UnaryRule<Tan> : TanRule<1> {};
template <>
struct UnaryRule<Tanh> : TanRule<-1> {};
template <>
struct UnaryRule<Arctan> : OverRule<0, 1> {};
template <>
struct UnaryRule<Arctanh> : OverRule<1, 1> {};
template <>
struct UnaryRule<Arcsin> : OverRule<2, 1> {};
template <>
struct UnaryRule<Arccos> : OverRule<2, -1> {};
template <>
struct UnaryRule<Arcsinh> : OverRule<3, 1> {};
template <>
struct UnaryRule<Arccosh> : OverRule<4, 1> {};
template <>
struct UnaryRule<Logit> : OverRule<5, 1> {};
template <>
struct UnaryRule<Erf> : GaussianRule<1> {};
template <>
struct UnaryRule<Erfc> : GaussianRule<1> {};
template <>
struct UnaryRule<Ndtr> : GaussianRule<2> {};
template <>
struct UnaryRule<Expit> : ExpitRule {};

// --- the drivers ---------------------------------------------------------

// Whether an operand's planes 0..top, [p, p + top stride + end), and the output's
// share no memory.
template <class T>
bool apart(const T* p, int top, std::size_t stride, const T* out, int d, std::size_t out_stride,
           std::size_t end) {
  const auto at = [](const T* r) { return reinterpret_cast<std::uintptr_t>(r); };
  return at(p + static_cast<std::size_t>(top) * stride + end) <= at(out) ||
         at(out + static_cast<std::size_t>(d) * out_stride + end) <= at(p);
}

// The recurrences run on x's coefficients alone, so at two kinds of points they
// disagree with the table's f1, f2 (which degree <= 2 and the other kinds use):
// - outside the domain (f1 nan: log, arctanh, logit, arccosh of x < 1) log's
//   y' = x'/x still gives log|x|'s coefficients: nan, as f1, where x moves (a part
//   of x up to k nonzero; else the strong zero 0);
// - at x = +-inf where f flattens (f1 = f2 = 0: arctan, erf, cbrt, arcsinh, ...),
//   h = 1 + x^2 and the like give inf * 0 = nan: every coefficient's limit is 0
//   (f has an expansion in 1/x or e^-|x| there), nan only for an infinite part of x.
template <class T>
void settle_edges(const Ctx<T>& c, const T* const* x, T* const* y, const T* f1, const T* f2) {
  bool any = false;
  for (std::size_t i = 0; i < c.m; ++i) {
    any |= std::isnan(f1[i]) || (std::isinf(x[0][i]) && f1[i] == T(0) && f2[i] == T(0));
  }
  if (!any) return;
  for (std::size_t i = 0; i < c.m; ++i) {
    const bool undefined = std::isnan(f1[i]);
    if (!undefined && !(std::isinf(x[0][i]) && f1[i] == T(0) && f2[i] == T(0))) continue;
    T moved = std::abs(x[1][i]);  // sum |x_j|, j <= k: 0 while x has not moved
    for (int k = 2; k <= c.d; ++k) {
      moved += std::abs(x[k][i]);
      y[k][i] = moved == T(0) ? T(0) : (undefined ? T(NAN) : T(0) * moved);
    }
  }
}

// The output's planes written in place, or in scratch and copied where out= is
// (overlaps) x: x is read to the end of a block before the block is written.
template <class Fn, class T>
void unary_blocks(int d, bool probe, const T* x, std::size_t x_stride, T* y, std::size_t y_stride,
                  std::size_t begin, std::size_t end) {
  using Rule = UnaryRule<Fn>;
  const T* binom = binomial_rows<T>(d);
  Scratch<T> scratch(d, Rule::scratch + 1);
  const int last = d + int(probe);
  const bool direct = apart(x, last, x_stride, static_cast<const T*>(y), last, y_stride, end);
  Series<T> out = scratch[Rule::scratch];
  alignas(64) T f0[kBlock], f1[kBlock], f2[kBlock];
  const T* xp[kTaylorMaxDegree + 1];
  for (std::size_t start = begin, m = 0; start < end; start += m) {
    m = std::min(kBlock, end - start);
    for (int k = 0; k <= d; ++k) xp[k] = x + k * x_stride + start;
    if (direct) {
      for (int k = 0; k <= d; ++k) out.s[k] = y + k * y_stride + start;
    }
    const Ctx<T> c{d, m, binom, top_plane(xp, d, m), 0};
    for (std::size_t s = 0; s < m; s += detail::kBlock) {  // the table's blocks
      const std::size_t n = std::min(detail::kBlock, m - s);
      detail::unary_derivatives<Fn>(xp[0] + s, n, f0 + s, f1 + s, f2 + s);
    }
    T *y0 = out[0], *y1 = out[1];
    const T* x1 = d >= 1 ? xp[1] : xp[0];
#pragma omp simd
    for (std::size_t i = 0; i < m; ++i) {
      y0[i] = f0[i];
      if (d >= 1) y1[i] = linear_part<Fn>(f1[i], x1[i]);
    }
    if (d >= 2) {
      Rule::template apply<Fn>(c, xp, out.s, f0, f1, f2, scratch);
      if constexpr (!is_complex_v<T>) settle_edges(c, xp, out.s, f1, f2);
    }
    if (!direct) {
      for (int k = 0; k <= d; ++k) std::copy_n(out[k], m, y + k * y_stride + start);
    }
    if (probe) {
      const T* xq = x + (d + 1) * x_stride + start;
      T* yq = y + (d + 1) * y_stride + start;
#pragma omp simd
      for (std::size_t i = 0; i < m; ++i) yq[i] = linear_part<Fn>(f1[i], xq[i]);
    }
  }
}

template <class Fn, class T>
void unary_loop(int d, bool probe, const void* x, std::size_t x_stride, void* y,
                std::size_t y_stride, std::size_t begin, std::size_t end) {
  unary_blocks<Fn, T>(d, probe, static_cast<const T*>(x), x_stride, static_cast<T*>(y), y_stride,
                      begin, end);
}

// --- binary rules --------------------------------------------------------
// A rule fills z_1 .. z_d (z_0 = f0 is set by the driver) from the operands'
// series (a constant operand's coefficients beyond its value are a zero
// plane) and the entry's partials p (fx, fy where the entry has them).

template <class T>
struct BinaryPartials {
  const T* f0;
  const T* fx;
  const T* fy;
};

struct BinaryRuleBase {
  static constexpr int scratch = 0;
};

// Locally linear (add, subtract, maximum, fmod, copysign, ...): z_k = fx x_k + fy y_k.
template <class Fn>
struct LinearBinaryRule : BinaryRuleBase {
  template <class T>
  static void apply(const Ctx<T>& c, const T* const* x, const T* const* y, T* const* z,
                    const BinaryPartials<T>& p, const Scratch<T>&, const Operand&) {
    for (int k = 1; k <= c.d; ++k) {
      const T *xk = x[k], *yk = y[k];
      T* zk = z[k];
#pragma omp simd
      for (std::size_t i = 0; i < c.m; ++i) {
        T v = T(0);
        if constexpr (Fn::has_fx) v += linear_part<Fn>(p.fx[i], xk[i]);
        if constexpr (Fn::has_fy) v += linear_part<Fn>(p.fy[i], yk[i]);
        zk[i] = v;
      }
    }
  }
};

struct MultiplyRule : BinaryRuleBase {
  template <class T>
  static void apply(const Ctx<T>& c, const T* const* x, const T* const* y, T* const* z,
                    const BinaryPartials<T>&, const Scratch<T>&, const Operand&) {
    for (int k = 1; k <= c.d; ++k) leibniz(c, z[k], x, y, k, c.y_top);
  }
};

struct DivideRule : BinaryRuleBase {
  template <class T>
  static void apply(const Ctx<T>& c, const T* const* x, const T* const* y, T* const* z,
                    const BinaryPartials<T>&, const Scratch<T>&, const Operand&) {
    for (int k = 1; k <= c.d; ++k) divide(c, z[k], x[k], z, y, k, c.y_top);
  }
};

// x^y. Four cases (see the top of the file); the value is the entry's.
struct PowerRule : BinaryRuleBase {
  static constexpr int scratch = 4;
  static constexpr int kMaxIntegerPower = 64;

  // Whether the m exponents p are one integer n, |n| <= kMaxIntegerPower (a
  // constant exponent: x**3 is x x x, exact where the products are, and defined at 0).
  template <class T>
  static bool integer_exponent(const T* p, std::size_t m, int& n) {
    double re;
    if constexpr (is_complex_v<T>) {
      if (p[0].imag() != 0) return false;
      re = static_cast<double>(p[0].real());
    } else {
      re = static_cast<double>(p[0]);
    }
    if (!(std::fabs(re) <= kMaxIntegerPower) || re != std::nearbyint(re)) return false;
    for (std::size_t i = 1; i < m; ++i) {
      if (p[i] != p[0]) return false;
    }
    n = static_cast<int>(re);
    return true;
  }

  template <class T>
  static void apply(const Ctx<T>& c, const T* const* x, const T* const* y, T* const* z,
                    const BinaryPartials<T>& p, const Scratch<T>& s, bool x_parts, bool y_parts,
                    int integer, bool is_integer) {
    in_range(c, x, y, z, p, s, x_parts, y_parts, integer, is_integer);
    if constexpr (!is_complex_v<T>) wide_range(c, x, y, z, x_parts, y_parts);
  }

  // Where x^y leaves T's normal range, the recurrences in T lose what the planes hold:
  // x**2.5 at 1e-300 has z_0 = 3e-751 and z_1 = 2.5e-450 (both 0), so every later plane
  // was 0 where z_3 = 1.875e150; x**2.5 at 1e154 and 2**t at 1024.2 have z_0 = inf, whose
  // products gave nan or inf where z_3 = 1.875e-77 and 6.9e307. Such an element (x, y and their
  // planes finite, x_0 != 0; x_0 > 0 for a moving exponent) runs again in a wider type
  // (long double for float64: x87's exponents reach +-16382, so no plane a float64
  // holds over- or underflows on the way): x z' = y_0 z x' for a constant exponent,
  // z' = z l', l = y log x, for a moving one; its planes are rounded once (plane 1 of a
  // constant exponent stays the entry's fx x_1, as the dual kinds'). The choice reads
  // the values alone, so a pass with the directions scaled (the pointwise probe's)
  // takes the same path. Without a wider type (long double as double): as before.
  template <class T>
  static void wide_range(const Ctx<T>& c, const T* const* x, const T* const* y, T* const* z,
                         bool x_parts, bool y_parts) {
    using L = std::conditional_t<std::is_same_v<T, float>, double, long double>;
    if constexpr (std::numeric_limits<L>::max_exponent > std::numeric_limits<T>::max_exponent) {
      L xs[kTaylorMaxDegree + 1], ys[kTaylorMaxDegree + 1], zs[kTaylorMaxDegree + 1];
      L lg[kTaylorMaxDegree + 1], ls[kTaylorMaxDegree + 1];
      for (std::size_t i = 0; i < c.m; ++i) {
        const T x0 = x[0][i], y0 = y[0][i], v = z[0][i];
        if (!(std::isfinite(x0) && std::isfinite(y0)) || x0 == T(0) || v != v) continue;
        if (y_parts && !(x0 > T(0))) continue;
        if (detail::normal_magnitude(v)) continue;
        bool finite = true;
        for (int k = 1; k <= c.d; ++k) {
          finite = finite && std::isfinite(x[k][i]) && std::isfinite(y[k][i]);
        }
        if (!finite) continue;
        for (int k = 0; k <= c.d; ++k) {
          xs[k] = x[k][i];
          ys[k] = y[k][i];
        }
        zs[0] = std::pow(xs[0], ys[0]);
        if (!y_parts) {
          for (int k = 1; k <= c.d; ++k) {
            const T* w = c.row(k - 1);
            L a = 0, b = 0;
            for (int j = 0; j < k; ++j) a += L(w[j]) * zs[j] * xs[k - j];
            for (int j = 1; j < k; ++j) b += L(w[j]) * xs[j] * zs[k - j];
            zs[k] = (ys[0] * a - b) / xs[0];
          }
        } else {
          lg[0] = std::log(xs[0]);
          for (int k = 1; k <= c.d; ++k) {
            const T* w = c.row(k - 1);
            L b = 0;
            for (int j = 1; j < k; ++j) b += L(w[j]) * xs[j] * lg[k - j];
            lg[k] = x_parts ? (xs[k] - b) / xs[0] : L(0);
          }
          for (int k = 1; k <= c.d; ++k) {
            const T* w = c.row(k);
            L a = 0;
            for (int j = 0; j <= k; ++j) a += L(w[j]) * ys[j] * lg[k - j];
            ls[k] = a;
          }
          for (int k = 1; k <= c.d; ++k) {
            const T* w = c.row(k - 1);
            L a = 0;
            for (int j = 0; j < k; ++j) a += L(w[j]) * zs[j] * ls[k - j];
            zs[k] = a;
          }
        }
        for (int k = y_parts ? 1 : 2; k <= c.d; ++k) z[k][i] = T(zs[k]);
      }
    }
  }

  template <class T>
  static void in_range(const Ctx<T>& c, const T* const* x, const T* const* y, T* const* z,
                       const BinaryPartials<T>& p, const Scratch<T>& s, bool x_parts, bool y_parts,
                       int integer, bool is_integer) {
    const std::size_t m = c.m;
    if (is_integer) {
      // x^|n| by squaring, then 1/that for n < 0: products only (exact where they are)
      const Series<T>& acc = s[0];
      const Series<T>& sq = s[1];
      const Series<T>& tmp = s[2];
      const int n = integer < 0 ? -integer : integer;
      for (int k = 0; k <= c.d; ++k) {
        std::fill_n(acc[k], m, k == 0 ? T(1) : T(0));
        fill(c, sq[k], x[k]);
      }
      for (int e = n; e > 0; e >>= 1) {
        if (e & 1) {
          for (int k = 0; k <= c.d; ++k) leibniz(c, tmp[k], acc.planes(), sq.planes(), k, c.d);
          for (int k = 0; k <= c.d; ++k) fill(c, acc[k], tmp[k]);
        }
        if (e > 1) {
          for (int k = 0; k <= c.d; ++k) leibniz(c, tmp[k], sq.planes(), sq.planes(), k, c.d);
          for (int k = 0; k <= c.d; ++k) fill(c, sq[k], tmp[k]);
        }
      }
      if (integer >= 0) {
        for (int k = 1; k <= c.d; ++k) fill(c, z[k], acc[k]);
        return;
      }
      const Series<T>& one = s[3];
      std::fill_n(one[0], kBlock, T(0));
      // z = 1/acc with z_0 = 1/acc_0 computed here (the entry's value stays in z_0)
      const Series<T>& q = s[1];
#pragma omp simd
      for (std::size_t i = 0; i < m; ++i) q[0][i] = T(1) / acc[0][i];
      for (int k = 1; k <= c.d; ++k) {
        divide(c, q[k], one[0], q.planes(), acc.planes(), k, c.d);
        fill(c, z[k], q[k]);
      }
      return;
    }
    if (!y_parts) {
      // constant p: x z' = p z x', z_k = (p sum C(k-1,i) z_i x_{k-i} - sum_{i>=1} C(k-1,i) x_i
      // z_{k-i}) / x_0
      const Series<T>& a = s[0];
      const Series<T>& b = s[1];
      const T* p0 = y[0];
      const T* x0 = x[0];
      for (int k = 1; k <= c.d; ++k) {
        T* zk = z[k];
        if (k == 1) {
          const T* x1 = x[1];
#pragma omp simd
          for (std::size_t i = 0; i < m; ++i) zk[i] = part(p.fx[i], x1[i]);
          continue;
        }
        integral(c, a[0], z, x, k, c.x_top);
        sum_products(c, b[0], x, z, k, 1, k - 1, c.row(k - 1), c.d);
#pragma omp simd
        for (std::size_t i = 0; i < m; ++i) zk[i] = quotient(p0[i] * a[0][i] - b[0][i], x0[i]);
      }
      return;
    }
    // z' = z l', l = y log x: log x by its recurrence (or the constant log x_0)
    const Series<T>& lg = s[0];
    const Series<T>& l = s[1];
    Series<T> h = s[2];  // x, its planes 1.. x's own
    const T* x0 = x[0];
#pragma omp simd
    for (std::size_t i = 0; i < m; ++i) {
      lg[0][i] = std::log(x0[i]);
      h[0][i] = x0[i];
    }
    for (int k = 1; k <= c.d; ++k) h.s[k] = const_cast<T*>(x[k]);
    for (int k = 1; k <= c.d; ++k) {
      if (x_parts) {
        over(c, lg[k], x, h.planes(), lg.planes(), k, c.x_top);
      } else {
        std::fill_n(lg[k], m, T(0));
      }
    }
    for (int k = 1; k <= c.d; ++k) leibniz(c, l[k], y, lg.planes(), k, c.d);
    for (int k = 1; k <= c.d; ++k) {
      // z_k = sum C(k-1,i) z_i l_{k-i}, with a zero z_i a strong zero (x = 0, log = -inf)
      T* zk = z[k];
#pragma omp simd
      for (std::size_t i = 0; i < m; ++i) zk[i] = T(0);
      const T* w = c.row(k - 1);
      for (int j = 0; j < k; ++j) {
        const T wj = w[j];
        const T *zj = z[j], *lj = l[k - j];
#pragma omp simd
        for (std::size_t i = 0; i < m; ++i)
          zk[i] += wj * (zj[i] == T(0) ? T(0) : part(zj[i], lj[i]));
      }
    }
    // The strong zero holds only below the order Re(y_0) at which z = x^y vanishes at
    // x_0 = 0. For an integer y_0 = n, z = x^n exp((y - n) log x) = x_1^n t^n (1 + o(1)):
    // plane n is n! x_1^n, and later planes 0 on a line (x's planes 2.. and y's 1.. zero:
    // z = (x_1 t)^n); 0 throughout if x is the constant 0; else not a number (the terms
    // t^(n+1) log t of a moving y: inf, or no derivative)
    for (std::size_t i = 0; i < m; ++i) {
      if (!(x0[i] == T(0)) || !(z[0][i] == T(0))) continue;
      double re, im;
      if constexpr (is_complex_v<T>) {
        re = static_cast<double>(y[0][i].real());
        im = static_cast<double>(y[0][i].imag());
      } else {
        re = static_cast<double>(y[0][i]);
        im = 0.0;
      }
      bool x_constant = true, line = true;
      for (int k = 1; k <= c.d; ++k) {
        x_constant = x_constant && x[k][i] == T(0);
        line = line && y[k][i] == T(0) && (k == 1 || x[k][i] == T(0));
      }
      const bool integer = im == 0.0 && re == std::nearbyint(re);
      T power = T(1);  // n! x_1^n at k = n
      for (int k = 1; k <= c.d; ++k) {
        power *= T(k) * x[1][i];
        if (x_constant || static_cast<double>(k) < re) continue;
        const bool at_n = integer && static_cast<double>(k) == re;
        z[k][i] = at_n ? power : integer && line ? T(0) : T(NAN);
      }
    }
  }
};

// arctan2(x, y) on (x, y)/R, R = hypot(x_0, y_0): z' = (y x' - x y')/h, h = x^2 + y^2.
// hypot likewise: R r(x/R, y/R), r^2 = h.
template <bool Hypot>
struct AngleRule : BinaryRuleBase {
  static constexpr int scratch = 6;
  template <class T>
  static void apply(const Ctx<T>& c, const T* const* x, const T* const* y, T* const* z,
                    const Scratch<T>& s) {
    const std::size_t m = c.m;
    const Series<T>& u = s[0];
    const Series<T>& w = s[1];
    const Series<T>& h = s[2];
    const Series<T>& r = s[3];  // the result on the scaled operands
    const Series<T>& acc = s[4];
    const Series<T>& tmp = s[5];
    T* big = acc[0];
#pragma omp simd
    for (std::size_t i = 0; i < m; ++i) {
      const T rr = std::hypot(x[0][i], y[0][i]);
      big[i] = rr;
      const T inv = rr > T(0) && rr < T(INFINITY) ? T(1) / rr : T(1);
      tmp[0][i] = inv;
    }
    for (int k = 0; k <= c.d; ++k) {
#pragma omp simd
      for (std::size_t i = 0; i < m; ++i) {
        u[k][i] = x[k][i] * tmp[0][i];
        w[k][i] = y[k][i] * tmp[0][i];
      }
    }
    for (int k = 0; k <= c.d; ++k) {
      leibniz(c, h[k], u.planes(), u.planes(), k, c.d);
      leibniz(c, tmp[1], w.planes(), w.planes(), k, c.d);
#pragma omp simd
      for (std::size_t i = 0; i < m; ++i) h[k][i] += tmp[1][i];
    }
    if constexpr (Hypot) {
#pragma omp simd
      for (std::size_t i = 0; i < m; ++i) r[0][i] = std::sqrt(h[0][i]);
      for (int k = 1; k <= c.d; ++k) {
        root(c, r.planes(), h[k], r[k], k);
        const T* scale_back = big;
#pragma omp simd
        for (std::size_t i = 0; i < m; ++i) {
          const T f = scale_back[i] > T(0) && scale_back[i] < T(INFINITY) ? scale_back[i] : T(1);
          z[k][i] = part(f, r[k][i]);
        }
      }
    } else {
      for (int k = 1; k <= c.d; ++k) {
        // N_{k-1} = sum C(k-1,i) (w_i u_{k-i} - u_i w_{k-i})
        integral(c, tmp[1], w.planes(), u.planes(), k, c.d);
        integral(c, tmp[2], u.planes(), w.planes(), k, c.d);
#pragma omp simd
        for (std::size_t i = 0; i < m; ++i) tmp[3][i] = tmp[1][i] - tmp[2][i];
        sum_products(c, r[k], h.planes(), z, k, 1, k - 1, c.row(k - 1), c.d);
#pragma omp simd
        for (std::size_t i = 0; i < m; ++i) z[k][i] = quotient(tmp[3][i] - r[k][i], h[0][i]);
      }
      // At the origin arctan2 jumps (arctan2(t^2, t) is atan t for t > 0, atan t - pi
      // for t < 0) and the first- and second-order kernels give nan: so do these, in
      // every plane, where an operand moves (quotient's 0/0 = 0 gave 0 there, the
      // derivative of neither side); a constant origin keeps its zero parts.
      T* moves = tmp[1];
#pragma omp simd
      for (std::size_t i = 0; i < m; ++i) moves[i] = T(0);
      for (int k = 1; k <= c.d; ++k) {
#pragma omp simd
        for (std::size_t i = 0; i < m; ++i)
          moves[i] = x[k][i] != T(0) || y[k][i] != T(0) ? T(1) : moves[i];
      }
      for (int k = 1; k <= c.d; ++k) {
#pragma omp simd
        for (std::size_t i = 0; i < m; ++i)
          z[k][i] = big[i] == T(0) && moves[i] != T(0) ? T(NAN) : z[k][i];
      }
    }
  }
};

// logaddexp(2): z' = w x' + r y', w = s(c d), r = 1 - w, d = x - y;
// w' = c w r d', r' = -w'. w_0, r_0 = the entry's fx, fy. w r = (1 - v^2)/4 with
// v = r - w = -tanh(c d/2), v_k = -2 w_k: the Leibniz sum of w and r cancelled to
// w_1 (r_0 - w_0) near x = y (the third derivative of logaddexp(t, 0) at 1e-20 was 0 for
// -1.25e-21).
template <bool Base2>
struct LogaddexpRule : BinaryRuleBase {
  static constexpr int scratch = 5;
  template <class T>
  static void apply(const Ctx<T>& c, const T* const* x, const T* const* y, T* const* z,
                    const BinaryPartials<T>& p, const Scratch<T>& s) {
    const std::size_t m = c.m;
    const Series<T>& w = s[0];
    const Series<T>& r = s[1];
    const Series<T>& q = s[2];
    const Series<T>& dd = s[3];
    const Series<T>& tmp = s[4];
    const T factor = Base2 ? detail::kLn2<T> : T(1);
    fill(c, w[0], p.fx);
    fill(c, r[0], p.fy);
    for (int k = 1; k <= c.d; ++k) {
#pragma omp simd
      for (std::size_t i = 0; i < m; ++i) dd[k][i] = factor * (x[k][i] - y[k][i]);
    }
    leibniz(c, q[0], w.planes(), r.planes(), 0, c.d);
    T* v0 = dd[0];  // (dd's plane 0 is never read: v_0 there, v's planes 1.. tmp's)
#pragma omp simd
    for (std::size_t i = 0; i < m; ++i) v0[i] = -std::tanh(factor * (x[0][i] - y[0][i]) / T(2));
    Series<T> v = tmp;
    v.s[0] = v0;
    for (int k = 1; k <= c.d; ++k) {
      integral(c, z[k], w.planes(), x, k, c.x_top);
      integral(c, tmp[0], r.planes(), y, k, c.y_top);
#pragma omp simd
      for (std::size_t i = 0; i < m; ++i) z[k][i] += tmp[0][i];
      integral(c, w[k], q.planes(), dd.planes(), k, c.d);
      scale(c, r[k], w[k], T(-1));
      scale(c, v.s[k], w[k], T(-2));
      leibniz(c, q[k], v.planes(), v.planes(), k, c.d);
      scale(c, q[k], q[k], T(-0.25));
    }
  }
};

template <class Fn, class T>
struct BinaryDispatch {
  static constexpr bool linear = !Fn::has_fxx && !Fn::has_fxy && !Fn::has_fyy;
  static constexpr int scratch = std::is_same_v<Fn, Power>                                    ? 4
                                 : (std::is_same_v<Fn, Arctan2> || std::is_same_v<Fn, Hypot>) ? 6
                                 : (std::is_same_v<Fn, Logaddexp> || std::is_same_v<Fn, Logaddexp2>)
                                     ? 5
                                     : 0;
  static void apply(const Ctx<T>& c, const T* const* x, const T* const* y, T* const* z,
                    const BinaryPartials<T>& p, const Scratch<T>& s, bool x_parts, bool y_parts,
                    int integer, bool is_integer) {
    if constexpr (std::is_same_v<Fn, Multiply> || std::is_same_v<Fn, Divide>) {
      constexpr bool divide = std::is_same_v<Fn, Divide>;
      if (divide ? !y_parts : !(x_parts && y_parts)) {
        // by a constant (x c, c x, x / c): each plane scaled, x / c divided
        const T* k0 = x_parts ? y[0] : x[0];
        const T* const* v = x_parts ? x : y;
        for (int k = 1; k <= c.d; ++k) {
          const T* vk = v[k];
          T* zk = z[k];
          // the constant's zeros (x 0), and a real one's infinities (x / inf), strong
          // against an infinite part: binary.hpp's constant_zeros
          if constexpr (divide) {
#pragma omp simd
            for (std::size_t i = 0; i < c.m; ++i) zk[i] = by_constant(vk[i], k0[i]);
          } else {
#pragma omp simd
            for (std::size_t i = 0; i < c.m; ++i) zk[i] = parts_times(k0[i], vk[i]);
          }
        }
        return;
      }
      if constexpr (std::is_same_v<Fn, Multiply>) {
        MultiplyRule::apply(c, x, y, z, p, s, Operand{});
      } else {
        DivideRule::apply(c, x, y, z, p, s, Operand{});
      }
    } else if constexpr (std::is_same_v<Fn, Power>) {
      PowerRule::apply(c, x, y, z, p, s, x_parts, y_parts, integer, is_integer);
    } else if constexpr (std::is_same_v<Fn, Arctan2>) {
      AngleRule<false>::apply(c, x, y, z, s);
    } else if constexpr (std::is_same_v<Fn, Hypot>) {
      AngleRule<true>::apply(c, x, y, z, s);
    } else if constexpr (std::is_same_v<Fn, Logaddexp>) {
      LogaddexpRule<false>::apply(c, x, y, z, p, s);
    } else if constexpr (std::is_same_v<Fn, Logaddexp2>) {
      LogaddexpRule<true>::apply(c, x, y, z, p, s);
    } else {
      static_assert(linear, "a binary entry without a Taylor rule");
      LinearBinaryRule<Fn>::apply(c, x, y, z, p, s, Operand{});
    }
  }
};

template <class Fn, bool XParts, bool YParts, class T>
void binary_blocks(int d, bool probe, Operand x_op, Operand y_op, T* out, std::size_t out_stride,
                   std::size_t begin, std::size_t end) {
  using D = BinaryDispatch<Fn, T>;
  const T* binom = binomial_rows<T>(d);
  // scratch: the rule's, the output block, a zero plane, and splats of broadcast operands
  Scratch<T> scratch(d, D::scratch + 4);
  Series<T> zblock = scratch[D::scratch];
  const Series<T>& zero = scratch[D::scratch + 1];
  const Series<T>& xs = scratch[D::scratch + 2];
  const Series<T>& ys = scratch[D::scratch + 3];
  std::fill_n(zero[0], kBlock, T(0));
  const T* xd = static_cast<const T*>(x_op.data);
  const T* yd = static_cast<const T*>(y_op.data);
  const int xn = XParts ? d + 1 : 1, yn = YParts ? d + 1 : 1;
  const int last = d + int(probe);  // the output's last plane
  const bool direct = apart(xd, XParts ? last : 0, x_op.plane_stride, out, last, out_stride, end) &&
                      apart(yd, YParts ? last : 0, y_op.plane_stride, out, last, out_stride, end);
  alignas(64) T x_probe[kBlock], y_probe[kBlock];  // a broadcast operand's probe part
  if (probe && XParts && x_op.broadcast)
    std::fill_n(x_probe, kBlock, xd[(d + 1) * x_op.plane_stride]);
  if (probe && YParts && y_op.broadcast)
    std::fill_n(y_probe, kBlock, yd[(d + 1) * y_op.plane_stride]);
  if (x_op.broadcast) {
    for (int k = 0; k < xn; ++k) std::fill_n(xs[k], kBlock, xd[k * x_op.plane_stride]);
  }
  if (y_op.broadcast) {
    for (int k = 0; k < yn; ++k) std::fill_n(ys[k], kBlock, yd[k * y_op.plane_stride]);
  }
  alignas(64) T f0[kBlock], fx[kBlock], fy[kBlock];
  alignas(64) T x_pad[kBlock], y_pad[kBlock];
  const T* xp[kTaylorMaxDegree + 1];
  const T* yp[kTaylorMaxDegree + 1];
  for (std::size_t start = begin, m = 0; start < end; start += m) {
    m = std::min(kBlock, end - start);
    for (int k = 0; k <= d; ++k) {
      xp[k] = k < xn ? (x_op.broadcast ? xs[k] : xd + k * x_op.plane_stride + start) : zero[0];
      yp[k] = k < yn ? (y_op.broadcast ? ys[k] : yd + k * y_op.plane_stride + start) : zero[0];
      if (direct) zblock.s[k] = out + k * out_stride + start;
    }
    {
      const T* xv = detail::pad_to_lanes(xp[0], m, x_pad);
      const T* yv = detail::pad_to_lanes(yp[0], m, y_pad);
      for (std::size_t g = 0; g < detail::padded(m); g += detail::kLanes) {
#pragma omp simd
        for (std::size_t i = g; i < g + detail::kLanes; ++i) {
          Partials<T> q{};
          Fn::eval(xv[i], yv[i], q);
          const bool defined = q.f0 == q.f0;
          f0[i] = q.f0;
          fx[i] = defined ? q.fx : q.f0;
          fy[i] = defined ? q.fy : q.f0;
        }
      }
    }
    const Ctx<T> c{d, m, binom, XParts ? top_plane(xp, d, m) : 0, YParts ? top_plane(yp, d, m) : 0};
    int integer = 0;
    bool is_integer = false;
    if constexpr (std::is_same_v<Fn, Power> && !YParts) {
      is_integer = PowerRule::integer_exponent(yp[0], m, integer);
    }
    fill(c, zblock[0], f0);
    if (d >= 1) {
      D::apply(c, xp, yp, zblock.s, BinaryPartials<T>{f0, fx, fy}, scratch, XParts, YParts, integer,
               is_integer);
    }
    if (!direct) {
      for (int k = 0; k <= d; ++k) std::copy_n(zblock[k], m, out + k * out_stride + start);
    }
    if (probe) {
      const T* xq = !XParts          ? nullptr
                    : x_op.broadcast ? x_probe
                                     : xd + (d + 1) * x_op.plane_stride + start;
      const T* yq = !YParts          ? nullptr
                    : y_op.broadcast ? y_probe
                                     : yd + (d + 1) * y_op.plane_stride + start;
      T* zq = out + (d + 1) * out_stride + start;
#pragma omp simd
      for (std::size_t i = 0; i < m; ++i) {
        T v = T(0);
        if constexpr (XParts) v += probe_part<Fn, !YParts>(fx[i], xq[i]);
        if constexpr (YParts) v += probe_part<Fn, !XParts>(fy[i], yq[i]);
        zq[i] = v;
      }
    }
  }
}

template <class Fn, bool XParts, bool YParts, class T>
void binary_loop(int d, bool probe, Operand x, Operand y, void* out, std::size_t out_stride,
                 std::size_t begin, std::size_t end) {
  binary_blocks<Fn, XParts, YParts, T>(d, probe, x, y, static_cast<T*>(out), out_stride, begin,
                                       end);
}

template <class Fn, class T>
constexpr TaylorUnaryKernel unary_kernel() {
  if constexpr (detail::supports<Fn, T>()) return &unary_loop<Fn, T>;
  return nullptr;
}

template <class T, class... Fns>
void fill_unary(TaylorTable& table, TypeList<Fns...>) {
  constexpr int t = detail::dtype_index<T>();
  int i = 0;
  ((table.unary_degree[i] = UnaryRule<Fns>::degree, table.unary[i++][t] = unary_kernel<Fns, T>()),
   ...);
}

template <class Fn, bool XParts, bool YParts, class T>
constexpr TaylorBinaryKernel binary_kernel() {
  if constexpr (detail::supports<Fn, T>()) return &binary_loop<Fn, XParts, YParts, T>;
  return nullptr;
}

template <class T, class... Fns>
void fill_binary(TaylorTable& table, TypeList<Fns...>) {
  constexpr int t = detail::dtype_index<T>();
  int i = 0;
  ((table.binary[i][t][kBothParts] = binary_kernel<Fns, true, true, T>(),
    table.binary[i][t][kXParts] = binary_kernel<Fns, true, false, T>(),
    table.binary[i++][t][kYParts] = binary_kernel<Fns, false, true, T>()),
   ...);
}

template <class... Ts>
void fill_table(TaylorTable& table, TypeList<Ts...>) {
  ((fill_unary<Ts>(table, UnaryFunctions{}), fill_binary<Ts>(table, BinaryFunctions{})), ...);
}

}  // namespace taylor
}  // namespace HYPERDIFF_ISA_NAMESPACE
}  // namespace hyperdiff
