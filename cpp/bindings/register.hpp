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

// The Taylor kernels of the instruction set in use (register_taylor.cpp), for the
// operators' fast path too.
const TaylorTable& taylor_table();
}  // namespace hyperdiff::bindings
