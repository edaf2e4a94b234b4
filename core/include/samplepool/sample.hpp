// samplepool/sample.hpp: the sample handle (IMediaSample's native shape).
//
// A Sample is a counted reference to one buffer of a pool. Copying adds a
// reference (IMediaSample::AddRef); destroying, reset() or assigning over it
// drops one (IMediaSample::Release). When the last reference goes, the
// buffer returns to its pool, which wakes one blocked acquirer. A default
// Sample is empty; so is one moved from.
//
// Thread safety: distinct Sample objects may be used and destroyed from any
// threads, including copies of one sample. One Sample object may be copied
// by several threads at once, but not while another thread uses it
// otherwise: a copy writes its source (it clears the sole mark below). The
// metadata setters (times, flags, actual length) write the shared buffer
// header, so holders sharing a sample must synchronize their setters
// themselves, as with IMediaSample.
//
// The sole mark: a handle that an acquire filled knows it holds the only
// reference until it is copied (a copy clears the mark on both). Its release
// then need not read the count: it puts the sample back without touching
// the header (slot.hpp, Ownership), which in a capture hand-off is a line
// the producer's core has just written. Handles made any other way (a
// raw reference adopted by the C or DirectShow layer) carry no mark and
// release through the count.
//
// Lifetime: a Sample may outlive the Pool *object* only where the pool was
// orphaned (the DirectShow layer's allocator Release); ~Pool waits for every
// sample to come back, so a native pool outlives its samples by design.
//
// Recycling (as Windows does): a buffer handed out again has its flags and
// its time and media-time validity cleared; the actual data length
// survives; a fresh buffer's actual length is its size.
//
// UNDEFINED BEHAVIOUR, caught only by the debug build: using or releasing a
// handle whose reference was already dropped (a bitwise copy kept past
// reset(), a raw pointer from the C or DirectShow layer released twice).
// Once someone else re-acquired the buffer, the release build hands it to
// two holders without noticing. With SAMPLEPOOL_DEBUG_CHECKS (the debug and
// asan presets) every handle carries the sample's generation and such a use
// aborts with a report. In every build, a release through the count (a
// raw reference of the C or DirectShow layer, a copied handle) of a sample
// already free is counted in Stats::misuse and changes nothing; a sole
// handle's bitwise copy released again is not caught there (its mark skips
// the count) and corrupts the pool: the sample sits in the free structures
// twice, as in the re-acquired case above.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "samplepool/config.hpp"
#include "samplepool/detail/holder_stamp.hpp"
#include "samplepool/detail/slot.hpp"
#include "samplepool/errc.hpp"
#include "samplepool/time_range.hpp"

namespace samplepool {

namespace detail {
struct PoolAccess;
// Drops one reference; returns the new count. Defined in pool.hpp.
SAMPLEPOOL_HOT_INLINE std::uint32_t drop_ref(SampleSlot* slot) noexcept;
// Drops the only reference of a sole-marked handle. Defined in pool.hpp.
SAMPLEPOOL_HOT_INLINE void drop_sole(SampleSlot* slot) noexcept;
// Its cold half: a shared sample (refs > 1), or a double release (refs == 0).
std::uint32_t drop_shared_ref(SampleSlot* slot, std::uint32_t refs) noexcept;
}  // namespace detail

class Sample {
 public:
  Sample() noexcept = default;
  Sample(const Sample& other) noexcept {
    // Two references now: neither is sole. Only a marked source is written,
    // so copies of an already shared handle only read it; atomic (relaxed,
    // nothing to order: the count's increment is the reference), so that
    // copies of one object made by several threads at once do not race
    // (each clears the mark and adds its own reference).
    std::atomic_ref<std::uintptr_t> source(other.bits_);
    const std::uintptr_t bits = source.load(std::memory_order_relaxed);
    bits_ = bits & ~kSole;
    remember(other);
    if ((bits & kSole) != 0) source.store(bits_, std::memory_order_relaxed);
    if (bits_ != 0) live()->held().refs.fetch_add(1, std::memory_order_relaxed);  // see add_ref note below
  }
  Sample(Sample&& other) noexcept : bits_(other.bits_) {
    remember(other);
    other.bits_ = 0;
  }
  Sample& operator=(const Sample& other) noexcept {
    Sample copy(other);
    swap(copy);
    return *this;
  }
  Sample& operator=(Sample&& other) noexcept {
    Sample moved(static_cast<Sample&&>(other));
    swap(moved);
    return *this;
  }
  SAMPLEPOOL_HOT_INLINE ~Sample() { reset(); }

  // Drops this handle's reference (if any) and leaves it empty.
  SAMPLEPOOL_HOT_INLINE void reset() noexcept {
    if (bits_ != 0) {
      detail::SampleSlot* s = live();
      const bool sole = (bits_ & kSole) != 0;
      bits_ = 0;
      if (sole) {
        detail::drop_sole(s);
      } else {
        detail::drop_ref(s);
      }
    }
  }
  void swap(Sample& other) noexcept {
    const std::uintptr_t t = bits_;
    bits_ = other.bits_;
    other.bits_ = t;
#if SAMPLEPOOL_DEBUG_CHECKS
    const std::uint32_t g = generation_;
    generation_ = other.generation_;
    other.generation_ = g;
#endif
  }
  explicit operator bool() const noexcept { return bits_ != 0; }

