// Compiled once per instruction set; CMake defines HYPERDIFF_ISA_NAMESPACE
// (v2, v3, v4) and the matching -march, and the entry point's name.
#include "hyperdiff/kernels.hpp"

namespace hyperdiff {

void HYPERDIFF_FILL_FUNCTION(KernelTable& table) {
  static_assert(UnaryFunctions::size <= kMaxUnary && BinaryFunctions::size <= kMaxBinary);
  detail::fill_table(table, Kinds{});
}

}  // namespace hyperdiff
