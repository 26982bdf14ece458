// Loop drivers: one unary and one binary driver, generic over kind, function
// and scalar type. They walk the planes in blocks: the table entry fills the
// block's derivative values (vectorized), the kind's chain rule combines them
// with the operand planes. A broadcast operand (one element) is splatted into
// a block buffer once, so the inner loops always see contiguous data. A large
// output (kStreamBytes) is written block by block from a staging buffer with
// streaming stores (stream.hpp), its blocks starting on cache lines.
// A kind's plane count is a constant (Dual, HyperDual) or, for Jet, its layout
// given at call time; the drivers take the kind as a value for that reason.
#pragma once

#include <algorithm>
#include <complex>
#include <cstddef>
#include <type_traits>
#include <vector>

#include "binary.hpp"
#include "dispatch.hpp"
#include "elementary.hpp"
#include "kinds.hpp"
#include "stream.hpp"

namespace hyperdiff {
inline namespace HYPERDIFF_ISA_NAMESPACE {
namespace detail {

// Elements per block of a streamed output (kStreamBytes). Small, so a block's
// operand planes, derivative buffers and staged outputs (up to ~20 planes'
// worth for HyperDual) stay in L1 together: measured here (Zen, x86-64-v3, 1
// thread), HyperDual add/mul/div at N = 1e7 ran about 25% faster with 64 than
// with 256; 32 was no better at 1e7 and slower in cache.
inline constexpr std::size_t kStreamBlock = 64;

// Elements per block otherwise (in cache: a fused chain's ranges of 4096, or a
// small call): fewer blocks, less of each block's set-up. Measured (x86-64-v4,
// 1 thread, planes of 4096, against 64; Jet's groups of two, kinds.hpp): add,
// subtract, multiply, divide, exp took 0.6-0.95x the time on Dual, HyperDual,
// DualVec(2), DualVec(4), HyperDualVec(2, 2); Dual divide by a constant 1.1x.
inline constexpr std::size_t kBlock = 256;

// Table entries are evaluated in groups of kLanes with a constant trip count,
// so every element goes through the vector libm variant. A plain loop would
// leave a scalar epilogue calling the scalar libm, and a result would depend
// on its position in the array (pow differs in the last bit between the two).
inline constexpr std::size_t kLanes = 16;

inline std::size_t padded(std::size_t m) { return (m + kLanes - 1) / kLanes * kLanes; }

// `data[0, m)` itself, or a copy padded to whole lane groups with data[0].
template <class T>
const T* pad_to_lanes(const T* data, std::size_t m, T* buffer) {
  if (m % kLanes == 0) return data;
  std::copy(data, data + m, buffer);
  std::fill(buffer + m, buffer + padded(m), data[0]);
  return buffer;
}

// Planes of a kind known at compile time, or 0 for Jet's run-time layout.
template <class Kind>
constexpr std::size_t fixed_planes() {
  if constexpr (std::is_same_v<Kind, Jet>) {
    return 0;
  } else {
    return Kind::planes;
  }
}

template <class Kind>
int plane_count(const Kind& kind) {
  if constexpr (std::is_same_v<Kind, Jet>) {
    return kind.planes();
  } else {
    return Kind::planes;
  }
}

// Room for n items: an array when N fixes n at compile time, else a vector.
template <class V, std::size_t N>
struct Slots {
  alignas(64) V items[N];
  explicit Slots(std::size_t) {}
  V* data() { return items; }
  const V* data() const { return items; }
};

template <class V>
struct Slots<V, 0> {
  Vector<V> items;
  explicit Slots(std::size_t n) : items(n) {}
  V* data() { return items.data(); }
  const V* data() const { return items.data(); }
};

// sin a and cos a (Hyperbolic: sinh a and cosh a) of complex a[0, n), n whole lane
// groups, from the circular functions of one part, t = Re a (Im a), and the hyperbolic
// ones of the other, h = Im a (Re a):
//   sin(x + iy) = sin x cosh y + i cos x sinh y, cos(x + iy) = cos x cosh y - i sin x sinh y,
//   sinh(x + iy) = sinh x cos y + i cosh x sin y, cosh(x + iy) = cosh x cos y + i sinh x sin y,
// vectorized (libmvec), where glibc's csin, ccos, csinh and ccosh each run sincos t, sinh h
// and cosh h in scalar code (T7b: ccos was a third of the time). Within a few ulps of
// those; where cosh h nears overflow (|h| > 700, float 80: the products may not overflow)
// and for non-finite a (C99's special cases), the C99 functions themselves.
template <bool Hyperbolic, class R>
void complex_trig(const std::complex<R>* a, std::size_t n, std::complex<R>* odd,
                  std::complex<R>* even) {
  constexpr int kT = Hyperbolic ? 1 : 0, kH = 1 - kT;  // the parts' offsets
  const R* in = reinterpret_cast<const R*>(a);
  R* s = reinterpret_cast<R*>(odd);
  R* c = reinterpret_cast<R*>(even);
  for (std::size_t g = 0; g < n; g += kLanes) {
#pragma omp simd
    for (std::size_t i = g; i < g + kLanes; ++i) {
      const R t = in[2 * i + kT], h = in[2 * i + kH];
      const R sin_t = std::sin(t), cos_t = std::cos(t);
      const R sinh_h = std::sinh(h), cosh_h = std::cosh(h);
      if constexpr (Hyperbolic) {
        s[2 * i] = sinh_h * cos_t;
        s[2 * i + 1] = cosh_h * sin_t;
        c[2 * i] = cosh_h * cos_t;
        c[2 * i + 1] = sinh_h * sin_t;
      } else {
        s[2 * i] = sin_t * cosh_h;
        s[2 * i + 1] = cos_t * sinh_h;
        c[2 * i] = cos_t * cosh_h;
        c[2 * i + 1] = -(sin_t * sinh_h);
      }
    }
  }
  constexpr R kLarge = sizeof(R) == 8 ? R(700) : R(80);
  for (std::size_t i = 0; i < n; ++i) {
    if (!(std::fabs(in[2 * i + kH]) <= kLarge) || !std::isfinite(in[2 * i + kT])) {
      odd[i] = Hyperbolic ? std::sinh(a[i]) : std::sin(a[i]);
      even[i] = Hyperbolic ? std::cosh(a[i]) : std::cos(a[i]);
    }
  }
}

// exp a of complex a[0, n), n whole lane groups: exp(x + iy) = e^x cos y + i e^x sin y,
// vectorized (libmvec), as glibc's cexp computes it in scalar code, so within a few
// ulps of it; std::exp itself where e^x nears overflow (x > 708, float 88: cexp
// scales), where it is subnormal (x < -708, float -87: e^x and its products with
// cos y, sin y each round to a subnormal's few bits, a unit of the last place off
// numpy's there is many ulps of the modulus) and for non-finite a (C99's special cases).
template <class R>
void complex_exp(const std::complex<R>* a, std::size_t n, std::complex<R>* exp_a) {
  const R* in = reinterpret_cast<const R*>(a);
  R* e = reinterpret_cast<R*>(exp_a);
  for (std::size_t g = 0; g < n; g += kLanes) {
#pragma omp simd
    for (std::size_t i = g; i < g + kLanes; ++i) {
      const R x = in[2 * i], y = in[2 * i + 1];
      const R exp_x = std::exp(x);
      e[2 * i] = exp_x * std::cos(y);
      e[2 * i + 1] = exp_x * std::sin(y);
    }
  }
  constexpr R kLarge = sizeof(R) == 8 ? R(708) : R(88);
  constexpr R kSmall = sizeof(R) == 8 ? R(-708) : R(-87);
  for (std::size_t i = 0; i < n; ++i) {
    const R x = in[2 * i];
    if (!(x <= kLarge && x >= kSmall) || !std::isfinite(in[2 * i + 1])) {
      exp_a[i] = std::exp(a[i]);
    }
  }
}

// f0, f1, f2 of the m <= kBlock values x[0, m) into buffers of kBlock.
template <class Fn, class T>
void unary_derivatives(const T* x, std::size_t m, T* f0, T* f1, T* f2) {
  alignas(64) T pad[kBlock];
  const T* a = pad_to_lanes(x, m, pad);
  if constexpr (is_complex_v<T> && Fn::complex_block != ComplexBlock::none) {
    alignas(64) T p[kBlock], q[kBlock];
    if constexpr (Fn::complex_block != ComplexBlock::exp) {
      complex_trig<Fn::complex_block == ComplexBlock::sinh_cosh>(a, padded(m), p, q);
    } else {
      complex_exp(a, padded(m), p);
    }
    const T* second = Fn::complex_block == ComplexBlock::exp ? p : q;
    for (std::size_t i = 0; i < m; ++i) {
      T v, d1, d2;
      Fn::eval_block(a[i], p[i], second[i], v, d1, d2);
      const bool defined = v == v;  // as below
      f0[i] = v;
      f1[i] = defined ? d1 : v;
      f2[i] = defined ? d2 : v;
    }
    return;
  }
  for (std::size_t g = 0; g < padded(m); g += kLanes) {
#pragma omp simd
    for (std::size_t i = g; i < g + kLanes; ++i) {
      T v, d1, d2;
      Fn::eval(a[i], v, d1, d2);
      // a nan value (outside the domain) has nan derivatives, not finite ones
      const bool defined = v == v;
      f0[i] = v;
      f1[i] = defined ? d1 : v;
      f2[i] = defined ? d2 : v;
    }
  }
  if constexpr (Fn::has_edges && !is_complex_v<T>) {
    for (std::size_t i = 0; i < m; ++i) Fn::edges(a[i], f0[i], f1[i], f2[i]);
  }
}

template <class Kind, class Fn, class T>
void unary_blocks(const Kind& kind, const T* x, std::size_t x_stride, T* y, std::size_t y_stride,
                  std::size_t begin, std::size_t end) {
  constexpr std::size_t N = fixed_planes<Kind>();
  const int planes = plane_count(kind);
  alignas(64) T f0[kBlock], f1[kBlock], f2[kBlock];
  if constexpr (std::is_same_v<Kind, Jet>) {
    if (end - begin == 1 && x_stride == 1 && y_stride == 1) {  // one element: see Jet
      unary_derivatives<Fn>(x, 1, f0, f1, f2);
      kind.template unary_element<Fn>(f0[0], f1[0], f2[0], x, y);
      return;
    }
  }
  Slots<const T*, N> xp(planes);
  Slots<T*, N> yp(planes);
  const bool stream = streams<T>(planes, end - begin);
  const std::size_t block = stream ? kStreamBlock : kBlock;
  Slots<T, N * kStreamBlock> staged(stream ? planes * kStreamBlock : 0);
  const std::size_t first = stream ? first_block(y + begin, block) : block;
  for (std::size_t start = begin, m = 0; start < end; start += m) {
    m = std::min(start == begin ? first : block, end - start);
    unary_derivatives<Fn>(x + start, m, f0, f1, f2);
    for (int p = 0; p < planes; ++p) {
      xp.data()[p] = x + p * x_stride + start;
      yp.data()[p] = stream ? staged.data() + p * kStreamBlock : y + p * y_stride + start;
    }
    kind.template unary<Fn>(UnaryBlock<T>{f0, f1, f2}, xp.data(), yp.data(), m);
    if (stream) {
      for (int p = 0; p < planes; ++p) {
        stream_block(y + p * y_stride + start, staged.data() + p * kStreamBlock, m);
      }
    }
  }
  if (stream) stream_fence();
}

// The table's entries: a fixed kind's layout is its type, Jet's an argument.
template <class Kind, class Fn, class T>
void unary_loop(const void* x, std::size_t x_stride, void* y, std::size_t y_stride,
                std::size_t begin, std::size_t end) {
  unary_blocks<Kind, Fn, T>(Kind{}, static_cast<const T*>(x), x_stride, static_cast<T*>(y),
                            y_stride, begin, end);
}

template <class Fn, class T>
void jet_unary_loop(const JetLayout& layout, const void* x, std::size_t x_stride, void* y,
                    std::size_t y_stride, std::size_t begin, std::size_t end) {
  unary_blocks<Jet, Fn, T>(
      Jet{layout.first, layout.second, layout.pairs, layout.runs, layout.run_count},
      static_cast<const T*>(x), x_stride, static_cast<T*>(y), y_stride, begin, end);
}

// The `count` planes of one binary operand for the block at `start` (N:
// count if fixed at compile time, else 0).
template <class T, std::size_t N>
struct OperandCursor {
  const T* data;
  std::size_t stride;
  bool broadcast;
  int count;
  Slots<T, N * kBlock> splat;

  OperandCursor(const Operand& op, int count)
      : data(static_cast<const T*>(op.data)),
        stride(op.plane_stride),
        broadcast(op.broadcast),
        count(count),
        splat(op.broadcast ? count * kBlock : 0) {
    if (broadcast) {
      for (int p = 0; p < count; ++p) {
        std::fill_n(splat.data() + p * kBlock, kBlock, data[p * stride]);
      }
    }
  }
  void planes(std::size_t start, const T** out) const {
    for (int p = 0; p < count; ++p) {
      out[p] = broadcast ? splat.data() + p * kBlock : data + p * stride + start;
    }
  }
};

template <class Kind, class Fn, bool XParts, bool YParts, class T>
void binary_blocks(const Kind& kind, Operand x_op, Operand y_op, T* out, std::size_t out_stride,
                   std::size_t begin, std::size_t end) {
  constexpr std::size_t N = fixed_planes<Kind>();
  constexpr std::size_t XN = XParts ? N : 1;
  constexpr std::size_t YN = YParts ? N : 1;
  const int planes = plane_count(kind);
  constexpr bool second = Kind::second_order;
  // a quotient reads q = f0 and 1/y = fx instead of fy, fxy, fyy (kinds.hpp)
  constexpr bool quotient = Fn::quotient;
  constexpr bool unit = unit_partials<Fn, T>;  // fx, fy constant (kinds.hpp)
  constexpr bool need_fx = (XParts || quotient) && Fn::has_fx && !unit;
  constexpr bool need_fy = YParts && Fn::has_fy && !quotient && !unit;
  constexpr bool need_fxx = second && XParts && Fn::has_fxx;
  constexpr bool need_fxy = second && XParts && YParts && Fn::has_fxy && !quotient;
  constexpr bool need_fyy = second && YParts && Fn::has_fyy && !quotient;
  alignas(64) T f0[kBlock], fx[kBlock], fy[kBlock], fxx[kBlock], fxy[kBlock], fyy[kBlock];
  alignas(64) T x_pad[kBlock], y_pad[kBlock];
  // an entry with edge cases (Fn::has_edges) flags them from eval; its scalar
  // Fn::edges recomputes the flagged elements' partials after the vector loop
  alignas(64) T edge[Fn::has_edges ? kBlock : 1];
  const BinaryBlock<T> f{f0, fx, fy, fxx, fxy, fyy};
  // power's x**3 and x**4 where the exponent is one number: Fn::integer_eval
  int integer_power = 0;
  if constexpr (Fn::integer_powers && !YParts && !is_complex_v<T>) {
    if (y_op.broadcast) {
      const T y = *static_cast<const T*>(y_op.data);
      integer_power = y == T(3) ? 3 : (y == T(4) ? 4 : 0);
    }
  }
  const auto partials = [&](const T* x_values, const T* y_values, std::size_t m) {
    const T* xv = pad_to_lanes(x_values, m, x_pad);
    const T* yv = pad_to_lanes(y_values, m, y_pad);
    const auto store = [&](std::size_t i, const Partials<T>& d) {
      const bool defined = d.f0 == d.f0;  // as for unary functions
      f0[i] = d.f0;
      if constexpr (need_fx) fx[i] = defined ? d.fx : d.f0;
      if constexpr (need_fy) fy[i] = defined ? d.fy : d.f0;
      if constexpr (need_fxx) fxx[i] = defined ? d.fxx : d.f0;
      if constexpr (need_fxy) fxy[i] = defined ? d.fxy : d.f0;
      if constexpr (need_fyy) fyy[i] = defined ? d.fyy : d.f0;
    };
    if constexpr (Fn::integer_powers && !YParts && !is_complex_v<T>) {
      if (integer_power != 0) {
        for (std::size_t g = 0; g < padded(m); g += kLanes) {
#pragma omp simd
          for (std::size_t i = g; i < g + kLanes; ++i) {
            Partials<T> d{};
            edge[i] = Fn::integer_eval(xv[i], integer_power, d);
            store(i, d);
          }
        }
      }
    }
    for (std::size_t g = 0; g < padded(m) && integer_power == 0; g += kLanes) {
#pragma omp simd
      for (std::size_t i = g; i < g + kLanes; ++i) {
        Partials<T> d{};
        if constexpr (Fn::has_edges) {
          edge[i] = Fn::eval(xv[i], yv[i], d);
        } else {
          Fn::eval(xv[i], yv[i], d);
        }
        store(i, d);
      }
    }
    if constexpr (Fn::has_edges) {
      for (std::size_t i = 0; i < m; ++i) {
        if (edge[i] == T(0)) continue;
        Partials<T> d{};
        d.f0 = f0[i];  // the value stays the vector loop's
        Fn::edges(xv[i], yv[i], d);
        if constexpr (need_fx) fx[i] = d.fx;
        if constexpr (need_fy) fy[i] = d.fy;
        if constexpr (need_fxx) fxx[i] = d.fxx;
        if constexpr (need_fxy) fxy[i] = d.fxy;
        if constexpr (need_fyy) fyy[i] = d.fyy;
      }
    }
  };
  // add, subtract: the unit rule (kinds.hpp) on a block whose values are all
  // defined, else the general one with these partials, fx = 1, fy = +-1 (nan
  // at a nan value)
  const auto unit_partials_of = [&](std::size_t m) {
    for (std::size_t i = 0; i < m; ++i) {
      const bool defined = f0[i] == f0[i];
      fx[i] = defined ? T(1) : f0[i];
      fy[i] = defined ? T(Fn::unit_sign) : f0[i];
    }
  };
  const auto chain = [&](const T* const* xs, const T* const* ys, T* const* os, std::size_t m) {
    if constexpr (unit) {
      int undefined = 0;
#pragma omp simd reduction(+ : undefined)
      for (std::size_t i = 0; i < m; ++i) undefined += f0[i] != f0[i];
      if (undefined != 0) {
        unit_partials_of(m);
        kind.template binary<WithPartials<Fn>, XParts, YParts>(f, xs, ys, os, m);
        return;
      }
    }
    kind.template binary<Fn, XParts, YParts>(f, xs, ys, os, m);
  };
  if constexpr (std::is_same_v<Kind, Jet>) {
    const bool x_adjacent = !XParts || x_op.plane_stride == 1;
    const bool y_adjacent = !YParts || y_op.plane_stride == 1;
    if (end - begin == 1 && out_stride == 1 && x_adjacent && y_adjacent && !x_op.broadcast &&
        !y_op.broadcast) {
      // one element with its planes one apart: see Jet
      const T* x = static_cast<const T*>(x_op.data);
      const T* y = static_cast<const T*>(y_op.data);
      partials(x, y, 1);
      if constexpr (unit) unit_partials_of(1);  // the general rule (one element)
      kind.template binary_element<WithPartials<Fn>, XParts, YParts>(f, x, y, out);
      return;
    }
  }
  const OperandCursor<T, XN> xc(x_op, XParts ? planes : 1);
  const OperandCursor<T, YN> yc(y_op, YParts ? planes : 1);
  Slots<const T*, XN> xp(xc.count);
  Slots<const T*, YN> yp(yc.count);
  Slots<T*, N> op(planes);
  const bool stream = streams<T>(planes, end - begin);
  const std::size_t block = stream ? kStreamBlock : kBlock;
  Slots<T, N * kStreamBlock> staged(stream ? planes * kStreamBlock : 0);
  const std::size_t first = stream ? first_block(out + begin, block) : block;
  for (std::size_t start = begin, m = 0; start < end; start += m) {
    m = std::min(start == begin ? first : block, end - start);
    xc.planes(start, xp.data());
    yc.planes(start, yp.data());
    for (int p = 0; p < planes; ++p) {
      op.data()[p] = stream ? staged.data() + p * kStreamBlock : out + p * out_stride + start;
    }
    partials(xp.data()[0], yp.data()[0], m);
    chain(xp.data(), yp.data(), op.data(), m);
    if (stream) {
      for (int p = 0; p < planes; ++p) {
        stream_block(out + p * out_stride + start, staged.data() + p * kStreamBlock, m);
      }
    }
  }
  if (stream) stream_fence();
}

template <class Kind, class Fn, bool XParts, bool YParts, class T>
void binary_loop(Operand x, Operand y, void* out, std::size_t out_stride, std::size_t begin,
                 std::size_t end) {
  binary_blocks<Kind, Fn, XParts, YParts, T>(Kind{}, x, y, static_cast<T*>(out), out_stride, begin,
                                             end);
}

template <class Fn, bool XParts, bool YParts, class T>
void jet_binary_loop(const JetLayout& layout, Operand x, Operand y, void* out,
                     std::size_t out_stride, std::size_t begin, std::size_t end) {
  binary_blocks<Jet, Fn, XParts, YParts, T>(
      Jet{layout.first, layout.second, layout.pairs, layout.runs, layout.run_count}, x, y,
      static_cast<T*>(out), out_stride, begin, end);
}

// The table's dtype order: float64, float32, complex128, complex64.
template <class T>
constexpr int dtype_index() {
  if constexpr (std::is_same_v<T, double>) {
    return 0;
  } else if constexpr (std::is_same_v<T, float>) {
    return 1;
  } else if constexpr (std::is_same_v<T, std::complex<double>>) {
    return 2;
  } else {
    static_assert(std::is_same_v<T, std::complex<float>>);
    return 3;
  }
}

// Complex kernels exist for the entries that have complex derivatives; the
// slot of any other stays null and the binding reports the function.
template <class Fn, class T>
constexpr bool supports() {
  return !is_complex_v<T> || Fn::has_complex;
}

template <class Kind, class Fn, class T>
constexpr UnaryKernel unary_kernel() {
  if constexpr (supports<Fn, T>()) return &unary_loop<Kind, Fn, T>;
  return nullptr;
}

template <class Kind, class Fn, bool XParts, bool YParts, class T>
constexpr BinaryKernel binary_kernel() {
  if constexpr (supports<Fn, T>()) return &binary_loop<Kind, Fn, XParts, YParts, T>;
  return nullptr;
}

static_assert(kBlock == kDerivativesBlock);

template <class Fn, class T>
void derivatives_loop(const void* x, std::size_t m, void* f0, void* f1, void* f2) {
  unary_derivatives<Fn>(static_cast<const T*>(x), m, static_cast<T*>(f0), static_cast<T*>(f1),
                        static_cast<T*>(f2));
}

template <class Fn, class T>
constexpr UnaryDerivativesKernel derivatives_kernel() {
  if constexpr (!is_complex_v<T> && supports<Fn, T>()) return &derivatives_loop<Fn, T>;
  return nullptr;
}

template <class Fn, class T>
constexpr JetUnaryKernel jet_unary_kernel() {
  if constexpr (supports<Fn, T>()) return &jet_unary_loop<Fn, T>;
  return nullptr;
}

template <class Fn, bool XParts, bool YParts, class T>
constexpr JetBinaryKernel jet_binary_kernel() {
  if constexpr (supports<Fn, T>()) return &jet_binary_loop<Fn, XParts, YParts, T>;
  return nullptr;
}

template <class Kind, class T, class... Fns>
void fill_kind(KernelTable& table, TypeList<Fns...>) {
  constexpr int k = static_cast<int>(Kind::id), t = dtype_index<T>();
  int i = 0;
  ((table.unary[i++][k][t] = unary_kernel<Kind, Fns, T>()), ...);
}

template <class Kind, class T, class... Fns>
void fill_kind_binary(KernelTable& table, TypeList<Fns...>) {
  constexpr int k = static_cast<int>(Kind::id), t = dtype_index<T>();
  int i = 0;
  ((table.binary[i][k][t][kBothParts] = binary_kernel<Kind, Fns, true, true, T>(),
    table.binary[i][k][t][kXParts] = binary_kernel<Kind, Fns, true, false, T>(),
    table.binary[i++][k][t][kYParts] = binary_kernel<Kind, Fns, false, true, T>()),
   ...);
}

template <class T, class... Fns>
void fill_jet(KernelTable& table, TypeList<Fns...>) {
  constexpr int t = dtype_index<T>();
  int i = 0;
  ((table.jet_unary[i][t] = jet_unary_kernel<Fns, T>(),
    table.derivatives[i][t] = derivatives_kernel<Fns, T>(),
    table.structural_zeros[i++] = Fns::structural_zeros),
   ...);
}

template <class T, class... Fns>
void fill_jet_binary(KernelTable& table, TypeList<Fns...>) {
  constexpr int t = dtype_index<T>();
  int i = 0;
  ((table.jet_binary[i][t][kBothParts] = jet_binary_kernel<Fns, true, true, T>(),
    table.jet_binary[i][t][kXParts] = jet_binary_kernel<Fns, true, false, T>(),
    table.jet_binary[i++][t][kYParts] = jet_binary_kernel<Fns, false, true, T>()),
   ...);
}

template <class T, class... Kinds>
void fill_component(KernelTable& table, TypeList<Kinds...>) {
  ((fill_kind<Kinds, T>(table, UnaryFunctions{}),
    fill_kind_binary<Kinds, T>(table, BinaryFunctions{})),
   ...);
  fill_jet<T>(table, UnaryFunctions{});
  fill_jet_binary<T>(table, BinaryFunctions{});
}

template <class KindList, class... Ts>
void fill_table(KernelTable& table, KindList kinds, TypeList<Ts...>) {
  (fill_component<Ts>(table, kinds), ...);
}

}  // namespace detail

using Kinds = TypeList<Dual, HyperDual>;

}  // namespace HYPERDIFF_ISA_NAMESPACE
}  // namespace hyperdiff
