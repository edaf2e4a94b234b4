// samplepool/shm/shared_pool.hpp: one sample pool, many processes.
//
// A SharedPool is a pool whose samples, free set, state and wake words live
// in one shared-memory segment (a sealed memfd, alloc/memfd.hpp). One
// process creates it with the properties and owns Commit/Decommit; others
// attach from the segment's fd (passed over a Unix socket with SCM_RIGHTS,
// alloc/fd_passing.hpp, or inherited) or by name, and acquire and release
// with the same calls and error codes as the in-process Pool:
//
//   creator:   SharedPool::create(props, {.name = "cam0"}, &pool); pool->commit();
//   attacher:  SharedPool::attach_named("cam0", &pool);   // or attach(fd, &pool)
//   any:       SharedSample s; pool->acquire(s); ... s.reset();
//
// Passing samples (a publish/subscribe channel in the same segment): a
// subscriber process calls subscribe() and then receive(); the publishing
// process (one at a time) calls publish(sample), which queues the sample to
// every subscriber without a copy. A sample returns to the pool when its
// publisher and every subscriber it reached have released it. Publish never
// blocks: a subscriber whose ring is full (or that already has the sample)
// is skipped and counted (SharedStats::dropped). A blocked receive ends with
// not_committed when the pool is decommitted or the publisher goes. Threads
// of one process publish one at a time, and take received entries one at a
// time (a process-local lock each; a receive waits for entries unlocked).
//
// Crash safety: each attached process has a record and holds its liveness
// token, a lock on the record's byte of the segment file that the kernel
// drops when the process dies; a monitor thread in every attached process
// polls the others' pidfds (off the hot path) to hear of a death at once.
// Every hold of a sample, and every entry queued to a subscriber, is a bit
// charged to a process in the sample's owner word (detail/owner_word.hpp).
// When a process dies, wherever it was (inside acquire, release, publish or
// receive included), the first survivor to notice reaps it: clears its
// charges, returns the samples nobody else holds and wakes waiters. Nothing
// is leaked and no sample is handed out twice. If the creator dies, the
// others see the pool decommitted for good (not_committed) instead of
// hanging. A process is watched from at most kRosterRefresh after it
// attached. A child made by fork() shares its parent's token until it execs
// or exits (docs/shm.md).
//
// Hostile memory: a peer can write anything into the segment. Attach checks
// the header (magic, layout version, sizes, checksum) and the segment's
// seals; every index, count and state read from shared memory afterwards is
// checked before use. A failed check returns Errc::corrupted and marks the
// pool broken (every process's calls then fail with it); it never crashes or
// corrupts the reading process.
//
// Limits: at most detail::kMaxProcesses (32) processes at once; no growth
// (max_count must be 0 or count); a process has a given sample at most once.
//
// Thread safety: every member may be called from any thread of an attached
// process. SharedSample is move-only (one hold each); distinct samples may be
// used from any threads. A child made by fork() does not inherit the
// attachment: it attaches itself.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "samplepool/alloc/backend.hpp"
#include "samplepool/errc.hpp"
#include "samplepool/properties.hpp"
#include "samplepool/time_range.hpp"

namespace samplepool::shm {

namespace detail {
class Attachment;
}

// How often an idle monitor re-reads the records for processes that attached
// since it last looked (a death among those it watches wakes it at once).
inline constexpr std::chrono::milliseconds kRosterRefresh{100};

struct SharedOptions {
  std::uint32_t max_processes = 8;     // 1..32, the creator included
  std::uint32_t channel_capacity = 0;  // ring entries per subscriber; 0: the count (a power of two)
  alloc::HugePages huge_pages = alloc::HugePages::none;
  // Non-empty: other processes of the same user find the pool with
  // attach_named() while the creator lives (an abstract Unix socket
  // "samplepool.<name>", served by the creator's monitor thread).
  std::string name;
};

struct SharedStats {
  std::uint32_t count = 0;
  std::uint32_t free = 0;         // owner word 0
  std::uint32_t held = 0;         // samples some process holds
  std::uint32_t queued = 0;       // samples waiting in some subscriber's ring
  std::uint32_t processes = 0;    // attached now (alive records)
  std::uint32_t subscribers = 0;
  std::uint32_t waiters = 0;
  std::uint64_t acquires = 0, releases = 0, waits = 0, timeouts = 0, not_committed = 0;
  std::uint64_t published = 0, received = 0, dropped = 0;
  std::uint64_t processes_reaped = 0;   // processes found dead and cleaned up after
  std::uint64_t samples_reclaimed = 0;  // holds and queued entries taken back from them
  std::uint64_t commits = 0, decommits = 0;
  bool committed = false;
  bool broken = false;  // some process found the segment corrupted
  bool closed = false;  // the creator left or died
};

class SharedSample {
 public:
  SharedSample() noexcept = default;
  SharedSample(SharedSample&& other) noexcept;
  SharedSample& operator=(SharedSample&& other) noexcept;
  SharedSample(const SharedSample&) = delete;
  SharedSample& operator=(const SharedSample&) = delete;
  ~SharedSample() { reset(); }

  // Releases this process's hold (if any) and leaves the handle empty.
  void reset() noexcept;
  explicit operator bool() const noexcept { return att_ != nullptr; }

  // Preconditions for everything below: not empty.
  std::byte* data() const noexcept;
  std::size_t size() const noexcept;
  std::byte* prefix() const noexcept;
  std::size_t prefix_size() const noexcept;
  std::uint32_t index() const noexcept { return index_; }

