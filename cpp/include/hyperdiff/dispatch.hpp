// The type-erased kernel table the binding calls through. It is the same for
// every instruction-set build; each build fills one (kernels.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

namespace hyperdiff {

// One binary operand: `planes` planes `plane_stride` apart, or one element
// per plane broadcast over the whole range.
struct Operand {
  const void* data;
  std::size_t plane_stride;
  bool broadcast;
};

// Kernels process elements [begin, end) of every plane.
using UnaryKernel = void (*)(const void* x, std::size_t x_plane_stride, void* out,
                             std::size_t out_plane_stride, std::size_t begin, std::size_t end);
using BinaryKernel = void (*)(Operand x, Operand y, void* out, std::size_t out_plane_stride,
                              std::size_t begin, std::size_t end);

// The run-time layout of a Jet (kinds.hpp): 1 + first + second planes, and
// pairs[2q], pairs[2q+1] the first-order indices of second-order part q.
// runs[4r .. 4r+3] = (q0, a, b0, n): second-order parts q0 .. q0+n-1 have the
// pairs (a, b0), (a, b0 + 1), ... (rows of the Hessian blocks), run_count of them.
struct JetLayout {
  int first;
  int second;
  const std::int64_t* pairs;
  const std::int64_t* runs;
  int run_count;
};

using JetUnaryKernel = void (*)(const JetLayout& layout, const void* x, std::size_t x_plane_stride,
                                void* out, std::size_t out_plane_stride, std::size_t begin,
                                std::size_t end);
using JetBinaryKernel = void (*)(const JetLayout& layout, Operand x, Operand y, void* out,
                                 std::size_t out_plane_stride, std::size_t begin, std::size_t end);
// f0, f1, f2 (value, first and second derivative) of m <= kDerivativesBlock real
// values, each buffer padded to whole vectors (kernels.hpp's unary_derivatives): a
// unary function as a step of a fused linear program (linear_chain.hpp), whose
// first-order parts it gives by the Jet rule term(f1, x').
using UnaryDerivativesKernel = void (*)(const void* x, std::size_t m, void* f0, void* f1, void* f2);
inline constexpr std::size_t kDerivativesBlock = 256;  // (kernels.hpp's kBlock)

// Which operands of a binary function carry derivative planes.
enum PartsMode : int { kBothParts = 0, kXParts = 1, kYParts = 2 };

// A kernel call writing at least this many output bytes stores them with
// streaming (non-temporal) stores (stream.hpp). Smaller outputs may still be
// in the last-level cache when the next operation reads them.
inline constexpr std::size_t kStreamBytes = std::size_t(8) << 20;

// A product of small matrices in a kind's algebra (products.hpp): x (planes, m, n) times
// y (planes, n, p), C order, for the Jet layout (first, pairs[2q], pairs[2q+1]).
struct ProductShape {
  std::ptrdiff_t planes, m, n, p;
  int first;
  const std::int64_t* pairs;
  std::ptrdiff_t pair_count;
  // the planes of x and of y that may be nonzero, the rest known zero (a Hessian's kept
  // seed has no pair planes: the scan stops at 1 + first)
  std::ptrdiff_t x_planes, y_planes;
  // Planes known to be all +0 (null: none known): of x and of y, read, not scanned (an
  // earlier product's output, _core's record of it); of out, written by the product
  // (true for each plane it wrote as zeros by structure). (bool, not a byte type: the
  // product's loops store them, and a byte may alias anything they read.)
  const bool* x_zero = nullptr;
  const bool* y_zero = nullptr;
  bool* out_zero = nullptr;
};
// It returns whether an entry of x or y is inf or nan (where a zero entry against it
// needs the strong zero the row and plane skips do not give: _algebra.strong_zeros).
using MatrixProductKernel = bool (*)(void* out, const void* x, const void* y,
                                     const ProductShape& shape);
// The widest p it takes (a row's accumulators live in registers).
inline constexpr std::ptrdiff_t kMaxProductWidth = 8;
// x . x of a real dual array read as one vector (products.hpp's self_dot_parts): x
// (planes, n) C order in the layout of shape (planes, n = shape.n, first, pairs), out
// (planes); plane 0 of out is left as it is.
using SelfDotKernel = void (*)(void* out, const void* x, const ProductShape& shape);

inline constexpr int kMaxUnary = 64;
inline constexpr int kMaxBinary = 32;
inline constexpr int kKinds = 2;
inline constexpr int kDtypes = 4;  // float64, float32, complex128, complex64

struct KernelTable {
  UnaryKernel unary[kMaxUnary][kKinds][kDtypes] = {};
  BinaryKernel binary[kMaxBinary][kKinds][kDtypes][3] = {};
  JetUnaryKernel jet_unary[kMaxUnary][kDtypes] = {};
  UnaryDerivativesKernel derivatives[kMaxUnary][kDtypes] = {};  // (real dtypes only)
  bool structural_zeros[kMaxUnary] = {};                        // Fn::structural_zeros: term's rule
  JetBinaryKernel jet_binary[kMaxBinary][kDtypes][3] = {};
  MatrixProductKernel matrix_product[kDtypes] = {};
  SelfDotKernel self_dot[kDtypes] = {};  // (real dtypes only)
};

}  // namespace hyperdiff
