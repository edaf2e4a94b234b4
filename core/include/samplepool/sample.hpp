// samplepool/sample.hpp: the sample handle (IMediaSample's native shape).
//
// A Sample is a counted reference to one buffer of a pool. Copying adds a
// reference (IMediaSample::AddRef); destroying, reset() or assigning over it
// drops one (IMediaSample::Release). When the last reference goes, the
// buffer returns to its pool, which wakes one blocked acquirer. A default
// Sample is empty; so is one moved from.
//
// Thread safety: distinct Sample objects may be used and destroyed from any
// threads, including copies of one sample. The metadata setters (times,
// flags, actual length) write the shared buffer header, so holders sharing a
// sample must synchronize their setters themselves, as with IMediaSample.
//
// Lifetime: a Sample may outlive the Pool *object* only where the pool was
// orphaned (the DirectShow layer's allocator Release); ~Pool waits for every
// sample to come back, so a native pool outlives its samples by design.
//
// Recycling (as Windows does): the flags and the time and media-time
// validity are cleared when a buffer returns to the pool; the actual data
// length survives; a fresh buffer's actual length is its size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "samplepool/detail/slot.hpp"
#include "samplepool/errc.hpp"

namespace samplepool {

namespace detail {
struct PoolAccess;
// Drops one reference; returns the new count. Defined in pool.hpp.
std::uint32_t drop_ref(SampleSlot* slot) noexcept;
}  // namespace detail

struct TimeRange {
  std::int64_t start = 0;
  std::int64_t stop = 0;
  friend bool operator==(const TimeRange&, const TimeRange&) = default;
};

class Sample {
 public:
  Sample() noexcept = default;
  Sample(const Sample& other) noexcept : slot_(other.slot_) { add_ref(); }
  Sample(Sample&& other) noexcept : slot_(other.slot_) { other.slot_ = nullptr; }
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
  ~Sample() { reset(); }

  // Drops this handle's reference (if any) and leaves it empty.
  void reset() noexcept {
    if (detail::SampleSlot* s = slot_) {
      slot_ = nullptr;
      detail::drop_ref(s);
    }
  }
  void swap(Sample& other) noexcept {
    detail::SampleSlot* t = slot_;
    slot_ = other.slot_;
    other.slot_ = t;
  }
  explicit operator bool() const noexcept { return slot_ != nullptr; }

  // Buffer. Preconditions for everything below: *this is not empty.
  std::byte* data() const noexcept { return slot_->data; }
  std::size_t size() const noexcept { return slot_->size; }
  std::byte* prefix() const noexcept { return slot_->data - slot_->prefix; }
  std::size_t prefix_size() const noexcept { return slot_->prefix; }
  std::uint32_t index() const noexcept { return slot_->index; }
  Pool* pool() const noexcept { return slot_->pool; }
  // Racy by nature: other holders may add or drop references meanwhile.
  std::uint32_t use_count_approx() const noexcept {
    return slot_->refs.load(std::memory_order_relaxed);
  }

  std::size_t actual_length() const noexcept { return slot_->actual; }
  // Errc::buffer_overflow (and no change) when n > size().
  Errc set_actual_length(std::size_t n) noexcept {
    return detail::set_actual_length(*slot_, n) ? Errc::ok : Errc::buffer_overflow;
  }

  // Stream time. time() is empty when no start is set; with a start but no
  // stop it reports stop = start + 1 (and has_stop_time() is false).
  void set_time(std::int64_t start) noexcept { detail::set_start_time(*slot_, start); }
  void set_time(std::int64_t start, std::int64_t stop) noexcept {
    detail::set_time(*slot_, start, stop);
  }
  void clear_time() noexcept { detail::clear_time(*slot_); }
  bool has_stop_time() const noexcept { return has(detail::kStopValid); }
  std::optional<TimeRange> time() const noexcept {
    if (!has(detail::kTimeValid)) return std::nullopt;
    return TimeRange{slot_->time_start,
                     has(detail::kStopValid) ? slot_->time_end : slot_->time_start + 1};
  }

  // Media time (e.g. frame numbers): both ends or nothing.
  void set_media_time(std::int64_t start, std::int64_t stop) noexcept {
    detail::set_media_time(*slot_, start, stop);
  }
  void clear_media_time() noexcept { detail::clear_media_time(*slot_); }
  std::optional<TimeRange> media_time() const noexcept {
    if (!has(detail::kMediaTimeValid)) return std::nullopt;
    return TimeRange{slot_->media_start, slot_->media_end};
  }

  bool sync_point() const noexcept { return has(detail::kSyncPoint); }
  void set_sync_point(bool on) noexcept { detail::set_flag(*slot_, detail::kSyncPoint, on); }
  bool preroll() const noexcept { return has(detail::kPreroll); }
  void set_preroll(bool on) noexcept { detail::set_flag(*slot_, detail::kPreroll, on); }
  bool discontinuity() const noexcept { return has(detail::kDiscontinuity); }
  void set_discontinuity(bool on) noexcept {
    detail::set_flag(*slot_, detail::kDiscontinuity, on);
  }

 private:
  friend struct detail::PoolAccess;
  explicit Sample(detail::SampleSlot* adopted) noexcept : slot_(adopted) {}

  void add_ref() noexcept {
    // relaxed: the caller already holds a reference, so the slot cannot be
    // recycled meanwhile and there is nothing new to publish (as in
    // std::shared_ptr's copy).
    if (slot_) slot_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  bool has(std::uint32_t bit) const noexcept { return detail::has_flag(*slot_, bit); }

  detail::SampleSlot* slot_ = nullptr;
};

}  // namespace samplepool
