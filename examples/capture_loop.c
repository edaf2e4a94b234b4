/* A capture loop in C99 against the installed package, built from a plain
 * compiler line:
 *
 *   cc -std=c99 capture_loop.c $(pkg-config --cflags --libs samplepool) -o capture_loop
 *
 * A capture thread acquires a buffer per frame (waiting at most one frame
 * period), stamps it and hands it to a consumer thread through a small ring;
 * the consumer releases it. Half-way through, the stream stops and restarts
 * (decommit/commit). Prints the pool's statistics; exits 1 if any sample is
 * missing at the end.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <samplepool/samplepool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define FRAMES 480
#define PERIOD_NS 4166667L /* 240 fps */
#define RING 16

static sp_sample* ring[RING];
static int head, tail, done;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;

static void* consume(void* arg) {
  long consumed = 0;
  (void)arg;
  for (;;) {
    sp_sample* s;
    pthread_mutex_lock(&lock);
    while (head == tail && !done) pthread_cond_wait(&changed, &lock);
    if (head == tail && done) {
      pthread_mutex_unlock(&lock);
      break;
    }
    s = ring[tail++ % RING];
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
    sp_sample_release(s); /* back to the pool */
    ++consumed;
  }
  printf("consumer: released %ld frames\n", consumed);
  return NULL;
}

int main(void) {
  sp_pool* pool;
  sp_properties req = {8, 1920 * 1080 * 2, 64, 0, 0}, got; /* max_count 0: fixed */
  sp_stats st;
  pthread_t consumer;
  long captured = 0, dropped = 0, stopped = 0;
  int i;
  struct timespec next;

  if (sp_pool_create(NULL, &pool) != SP_OK) return 1;
  if (sp_pool_set_properties(pool, &req, &got) != SP_OK || sp_pool_commit(pool) != SP_OK) {
    fprintf(stderr, "capture_loop: cannot configure the pool\n");
    return 1;
  }
  printf("pool: %u buffers x %zu bytes\n", got.count, got.size);
  pthread_create(&consumer, NULL, consume, NULL);
  clock_gettime(CLOCK_MONOTONIC, &next);
  for (i = 0; i < FRAMES; ++i) {
    sp_sample* s = NULL;
    sp_error e;
    int64_t start = (int64_t)i * PERIOD_NS, stop = start + PERIOD_NS;
    if (i == FRAMES / 2) { /* Stop, then Run again */
      sp_pool_decommit(pool);
      sp_pool_commit(pool);
    }
    next.tv_nsec += PERIOD_NS;
    if (next.tv_nsec >= 1000000000L) {
      next.tv_nsec -= 1000000000L;
      ++next.tv_sec;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    e = sp_pool_acquire_timeout(pool, PERIOD_NS, &s);
    if (e == SP_TIMEOUT) {
      ++dropped;
      continue;
    }
    if (e != SP_OK) {
      ++stopped;
      continue;
    }
    memset(sp_sample_data(s), i & 0xff, 64); /* "DMA" the frame header */
    sp_sample_set_time(s, &start, &stop);
    sp_sample_set_flags(s, SP_SAMPLE_SYNC_POINT);
    pthread_mutex_lock(&lock);
    while (head - tail == RING) pthread_cond_wait(&changed, &lock);
    ring[head++ % RING] = s;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
    ++captured;
  }
  pthread_mutex_lock(&lock);
  done = 1;
  pthread_cond_broadcast(&changed);
  pthread_mutex_unlock(&lock);
  pthread_join(consumer, NULL);
  sp_pool_stats(pool, &st);
  printf("captured %ld, dropped %ld, not committed %ld\n", captured, dropped, stopped);
  printf("pool: acquires %llu, waits %llu, timeouts %llu, decommits %llu, outstanding %u, free %u\n",
         (unsigned long long)st.acquires, (unsigned long long)st.waits, (unsigned long long)st.timeouts,
         (unsigned long long)st.decommits, st.outstanding, st.free);
  sp_pool_destroy(pool);
  return st.outstanding == 0 && st.free == st.count ? 0 : 1;
}
