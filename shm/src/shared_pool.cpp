// SharedPool and SharedSample: the public face over an Attachment.
#include "samplepool/shm/shared_pool.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <new>

#include "attachment.hpp"
#include "monitor.hpp"
#include "samplepool/alloc/fd_passing.hpp"

namespace samplepool::shm {

using detail::Attachment;
using samplepool::detail::kNoDeadline;

// SharedSample ---------------------------------------------------------------

SharedSample::SharedSample(SharedSample&& other) noexcept
    : att_(std::move(other.att_)), index_(other.index_) {}

SharedSample& SharedSample::operator=(SharedSample&& other) noexcept {
  if (this != &other) {
    reset();
    att_ = std::move(other.att_);
    index_ = other.index_;
  }
  return *this;
}

void SharedSample::reset() noexcept {
  if (att_) {
    att_->release(index_);
    att_.reset();
  }
}

std::byte* SharedSample::data() const noexcept { return att_->data(index_); }
std::size_t SharedSample::size() const noexcept { return att_->geometry().layout.actual.size; }
std::byte* SharedSample::prefix() const noexcept { return data() - prefix_size(); }
std::size_t SharedSample::prefix_size() const noexcept { return att_->geometry().layout.actual.prefix; }

std::size_t SharedSample::actual_length() const noexcept {
  const std::uint64_t n = att_->meta(index_).actual_length.load(std::memory_order_relaxed);
  return n < size() ? static_cast<std::size_t>(n) : size();
}

Errc SharedSample::set_actual_length(std::size_t n) noexcept {
  if (n > size()) return Errc::buffer_overflow;
  att_->meta(index_).actual_length.store(n, std::memory_order_relaxed);
  return Errc::ok;
}

namespace {
using detail::SampleMeta;
void set_flag(SampleMeta& m, std::uint32_t bit, bool on) noexcept {
  if (on) {
    m.flags.fetch_or(bit, std::memory_order_relaxed);
  } else {
    m.flags.fetch_and(~bit, std::memory_order_relaxed);
  }
}
bool has_flag(const SampleMeta& m, std::uint32_t bit) noexcept {
  return (m.flags.load(std::memory_order_relaxed) & bit) != 0;
}
}  // namespace

void SharedSample::set_time(std::int64_t start, std::int64_t stop) noexcept {
  SampleMeta& m = att_->meta(index_);
  m.time_start.store(start, std::memory_order_relaxed);
  m.time_stop.store(stop, std::memory_order_relaxed);
  set_flag(m, detail::kTimeValid | detail::kStopValid, true);
}
void SharedSample::clear_time() noexcept {
  set_flag(att_->meta(index_), detail::kTimeValid | detail::kStopValid, false);
}
std::optional<TimeRange> SharedSample::time() const noexcept {
  const SampleMeta& m = att_->meta(index_);
  if (!has_flag(m, detail::kTimeValid)) return std::nullopt;
  return TimeRange{m.time_start.load(std::memory_order_relaxed), m.time_stop.load(std::memory_order_relaxed)};
}
void SharedSample::set_media_time(std::int64_t start, std::int64_t stop) noexcept {
  SampleMeta& m = att_->meta(index_);
  m.media_start.store(start, std::memory_order_relaxed);
  m.media_stop.store(stop, std::memory_order_relaxed);
  set_flag(m, detail::kMediaTimeValid, true);
}
std::optional<TimeRange> SharedSample::media_time() const noexcept {
  const SampleMeta& m = att_->meta(index_);
  if (!has_flag(m, detail::kMediaTimeValid)) return std::nullopt;
  return TimeRange{m.media_start.load(std::memory_order_relaxed), m.media_stop.load(std::memory_order_relaxed)};
}
bool SharedSample::sync_point() const noexcept { return has_flag(att_->meta(index_), detail::kSyncPoint); }
void SharedSample::set_sync_point(bool on) noexcept { set_flag(att_->meta(index_), detail::kSyncPoint, on); }
bool SharedSample::discontinuity() const noexcept { return has_flag(att_->meta(index_), detail::kDiscontinuity); }
void SharedSample::set_discontinuity(bool on) noexcept {
  set_flag(att_->meta(index_), detail::kDiscontinuity, on);
}
bool SharedSample::preroll() const noexcept { return has_flag(att_->meta(index_), detail::kPreroll); }
void SharedSample::set_preroll(bool on) noexcept { set_flag(att_->meta(index_), detail::kPreroll, on); }

// SharedPool -------------------------------------------------------------------

Errc SharedPool::create(const Properties& request, const SharedOptions& options,
                        std::unique_ptr<SharedPool>* out) noexcept {
  if (out == nullptr) return Errc::invalid_argument;
  std::shared_ptr<Attachment> att;
  if (const Errc e = Attachment::create(request, options, &att); e != Errc::ok) return e;
  out->reset(new (std::nothrow) SharedPool(std::move(att)));
  return *out ? Errc::ok : Errc::out_of_memory;
}

Errc SharedPool::attach(int fd, std::unique_ptr<SharedPool>* out) noexcept {
  if (out == nullptr) return Errc::invalid_argument;
  std::shared_ptr<Attachment> att;
  if (const Errc e = Attachment::attach(fd, &att); e != Errc::ok) return e;
  out->reset(new (std::nothrow) SharedPool(std::move(att)));
  return *out ? Errc::ok : Errc::out_of_memory;
}

Errc SharedPool::attach_named(const std::string& name, std::unique_ptr<SharedPool>* out) noexcept {
  if (out == nullptr) return Errc::invalid_argument;
  sockaddr_un addr;
  unsigned len = 0;
  if (!detail::name_address(name, &addr, &len)) return Errc::invalid_argument;
  const int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return Errc::not_supported;
  if (connect(sock, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    close(sock);
    return Errc::not_committed;  // nobody serves the name: no living creator
  }
  int fd = -1;
  char tag = 0;
  std::size_t got = 0;
  const Errc e = alloc::receive_fd(sock, &fd, &tag, 1, &got);
  close(sock);
  if (e != Errc::ok) return Errc::not_committed;  // refused (another user), or the creator went
  const Errc a = attach(fd, out);
  close(fd);
  return a;
}

SharedPool::~SharedPool() {
  if (att_ && att_->creator()) {
    (void)att_->decommit();
    (void)att_->wait_all_free(kNoDeadline);
  }
}

int SharedPool::fd() const noexcept { return att_->fd(); }
bool SharedPool::is_creator() const noexcept { return att_->creator(); }
std::uint32_t SharedPool::process_slot() const noexcept { return att_->me(); }
Properties SharedPool::properties() const noexcept { return att_->geometry().layout.actual; }
Errc SharedPool::commit() noexcept { return att_->commit(); }
Errc SharedPool::decommit() noexcept { return att_->decommit(); }
bool SharedPool::committed() const noexcept { return att_->state().committed(); }

Errc SharedPool::acquire(SharedSample& out) noexcept { return att_->acquire(out, kNoDeadline, true); }
Errc SharedPool::try_acquire(SharedSample& out) noexcept { return att_->acquire(out, kNoDeadline, false); }
Errc SharedPool::acquire_until(SharedSample& out, Clock::time_point deadline) noexcept {
  return att_->acquire(out, deadline, true);
}

SharedPool::Clock::time_point SharedPool::deadline_after(std::chrono::nanoseconds timeout) noexcept {
  const Clock::time_point now = Clock::now();
  if (timeout.count() < 0) return now;
  return timeout >= Clock::time_point::max() - now ? Clock::time_point::max() : now + timeout;
}

Errc SharedPool::publish(const SharedSample& sample, std::uint32_t* delivered) noexcept {
  if (delivered) *delivered = 0;
  if (!sample || sample.att_ != att_) return Errc::invalid_argument;
  return att_->publish(sample.index_, delivered);
}
Errc SharedPool::subscribe() noexcept { return att_->subscribe(); }
Errc SharedPool::unsubscribe() noexcept { return att_->unsubscribe(); }
Errc SharedPool::receive(SharedSample& out) noexcept { return att_->receive(out, kNoDeadline, true); }
Errc SharedPool::try_receive(SharedSample& out) noexcept { return att_->receive(out, kNoDeadline, false); }
Errc SharedPool::receive_until(SharedSample& out, Clock::time_point deadline) noexcept {
  return att_->receive(out, deadline, true);
}

Errc SharedPool::check() const noexcept { return att_->broken() ? Errc::corrupted : Errc::ok; }
SharedStats SharedPool::stats() const noexcept { return att_->stats(); }
Errc SharedPool::wait_all_free_until(Clock::time_point deadline) noexcept {
  return att_->wait_all_free(deadline);
}

}  // namespace samplepool::shm
