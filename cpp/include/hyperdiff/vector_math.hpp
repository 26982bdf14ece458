// Vectorized libm through glibc's libmvec.
//
// glibc ships SIMD variants of libm (`_ZGVdN4v_sin`, ...) but its headers only
// declare them under -ffast-math, which we never use (GCC would link
// crtfastmath.o and flush denormals to zero for the whole Python process).
// Declaring the scalar functions `omp declare simd` ourselves lets GCC call the
// vector variants from `#pragma omp simd` loops built with -fopenmp-simd.
// Elsewhere the loops simply call the scalar functions.
#pragma once

#if defined(__GLIBC__) && defined(__x86_64__) && defined(HYPERDIFF_USE_LIBMVEC)
#define HYPERDIFF_SIMD_DECLARE(name, fname)                             \
  _Pragma("omp declare simd notinbranch") double name(double) noexcept; \
  _Pragma("omp declare simd notinbranch") float fname(float) noexcept;
#define HYPERDIFF_SIMD_DECLARE2(name, fname)                                    \
  _Pragma("omp declare simd notinbranch") double name(double, double) noexcept; \
  _Pragma("omp declare simd notinbranch") float fname(float, float) noexcept;

extern "C" {
HYPERDIFF_SIMD_DECLARE(sin, sinf)
HYPERDIFF_SIMD_DECLARE(cos, cosf)
HYPERDIFF_SIMD_DECLARE(tan, tanf)
HYPERDIFF_SIMD_DECLARE(asin, asinf)
HYPERDIFF_SIMD_DECLARE(acos, acosf)
HYPERDIFF_SIMD_DECLARE(atan, atanf)
HYPERDIFF_SIMD_DECLARE(sinh, sinhf)
HYPERDIFF_SIMD_DECLARE(cosh, coshf)
HYPERDIFF_SIMD_DECLARE(tanh, tanhf)
HYPERDIFF_SIMD_DECLARE(asinh, asinhf)
HYPERDIFF_SIMD_DECLARE(acosh, acoshf)
HYPERDIFF_SIMD_DECLARE(atanh, atanhf)
HYPERDIFF_SIMD_DECLARE(exp, expf)
HYPERDIFF_SIMD_DECLARE(exp2, exp2f)
HYPERDIFF_SIMD_DECLARE(expm1, expm1f)
HYPERDIFF_SIMD_DECLARE(log, logf)
HYPERDIFF_SIMD_DECLARE(log2, log2f)
HYPERDIFF_SIMD_DECLARE(log10, log10f)
HYPERDIFF_SIMD_DECLARE(log1p, log1pf)
HYPERDIFF_SIMD_DECLARE(cbrt, cbrtf)
HYPERDIFF_SIMD_DECLARE(erf, erff)
HYPERDIFF_SIMD_DECLARE(erfc, erfcf)
HYPERDIFF_SIMD_DECLARE2(pow, powf)
HYPERDIFF_SIMD_DECLARE2(atan2, atan2f)
HYPERDIFF_SIMD_DECLARE2(hypot, hypotf)
}

#undef HYPERDIFF_SIMD_DECLARE
#undef HYPERDIFF_SIMD_DECLARE2
#endif
