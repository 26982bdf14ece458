// Includes the body file HYPERDIFF_ISA_BODY once per instruction set, in namespaces
// v4 (x86-64-v4: AVX-512), v3 (AVX2) and base (the build's baseline), each under
// GCC's target and optimize pragmas with the kernels' options (CMakeLists.txt): no
// fused multiply-adds, no trapping math (the strong zeros' selects vectorize below
// AVX-512). linear_chain.hpp's programs and register_probe.cpp's row checks; callers
// pick one by isa_level(). No include guard: included once per body.
// NOLINT(build/header_guard)

#if defined(__GNUC__) && !defined(__clang__)
#define HYPERDIFF_ISA_GCC 1
#endif
#if defined(HYPERDIFF_ISA_GCC) && defined(__x86_64__)
#define HYPERDIFF_ISA_BUILDS 1
#pragma GCC push_options
#pragma GCC target("arch=x86-64-v4")
#pragma GCC optimize("fp-contract=off", "no-trapping-math")
namespace v4 {
#include HYPERDIFF_ISA_BODY
}  // namespace v4
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("arch=x86-64-v3")
#pragma GCC optimize("fp-contract=off", "no-trapping-math")
namespace v3 {
#include HYPERDIFF_ISA_BODY
}  // namespace v3
#pragma GCC pop_options
#endif
#if defined(HYPERDIFF_ISA_GCC)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off", "no-trapping-math")
#endif
namespace base {
#include HYPERDIFF_ISA_BODY
}  // namespace base
#if defined(HYPERDIFF_ISA_GCC)
#pragma GCC pop_options
#endif
#undef HYPERDIFF_ISA_BODY
