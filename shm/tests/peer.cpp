// samplepool_shm_peer: the other process of the multi-process tests
// (multiprocess_test.cpp). It attaches to the segment whose fd it inherits
// (argv[1]), does one thing (argv[2]) and reports each step on stdout as one
// line; the test reads those lines, and kills it where it must.
//
//   hold N              acquire N samples, print "held", wait for stdin EOF
//   block               acquire one (blocking): print "result <errc>"
//   stop-at POINT       install a test hook that prints "stopped" and sleeps
//                       forever at POINT, then do what reaches it:
//                       acquire_claimed: acquire; release_midway: acquire
//                       and release; publish_midway: acquire and publish;
//                       receive_midway: subscribe and receive;
//                       publish_charging: acquire and publish, printing
//                       "charging" before the charge and waiting there for a
//                       byte on stdin, then stopping at publish_midway
//   subscribe           subscribe, print "subscribed", wait for stdin EOF
//   receive             subscribe, print "subscribed", receive (blocking):
//                       print "result <errc>"
//   publish N           acquire and publish N samples, releasing each; print
//                       "published", wait for stdin EOF
//   create              create a pool of 4 samples, commit, send its fd over
//                       the socket fd argv[1], print "created", wait for EOF
//   hold-received N     subscribe, print "subscribed", receive N and hold
//                       them, print "received", wait for stdin EOF
//   script              one step per line on stdin, each answered by one
//                       line (an error as "result <errc>"):
//                         acquire      -> "acquired <index>" (held)
//                         publish      -> "published <delivered>" (the
//                                         last sample held)
//                         release      -> "released" (the last held)
//                         subscribe    -> "subscribed"
//                         unsubscribe  -> "unsubscribed"
//                         receive      -> "received <index>" (held)
//                         leave        -> "left" (drops every hold and
//                                         detaches)
//                         stop-at P    -> "armed": at hook point P print
//                                         "stopped" and sleep forever
//                         pause-at P   -> "armed": at P print "paused" and
//                                         wait for a line on stdin
//                       P is a HookPoint's name without "shm_".
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <utility>
#include <string>
#include <vector>

#include "samplepool/alloc/fd_passing.hpp"
#include "samplepool/detail/test_hooks.hpp"
#include "samplepool/shm/shared_pool.hpp"

