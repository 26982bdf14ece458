#pragma once

#include <pybind11/pybind11.h>

#include <cstddef>
#include <memory>

namespace hyperdiff {
struct TaylorTable;
}

namespace hyperdiff::bindings {
void register_elementwise(pybind11::module_& m);
void register_runtime(pybind11::module_& m);
void register_memory(pybind11::module_& m);
void register_operators(pybind11::module_& m);
void register_taylor(pybind11::module_& m);
void register_chain(pybind11::module_& m);
void register_probe(pybind11::module_& m);
void register_products(pybind11::module_& m);

// Arrays of BlockCache::kMinBytes or more allocated so far, by numpy through the
// block cache or by the operators' fast path (register_memory.cpp): how a
// transform learns whether its function needs a memory scope.
void note_large_array();

// At the end of a transform of depth `tag`: its kinds' instances still alive are
// escaped arrays, and their classes are retired (register_operators.cpp). False
// with a Python error set when the retiring hook fails.
bool retire_escaped(int tag);

// Whether these planes are a seed a transform keeps whose pair planes are known zero
// (fusion::zero_pairs: made so, and never exposed since).
bool pairs_known_zero(PyObject* planes);
// Planes of these planes known all +0 (fusion::zero_planes: a small product's output,
// never exposed since): one flag a plane, or null.
std::shared_ptr<const bool[]> known_zero_planes(PyObject* planes, std::size_t count);
// Records them for a product's fresh output; false with a Python error set.
bool record_zero_planes(PyObject* planes, std::shared_ptr<const bool[]> zero, std::size_t count);
std::size_t large_arrays();

// A sparse Jacobian plan's arrays (_sparsity's _JacobianPlan.recover_pending), to read
// its entries and check its pass block by block where the pass computes them
// (fusion::compute's sink): recover_rows, register_probe.cpp.
struct RowRecovery {
  std::size_t rows = 0, nnz = 0;
  int colors = 0;               // 1 to 8
  bool probed = false;          // the pass's planes: the value, the colors' parts, the probe's
  const int* indptr = nullptr;  // rows + 1
  const int* base = nullptr;    // a row per run of 8 entries (csr_permute's)
  const unsigned char* code = nullptr;  // 8 color + row - base, per entry
  const int* unused = nullptr;          // each color's rows no entry reads, ascending,
  const int* unused_starts = nullptr;   // color a's from unused_starts[a] (colors + 1)
  const void* weights = nullptr;        // probed: (colors, rows), the check's
  bool single = true;                   // weights float32, else float64
  const double* floor = nullptr;        // rows, or null
  double rtol = 0;
  double* data = nullptr;  // nnz
};
// Whether every code's color is below colors, every base in [0, rows - 8] and every
// unused row below rows (unused_starts ascending from 0).
bool recovery_inside(const RowRecovery& r);
// Rows r0 .. r0 + m - 1 from a block of the pass's planes: parts[a * stride + i] the
// part of color a at row r0 + i (the probe's after the colors'). worst: the check's
// largest ratio (nan sticky); nonzero: a slot no entry reads is not 0; bad: an array
// read outside (nothing read there).
void recover_rows(const RowRecovery& r, const double* parts, std::size_t stride, std::size_t r0,
                  std::size_t m, double& worst, bool& nonzero, bool& bad);

// The Taylor kernels of the instruction set in use (register_taylor.cpp), for the
// operators' fast path too.
const TaylorTable& taylor_table();
}  // namespace hyperdiff::bindings
