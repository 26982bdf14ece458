// The body of fusion.hpp's colored seed writer, compiled once per instruction set
// there (included inside a namespace, under GCC's target and optimize pragmas, as
// linear_chain_body.hpp: no include guard, no includes; builtins, not std::
// functions, which would be calls compiled without those options).
// NOLINT(build/header_guard)

// A colored seed's planes over m elements (fusion::Node::colors): the values x, plane
// 1 + a 1 where color is a and 0 elsewhere, then (probed) the probe w, then zeros
// (a HyperDualVec's second-order planes); planes out_stride apart. copies: x and w
// copied in (else their planes are left unwritten: every reader reads them where they
// are, linear::Leaf's value and probe). The selects run 8 doubles a vector with
// AVX-512 (the baseline's 2: 7 % of the banded Jacobian's pass).
template <class T>
inline void colored_planes(const T* x, const T* w, const T* color, int colors, bool probed,
                           int planes, T* out, std::size_t out_stride, std::size_t m, bool copies) {
  if (copies) __builtin_memcpy(out, x, m * sizeof(T));
  for (int a = 0; a < colors; ++a) {
    T* part = out + static_cast<std::size_t>(1 + a) * out_stride;
    const T mine = static_cast<T>(a);
    for (std::size_t i = 0; i < m; ++i) part[i] = color[i] == mine ? T(1) : T(0);
  }
  if (probed && copies) {
    __builtin_memcpy(out + static_cast<std::size_t>(1 + colors) * out_stride, w, m * sizeof(T));
  }
  for (int p = 1 + colors + (probed ? 1 : 0); p < planes; ++p) {
    __builtin_memset(out + static_cast<std::size_t>(p) * out_stride, 0, m * sizeof(T));
  }
}
