/* The C API from C99: every call, its errors, and the sample life cycle. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep */
#include <samplepool/samplepool.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"

static int released = 0;
static void on_release(void* ctx) { ++*(int*)ctx; }

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_ms(long ms) {
  struct timespec t;
  t.tv_sec = ms / 1000;
  t.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&t, NULL);
}

/* After 100 ms, releases the held sample (or decommits the pool). */
struct later {
  sp_pool* pool;
  sp_sample* held;
  int decommit;
};
static void* act_later(void* arg) {
  struct later* l = (struct later*)arg;
  sleep_ms(100);
  if (l->decommit) {
    sp_pool_decommit(l->pool);
  } else {
    sp_sample_release(l->held);
  }
  return NULL;
}

/* A timeout of 2^63 ns or more is no deadline: the acquire blocks until
   another thread acts, and then returns `expect`. */
static void blocks_until_other_thread(sp_pool* pool, uint64_t timeout_ns, int decommit, sp_error expect) {
  struct later l;
  pthread_t th;
  sp_sample* got = NULL;
  double t0;
  sp_error e;
  l.pool = pool;
  l.decommit = decommit;
  CHECK(sp_pool_commit(pool) == SP_OK);
  CHECK(sp_pool_try_acquire(pool, &l.held) == SP_OK); /* the pool's only sample */
  CHECK(pthread_create(&th, NULL, act_later, &l) == 0);
  t0 = now_s();
  e = sp_pool_acquire_timeout(pool, timeout_ns, &got);
  CHECK(e == expect);
  CHECK(now_s() - t0 > 0.05); /* it waited for the other thread */
  pthread_join(th, NULL);
  if (got != NULL) sp_sample_release(got);
  if (decommit) sp_sample_release(l.held);
}

/* Null samples: getters return their neutral value, setters refuse. */
static void null_samples(void) {
  int64_t a = 1, b = 2;
  CHECK(sp_sample_data(NULL) == NULL);
  CHECK(sp_sample_size(NULL) == 0);
  CHECK(sp_sample_prefix(NULL) == NULL);
  CHECK(sp_sample_prefix_size(NULL) == 0);
  CHECK(sp_sample_actual_length(NULL) == 0);
  CHECK(sp_sample_set_actual_length(NULL, 1) == SP_INVALID_ARGUMENT);
  CHECK(sp_sample_get_time(NULL, &a, &b) == 0 && a == 1 && b == 2);
  CHECK(sp_sample_get_media_time(NULL, &a, &b) == 0 && a == 1 && b == 2);
  CHECK(sp_sample_set_time(NULL, &a, &b) == SP_INVALID_ARGUMENT);
  CHECK(sp_sample_set_time(NULL, NULL, NULL) == SP_INVALID_ARGUMENT);
  CHECK(sp_sample_set_media_time(NULL, &a, &b) == SP_INVALID_ARGUMENT);
  CHECK(sp_sample_set_media_time(NULL, NULL, NULL) == SP_INVALID_ARGUMENT);
  CHECK(sp_sample_flags(NULL) == 0);
  CHECK(sp_sample_set_flags(NULL, SP_SAMPLE_PREROLL) == SP_INVALID_ARGUMENT);
  CHECK(sp_sample_add_ref(NULL) == SP_INVALID_ARGUMENT);
  CHECK(sp_pool_release_sample(NULL, NULL) == SP_INVALID_ARGUMENT);
  CHECK(sp_pool_acquire(NULL, NULL) == SP_INVALID_ARGUMENT);
  CHECK(sp_pool_try_acquire(NULL, NULL) == SP_INVALID_ARGUMENT);
  CHECK(sp_pool_acquire_timeout(NULL, 0, NULL) == SP_INVALID_ARGUMENT);
  CHECK(sp_pool_commit(NULL) == SP_INVALID_ARGUMENT);
  CHECK(sp_pool_decommit(NULL) == SP_INVALID_ARGUMENT);
  CHECK(sp_pool_release_memory(NULL) == SP_INVALID_ARGUMENT);
  CHECK(sp_pool_stats(NULL, NULL) == SP_INVALID_ARGUMENT);
  CHECK(sp_pool_get_properties(NULL, NULL) == SP_INVALID_ARGUMENT);
  CHECK(sp_pool_set_properties(NULL, NULL, NULL) == SP_INVALID_ARGUMENT);
  CHECK(sp_pool_set_release_callback(NULL, NULL, NULL) == SP_INVALID_ARGUMENT);
  CHECK(sp_pool_trim(NULL) == SP_INVALID_ARGUMENT);
  CHECK(sp_pool_holders(NULL, NULL, 0, NULL) == SP_INVALID_ARGUMENT);
  CHECK(sp_pool_set_starvation_callback(NULL, 0, NULL, NULL) == SP_INVALID_ARGUMENT);
  CHECK(sp_sample_note_holder(NULL) == SP_INVALID_ARGUMENT);
}

