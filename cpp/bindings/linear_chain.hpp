// Chains of linear operations of a fused graph run as one pass (fusion.hpp).
//
// negative, positive, add and subtract, and multiply and divide by an operand without
// parts (a number, a plain array) are linear in the planes. Run as table kernels, each
// is a pass of its own over the block's planes: derivative buffers, then the chain
// rule, its operands and result in L2. A chain of them (banded's -a + 2 b - c +
// 1e-2 e: six operations) runs here as one program over sub-blocks of kSub elements:
// each step one short loop whose operands are the program's inputs (read once) or
// earlier steps' results in L1, the last step writing the result.
//
// Each step computes what its table kernel computes, element by element, with the
// same operations in the same order (kinds.hpp's rules, real components): the value
// f0 of binary.hpp / elementary.hpp, and every other plane (first- and second-order
// parts alike: for these functions a second-order part follows the first-order rule)
//   negative, positive  part_times(f1, x')             f1 = -1, 1
//   add, subtract       (0 + x') +- y'                 (an operand without parts: 0)
//   x * c, c * y        0 + parts_times(c, x')
//   x / c               parts_times(1 / c, x')
//   unary f (kUnary)    term(f1, x')                   f0, f1 of the table's function
// where the value is not nan; where it is, the partials are that nan (the drivers'
// `defined`) and the general rule runs: add and subtract 0 + part_times(f0, x') +
// part_times(f0, y'), the others as above with f0 for the partial. The unit rule of
// add and subtract and the general one with partials +-1 give the same bits, so the
// choice per element here matches the drivers' choice per block of 256.
// A unary function (exp, sin, ...: not linear) of a first-order Jet layout is a step
// too where a linear step reads it: f0, f1 from the table's unary_derivatives (nan's
// partials already f0 there), its parts term(f1, x') as the Jet kernel's (kinds.hpp:
// with the strong zero of f1 where the function's zeros are structural). Its planes
// then stay in L1, where as a node of its own they went through a scratch slot
// (banded's 1e-2 exp(x): 0.24 ms of its Jacobian's 1.0 at 1e5, the exp itself 0.08).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "hyperdiff/runtime.hpp"

namespace hyperdiff::bindings::linear {

enum Op : std::uint8_t { kNone, kNegative, kPositive, kAdd, kSubtract, kMultiply, kDivide, kUnary };

// Steps of one program, and its inputs.
inline constexpr int kMaxSteps = 8;
inline constexpr int kMaxLeaves = 2 * kMaxSteps;
// Elements a step's loop takes at a time: the steps' values and parts within L2, each
// loop long enough that its setup is paid rarely (512 against 128: banded's pass at
// 1e5 0.59 -> 0.54 ms, the 300 x 300 Laplacian's 1.27-1.51 -> 1.15-1.29 ms, 1 thread,
// process time, alternating builds).
inline constexpr std::size_t kSub = 512;

// One step: op on its operands, each an earlier step's result (>= 0) or an input
// (-1 - leaf); parts[i]: whether operand i has parts (else a number or plain array,
// read as its value plane only).
struct Step {
  Op op = kNone;
  int arity = 1;
  int operand[2] = {0, 0};
  bool parts[2] = {true, true};
  UnaryDerivativesKernel derivatives = nullptr;  // kUnary: f0, f1 of its function
  bool structural = false;                       // kUnary: its Fn::structural_zeros
};

// An input: its planes (`stride` elements apart) from the block's first element on,
// or one number (`broadcast`). A colored seed's planes 0 (its values) and
// `probe_plane` (the probe w) may lie elsewhere (`value`, `probe`: fusion.hpp reads
// them where they are, the seed's rows written without them).
struct Leaf {
  const void* data = nullptr;
  std::size_t stride = 0;
  bool broadcast = false;
  const void* value = nullptr;
  const void* probe = nullptr;
  int probe_plane = -1;
};

// The programs' code for each instruction set: AVX-512 (x86-64-v4), AVX2 (v3) and the
// baseline, with the kernels' options (isa_namespaces.hpp)
#define HYPERDIFF_ISA_BODY "linear_chain_body.hpp"
#include "isa_namespaces.hpp"

// The instruction set of the kernel table (runtime.cpp's choice, HYPERDIFF_ISA's): 4,
// 3, or 0 for the baseline.
inline int isa_level() {
  static const int level = kernel_isa() == "x86-64-v4" ? 4 : kernel_isa() == "x86-64-v3" ? 3 : 0;
  return level;
}

// Runs a program of `count` steps (the last one the result) over m elements of every
// plane, into out (planes `out_stride` apart).
template <class T>
void run(const Step* steps, int count, const Leaf* leaves, int leaf_count, int planes, T* out,
         std::size_t out_stride, std::size_t m) {
  const auto call = [&](auto f64, auto f32) {
    if constexpr (sizeof(T) == 8) {
      f64(steps, count, leaves, leaf_count, planes, out, out_stride, m);
    } else {
      f32(steps, count, leaves, leaf_count, planes, out, out_stride, m);
    }
  };
#ifdef HYPERDIFF_ISA_BUILDS
  if (isa_level() == 4) return call(v4::run_f64, v4::run_f32);
  if (isa_level() == 3) return call(v3::run_f64, v3::run_f32);
#endif
  call(base::run_f64, base::run_f32);
}

}  // namespace hyperdiff::bindings::linear
