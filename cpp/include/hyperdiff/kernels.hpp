// Loop drivers: one unary and one binary driver, generic over kind, function
// and scalar type. They walk the planes in blocks: the table entry fills the
// block's derivative values (vectorized), the kind's chain rule combines them
// with the operand planes. A broadcast operand (one element) is splatted into
// a block buffer once, so the inner loops always see contiguous data.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include "binary.hpp"
#include "dispatch.hpp"
#include "elementary.hpp"
#include "kinds.hpp"

namespace hyperdiff {
inline namespace HYPERDIFF_ISA_NAMESPACE {
namespace detail {

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

template <class Kind, class Fn, class T>
void unary_loop(const void* x_data, std::size_t x_stride, void* y_data, std::size_t y_stride,
                std::size_t begin, std::size_t end) {
  const T* x = static_cast<const T*>(x_data);
  T* y = static_cast<T*>(y_data);
  alignas(64) T f0[kBlock], f1[kBlock], f2[kBlock], pad[kBlock];
  for (std::size_t start = begin; start < end; start += kBlock) {
    const std::size_t m = std::min(kBlock, end - start);
    const T* a = pad_to_lanes(x + start, m, pad);
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
    const T* xp[Kind::planes];
    T* yp[Kind::planes];
    for (int p = 0; p < Kind::planes; ++p) {
      xp[p] = x + p * x_stride + start;
      yp[p] = y + p * y_stride + start;
    }
    Kind::template unary<Fn>(UnaryBlock<T>{f0, f1, f2}, xp, yp, m);
  }
}

// The planes of one binary operand for the block at `start`.
template <class T, int N>
struct OperandCursor {
  const T* data;
  std::size_t stride;
  bool broadcast;
  alignas(64) T splat[N][kBlock];

  explicit OperandCursor(const Operand& op)
      : data(static_cast<const T*>(op.data)), stride(op.plane_stride), broadcast(op.broadcast) {
    if (broadcast) {
      for (int p = 0; p < N; ++p) std::fill_n(splat[p], kBlock, data[p * stride]);
    }
  }
  void planes(std::size_t start, const T** out) const {
    for (int p = 0; p < N; ++p) out[p] = broadcast ? splat[p] : data + p * stride + start;
  }
};

template <class Kind, class Fn, bool XParts, bool YParts, class T>
void binary_loop(Operand x_op, Operand y_op, void* out_data, std::size_t out_stride,
                 std::size_t begin, std::size_t end) {
  constexpr int XN = XParts ? Kind::planes : 1;
  constexpr int YN = YParts ? Kind::planes : 1;
  constexpr bool second = Kind::second_order;
  constexpr bool need_fx = XParts && Fn::has_fx, need_fy = YParts && Fn::has_fy;
  constexpr bool need_fxx = second && XParts && Fn::has_fxx;
  constexpr bool need_fxy = second && XParts && YParts && Fn::has_fxy;
  constexpr bool need_fyy = second && YParts && Fn::has_fyy;
  const OperandCursor<T, XN> xc(x_op);
  const OperandCursor<T, YN> yc(y_op);
  T* out = static_cast<T*>(out_data);
  alignas(64) T f0[kBlock], fx[kBlock], fy[kBlock], fxx[kBlock], fxy[kBlock], fyy[kBlock];
  alignas(64) T x_pad[kBlock], y_pad[kBlock];
  for (std::size_t start = begin; start < end; start += kBlock) {
    const std::size_t m = std::min(kBlock, end - start);
    const T* xp[XN];
    const T* yp[YN];
    T* op[Kind::planes];
    xc.planes(start, xp);
    yc.planes(start, yp);
    for (int p = 0; p < Kind::planes; ++p) op[p] = out + p * out_stride + start;
    const T* xv = pad_to_lanes(xp[0], m, x_pad);
    const T* yv = pad_to_lanes(yp[0], m, y_pad);
    for (std::size_t g = 0; g < padded(m); g += kLanes) {
#pragma omp simd
      for (std::size_t i = g; i < g + kLanes; ++i) {
        Partials<T> d{};
        Fn::eval(xv[i], yv[i], d);
        const bool defined = d.f0 == d.f0;  // as for unary functions
        f0[i] = d.f0;
        if constexpr (need_fx) fx[i] = defined ? d.fx : d.f0;
        if constexpr (need_fy) fy[i] = defined ? d.fy : d.f0;
        if constexpr (need_fxx) fxx[i] = defined ? d.fxx : d.f0;
        if constexpr (need_fxy) fxy[i] = defined ? d.fxy : d.f0;
        if constexpr (need_fyy) fyy[i] = defined ? d.fyy : d.f0;
      }
    }
    Kind::template binary<Fn, XParts, YParts>(BinaryBlock<T>{f0, fx, fy, fxx, fxy, fyy}, xp, yp, op,
                                              m);
  }
}

template <class T>
constexpr int dtype_index() {
  return std::is_same_v<T, double> ? 0 : 1;
}

template <class Kind, class T, class... Fns>
void fill_kind(KernelTable& table, TypeList<Fns...>) {
  constexpr int k = static_cast<int>(Kind::id), t = dtype_index<T>();
  int i = 0;
  ((table.unary[i++][k][t] = &unary_loop<Kind, Fns, T>), ...);
}

template <class Kind, class T, class... Fns>
void fill_kind_binary(KernelTable& table, TypeList<Fns...>) {
  constexpr int k = static_cast<int>(Kind::id), t = dtype_index<T>();
  int i = 0;
  ((table.binary[i][k][t][kBothParts] = &binary_loop<Kind, Fns, true, true, T>,
    table.binary[i][k][t][kFirstParts] = &binary_loop<Kind, Fns, true, false, T>,
    table.binary[i++][k][t][kSecondParts] = &binary_loop<Kind, Fns, false, true, T>),
   ...);
}

template <class... Kinds>
void fill_table(KernelTable& table, TypeList<Kinds...>) {
  ((fill_kind<Kinds, double>(table, UnaryFunctions{}),
    fill_kind<Kinds, float>(table, UnaryFunctions{}),
    fill_kind_binary<Kinds, double>(table, BinaryFunctions{}),
    fill_kind_binary<Kinds, float>(table, BinaryFunctions{})),
   ...);
}

}  // namespace detail

using Kinds = TypeList<Dual, HyperDual>;

}  // namespace HYPERDIFF_ISA_NAMESPACE
}  // namespace hyperdiff