  // The metadata lives in shared memory, seen by every holder. Read values
  // are clamped to what is valid (a peer may scribble on them).
  std::size_t actual_length() const noexcept;
  Errc set_actual_length(std::size_t n) noexcept;  // buffer_overflow above size()
  void set_time(std::int64_t start, std::int64_t stop) noexcept;
  void clear_time() noexcept;
  std::optional<TimeRange> time() const noexcept;
  void set_media_time(std::int64_t start, std::int64_t stop) noexcept;
  std::optional<TimeRange> media_time() const noexcept;
  bool sync_point() const noexcept;
  void set_sync_point(bool on) noexcept;
  bool discontinuity() const noexcept;
  void set_discontinuity(bool on) noexcept;
  bool preroll() const noexcept;
  void set_preroll(bool on) noexcept;

 private:
  friend class SharedPool;
  friend class detail::Attachment;
  SharedSample(std::shared_ptr<detail::Attachment> att, std::uint32_t index) noexcept
      : att_(std::move(att)), index_(index) {}
  std::shared_ptr<detail::Attachment> att_;
  std::uint32_t index_ = 0;
};

class SharedPool {
 public:
  using Clock = std::chrono::steady_clock;

  // Creates the segment for `request` (compute_layout's rules; max_count 0 or
  // count) and attaches the creator, decommitted. Errors: compute_layout's,
  // invalid_argument (max_processes out of range, growth asked, a null out,
  // a name too long for a socket), too_large, out_of_memory, not_supported
  // (no memfd), busy (the name is taken).
  static Errc create(const Properties& request, const SharedOptions& options,
                     std::unique_ptr<SharedPool>* out) noexcept;
  // Attaches to the segment behind `fd` (the caller keeps its fd).
  // corrupted: not a pool this build can read (magic, version, sizes,
  // checksum), or a segment smaller than its header says; not_supported:
  // an unsealed fd; busy: every process record is taken; not_committed: the
  // creator has left.
  static Errc attach(int fd, std::unique_ptr<SharedPool>* out) noexcept;
  // Attaches by the creator's SharedOptions::name: not_committed when no
  // living creator serves that name, else as attach().
  static Errc attach_named(const std::string& name, std::unique_ptr<SharedPool>* out) noexcept;

  // An attacher detaches (once its samples are released too). The creator
  // decommits, waits until every sample has come back (dead holders are
  // reaped meanwhile), and closes the pool: attached processes then get
  // not_committed.
  ~SharedPool();
  SharedPool(const SharedPool&) = delete;
  SharedPool& operator=(const SharedPool&) = delete;

  int fd() const noexcept;            // the segment, to pass to others
  bool is_creator() const noexcept;
  std::uint32_t process_slot() const noexcept;  // this process's record (its bit)
  Properties properties() const noexcept;       // as granted at create

  // Creator only (others: invalid_argument). Idempotent, as Pool's.
  // commit: not_committed once the pool is broken or closed.
  Errc commit() noexcept;
  Errc decommit() noexcept;
  bool committed() const noexcept;

  // Acquire: as Pool's (each replaces `out`, dropping what it held).
  Errc acquire(SharedSample& out) noexcept;
  Errc try_acquire(SharedSample& out) noexcept;
  Errc acquire_until(SharedSample& out, Clock::time_point deadline) noexcept;
  template <class Rep, class Period>
  Errc acquire_for(SharedSample& out, std::chrono::duration<Rep, Period> timeout) noexcept {
    return acquire_until(out, deadline_after(std::chrono::duration_cast<std::chrono::nanoseconds>(timeout)));
  }

  // Channel ---------------------------------------------------------------
  // Queues `sample` (held by this process) to every subscriber. The first
  // publish makes this process the publisher until it detaches: busy while
  // another is. invalid_argument: an empty sample or another pool's;
  // not_committed. *delivered (optional): subscribers reached.
  Errc publish(const SharedSample& sample, std::uint32_t* delivered = nullptr) noexcept;
  // This process receives what is published from now on. Idempotent.
  Errc subscribe() noexcept;
  // Stops receiving; entries still queued go back (the samples return to the
  // pool when nobody else holds them).
  Errc unsubscribe() noexcept;
  // The next queued sample, oldest first. Entries already queued are
  // delivered even after a decommit; with none, not_committed once the pool
  // is decommitted or closed, or a publisher left during a blocked receive;
  // timeout at the deadline (at once for try_receive); invalid_argument when
  // not subscribed.
  Errc receive(SharedSample& out) noexcept;
  Errc try_receive(SharedSample& out) noexcept;
  Errc receive_until(SharedSample& out, Clock::time_point deadline) noexcept;
  template <class Rep, class Period>
  Errc receive_for(SharedSample& out, std::chrono::duration<Rep, Period> timeout) noexcept {
    return receive_until(out, deadline_after(std::chrono::duration_cast<std::chrono::nanoseconds>(timeout)));
  }

  // ok, or corrupted once this process (or another) found the segment so.
  Errc check() const noexcept;
  // Racy by nature (each field exact at some instant), as Pool::stats().
  SharedStats stats() const noexcept;
  // Waits until no sample is held or queued (reaping dead holders
  // meanwhile): ok, or timeout at the deadline.
  Errc wait_all_free_until(Clock::time_point deadline) noexcept;

 private:
  explicit SharedPool(std::shared_ptr<detail::Attachment> att) noexcept : att_(std::move(att)) {}
  static Clock::time_point deadline_after(std::chrono::nanoseconds timeout) noexcept;
  std::shared_ptr<detail::Attachment> att_;
};

}  // namespace samplepool::shm
