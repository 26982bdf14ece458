// Non-temporal (streaming) stores of finished blocks to large outputs.
//
// An ordinary store to memory that is not in cache first reads the line
// (read-for-ownership), so a kernel writing 4 output planes moves 8 planes'
// worth of bytes for them. A streaming store writes whole lines without
// reading them and without evicting the inputs from cache. The loop drivers
// use it only for outputs too large to stay in cache (kStreamBytes, in
// dispatch.hpp), where the
// result would not be read back from cache anyway: the chain rule writes a
// block into a small staging buffer, and stream_block copies it out.
//
// Only whole 64-byte lines are streamed; the partial lines at either end of a
// block get ordinary stores, so a line is never written half by each kind.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include "common.hpp"
#include "dispatch.hpp"

namespace hyperdiff {
inline namespace HYPERDIFF_ISA_NAMESPACE {
namespace detail {

#if defined(__SSE2__)
inline constexpr bool kCanStream = true;
#else
inline constexpr bool kCanStream = false;
#endif

inline constexpr std::size_t kLine = 64;

// dst[0, m) = src[0, m) (a staging buffer), whole cache lines of dst with
// streaming stores.
template <class T>
void stream_block(T* dst, const T* src, std::size_t m) {
#if defined(__SSE2__)
  constexpr std::size_t per_line = kLine / sizeof(T);
  const std::size_t misalignment = reinterpret_cast<std::uintptr_t>(dst) % kLine;
  // numpy allows arrays not aligned to their element; then no element starts a line
  if (misalignment % sizeof(T) != 0) {
    std::copy(src, src + m, dst);
    return;
  }
  const std::size_t head = std::min(misalignment == 0 ? 0 : (kLine - misalignment) / sizeof(T), m);
  std::copy(src, src + head, dst);
  std::size_t i = head;
  char* d = reinterpret_cast<char*>(dst + i);
  const char* s = reinterpret_cast<const char*>(src + i);
  for (; i + per_line <= m; i += per_line, d += kLine, s += kLine) {
#if defined(__AVX__)
    _mm256_stream_si256(reinterpret_cast<__m256i*>(d),
                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s)));
    _mm256_stream_si256(reinterpret_cast<__m256i*>(d + 32),
                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + 32)));
#else
    for (std::size_t k = 0; k < kLine; k += 16) {
      _mm_stream_si128(reinterpret_cast<__m128i*>(d + k),
                       _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + k)));
    }
#endif
  }
  std::copy(src + i, src + m, dst + i);
#else
  std::copy(src, src + m, dst);
#endif
}

// Orders the streaming stores before anything the calling thread does next
// (they are weakly ordered); call once after the last stream_block.
inline void stream_fence() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

// Elements of the first block of a streamed range starting at `first`: up to
// the next cache line of plane 0, so the blocks after it start on a line and
// (when the plane stride is a multiple of a line) no line is split between two
// blocks, half streamed and half stored.
template <class T>
std::size_t first_block(const T* first, std::size_t block) {
  const std::size_t misalignment = reinterpret_cast<std::uintptr_t>(first) % kLine;
  if (misalignment == 0 || misalignment % sizeof(T) != 0) return block;
  return (kLine - misalignment) / sizeof(T);
}

// Whether a kernel call writing `planes` planes of `count` elements streams.
template <class T>
bool streams(int planes, std::size_t count) {
  return kCanStream && std::size_t(planes) * count * sizeof(T) >= kStreamBytes;
}

// A contiguous output written front to back through a staging buffer: take(n) gives
// room for the next n elements (n <= room()), finish() writes what is left. Whole
// lines of dst are streamed; only the first and last partial lines get ordinary
// stores, as for stream_block.
template <class T>
class StreamedRange {
 public:
  StreamedRange(T* dst, T* stage, std::size_t capacity)
      : dst_(dst), stage_(stage), capacity_(capacity) {}
  std::size_t room() const { return capacity_ - kLine / sizeof(T); }
  T* take(std::size_t n) {
    if (staged_ + n > capacity_) flush(false);
    T* slot = stage_ + staged_;
    staged_ += n;
    return slot;
  }
  void finish() { flush(true); }

 private:
  // Writes the staged elements up to the last line boundary of dst they reach (all of
  // them when last), and keeps the rest at the front of the stage.
  void flush(bool last) {
    std::size_t n = staged_;
    if (!last) {
      const auto end = reinterpret_cast<std::uintptr_t>(dst_ + written_ + staged_);
      const std::size_t over = end % kLine;
      if (over % sizeof(T) == 0 && over / sizeof(T) < n) n -= over / sizeof(T);
    }
    stream_block(dst_ + written_, stage_, n);
    std::copy(stage_ + n, stage_ + staged_, stage_);
    written_ += n;
    staged_ -= n;
  }
  T* dst_;
  T* stage_;
  std::size_t capacity_, written_ = 0, staged_ = 0;
};

}  // namespace detail
}  // namespace HYPERDIFF_ISA_NAMESPACE
}  // namespace hyperdiff
