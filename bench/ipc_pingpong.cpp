// Issue 14's benchmark: one-way latency between two processes, measured as
// iceoryx2 measures its publish-subscribe latency, side by side in one run.
//
// Method (iceoryx2's benchmarks/publish-subscribe): a ping-pong between two
// processes; one-way latency = round trip / 2. Each benchmark starts its echo
// peer once per run: this program again (posix_spawn of /proc/self/exe, that
// is fork + exec, safe in a threaded process), with `--peer=<kind>` and the
// transport's fds inherited as fds 4, 5 (fd 3 tells the bench it is ready).
// It then times state.iterations() round trips in batches of kBatch (two
// clock reads per batch, not per round trip) and reports, through manual
// time, the batch's time / 2 per round trip: Google Benchmark's time column
// is the one-way latency in ns. The peer is stopped and reaped at the end of
// the run.
//
// Pinning: with two or more CPUs allowed, the bench thread runs on the first
// allowed CPU (CPU 0 on the 2-vCPU VM) and the peer on the second (CPU 1),
// as iceoryx2 pins its two participants; the label says which. With one CPU
// nothing is pinned and the busy kinds measure the scheduler, not the link.
//
// Kinds (every one in every run):
//   ipc/shm_line/busy          the floor: one 64-byte line in a MAP_SHARED
//                              memfd; each side spins on the counter (ping:
//                              write n, wait for n + 1).
//   ipc/shm_two_lines/busy     the floor of any zero-copy hand-off: the
//                              counter's line and a payload line; a ping
//                              writes the payload, then the counter; the
//                              receiver spins on the counter, then reads
//                              the payload (a message moves both lines).
//   ipc/samplepool/busy        two SharedPools: A (bench publishes, peer
//                              subscribes) and B (the reverse). A ping takes
//                              the sample acquired beforehand, writes the
//                              sequence number, publishes, releases its own
//                              hold and acquires the next one (before waiting,
//                              as iceoryx2 loans its next sample); the other
//                              side spins on try_receive, checks the number,
//                              releases, and answers the same way on B.
//   ipc/shm_line/blocking      the blocking floor: the same line, a receiver
//                              that sleeps on it (FUTEX_WAIT at once, no spin)
//                              and a sender that wakes only a sleeper.
//   ipc/samplepool/blocking    as samplepool/busy with receive() (futex sleep).
//   ipc/pipe/blocking          two pipes, 8 bytes each way.
//   ipc/unix_socket/blocking   a socketpair(AF_UNIX, SOCK_STREAM), 8 bytes
//                              each way.
// Issue 14's goal: samplepool/busy within 2x of shm_line/busy (a ratio of
// medians from one run); samplepool/blocking is compared with
// shm_line/blocking the same way. shm_two_lines/busy is the fairer
// reference for a zero-copy channel (the README reports both ratios).
//
// The command (one line):
//   samplepool_ipc_bench --benchmark_repetitions=9
//     --benchmark_enable_random_interleaving=true --benchmark_display_aggregates_only=true
//     --benchmark_out=bench/results/ipc-<rev>-<machine>.json --benchmark_out_format=json
//
// Interleaved repetitions, because on a VM the host moves the two vCPUs
// between its cores while a run lasts: on the 2-vCPU EPYC VM the floor is
// either ~40 ns or ~170 ns one way, by placement, and kinds run one after the
// other would each catch a different placement. The JSON keeps every
// repetition (min and max beside the median).
//
// On stderr the program ends with "N of 6 kinds ran, F failed" (the smoke
// test's check) and exits non-zero when any run failed.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "samplepool/detail/futex.hpp"
#include "samplepool/shm/shared_pool.hpp"

extern char** environ;

namespace samplepool::bench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using shm::SharedPool;
using shm::SharedSample;

// Round trips per timed batch: enough to make the two clock reads (~50 ns on
// this VM) negligible beside a sub-microsecond round trip.
constexpr benchmark::IterationCount kBatch = 64;
constexpr int kWarmupBusy = 2000, kWarmupBlocking = 200;  // untimed round trips per run
// A busy waiter checks that its peer lives every this many polls (a syscall).
constexpr std::uint64_t kSpinsPerCheck = std::uint64_t{1} << 20;
constexpr std::uint64_t kStop = ~std::uint64_t{0};  // the value that ends a peer
constexpr int kReadyFd = 3, kFirstFd = 4;           // the peer's fds

