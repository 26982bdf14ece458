// The extension module: registration only, one call per category.
#include <pybind11/pybind11.h>

#include "register.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "hyperdiff's C++ kernels: elementwise functions on dual-number planes.";
  hyperdiff::bindings::register_elementwise(m);
  hyperdiff::bindings::register_runtime(m);
  hyperdiff::bindings::register_memory(m);
  hyperdiff::bindings::register_operators(m);
  hyperdiff::bindings::register_taylor(m);
  hyperdiff::bindings::register_chain(m);
  hyperdiff::bindings::register_probe(m);
  hyperdiff::bindings::register_products(m);
}