namespace {

using samplepool::Errc;
using samplepool::shm::SharedPool;
using samplepool::shm::SharedSample;
using HookPoint = samplepool::detail::HookPoint;

HookPoint g_stop_at;
bool g_pause = false;  // script: wait for a line at g_stop_at instead of stopping
bool g_armed = false;

void say(const char* line) {
  std::printf("%s\n", line);
  std::fflush(stdout);
}

void say_result(Errc e) {
  std::printf("result %s\n", samplepool::to_string(e));
  std::fflush(stdout);
}

void wait_for_eof() {
  char c;
  while (read(0, &c, 1) > 0) {
  }
}

// One line from stdin, read a byte at a time (the hook reads stdin too, so
// nothing may be buffered ahead). False at EOF.
bool read_line(std::string* line) {
  line->clear();
  char c;
  while (read(0, &c, 1) == 1) {
    if (c == '\n') return true;
    line->push_back(c);
  }
  return !line->empty();
}

bool point_named(const std::string& name, HookPoint* out) {
  static const std::pair<const char*, HookPoint> kPoints[] = {
      {"acquire_claimed", HookPoint::shm_acquire_claimed},
      {"release_midway", HookPoint::shm_release_midway},
      {"publish_charging", HookPoint::shm_publish_charging},
      {"publish_charged", HookPoint::shm_publish_charged},
      {"publish_midway", HookPoint::shm_publish_midway},
      {"publish_checked", HookPoint::shm_publish_checked},
      {"publisher_left", HookPoint::shm_publisher_left},
      {"receive_read", HookPoint::shm_receive_read},
      {"receive_midway", HookPoint::shm_receive_midway},
  };
  for (const auto& [n, p] : kPoints) {
    if (name == n) {
      *out = p;
      return true;
    }
  }
  return false;
}

// The script's hook: fires once, at g_stop_at.
void script_hook(HookPoint p) noexcept {
  if (!g_armed || p != g_stop_at) return;
  g_armed = false;
  if (g_pause) {
    say("paused");
    std::string go;
    (void)read_line(&go);
    return;
  }
  say("stopped");
  for (;;) pause();
}

int run_script(std::unique_ptr<SharedPool> pool) {
  samplepool::detail::set_test_hook(script_hook);
  std::vector<SharedSample> held;
  char text[64];
  for (std::string line; read_line(&line);) {
    const auto space = line.find(' ');
    const std::string step = line.substr(0, space);
    const std::string arg = space == std::string::npos ? "" : line.substr(space + 1);
    Errc e = Errc::ok;
    if (!pool && step != "stop-at" && step != "pause-at") {
      e = Errc::invalid_argument;  // after leave
    } else if (step == "acquire" || step == "receive") {
      SharedSample s;
      e = step == "acquire" ? pool->acquire(s) : pool->receive(s);
      if (e == Errc::ok) {
        std::snprintf(text, sizeof text, "%s %u", step == "acquire" ? "acquired" : "received", s.index());
        held.push_back(std::move(s));
      }
    } else if (step == "publish" && !held.empty()) {
      std::uint32_t delivered = 0;
      e = pool->publish(held.back(), &delivered);
      std::snprintf(text, sizeof text, "published %u", delivered);
    } else if (step == "release" && !held.empty()) {
      held.pop_back();
      std::snprintf(text, sizeof text, "released");
    } else if (step == "subscribe" || step == "unsubscribe") {
      e = step == "subscribe" ? pool->subscribe() : pool->unsubscribe();
      std::snprintf(text, sizeof text, "%sd", step.c_str());
    } else if (step == "leave") {
      held.clear();
      pool.reset();
      std::snprintf(text, sizeof text, "left");
    } else if ((step == "stop-at" || step == "pause-at") && point_named(arg, &g_stop_at)) {
      g_pause = step == "pause-at";
      g_armed = true;
      std::snprintf(text, sizeof text, "armed");
    } else {
      e = Errc::invalid_argument;
    }
    if (e != Errc::ok) {
      say_result(e);
    } else {
      say(text);
    }
  }
  return 0;
}

void stop_here(HookPoint p) noexcept {
  if (g_stop_at == HookPoint::shm_publish_charging) {
    if (p == HookPoint::shm_publish_charging) {
      say("charging");
      char c;
      (void)!read(0, &c, 1);  // the test's go
      return;
    }
    if (p != HookPoint::shm_publish_midway) return;
  } else if (p != g_stop_at) {
    return;
  }
  say("stopped");
  for (;;) pause();
}

int fail(const char* what, Errc e) {
  std::fprintf(stderr, "peer: %s: %s\n", what, samplepool::to_string(e));
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const int fd = std::atoi(argv[1]);
  const std::string cmd = argv[2];
  const int n = argc > 3 ? std::atoi(argv[3]) : 1;

  if (cmd == "create") {
    std::unique_ptr<SharedPool> pool;
    samplepool::Properties p;
    p.count = 4;
    p.size = 256;
    p.alignment = 64;
    if (const Errc e = SharedPool::create(p, {}, &pool); e != Errc::ok) return fail("create", e);
    if (const Errc e = pool->commit(); e != Errc::ok) return fail("commit", e);
    if (const Errc e = samplepool::alloc::send_fd(fd, pool->fd(), "p", 1); e != Errc::ok) return fail("send", e);
    say("created");
    wait_for_eof();
    return 0;
  }

  std::unique_ptr<SharedPool> pool;
  if (const Errc e = SharedPool::attach(fd, &pool); e != Errc::ok) return fail("attach", e);
  if (cmd == "script") return run_script(std::move(pool));

  if (cmd == "hold") {
    std::vector<SharedSample> held(static_cast<std::size_t>(n));
    for (auto& s : held) {
      if (const Errc e = pool->acquire(s); e != Errc::ok) return fail("acquire", e);
    }
    say("held");
    wait_for_eof();
    return 0;
  }
  if (cmd == "block") {
    SharedSample s;
    say_result(pool->acquire(s));
    return 0;
  }
  if (cmd == "subscribe" || cmd == "receive" || cmd == "hold-received") {
    if (const Errc e = pool->subscribe(); e != Errc::ok) return fail("subscribe", e);
    say("subscribed");
    if (cmd == "receive") {
      SharedSample s;
      say_result(pool->receive(s));
      return 0;
    }
    std::vector<SharedSample> got(cmd == "hold-received" ? static_cast<std::size_t>(n) : 0);
    for (auto& s : got) {
      if (const Errc e = pool->receive(s); e != Errc::ok) return fail("receive", e);
    }
    if (!got.empty()) say("received");
    wait_for_eof();
    return 0;
  }
  if (cmd == "publish") {
    for (int k = 0; k < n; ++k) {
      SharedSample s;
      if (const Errc e = pool->acquire(s); e != Errc::ok) return fail("acquire", e);
      if (const Errc e = pool->publish(s); e != Errc::ok) return fail("publish", e);
    }
    say("published");
    wait_for_eof();
    return 0;
  }
  if (cmd == "stop-at" && argc > 3) {
    if (!point_named(argv[3], &g_stop_at)) return 2;
    samplepool::detail::set_test_hook(stop_here);
    SharedSample s;
    if (g_stop_at == HookPoint::shm_receive_midway) {
      if (const Errc e = pool->subscribe(); e != Errc::ok) return fail("subscribe", e);
      say("subscribed");
      (void)pool->receive(s);
    } else {
      if (const Errc e = pool->acquire(s); e != Errc::ok) return fail("acquire", e);
      if (g_stop_at == HookPoint::shm_publish_midway || g_stop_at == HookPoint::shm_publish_charging) {
        (void)pool->publish(s);
      }
      s.reset();
    }
    say("passed");  // the hook did not stop us: the test fails on this line
    return 3;
  }
  return 2;
}
