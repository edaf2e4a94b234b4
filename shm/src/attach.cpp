// Creating, attaching and detaching (attachment.hpp).
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

#include "attachment.hpp"
#include "monitor.hpp"
#include "samplepool/detail/test_hooks.hpp"
#include "samplepool/shm/detail/owner_word.hpp"

namespace samplepool::shm::detail {

using samplepool::detail::HookPoint;
using samplepool::detail::run_test_hook;
namespace {

// Builds every section's objects in a fresh (zero-filled) segment.
void construct(std::byte* base, const Geometry& g) noexcept {
  new (base + sizeof(Header)) Control{};
  for (std::uint32_t r = 0; r < g.max_processes; ++r) {
    new (base + g.records + r * sizeof(Record)) Record{};
    new (base + g.rings + r * sizeof(Ring)) Ring{};
  }
  auto* hint = reinterpret_cast<std::atomic<std::uint64_t>*>(base + g.free_hint);
  for (std::uint32_t w = 0; w < g.hint_words; ++w) {
    const std::uint32_t bits = g.count - w * 64 < 64 ? g.count - w * 64 : 64;
    new (&hint[w]) std::atomic<std::uint64_t>(bits == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << bits) - 1);
  }
  for (std::uint32_t i = 0; i < g.count; ++i) {
    auto* m = new (base + g.meta + i * sizeof(SampleMeta)) SampleMeta{};
    m->actual_length.store(g.layout.actual.size, std::memory_order_relaxed);
  }
  auto* entries = reinterpret_cast<std::atomic<std::uint64_t>*>(base + g.entries);
  for (std::size_t n = 0; n < std::size_t{g.ring_capacity} * g.max_processes; ++n) {
    new (&entries[n]) std::atomic<std::uint64_t>(0);  // subscription 0: nobody's
  }
}

}  // namespace

bool name_address(const std::string& name, sockaddr_un* addr, unsigned* len) noexcept {
  std::memset(addr, 0, sizeof *addr);
  addr->sun_family = AF_UNIX;
  const int n = std::snprintf(addr->sun_path + 1, sizeof addr->sun_path - 1, "samplepool.%s", name.c_str());
  if (name.empty() || n < 0 || static_cast<std::size_t>(n) >= sizeof addr->sun_path - 1) return false;
  *len = static_cast<unsigned>(offsetof(sockaddr_un, sun_path) + 1 + static_cast<std::size_t>(n));
  return true;
}

Errc Attachment::map(alloc::SharedSegment segment) noexcept {
  std::byte* base = segment.data();
  const Errc e = validate(*reinterpret_cast<const Header*>(base), segment.size(), &g_);
  if (e != Errc::ok) return e;
  seg_ = std::move(segment);
  (void)liveness_.open(seg_.fd());  // without /proc: pids only (liveness.hpp)
  ctl_ = reinterpret_cast<Control*>(base + sizeof(Header));
  records_ = reinterpret_cast<Record*>(base + g_.records);
  rings_ = reinterpret_cast<Ring*>(base + g_.rings);
  hint_ = reinterpret_cast<std::atomic<std::uint64_t>*>(base + g_.free_hint);
  meta_ = reinterpret_cast<SampleMeta*>(base + g_.meta);
  entries_ = reinterpret_cast<std::atomic<std::uint64_t>*>(base + g_.entries);
  payload_ = base + g_.payload;
  return Errc::ok;
}

// Record 0 is the creator's; attachers take the first free one of the rest.
// The liveness token is taken first, so that a record that reads attaching
// or alive always has its token held while its process lives.
Errc Attachment::take_record(bool as_creator) noexcept {
  const std::uint32_t first = as_creator ? 0 : 1;
  const std::uint32_t end = as_creator ? 1 : g_.max_processes;
  const int pid = static_cast<int>(getpid());
  const bool tokens = liveness_.available();
  for (std::uint32_t r = first; r < end; ++r) {
    Record& rec = records_[r];
    LifeWord seen{rec.life.load(std::memory_order_acquire)};
    if (seen.state() != LifeWord::kFree) continue;
    if (tokens && !liveness_.take(r)) continue;  // a process holds it: not free for long
    const LifeWord attaching = LifeWord::make(LifeWord::kAttaching, seen.generation(), pid);
    // acq_rel: after the previous owner's fields were folded (its freeing
    // store is a release), before ours are written.
    if (!rec.life.compare_exchange_strong(seen.raw, attaching.raw, std::memory_order_acq_rel)) {
      if (tokens) liveness_.drop(r);
      continue;
    }
    rec.token.store(tokens ? 1 : 0, std::memory_order_relaxed);
    for (auto* c : {&rec.acquires, &rec.releases, &rec.waits, &rec.timeouts, &rec.not_committed,
                    &rec.published, &rec.received}) {
      c->store(0, std::memory_order_relaxed);
    }
    rec.sleeping.store(0, std::memory_order_relaxed);
    // Subscriptions count on from the previous owner's (never odd here but
    // by a scribble): its entries stay another subscription's.
    const std::uint32_t sub = rec.subscribed.load(std::memory_order_relaxed);
    rec.subscribed.store(sub + (sub & 1), std::memory_order_relaxed);
    life_ = LifeWord::make(LifeWord::kAlive, seen.generation(), pid);
    // release: monitors that see "alive" see the token flag with it.
    rec.life.store(life_.raw, std::memory_order_seq_cst);
    me_ = r;
    creator_ = as_creator;
    return Errc::ok;
  }
  return Errc::busy;
}

