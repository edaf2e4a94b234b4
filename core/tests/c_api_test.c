/* The C API from C99: every call, its errors, and the sample life cycle. */
#include <samplepool/samplepool.h>

#include <stdio.h>
#include <string.h>

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                 \
  do {                                                              \
    ++checks;                                                       \
    if (!(cond)) {                                                  \
      ++failures;                                                   \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                               \
  } while (0)

static int released = 0;
static void on_release(void* ctx) { ++*(int*)ctx; }

int main(void) {
  sp_pool* pool = NULL;
  sp_pool* other = NULL;
  sp_sample* s = NULL;
  sp_sample* t = NULL;
  sp_properties req = {4, 1000, 64, 32}, got;
  sp_stats st;
  int64_t a = 0, b = 0;

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
  sp_sample_set_media_time(s, &a, &b);
  CHECK(sp_sample_get_media_time(s, &a, &b) == (SP_TIME_START | SP_TIME_STOP));
  sp_sample_set_flags(s, SP_SAMPLE_SYNC_POINT | SP_SAMPLE_DISCONTINUITY);
  CHECK(sp_sample_flags(s) == (SP_SAMPLE_SYNC_POINT | SP_SAMPLE_DISCONTINUITY));

  /* References, foreign pools, recycling. */
  sp_sample_add_ref(s);
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
    o.mmap_huge_pages = 7;
    CHECK(sp_pool_create(&o, &mm) == SP_INVALID_ARGUMENT && mm == NULL);
    o.backend = 9;
    CHECK(sp_pool_create(&o, &mm) == SP_INVALID_ARGUMENT);
  }

  sp_pool_destroy(pool);
  sp_pool_destroy(other);
  sp_pool_destroy(NULL);
  sp_sample_release(NULL);
  printf("c_api: %d passed, %d failed\n", checks - failures, failures);
  return failures == 0 ? 0 : 1;
}
