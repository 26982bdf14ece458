#pragma once

#include <pybind11/pybind11.h>

namespace hyperdiff::bindings {
void register_elementwise(pybind11::module_& m);
void register_runtime(pybind11::module_& m);
void register_memory(pybind11::module_& m);
void register_operators(pybind11::module_& m);
}  // namespace hyperdiff::bindings
