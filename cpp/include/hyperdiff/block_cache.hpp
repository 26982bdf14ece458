// A cache of large freed memory blocks, for reuse while derivatives are computed.
//
// Every operation on a dual array allocates its output (planes x size elements)
// and frees its temporaries at once. glibc returns a large freed block to the
// system, so the next allocation of the same size faults in fresh zeroed pages:
// at 5151 planes (the hessian of 100 variables) that costs more than the
// arithmetic. While a scope is open, freed blocks of kMinBytes or more are kept
// (up to kMaxBytes in all) and handed out again for the same size. When the last
// scope closes, up to kKeepBytes of them stay for the next scope (the next call
// of a transform has the same sizes) and the rest go back to malloc; release_all()
// gives back those too. Smaller requests are not the cache's: the numpy glue
// (register_memory.cpp) sends them to numpy's own allocator.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace hyperdiff {

// Ask for transparent huge pages on a large new block, as numpy's own allocator
// does from 4 MiB (the kernels' default THP mode is "madvise"): faulting in a 1e7
// element plane array 4 KiB at a time took more than the arithmetic.
inline void advise_huge_pages(void* block, std::size_t size) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::size_t kPage = 4096, kFrom = std::size_t(1) << 22;
  if (block == nullptr || size < kFrom) return;
  const auto begin = (reinterpret_cast<std::uintptr_t>(block) + kPage - 1) & ~(kPage - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(block) + size) & ~(kPage - 1);
  madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);  // advice only
#else
  (void)block;
  (void)size;
#endif
}

class BlockCache {
 public:
  static constexpr std::size_t kMinBytes = std::size_t(1) << 18;   // smaller ones: not here
  static constexpr std::size_t kMaxBytes = std::size_t(1) << 30;   // 1 GiB kept in a scope
  static constexpr std::size_t kKeepBytes = std::size_t(1) << 30;  // 1 GiB kept between

  // A block of `size` (at least kMinBytes) bytes, reused when one is cached.
  void* allocate(std::size_t size) {
    std::lock_guard<std::mutex> lock(mutex_);
    void* block = reuse(size);
    if (block == nullptr) {
      block = std::malloc(size);
      advise_huge_pages(block, size);
    }
    if (block != nullptr) handed_out_.emplace(block, size);
    return block;
  }

  void* allocate_zeroed(std::size_t size) {
    std::lock_guard<std::mutex> lock(mutex_);
    void* block = reuse(size);
    if (block != nullptr) {
      std::memset(block, 0, size);
    } else {
      block = std::calloc(1, size);
      advise_huge_pages(block, size);
    }
    if (block != nullptr) handed_out_.emplace(block, size);
    return block;
  }

  // The size of a block this cache handed out, or 0 for any other pointer.
  std::size_t size_of(void* block) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = handed_out_.find(block);
    return found == handed_out_.end() ? 0 : found->second;
  }

  // Take back a block this cache handed out (kept while a scope is open, else
  // freed); false for any other pointer, which the caller frees its own way.
  bool release(void* block) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = handed_out_.find(block);
    if (found == handed_out_.end()) return false;
    const std::size_t size = found->second;
    handed_out_.erase(found);
    if (scopes_ > 0 && cached_bytes_ + size <= kMaxBytes) {
      free_.emplace_back(size, block);
      cached_bytes_ += size;
    } else {
      std::free(block);
    }
    return true;
  }

  void open_scope() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++scopes_;
  }

  void close_scope() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (scopes_ > 0 && --scopes_ == 0) drop_until(kKeepBytes);
  }

  // Give every cached block back to malloc; returns the bytes given back.
  std::size_t release_all() {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::size_t before = cached_bytes_;
    drop_until(0);
    return before;
  }

  std::size_t cached_bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_bytes_;
  }

 private:
  // Free the oldest blocks until at most `keep` bytes stay cached (mutex held).
  void drop_until(std::size_t keep) {
    std::size_t dropped = 0;
    while (dropped < free_.size() && cached_bytes_ > keep) {
      cached_bytes_ -= free_[dropped].first;
      std::free(free_[dropped].second);
      ++dropped;
    }
    free_.erase(free_.begin(), free_.begin() + static_cast<std::ptrdiff_t>(dropped));
  }

  // A cached block of exactly `size` bytes, or null (mutex held). Newest first:
  // the most recently freed block is the likeliest still in cache.
  void* reuse(std::size_t size) {
    for (auto it = free_.rbegin(); it != free_.rend(); ++it) {
      if (it->first == size) {
        void* block = it->second;
        free_.erase(std::next(it).base());
        cached_bytes_ -= size;
        return block;
      }
    }
    return nullptr;
  }

  std::mutex mutex_;
  std::unordered_map<void*, std::size_t> handed_out_;  // block -> size
  std::vector<std::pair<std::size_t, void*>> free_;    // (size, block), oldest first
  std::size_t cached_bytes_ = 0;
  int scopes_ = 0;
};

}  // namespace hyperdiff