typedef struct starved {
  int calls;
  size_t holders;
  uint32_t samples;
  uint64_t waited_ns;
} starved;

static void on_starved(void* context, const sp_holder* holders, size_t count, uint64_t waited_ns) {
  starved* s = (starved*)context;
  s->calls++;
  s->holders = count;
  s->samples = count > 0 ? holders[0].samples : 0;
  s->waited_ns = waited_ns;
}

/* Holders and the starvation report through the C API. */
static void test_holders(void) {
  sp_pool* pool = NULL;
  sp_sample* held[2] = {0};
  sp_sample* more = NULL;
  sp_properties req = {2, 64, 16, 0, 0};
  sp_holder hs[4];
  size_t n = 99;
  starved st = {0, 0, 0, 0};
  sp_stats stats;
  CHECK(sp_pool_create(NULL, &pool) == SP_OK);
  CHECK(sp_pool_set_properties(pool, &req, NULL) == SP_OK);
  CHECK(sp_pool_holders(pool, NULL, 0, &n) == SP_OK && n == 0);
  CHECK(sp_pool_holders(pool, NULL, 1, &n) == SP_INVALID_ARGUMENT);
  CHECK(sp_pool_set_starvation_callback(pool, 10000000, on_starved, &st) == SP_OK); /* 10 ms */
  CHECK(sp_pool_commit(pool) == SP_OK);
  CHECK(sp_pool_set_starvation_callback(pool, 0, NULL, NULL) == SP_ALREADY_COMMITTED);
  CHECK(sp_pool_try_acquire(pool, &held[0]) == SP_OK);
  CHECK(sp_pool_try_acquire(pool, &held[1]) == SP_OK);
  CHECK(sp_sample_note_holder(held[0]) == SP_OK);
  CHECK(sp_pool_holders(pool, hs, 4, &n) == SP_OK && n == 1);
  CHECK(hs[0].samples == 2 && hs[0].thread_id != 0 && hs[0].name[15] == 0);
  CHECK(sp_pool_acquire_timeout(pool, 60000000, &more) == SP_TIMEOUT); /* 60 ms */
  CHECK(st.calls == 1 && st.holders == 1 && st.samples == 2 && st.waited_ns >= 10000000);
  CHECK(sp_pool_stats(pool, &stats) == SP_OK && stats.oldest_held_ms >= 50); /* a report turns ages on */
  CHECK(sp_pool_stats(pool, &stats) == SP_OK && stats.starvation_reports == 1);
  sp_sample_release(held[0]);
  sp_sample_release(held[1]);
  sp_pool_destroy(pool);
}

/* Growth through the C API: max_count above count grows on demand, below is
   refused, stats show it, trim gives the grown memory back. */
static void test_growth(void) {
  sp_pool* pool = NULL;
  sp_sample* held[6] = {0};
  sp_sample* more = NULL;
  sp_properties req = {2, 256, 16, 0, 1}, got;
  sp_stats st;
  int i;
  CHECK(sp_pool_create(NULL, &pool) == SP_OK);
  CHECK(sp_pool_set_properties(pool, &req, &got) == SP_INVALID_ARGUMENT); /* max below count */
  req.max_count = 6;
  CHECK(sp_pool_set_properties(pool, &req, &got) == SP_OK && got.max_count == 6);
  CHECK(sp_pool_get_properties(pool, &got) == SP_OK && got.max_count == 6 && got.count == 2);
  CHECK(sp_pool_commit(pool) == SP_OK);
  for (i = 0; i < 6; ++i) CHECK(sp_pool_try_acquire(pool, &held[i]) == SP_OK);
  CHECK(sp_pool_try_acquire(pool, &more) == SP_TIMEOUT && more == NULL);
  CHECK(sp_pool_stats(pool, &st) == SP_OK);
  CHECK(st.count == 6 && st.max_count == 6 && st.growths == 4 && st.growth_failures == 0);
  CHECK(sp_pool_trim(pool) == SP_ALREADY_COMMITTED);
  for (i = 0; i < 6; ++i) sp_sample_release(held[i]);
  CHECK(sp_pool_decommit(pool) == SP_OK);
  CHECK(sp_pool_trim(pool) == SP_OK);
  CHECK(sp_pool_stats(pool, &st) == SP_OK && st.count == 2 && st.max_count == 6);
  sp_pool_destroy(pool);
}

