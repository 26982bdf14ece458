// Runtime settings: threads and the selected instruction set.
#include <pybind11/stl.h>

#include "hyperdiff/runtime.hpp"
#include "register.hpp"

namespace py = pybind11;

namespace hyperdiff::bindings {

void register_runtime(py::module_& m) {
  kernel_isa();  // choose the kernels at import, so a bad HYPERDIFF_ISA fails there
  m.def("isa", &kernel_isa, "The instruction set of the kernels in use.");
  m.def("get_num_threads", &num_threads);
  m.def("set_num_threads", &set_num_threads, py::arg("count"));
  m.attr("PARALLEL_THRESHOLD") = kParallelThreshold;
  m.attr("STREAM_THRESHOLD_BYTES") = kStreamBytes;
}

}  // namespace hyperdiff::bindings
