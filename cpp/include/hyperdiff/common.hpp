// Small shared pieces of the tables: a type list and math constants.
#pragma once

#include <complex>
#include <cstddef>
#include <new>
#include <type_traits>
#include <vector>

// The kernels are compiled once per instruction set (x86-64-v2/v3/v4) and
// picked at run time. Each build puts its templates in its own inline
// namespace so the linker never merges an AVX-512 instantiation with a
// baseline one of the same name.
#ifndef HYPERDIFF_ISA_NAMESPACE
#define HYPERDIFF_ISA_NAMESPACE generic
#endif

// A function kept out of the vectorizer, for values that must round as a
// scalar reference computes them: numpy's complex quotients (complex.hpp),
// scipy's ndtr (special.hpp). Not inlined, a call from a `#pragma omp simd`
// loop stays a scalar call, so its libm calls are the scalar libm's (libmvec's
// vector variants round differently) and GCC fuses none of its operations.
#if defined(__GNUC__) && !defined(__clang__)
#define HYPERDIFF_UNFUSED \
  __attribute__((noinline, optimize("no-tree-vectorize", "no-tree-slp-vectorize")))
#elif defined(__clang__)
#define HYPERDIFF_UNFUSED __attribute__((noinline))
#else
#define HYPERDIFF_UNFUSED
#endif

namespace hyperdiff {
inline namespace HYPERDIFF_ISA_NAMESPACE {

// std::vector with an allocator of this build's namespace, for the kernels' scratch:
// its member functions are then this build's own instantiations. With std::allocator
// every build instantiates the same weak symbols (std::vector<const double*>::
// _M_fill_assign, ...), the linker keeps one of them, the AVX-512 build's (first on
// the link line), and an AVX2 CPU running the x86-64-v3 kernels executes it: an
// illegal instruction (T6's matrix products on an AMD EPYC). The CMake check
// check_isa_symbols.cmake keeps every other weak symbol out of the kernel objects.
template <class T>
struct Allocator {
  using value_type = T;
  Allocator() = default;
  template <class U>
  Allocator(const Allocator<U>&) noexcept {}
  // (std::allocator's: the aligned operator new for an over-aligned T)
  static constexpr bool kOverAligned = alignof(T) > __STDCPP_DEFAULT_NEW_ALIGNMENT__;
  T* allocate(std::size_t n) {
    if constexpr (kOverAligned) {
      return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(alignof(T))));
    }
    return static_cast<T*>(::operator new(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t) noexcept {
    if constexpr (kOverAligned) {
      ::operator delete(p, std::align_val_t(alignof(T)));
    } else {
      ::operator delete(p);
    }
  }
  friend bool operator==(const Allocator&, const Allocator&) { return true; }
  friend bool operator!=(const Allocator&, const Allocator&) { return false; }
};
template <class T>
using Vector = std::vector<T, Allocator<T>>;

template <class... Ts>
struct TypeList {
  static constexpr std::size_t size = sizeof...(Ts);
};

// Complex components: std::complex<float or double>.
template <class T>
struct IsComplex : std::false_type {};
template <class R>
struct IsComplex<std::complex<R>> : std::true_type {};
template <class T>
inline constexpr bool is_complex_v = IsComplex<T>::value;

// a b with b a part: its zero components are strong zeros (kinds.hpp). Real: b == 0 ? 0
// : a b. Complex: each real product of (ac - bd, ad + bc) whose factor of b is 0 is 0,
// so a part 1 + 0i times an overflowed derivative (exp at 709.9 + 0.1i: inf + 2e307i)
// is that derivative, not inf + nan i (the plain product's inf 0 in its imaginary part).
template <class T>
inline T part_times(T a, T b) {
  return b == T(0) ? T(0) : a * b;
}
template <class R>
inline std::complex<R> part_times(std::complex<R> a, std::complex<R> b) {
  const R br = b.real(), bi = b.imag();
  const R rr = br == R(0) ? R(0) : a.real() * br;
  const R ii = bi == R(0) ? R(0) : a.imag() * bi;
  const R ri = bi == R(0) ? R(0) : a.real() * bi;
  const R ir = br == R(0) ? R(0) : a.imag() * br;
  return {rr - ii, ri + ir};
}

// a b for an entry's partial a that is +-1 wherever the value is defined (add,
// subtract; nan elsewhere): +-b exactly. Complex: the partial's zero imaginary part
// multiplies nothing (1 + 0i times an overflowed part inf + 2e307i, the derivative
// of exp(z) + 1 at 709.9 + 0.1i, is that part, not inf + nan i); elsewhere part_times.
template <class T>
inline T unit_times(T a, T b) {
  return a == T(1) ? b : a == T(-1) ? -b : part_times(a, b);
}

// a b for two parts: the zeros of either are strong zeros (component by component for
// complex T), as in part_times.
template <class T>
inline T parts_times(T a, T b) {
  return (a == T(0)) | (b == T(0)) ? T(0) : a * b;
}
template <class R>
inline std::complex<R> parts_times(std::complex<R> a, std::complex<R> b) {
  const auto times = [](R u, R v) { return (u == R(0)) | (v == R(0)) ? R(0) : u * v; };
  return {times(a.real(), b.real()) - times(a.imag(), b.imag()),
          times(a.real(), b.imag()) + times(a.imag(), b.real())};
}

namespace detail {
inline constexpr double kPi = 3.14159265358979323846264338327950288;
template <class T>
inline constexpr T kLn2 = T(0.693147180559945309417232121458176568);
template <class T>
inline constexpr T kLog2e = T(1.442695040888963407359924681001892137);
template <class T>
inline constexpr T kLn10 = T(2.30258509299404568401799145468436421);
template <class T>
inline constexpr T kLog10e = T(0.434294481903251827651128918916605082);
template <class T>
inline constexpr T kTwoOverSqrtPi = T(1.12837916709551257389615890312154517);
template <class T>
inline constexpr T kOneOverSqrtTwoPi = T(0.398942280401432677939946059934381868);
}  // namespace detail

}  // namespace HYPERDIFF_ISA_NAMESPACE
}  // namespace hyperdiff
