// samplepool/detail/cpu_relax.hpp: the spin-wait hint, per architecture.
//
// Purpose: a bounded spin (a blocking acquire before it sleeps, a FIFO pop
// waiting for a claimed entry) tells the core it is spinning, so that a
// sibling hyper-thread gets the pipeline and the spin leaves the memory
// system alone. x86: PAUSE; AArch64: YIELD; ARMv7: YIELD; anything else: a
// compiler barrier only (the loop still re-reads its atomics every time).
#pragma once

namespace samplepool::detail {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || (defined(__arm__) && __ARM_ARCH >= 7)
  asm volatile("yield" ::: "memory");
#else
  asm volatile("" ::: "memory");
#endif
}

}  // namespace samplepool::detail
