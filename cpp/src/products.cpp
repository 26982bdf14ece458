// The matrix product kernels (products.hpp), compiled per instruction set and
// component family like kernels.cpp, in their own object so that changing them
// does not rebuild the elementwise tables.
#include "hyperdiff/products.hpp"

#include <complex>

#include "hyperdiff/kernels.hpp"

namespace hyperdiff {
inline namespace HYPERDIFF_ISA_NAMESPACE {

#if HYPERDIFF_COMPLEX
using ProductComponents = TypeList<std::complex<double>, std::complex<float>>;
#else
using ProductComponents = TypeList<double, float>;
#endif

namespace {
template <class... Ts>
void fill(KernelTable& table, TypeList<Ts...>) {
  ((table.matrix_product[detail::dtype_index<Ts>()] = &detail::matrix_product_parts<Ts>), ...);
  ((table.self_dot[detail::dtype_index<Ts>()] =
        is_complex_v<Ts> ? nullptr : &detail::self_dot_parts<Ts>),
   ...);
}
}  // namespace

void fill_products(KernelTable& table, ProductComponents components) { fill(table, components); }

}  // namespace HYPERDIFF_ISA_NAMESPACE
}  // namespace hyperdiff
