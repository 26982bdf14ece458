// numpy's C API, shared by the binding files that use it (the allocator hook and
// the operators' fast path); register_memory.cpp imports it at module load.
#pragma once

#include <pybind11/pybind11.h>  // Python.h first, as numpy's headers need

#define PY_ARRAY_UNIQUE_SYMBOL hyperdiff_ARRAY_API
#define NPY_NO_DEPRECATED_API NPY_1_22_API_VERSION
#ifndef HYPERDIFF_IMPORT_NUMPY
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>
