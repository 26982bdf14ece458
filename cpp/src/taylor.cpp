// The Taylor kernels (taylor.hpp), compiled with kernels.cpp once per
// instruction set and component family (the same definitions: CMakeLists.txt).
#include "hyperdiff/taylor.hpp"

#include <complex>

#define HYPERDIFF_CONCAT2(a, b) a##b
#define HYPERDIFF_CONCAT(a, b) HYPERDIFF_CONCAT2(a, b)

namespace hyperdiff {

void HYPERDIFF_CONCAT(taylor_, HYPERDIFF_FILL_FUNCTION)(TaylorTable& table) {
#if HYPERDIFF_COMPLEX
  using Components = TypeList<std::complex<double>, std::complex<float>>;
#else
  using Components = TypeList<double, float>;
#endif
  taylor::fill_table(table, Components{});
}

}  // namespace hyperdiff