Errc Attachment::create(const Properties& request, const SharedOptions& options,
                        std::shared_ptr<Attachment>* out) noexcept {
  if (out == nullptr) return Errc::invalid_argument;
  Geometry g;
  if (const Errc e = compute(request, options.max_processes, options.channel_capacity, &g); e != Errc::ok) {
    return e;
  }
  sockaddr_un addr;
  unsigned addr_len = 0;
  if (!options.name.empty() && !name_address(options.name, &addr, &addr_len)) return Errc::invalid_argument;

  alloc::SharedSegment seg;
  if (const Errc e = alloc::SharedSegment::create(g.total_bytes, "samplepool", options.huge_pages, &seg);
      e != Errc::ok) {
    return e;
  }
  construct(seg.data(), g);
  write_header(g, reinterpret_cast<Header*>(seg.data()));

  int listen_fd = -1;
  if (!options.name.empty()) {
    listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (listen_fd < 0) return Errc::not_supported;
    if (bind(listen_fd, reinterpret_cast<sockaddr*>(&addr), addr_len) != 0 || listen(listen_fd, 16) != 0) {
      const int err = errno;
      close(listen_fd);
      return err == EADDRINUSE ? Errc::busy : Errc::not_supported;
    }
  }
  std::shared_ptr<Attachment> a(new (std::nothrow) Attachment);
  if (!a || a->map(std::move(seg)) != Errc::ok || a->take_record(true) != Errc::ok) {
    if (listen_fd >= 0) close(listen_fd);
    return a ? Errc::corrupted : Errc::out_of_memory;  // our own segment: cannot happen
  }
  if (const Errc e = a->start_monitor(listen_fd); e != Errc::ok) return e;
  *out = std::move(a);
  return Errc::ok;
}

Errc Attachment::attach(int fd, std::shared_ptr<Attachment>* out) noexcept {
  if (out == nullptr || fd < 0) return Errc::invalid_argument;
  alloc::SharedSegment seg;
  if (const Errc e = alloc::SharedSegment::open(fd, sizeof(Header), &seg); e != Errc::ok) return e;
  std::shared_ptr<Attachment> a(new (std::nothrow) Attachment);
  if (!a) return Errc::out_of_memory;
  if (const Errc e = a->map(std::move(seg)); e != Errc::ok) return e;
  if (a->state().broken()) return Errc::corrupted;
  Errc taken = a->take_record(false);
  if (taken == Errc::busy && a->reap_dead_now() != 0) taken = a->take_record(false);
  if (taken != Errc::ok) return taken;
  if (const Errc e = a->start_monitor(-1); e != Errc::ok) return e;
  if (a->state().closed()) return Errc::not_committed;  // the creator has gone: detaches again
  *out = std::move(a);
  return Errc::ok;
}

Attachment::~Attachment() {
  if (life_.state() == LifeWord::kAlive) detach();
}

// The clean counterpart of a reap: nothing of ours can be held (samples keep
// the attachment alive), so what is left is the channel and the record.
Errc Attachment::start_monitor(int listen_fd) noexcept {
  try {
    monitor_ = std::make_unique<Monitor>(*this, listen_fd);
  } catch (...) {  // no memory, or no thread to be had
    if (listen_fd >= 0) close(listen_fd);
    return Errc::out_of_memory;
  }
  return Errc::ok;
}

void Attachment::detach() noexcept {
  monitor_.reset();  // joins the monitor thread
  Control& c = *ctl_;
  if (leave_slot(me_)) {
    run_test_hook(HookPoint::shm_publisher_left);
    wake_everyone();
  }
  (void)unsubscribe();
  Record& rec = records_[me_];
  drop_charges(me_, charges_of(me_));  // none, unless a peer scribbled some
  fold_counters(rec);
  if (creator_) {
    c.state.fetch_or(StateWord::kClosed, std::memory_order_seq_cst);
    wake_everyone();
  }
  // A peer may have reaped us meanwhile (it thought us dead): then the
  // record is no longer ours to free.
  std::uint64_t expected = life_.raw;
  rec.life.compare_exchange_strong(expected, life_.freed().raw, std::memory_order_release);
  liveness_.drop(me_);
  life_ = LifeWord{};
}

void Attachment::fold_counters(Record& rec) noexcept {
  Control::Retired& t = ctl_->retired;
  // exchange: a reaper that takes over from a dead one folds nothing twice.
  auto fold = [](std::atomic<std::uint64_t>& from, std::atomic<std::uint64_t>& to) {
    to.fetch_add(from.exchange(0, std::memory_order_relaxed), std::memory_order_relaxed);
  };
  fold(rec.acquires, t.acquires);
  fold(rec.releases, t.releases);
  fold(rec.waits, t.waits);
  fold(rec.timeouts, t.timeouts);
  fold(rec.not_committed, t.not_committed);
  fold(rec.published, t.published);
  fold(rec.received, t.received);
}

Errc Attachment::corrupted() noexcept {
  if (!broken_.exchange(true, std::memory_order_relaxed)) {
    ctl_->state.fetch_or(StateWord::kBroken, std::memory_order_seq_cst);
    wake_everyone();
  }
  return Errc::corrupted;
}

bool Attachment::broken() const noexcept {
  return broken_.load(std::memory_order_relaxed) || state().broken();
}

void Attachment::wake_everyone() noexcept {
  ctl_->wake.notify_all();
  ctl_->idle.notify_all();
  for (std::uint32_t r = 0; r < g_.max_processes; ++r) rings_[r].wake.notify_all();
}

bool Attachment::pid_gone(int pid) noexcept {
  return pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH);
}

bool Attachment::gone(std::uint32_t r, LifeWord life) const noexcept {
  if (pid_gone(life.pid())) return true;
  // The token, where the process took one: exact even when the pid was reused.
  return records_[r].token.load(std::memory_order_relaxed) != 0 && liveness_.available() &&
         !liveness_.held_elsewhere(r);
}

}  // namespace samplepool::shm::detail
