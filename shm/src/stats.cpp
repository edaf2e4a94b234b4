// SharedPool::stats (attachment.hpp).
#include "attachment.hpp"
#include "samplepool/shm/detail/channel_words.hpp"
#include "samplepool/shm/detail/owner_word.hpp"

namespace samplepool::shm::detail {

SharedStats Attachment::stats() const noexcept {
  SharedStats s;
  s.count = g_.count;
  for (std::uint32_t i = 0; i < g_.count; ++i) {
    const std::uint64_t w = owner(i).load(std::memory_order_relaxed);
    if (w == 0) ++s.free;
    if ((w & 0xffff'ffffu) != 0) ++s.held;
    if ((w >> 32) != 0) ++s.queued;
  }
  const Control::Retired& t = ctl_->retired;
  auto get = [](const std::atomic<std::uint64_t>& c) { return c.load(std::memory_order_relaxed); };
  s.acquires = get(t.acquires);
  s.releases = get(t.releases);
  s.waits = get(t.waits);
  s.timeouts = get(t.timeouts);
  s.not_committed = get(t.not_committed);
  s.published = get(t.published);
  s.received = get(t.received);
  s.processes_reaped = get(t.processes_reaped);
  s.samples_reclaimed = get(t.samples_reclaimed);
  s.commits = get(t.commits);
  s.decommits = get(t.decommits);
  for (std::uint32_t r = 0; r < g_.max_processes; ++r) {
    const Record& rec = records_[r];
    if (LifeWord{rec.life.load(std::memory_order_relaxed)}.state() == LifeWord::kAlive) ++s.processes;
    if (subscribed(rec.subscribed.load(std::memory_order_relaxed))) ++s.subscribers;
    s.acquires += get(rec.acquires);
    s.releases += get(rec.releases);
    s.waits += get(rec.waits);
    s.timeouts += get(rec.timeouts);
    s.not_committed += get(rec.not_committed);
    s.published += get(rec.published);
    s.received += get(rec.received);
    s.dropped += get(rings_[r].dropped);
  }
  s.waiters = ctl_->wake.sleepers_approx();
  const StateWord st = state();
  s.committed = st.committed();
  s.broken = st.broken() || broken_.load(std::memory_order_relaxed);
  s.closed = st.closed();
  return s;
}

}  // namespace samplepool::shm::detail