  // Buffer. Preconditions for everything below: *this is not empty.
  std::byte* data() const noexcept { return live()->data; }
  std::size_t size() const noexcept { return live()->size; }
  std::byte* prefix() const noexcept { return live()->data - live()->prefix; }
  std::size_t prefix_size() const noexcept { return live()->prefix; }
  std::uint32_t index() const noexcept { return live()->index; }
  // The calling thread now holds this sample, for Pool::holders() reports
  // (a consumer that receives a sample from its producer calls it); the
  // acquisition time stays.
  void note_holder() noexcept { live()->held().holder.store(detail::holder_id(), std::memory_order_relaxed); }
  Pool* pool() const noexcept { return live()->pool; }
  // Racy by nature: other holders may add or drop references meanwhile.
  std::uint32_t use_count_approx() const noexcept {
    return live()->held().refs.load(std::memory_order_relaxed);
  }

  std::size_t actual_length() const noexcept { return live()->held().actual; }
  // Errc::buffer_overflow (and no change) when n > size().
  Errc set_actual_length(std::size_t n) noexcept {
    return detail::set_actual_length(*live(), n) ? Errc::ok : Errc::buffer_overflow;
  }

  // Stream time. time() is empty when no start is set; with a start but no
  // stop it reports stop = start + 1 (and has_stop_time() is false).
  void set_time(std::int64_t start) noexcept { detail::set_start_time(*live(), start); }
  void set_time(std::int64_t start, std::int64_t stop) noexcept {
    detail::set_time(*live(), start, stop);
  }
  void clear_time() noexcept { detail::clear_time(*live()); }
  bool has_stop_time() const noexcept { return has(detail::kStopValid); }
  std::optional<TimeRange> time() const noexcept {
    if (!has(detail::kTimeValid)) return std::nullopt;
    return TimeRange{live()->held().time_start,
                     has(detail::kStopValid) ? live()->held().time_end : live()->held().time_start + 1};
  }

  // Media time (e.g. frame numbers): both ends or nothing.
  void set_media_time(std::int64_t start, std::int64_t stop) noexcept {
    detail::set_media_time(*live(), start, stop);
  }
  void clear_media_time() noexcept { detail::clear_media_time(*live()); }
  std::optional<TimeRange> media_time() const noexcept {
    if (!has(detail::kMediaTimeValid)) return std::nullopt;
    return TimeRange{live()->held().media_start, live()->held().media_end};
  }

  bool sync_point() const noexcept { return has(detail::kSyncPoint); }
  void set_sync_point(bool on) noexcept { detail::set_flag(*live(), detail::kSyncPoint, on); }
  bool preroll() const noexcept { return has(detail::kPreroll); }
  void set_preroll(bool on) noexcept { detail::set_flag(*live(), detail::kPreroll, on); }
  bool discontinuity() const noexcept { return has(detail::kDiscontinuity); }
  void set_discontinuity(bool on) noexcept {
    detail::set_flag(*live(), detail::kDiscontinuity, on);
  }

 private:
  friend struct detail::PoolAccess;
  explicit Sample(detail::SampleSlot* adopted) noexcept : bits_(reinterpret_cast<std::uintptr_t>(adopted)) {
#if SAMPLEPOOL_DEBUG_CHECKS
    generation_ = adopted ? adopted->held().generation.load(std::memory_order_relaxed) : 0;
#endif
  }
  // The mark in bits_' low bit (slots are cache-line aligned).
  static constexpr std::uintptr_t kSole = 1;
  static_assert(alignof(detail::SampleSlot) > kSole);
  detail::SampleSlot* slot() const noexcept { return reinterpret_cast<detail::SampleSlot*>(bits_ & ~kSole); }

  // add_ref note: the copy constructor's increment is relaxed, as in
  // std::shared_ptr's copy: the caller already holds a reference, so the slot
  // cannot be recycled meanwhile and there is nothing new to publish.

  // The slot, checked in debug builds: a handle must not outlive its
  // reference (use after release) and its sample must not be free.
  detail::SampleSlot* live() const noexcept {
    detail::SampleSlot* s = slot();
#if SAMPLEPOOL_DEBUG_CHECKS
    if (s->held().generation.load(std::memory_order_relaxed) != generation_ ||
        s->held().refs.load(std::memory_order_relaxed) == 0) {
      detail::misuse("a Sample was used after its sample went back to the pool (stale handle)", s);
    }
#endif
    return s;
  }
  void remember(const Sample& other) noexcept {
#if SAMPLEPOOL_DEBUG_CHECKS
    generation_ = other.generation_;
#else
    (void)other;
#endif
  }
  bool has(std::uint32_t bit) const noexcept { return detail::has_flag(*slot(), bit); }

  // The slot's address, with kSole set while this is the only reference.
  // mutable: copying from a const Sample clears the source's mark.
  mutable std::uintptr_t bits_ = 0;
#if SAMPLEPOOL_DEBUG_CHECKS
  std::uint32_t generation_ = 0;  // the slot's generation when this reference was taken
#endif
};

}  // namespace samplepool