int main(void) {
  sp_pool* pool = NULL;
  sp_pool* other = NULL;
  sp_sample* s = NULL;
  sp_sample* t = NULL;
  sp_properties req = {4, 1000, 64, 32, 0}, got;
  sp_stats st;
  int64_t a = 0, b = 0;

  test_growth();
  test_holders();

  CHECK(strcmp(sp_error_name(SP_OK), "ok") == 0);
  CHECK(strcmp(sp_error_name(SP_NOT_COMMITTED), "not_committed") == 0);
  CHECK(sp_pool_create(NULL, NULL) == SP_INVALID_ARGUMENT);
  CHECK(sp_pool_create(NULL, &pool) == SP_OK && pool != NULL);
  CHECK(sp_pool_create(NULL, &other) == SP_OK);

  /* Properties and commit. */
  CHECK(sp_pool_commit(pool) == SP_SIZE_NOT_SET);
  req.alignment = 3;
  CHECK(sp_pool_set_properties(pool, &req, &got) == SP_BAD_ALIGNMENT);
  req.alignment = 64;
  CHECK(sp_pool_set_properties(pool, NULL, &got) == SP_INVALID_ARGUMENT);
  CHECK(sp_pool_set_properties(pool, &req, &got) == SP_OK);
  CHECK(got.count == 4 && got.size == 1056 && got.alignment == 64 && got.prefix == 32);
  CHECK(sp_pool_try_acquire(pool, &s) == SP_NOT_COMMITTED && s == NULL);
  CHECK(sp_pool_set_release_callback(pool, on_release, &released) == SP_OK);
  CHECK(sp_pool_commit(pool) == SP_OK);
  CHECK(sp_pool_commit(pool) == SP_OK);
  CHECK(sp_pool_set_properties(pool, &req, NULL) == SP_ALREADY_COMMITTED);

  /* A sample. */
  CHECK(sp_pool_acquire(pool, &s) == SP_OK && s != NULL);
  CHECK(sp_sample_size(s) == 1056);
  CHECK(sp_sample_prefix_size(s) == 32);
  CHECK((char*)sp_sample_data(s) - (char*)sp_sample_prefix(s) == 32);
  CHECK(((uintptr_t)sp_sample_prefix(s)) % 64 == 0);
  memset(sp_sample_prefix(s), 0x5a, 32 + 1056);
  CHECK(sp_sample_actual_length(s) == 1056);
  CHECK(sp_sample_set_actual_length(s, 2000) == SP_BUFFER_OVERFLOW);
  CHECK(sp_sample_set_actual_length(s, 100) == SP_OK && sp_sample_actual_length(s) == 100);
  CHECK(sp_sample_get_time(s, &a, &b) == 0);
  a = 10;
  sp_sample_set_time(s, &a, NULL);
  CHECK(sp_sample_get_time(s, &a, &b) == SP_TIME_START && a == 10 && b == 11);
  b = 20;
  sp_sample_set_time(s, &a, &b);
  CHECK(sp_sample_get_time(s, &a, &b) == (SP_TIME_START | SP_TIME_STOP) && b == 20);
  CHECK(sp_sample_set_time(s, NULL, &b) == SP_OK); /* start NULL clears */
  CHECK(sp_sample_get_time(s, &a, &b) == 0);
  CHECK(sp_sample_set_time(s, &a, &b) == SP_OK);
  CHECK(sp_sample_set_media_time(s, &a, &b) == SP_OK);
  CHECK(sp_sample_get_media_time(s, &a, &b) == (SP_TIME_START | SP_TIME_STOP) && a == 10 && b == 20);
  /* One end NULL: E_POINTER in DirectShow; nothing changes. */
  CHECK(sp_sample_set_media_time(s, &a, NULL) == SP_INVALID_ARGUMENT);
  CHECK(sp_sample_set_media_time(s, NULL, &b) == SP_INVALID_ARGUMENT);
  CHECK(sp_sample_get_media_time(s, &a, &b) == (SP_TIME_START | SP_TIME_STOP) && a == 10 && b == 20);
  CHECK(sp_sample_set_media_time(s, NULL, NULL) == SP_OK);
  CHECK(sp_sample_get_media_time(s, &a, &b) == 0);
  CHECK(sp_sample_set_media_time(s, &a, &b) == SP_OK);
  CHECK(sp_sample_set_flags(s, SP_SAMPLE_SYNC_POINT | SP_SAMPLE_DISCONTINUITY) == SP_OK);
  CHECK(sp_sample_flags(s) == (SP_SAMPLE_SYNC_POINT | SP_SAMPLE_DISCONTINUITY));
  CHECK(sp_sample_set_flags(s, 8u) == SP_INVALID_ARGUMENT);
  CHECK(sp_sample_flags(s) == (SP_SAMPLE_SYNC_POINT | SP_SAMPLE_DISCONTINUITY));
  null_samples();

  /* References, foreign pools, recycling. */
  CHECK(sp_sample_add_ref(s) == SP_OK);
  sp_sample_release(s);
  CHECK(sp_pool_stats(pool, &st) == SP_OK && st.outstanding == 1 && st.count == 4);
  CHECK(sp_pool_release_sample(other, s) == SP_INVALID_ARGUMENT);
  CHECK(sp_pool_release_sample(pool, s) == SP_OK);
  CHECK(released == 1);
  CHECK(sp_pool_try_acquire(pool, &s) == SP_OK);
  CHECK(sp_sample_actual_length(s) == 100);  /* survives recycling */
  CHECK(sp_sample_flags(s) == 0);            /* cleared by recycling */
  CHECK(sp_sample_get_time(s, &a, &b) == 0);

  /* Exhaustion and timeouts. */
  {
    sp_sample* more[3];
    int i;
    for (i = 0; i < 3; ++i) CHECK(sp_pool_try_acquire(pool, &more[i]) == SP_OK);
    CHECK(sp_pool_try_acquire(pool, &t) == SP_TIMEOUT && t == NULL);
    CHECK(sp_pool_acquire_timeout(pool, 2000000, &t) == SP_TIMEOUT);
    for (i = 0; i < 3; ++i) sp_sample_release(more[i]);
  }
  CHECK(sp_pool_stats(pool, &st) == SP_OK && st.outstanding == 1 && st.timeouts == 2 && st.committed == 1);

  /* Decommit: held samples stay valid; acquires fail; memory kept until released. */
  CHECK(sp_pool_decommit(pool) == SP_OK);
  CHECK(sp_pool_acquire(pool, &t) == SP_NOT_COMMITTED);
  memset(sp_sample_data(s), 1, 1056);
  CHECK(sp_pool_release_memory(pool) == SP_BUFFERS_OUTSTANDING);
  sp_sample_release(s);
  CHECK(sp_pool_release_memory(pool) == SP_OK);
  CHECK(sp_pool_get_properties(pool, &got) == SP_OK && got.count == 4);

  /* Backends and options. */
  {
    sp_pool_options o;
    sp_pool* mm = NULL;
    memset(&o, 0, sizeof o);
    o.backend = SP_BACKEND_MMAP;
    o.mmap_huge_pages = 1;
    o.fifo = 1;
    CHECK(sp_pool_create(&o, &mm) == SP_OK);
    CHECK(sp_pool_set_properties(mm, &req, NULL) == SP_OK && sp_pool_commit(mm) == SP_OK);
    CHECK(sp_pool_acquire(mm, &t) == SP_OK);
    sp_sample_release(t);
    sp_pool_destroy(mm);
    o.backend = SP_BACKEND_MEMFD; /* the mmap fields apply to memfd too */
    o.mmap_huge_pages = 2;       /* falls back where the hugetlb pool is empty */
    CHECK(sp_pool_create(&o, &mm) == SP_OK);
    CHECK(sp_pool_set_properties(mm, &req, NULL) == SP_OK && sp_pool_commit(mm) == SP_OK);
    CHECK(sp_pool_acquire(mm, &t) == SP_OK);
    sp_sample_release(t);
    sp_pool_destroy(mm);
    o.mmap_huge_pages = 7;
    CHECK(sp_pool_create(&o, &mm) == SP_INVALID_ARGUMENT && mm == NULL);
    o.backend = 9;
    CHECK(sp_pool_create(&o, &mm) == SP_INVALID_ARGUMENT);
    /* The mmap fields with another backend: refused, not ignored. */
    o.backend = SP_BACKEND_HEAP;
    o.mmap_huge_pages = 1;
    CHECK(sp_pool_create(&o, &mm) == SP_INVALID_ARGUMENT && mm == NULL);
    o.mmap_huge_pages = 0;
    o.mmap_lock = 1;
    CHECK(sp_pool_create(&o, &mm) == SP_INVALID_ARGUMENT && mm == NULL);
    o.backend = SP_BACKEND_JEMALLOC;
    CHECK(sp_pool_create(&o, &mm) == SP_INVALID_ARGUMENT && mm == NULL);
  }

  /* "Wait forever": UINT64_MAX and anything from 2^63 ns up is no deadline. */
  {
    sp_pool* one = NULL;
    sp_properties p1 = {1, 64, 8, 0, 0};
    CHECK(sp_pool_create(NULL, &one) == SP_OK);
    CHECK(sp_pool_set_properties(one, &p1, NULL) == SP_OK);
    blocks_until_other_thread(one, UINT64_MAX, 0, SP_OK);
    blocks_until_other_thread(one, (uint64_t)1 << 63, 0, SP_OK);
    blocks_until_other_thread(one, UINT64_MAX, 1, SP_NOT_COMMITTED);
    sp_pool_destroy(one);
  }

  sp_pool_destroy(pool);
  sp_pool_destroy(other);
  sp_pool_destroy(NULL);
  sp_sample_release(NULL);
  printf("c_api: %d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
