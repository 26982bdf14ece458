// Compiled once per instruction set and per component family (real: float64
// and float32; complex: complex128 and complex64), so the six objects build
// in parallel. CMake defines HYPERDIFF_ISA_NAMESPACE (v2, v3, v4) with the
// matching -march, HYPERDIFF_COMPLEX, and the entry point's name.
#include "hyperdiff/kernels.hpp"

#include <complex>

namespace hyperdiff {
inline namespace HYPERDIFF_ISA_NAMESPACE {
// KernelTable::matrix_product, per component family (products.cpp: its own object, so
// that changing those kernels does not rebuild these)
void fill_products(KernelTable& table, TypeList<double, float>);
void fill_products(KernelTable& table, TypeList<std::complex<double>, std::complex<float>>);
}  // namespace HYPERDIFF_ISA_NAMESPACE

void HYPERDIFF_FILL_FUNCTION(KernelTable& table) {
  static_assert(UnaryFunctions::size <= kMaxUnary && BinaryFunctions::size <= kMaxBinary);
#if HYPERDIFF_COMPLEX
  using Components = TypeList<std::complex<double>, std::complex<float>>;
#else
  using Components = TypeList<double, float>;
#endif
  detail::fill_table(table, Kinds{}, Components{});
  fill_products(table, Components{});
}

}  // namespace hyperdiff
