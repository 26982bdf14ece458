// A cache of large freed memory blocks, for reuse while derivatives are computed.
//
// Every operation on a dual array allocates its output (planes x size elements)
// and frees its temporaries at once. glibc returns a large freed block to the
// system, so the next allocation of the same size faults in fresh zeroed pages:
// at 5151 planes (the hessian of 100 variables) that costs more than the
// arithmetic. While a scope is open, freed blocks of kMinBytes or more are kept
// (up to kMaxBytes in all) and handed out again for the same size. When the last
// scope closes, up to kKeepBytes of them stay for the next scope (the next call
// of a transform has the same sizes) and the rest go back to malloc; release()
// gives back those too. Blocks carry their size in a header, so free and
// realloc need nothing else.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <mutex>
#include <utility>
#include <vector>

namespace hyperdiff {

class BlockCache {
 public:
  static constexpr std::size_t kMinBytes = std::size_t(1) << 18;   // smaller ones: malloc's own
  static constexpr std::size_t kMaxBytes = std::size_t(1) << 29;   // 512 MiB kept in a scope
  static constexpr std::size_t kKeepBytes = std::size_t(1) << 27;  // 128 MiB kept between
  // A multiple of malloc's alignment (16), so blocks keep it.
  static constexpr std::size_t kHeader = 64;

  void* allocate(std::size_t size) {
    if (void* block = reuse(size)) return block;
    return with_header(std::malloc(kHeader + size), size);
  }

  void* allocate_zeroed(std::size_t count, std::size_t item) {
    if (item != 0 && count > (std::size_t(-1) - kHeader) / item) return nullptr;
    const std::size_t size = count * item;
    if (void* block = reuse(size)) return std::memset(block, 0, size);
    return with_header(std::calloc(1, kHeader + size), size);
  }

  void* reallocate(void* block, std::size_t size) {
    if (block == nullptr) return allocate(size);
    const std::size_t old = size_of(block);
    if (old >= kMinBytes || size >= kMinBytes) {  // through the cache both ways
      void* moved = allocate(size);
      if (moved != nullptr) {
        std::memcpy(moved, block, old < size ? old : size);
        release(block);
      }
      return moved;
    }
    return with_header(std::realloc(base_of(block), kHeader + size), size);
  }

  void release(void* block) {
    if (block == nullptr) return;
    const std::size_t size = size_of(block);
    if (size >= kMinBytes) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (scopes_ > 0 && cached_bytes_ + size <= kMaxBytes) {
        free_.emplace_back(size, block);
        cached_bytes_ += size;
        return;
      }
    }
    std::free(base_of(block));
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
  static void* with_header(void* base, std::size_t size) {
    if (base == nullptr) return nullptr;
    std::memcpy(base, &size, sizeof size);
    return static_cast<char*>(base) + kHeader;
  }
  static void* base_of(void* block) { return static_cast<char*>(block) - kHeader; }
  static std::size_t size_of(void* block) {
    std::size_t size;
    std::memcpy(&size, base_of(block), sizeof size);
    return size;
  }

  // Free the oldest blocks until at most `keep` bytes stay cached (mutex held).
  void drop_until(std::size_t keep) {
    std::size_t dropped = 0;
    while (dropped < free_.size() && cached_bytes_ > keep) {
      cached_bytes_ -= free_[dropped].first;
      std::free(base_of(free_[dropped].second));
      ++dropped;
    }
    free_.erase(free_.begin(), free_.begin() + static_cast<std::ptrdiff_t>(dropped));
  }

  void* reuse(std::size_t size) {
    if (size < kMinBytes) return nullptr;
    std::lock_guard<std::mutex> lock(mutex_);
    // newest first: the most recently freed block is the likeliest still in cache
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
  std::vector<std::pair<std::size_t, void*>> free_;  // (size, block)
  std::size_t cached_bytes_ = 0;
  int scopes_ = 0;
};

}  // namespace hyperdiff