// Bookkeeping for the final line (the smoke test's check).
std::map<std::string, int> g_ran;
int g_failed = 0;
constexpr int kKinds = 7;

// CPUs ----------------------------------------------------------------------

struct CpuPair {
  int bench = -1, peer = -1;  // -1: not pinned
};

CpuPair pick_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return {};
  CpuPair p;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (!CPU_ISSET(c, &set)) continue;
    if (p.bench < 0) {
      p.bench = c;
    } else {
      p.peer = c;
      return p;
    }
  }
  return {};
}

bool pin_to(int cpu) {
  if (cpu < 0) return true;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

// Pins the calling thread for a scope, then restores its mask.
class PinnedScope {
 public:
  explicit PinnedScope(int cpu) {
    CPU_ZERO(&old_);
    saved_ = cpu >= 0 && sched_getaffinity(0, sizeof old_, &old_) == 0;
    ok_ = pin_to(cpu);
  }
  ~PinnedScope() {
    if (saved_) sched_setaffinity(0, sizeof old_, &old_);
  }
  PinnedScope(const PinnedScope&) = delete;
  PinnedScope& operator=(const PinnedScope&) = delete;
  bool ok() const { return ok_; }

 private:
  cpu_set_t old_;
  bool saved_ = false, ok_ = false;
};

// I/O helpers -----------------------------------------------------------------

bool write_u64(int fd, std::uint64_t v) {
  const char* p = reinterpret_cast<const char*>(&v);
  std::size_t left = sizeof v;
  while (left > 0) {
    const ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

bool read_u64(int fd, std::uint64_t* v) {
  char* p = reinterpret_cast<char*>(v);
  std::size_t left = sizeof *v;
  while (left > 0) {
    const ssize_t n = read(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // 0: the other side is gone
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// The peer process --------------------------------------------------------------

// This program again, as `--peer=<kind> --cpu=<n> --parent=<pid>`, with
// `fds` as its fds 4, 5, ... and a pipe's write end as fd 3 (one byte there:
// ready). The bench's copies of `fds` stay open: the transport closes them.
class Peer {
 public:
  Peer() = default;
  ~Peer() { finish(0ms); }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  bool start(std::string_view kind, int cpu, const std::vector<int>& fds) {
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) != 0) return false;
    // Above every target number first, so that no dup2 below clobbers a
    // source that is still to be copied.
    std::vector<int> high;
    high.push_back(fcntl(ready[1], F_DUPFD_CLOEXEC, 64));
    for (int fd : fds) high.push_back(fcntl(fd, F_DUPFD_CLOEXEC, 64));
    close(ready[1]);
    std::string a1 = "--peer=" + std::string(kind), a2 = "--cpu=" + std::to_string(cpu),
                a3 = "--parent=" + std::to_string(getpid()), exe = "/proc/self/exe";
    char* argv[] = {exe.data(), a1.data(), a2.data(), a3.data(), nullptr};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    bool ok = true;
    for (std::size_t k = 0; k < high.size(); ++k) {
      ok = ok && high[k] >= 0 &&
           posix_spawn_file_actions_adddup2(&actions, high[k], kReadyFd + static_cast<int>(k)) == 0;
    }
    const int r = ok ? posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv, environ) : -1;
    posix_spawn_file_actions_destroy(&actions);
    for (int& fd : high) close_fd(fd);
    ready_ = ready[0];
    if (r != 0) pid_ = -1;
    return pid_ > 0;
  }

  // Waits for the peer's ready byte.
  bool wait_ready(std::chrono::milliseconds timeout = 10s) {
    const auto deadline = Clock::now() + timeout;
    fcntl(ready_, F_SETFL, O_NONBLOCK);
    for (;;) {
      char c;
      const ssize_t n = read(ready_, &c, 1);
      if (n == 1) return true;
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return false;  // exited
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(200us);
    }
  }

  // Not yet exited (a syscall: for slow paths only).
  bool alive() {
    if (pid_ <= 0) return false;
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == 0) return true;
    if (r == pid_) {
      pid_ = -1;
      clean_ = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    return false;
  }

  // Waits up to `grace` for the peer to exit, then kills it. True when it
  // exited by itself with status 0.
  bool finish(std::chrono::milliseconds grace) {
    const auto deadline = Clock::now() + grace;
    while (alive() && Clock::now() < deadline) std::this_thread::sleep_for(100us);
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
      clean_ = false;
    }
    close_fd(ready_);
    return clean_;
  }

 private:
  pid_t pid_ = -1;
  int ready_ = -1;
  bool clean_ = false;
};

// Spins until `done()` (true) or until the peer is found dead (false).
template <class Done>
bool spin_until(Peer& peer, Done done) {
  for (std::uint64_t spins = 1;; ++spins) {
    if (done()) return true;
    if (spins % kSpinsPerCheck == 0 && !peer.alive()) return false;
  }
}

// Transports: one shape each -----------------------------------------------------
//
// Bench side: open() makes the resources; peer_fds() are passed to the peer,
// close_peer_ends() runs after the spawn; round_trip() sends one ping and
// waits for its echo; stop() tells the peer to exit. Peer side: serve(fds)
// sets up, calls signal_ready(), echoes until told to stop, and returns the
// exit status.

void signal_ready() {
  const char c = 'R';
  (void)!write(kReadyFd, &c, 1);
  close(kReadyFd);
}

// The floor: one cache line. seq is the counter (and the futex word of the
// blocking variant); sleeping[s] says side s (0 bench, 1 peer) may be in
// FUTEX_WAIT on seq, so a sender wakes only a sleeper.
struct alignas(64) PingLine {
  std::atomic<std::uint32_t> seq{0};
  std::atomic<std::uint32_t> sleeping[2] = {0, 0};
};
static_assert(sizeof(PingLine) == 64, "one cache line");
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
constexpr std::uint32_t kLineStop = 0xffffffffu;  // odd, as the bench's pings; never reached by counting

// The line's two halves of the protocol. Busy: the receiver spins on seq.
// Blocking: the receiver sleeps at once. Dekker pair: the waiter stores
// sleeping[me] then loads seq; the sender stores seq then loads
// sleeping[other] (all seq_cst); either the waiter sees the new value or the
// sender sees the sleeper and wakes it.
template <bool kBlocking>
struct LineSide {
  PingLine* line;
  int me;  // 0 bench, 1 peer

  void send(std::uint32_t v) const {
    if constexpr (kBlocking) {
      line->seq.store(v, std::memory_order_seq_cst);
      if (line->sleeping[1 - me].load(std::memory_order_seq_cst) != 0) {
        detail::futex_wake(&line->seq, 1, detail::FutexScope::shared);
      }
    } else {
      line->seq.store(v, std::memory_order_release);  // pairs with the receiver's acquire load
    }
  }

  // Waits until pred(seq) holds and stores that value in *out; false when
  // alive() says the other side died.
  template <class Pred, class Alive>
  bool wait(Pred pred, Alive alive, std::uint32_t* out) const {
    if constexpr (!kBlocking) {
      for (std::uint64_t spins = 1;; ++spins) {
        const std::uint32_t v = line->seq.load(std::memory_order_acquire);
        if (pred(v)) {
          *out = v;
          return true;
        }
        if (spins % kSpinsPerCheck == 0 && !alive()) return false;
      }
    } else {
      for (;;) {
        std::uint32_t v = line->seq.load(std::memory_order_acquire);
        if (pred(v)) {
          *out = v;
          return true;
        }
        line->sleeping[me].store(1, std::memory_order_seq_cst);
        v = line->seq.load(std::memory_order_seq_cst);
        int r = 0;
        if (!pred(v)) r = detail::futex_wait(&line->seq, v, Clock::now() + 100ms, detail::FutexScope::shared);
        line->sleeping[me].store(0, std::memory_order_relaxed);
        if (r == -ETIMEDOUT && !alive()) return false;
      }
    }
  }
};

// The counter's line, and the payload line the two-line floor also moves.
struct alignas(64) PingLines {
  PingLine line;
  std::atomic<std::uint64_t> payload{0};
};
static_assert(sizeof(PingLines) == 128, "two cache lines");

PingLines* map_line(int fd) {
  void* p = mmap(nullptr, sizeof(PingLines), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  return p == MAP_FAILED ? nullptr : static_cast<PingLines*>(p);
}

// kPayload: each message also writes (sender) and reads (receiver) the
// payload line; relaxed, ordered by the counter's release/acquire.
template <bool kBlocking, bool kPayload = false>
class ShmLine {
 public:
  static constexpr const char* kPeer =
      kPayload ? "shm_two_lines_busy" : kBlocking ? "shm_line_blocking" : "shm_line_busy";
  static constexpr bool kBlockingReceiver = kBlocking;

  ~ShmLine() {
    if (lines_ != nullptr) munmap(lines_, sizeof(PingLines));
    close_fd(fd_);
  }
  std::string open() {
    fd_ = memfd_create("samplepool_ipc_line", MFD_CLOEXEC);
    if (fd_ < 0 || ftruncate(fd_, sizeof(PingLines)) != 0) return "memfd";
    lines_ = map_line(fd_);
    if (lines_ == nullptr) return "mmap";
    new (lines_) PingLines{};
    return {};
  }
  std::vector<int> peer_fds() const { return {fd_}; }
  void close_peer_ends() {}
  void set_peer(Peer* peer) { peer_ = peer; }

  // Ping: write n (odd), wait for n + 1.
  bool round_trip() {
    const std::uint32_t n = next_;
    next_ += 2;
    const LineSide<kBlocking> side{&lines_->line, 0};
    if constexpr (kPayload) lines_->payload.store(n, std::memory_order_relaxed);
    side.send(n);
    std::uint32_t v = 0;
    if (!side.wait([n](std::uint32_t s) { return s == n + 1; }, [this] { return peer_->alive(); }, &v)) return false;
    return !kPayload || lines_->payload.load(std::memory_order_relaxed) == n + 1;
  }
  void stop() { LineSide<kBlocking>{&lines_->line, 0}.send(kLineStop); }

  static int serve(const int* fds) {
    PingLines* lines = map_line(fds[0]);
    if (lines == nullptr) return 2;
    const LineSide<kBlocking> side{&lines->line, 1};
    signal_ready();
    std::uint32_t last = 0;  // what this side wrote last
    for (;;) {
      std::uint32_t v = 0;
      side.wait([last](std::uint32_t s) { return s != last; }, [] { return true; }, &v);
      if (v == kLineStop) return 0;
      if ((v & 1) == 0) return 3;  // not a ping
      if (kPayload && lines->payload.load(std::memory_order_relaxed) != v) return 3;
      last = v + 1;
      if constexpr (kPayload) lines->payload.store(last, std::memory_order_relaxed);
      side.send(last);
    }
  }

 private:
  int fd_ = -1;
  PingLines* lines_ = nullptr;
  Peer* peer_ = nullptr;
  std::uint32_t next_ = 1;
};

// samplepool: two pools, one per direction.
Properties pool_properties() {
  Properties p;
  p.count = 4;  // at most two out per direction: the one in flight, the next one acquired
  p.size = 64;
  p.alignment = 64;
  return p;
}

void put(const SharedSample& s, std::uint64_t v) { std::memcpy(s.data(), &v, sizeof v); }
std::uint64_t get(const SharedSample& s) {
  std::uint64_t v;
  std::memcpy(&v, s.data(), sizeof v);
  return v;
}

template <bool kBlocking>
class SamplepoolChannel {
 public:
  static constexpr const char* kPeer = kBlocking ? "samplepool_blocking" : "samplepool_busy";
  static constexpr bool kBlockingReceiver = kBlocking;

  ~SamplepoolChannel() { next_.reset(); }
  std::string open() {
    if (SharedPool::create(pool_properties(), {}, &a_) != Errc::ok ||
        SharedPool::create(pool_properties(), {}, &b_) != Errc::ok) {
      return "SharedPool::create";
    }
    if (a_->commit() != Errc::ok || b_->commit() != Errc::ok) return "commit";
    if (b_->subscribe() != Errc::ok) return "subscribe";
    return {};
  }
  std::vector<int> peer_fds() const { return {a_->fd(), b_->fd()}; }
  void close_peer_ends() {}
  void set_peer(Peer* peer) { peer_ = peer; }

  // Publish n on A, acquire the next sample, wait for n on B.
  bool round_trip() {
    if (!next_ && a_->acquire(next_) != Errc::ok) return false;
    const std::uint64_t n = ++seq_;
    put(next_, n);
    std::uint32_t delivered = 0;
    if (a_->publish(next_, &delivered) != Errc::ok || delivered != 1) return false;
    next_.reset();
    if (a_->acquire(next_) != Errc::ok) return false;
    SharedSample in;
    if (!receive(*b_, in)) return false;
    return get(in) == n;
  }
  void stop() {
    if (!next_ && a_->acquire(next_) != Errc::ok) return;
    put(next_, kStop);
    (void)a_->publish(next_);
    next_.reset();
  }

  static int serve(const int* fds) {
    std::unique_ptr<SharedPool> a, b;
    if (SharedPool::attach(fds[0], &a) != Errc::ok || SharedPool::attach(fds[1], &b) != Errc::ok) return 2;
    if (a->subscribe() != Errc::ok) return 2;
    SharedSample next;
    if (b->acquire(next) != Errc::ok) return 2;
    signal_ready();
    for (;;) {
      SharedSample in;
      Errc e;
      if constexpr (kBlocking) {
        e = a->receive(in);
      } else {
        while ((e = a->try_receive(in)) == Errc::timeout) {
        }
      }
      if (e != Errc::ok) return 3;
      const std::uint64_t v = get(in);
      in.reset();
      if (v == kStop) return 0;
      put(next, v);
      if (b->publish(next) != Errc::ok) return 3;
      next.reset();
      if (b->acquire(next) != Errc::ok) return 3;
    }
  }

 private:
  bool receive(SharedPool& pool, SharedSample& in) {
    if constexpr (kBlocking) {
      // A blocked receive ends when the publisher (the peer) leaves or dies.
      return pool.receive(in) == Errc::ok;
    } else {
      Errc e = Errc::timeout;
      return spin_until(*peer_, [&] { return (e = pool.try_receive(in)) != Errc::timeout; }) && e == Errc::ok;
    }
  }

  std::unique_ptr<SharedPool> a_, b_;
  SharedSample next_;
  Peer* peer_ = nullptr;
  std::uint64_t seq_ = 0;
};

// A pair of byte streams: two pipes, or one socketpair.
template <bool kSocket>
class Stream {
 public:
  static constexpr const char* kPeer = kSocket ? "unix_socket" : "pipe";
  static constexpr bool kBlockingReceiver = true;

  ~Stream() {
    for (int& fd : mine_) close_fd(fd);
    close_peer_ends();
  }
  std::string open() {
    if constexpr (kSocket) {
      int sv[2];
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return "socketpair";
      out_ = in_ = sv[0];
      mine_[0] = sv[0];
      theirs_[0] = theirs_[1] = sv[1];
    } else {
      int ping[2], pong[2];
      if (pipe2(ping, O_CLOEXEC) != 0) return "pipe";
      if (pipe2(pong, O_CLOEXEC) != 0) {
        close(ping[0]);
        close(ping[1]);
        return "pipe";
      }
      out_ = mine_[0] = ping[1];
      in_ = mine_[1] = pong[0];
      theirs_[0] = ping[0];  // the peer reads pings here
      theirs_[1] = pong[1];  // and writes pongs here
    }
    return {};
  }
  std::vector<int> peer_fds() const { return {theirs_[0], theirs_[1]}; }
  void close_peer_ends() {
    if (theirs_[1] == theirs_[0]) theirs_[1] = -1;
    close_fd(theirs_[0]);
    close_fd(theirs_[1]);
  }
  void set_peer(Peer*) {}

  bool round_trip() {
    const std::uint64_t n = ++seq_;
    std::uint64_t v = 0;
    return write_u64(out_, n) && read_u64(in_, &v) && v == n;
  }
  void stop() { (void)write_u64(out_, kStop); }

  static int serve(const int* fds) {
    const int in = fds[0], out = fds[1];  // one socket: the same fd twice
    signal_ready();
    for (;;) {
      std::uint64_t v = 0;
      if (!read_u64(in, &v)) return 3;
      if (v == kStop) return 0;
      if (!write_u64(out, v)) return 3;
    }
  }

 private:
  int mine_[2] = {-1, -1};
  int theirs_[2] = {-1, -1};
  int out_ = -1, in_ = -1;
  std::uint64_t seq_ = 0;
};

// The harness: one for every transport -------------------------------------------

template <class T>
void PingPong(benchmark::State& state) {
  auto fail = [&](const std::string& why) {
    ++g_failed;
    state.SkipWithError(why.c_str());
  };
  const CpuPair cpus = pick_cpus();
  const PinnedScope pinned(cpus.bench);
  if (!pinned.ok()) return fail("sched_setaffinity");
  state.SetLabel(cpus.peer >= 0 ? "bench cpu " + std::to_string(cpus.bench) + ", peer cpu " + std::to_string(cpus.peer)
                                : "unpinned (one CPU)");
  T t;
  if (const std::string e = t.open(); !e.empty()) return fail("open: " + e);
  Peer peer;
  t.set_peer(&peer);
  const bool started = peer.start(T::kPeer, cpus.peer, t.peer_fds());
  t.close_peer_ends();
  if (!started || !peer.wait_ready()) return fail("the peer did not start");

  const int warmup = T::kBlockingReceiver ? kWarmupBlocking : kWarmupBusy;
  bool ok = true;
  for (int k = 0; k < warmup && ok; ++k) ok = t.round_trip();
  if (!ok) return fail("warm-up round trip failed");
  while (state.KeepRunningBatch(kBatch)) {
    const auto t0 = Clock::now();
    for (benchmark::IterationCount k = 0; k < kBatch && ok; ++k) ok = t.round_trip();
    const auto t1 = Clock::now();
    if (!ok) {
      fail("round trip failed (the peer died or answered wrong)");
      break;
    }
    state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count() / 2.0);  // one way
  }
  t.stop();
  if (!peer.finish(5s) && ok) return fail("the peer did not exit cleanly");
  if (ok) ++g_ran[T::kPeer];
}

int run_peer(std::string_view kind, int cpu, long parent) {
  // The bench's death ends the peer (a busy peer would spin for ever).
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) return 1;
  if (!pin_to(cpu)) return 1;
  const int fds[2] = {kFirstFd, kFirstFd + 1};
  if (kind == ShmLine<false>::kPeer) return ShmLine<false>::serve(fds);
  if (kind == ShmLine<true>::kPeer) return ShmLine<true>::serve(fds);
  if (kind == ShmLine<false, true>::kPeer) return ShmLine<false, true>::serve(fds);
  if (kind == SamplepoolChannel<false>::kPeer) return SamplepoolChannel<false>::serve(fds);
  if (kind == SamplepoolChannel<true>::kPeer) return SamplepoolChannel<true>::serve(fds);
  if (kind == Stream<false>::kPeer) return Stream<false>::serve(fds);
  if (kind == Stream<true>::kPeer) return Stream<true>::serve(fds);
  return 1;
}

BENCHMARK(PingPong<ShmLine<false>>)->Name("ipc/shm_line/busy")->UseManualTime()->Unit(benchmark::kNanosecond);
BENCHMARK(PingPong<ShmLine<false, true>>)
    ->Name("ipc/shm_two_lines/busy")
    ->UseManualTime()
    ->Unit(benchmark::kNanosecond);
BENCHMARK(PingPong<SamplepoolChannel<false>>)
    ->Name("ipc/samplepool/busy")
    ->UseManualTime()
    ->Unit(benchmark::kNanosecond);
BENCHMARK(PingPong<ShmLine<true>>)->Name("ipc/shm_line/blocking")->UseManualTime()->Unit(benchmark::kNanosecond);
BENCHMARK(PingPong<SamplepoolChannel<true>>)
    ->Name("ipc/samplepool/blocking")
    ->UseManualTime()
    ->Unit(benchmark::kNanosecond);
BENCHMARK(PingPong<Stream<false>>)->Name("ipc/pipe/blocking")->UseManualTime()->Unit(benchmark::kNanosecond);
BENCHMARK(PingPong<Stream<true>>)->Name("ipc/unix_socket/blocking")->UseManualTime()->Unit(benchmark::kNanosecond);

}  // namespace
}  // namespace samplepool::bench

int main(int argc, char** argv) {
  using namespace samplepool::bench;
  // The peer: --peer=<kind> --cpu=<n> --parent=<pid>.
  if (argc == 4 && std::string_view(argv[1]).starts_with("--peer=")) {
    const std::string_view kind = std::string_view(argv[1]).substr(7);
    const int cpu = std::atoi(argv[2] + std::strlen("--cpu="));
    const long parent = std::atol(argv[3] + std::strlen("--parent="));
    return run_peer(kind, cpu, parent);
  }
  // A dead peer must fail the run (write() returns EPIPE), not kill the bench.
  signal(SIGPIPE, SIG_IGN);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::fflush(stdout);  // the report first, then the summary (the smoke test reads both, in order)
  std::fprintf(stderr, "samplepool_ipc_bench: %d of %d kinds ran, %d failed\n", static_cast<int>(g_ran.size()), kKinds,
               g_failed);
  return g_failed == 0 ? 0 : 1;
}
