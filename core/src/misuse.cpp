#include "samplepool/detail/slot.hpp"

#if SAMPLEPOOL_DEBUG_CHECKS
#include <cstdio>
#include <cstdlib>

namespace samplepool::detail {

void misuse(const char* what, const SampleSlot* slot) noexcept {
  std::fprintf(stderr, "samplepool: misuse: %s (sample %u of pool %p)\n", what,
               slot != nullptr ? slot->index : 0u, slot != nullptr ? static_cast<const void*>(slot->pool) : nullptr);
  std::abort();
}

}  // namespace samplepool::detail
#endif
