/* The shared pool's C face from C99: create, attach, acquire and release,
   the channel, misuse, and errors. (Crash and multi-process behaviour is
   tested on the C++ side, shm/tests/.) */
#include <samplepool/shm.h>

#include <stdio.h>
#include <string.h>

#include "check.h"

int main(void) {
  sp_properties props;
  sp_properties got;
  sp_shm_options opts;
  sp_shm_pool* pool = NULL;
  sp_shm_pool* peer = NULL;
  sp_shm_sample* s[3] = {NULL, NULL, NULL};
  sp_shm_sample* extra = NULL;
  sp_shm_sample* r = NULL;
  sp_shm_stats st;
  uint32_t delivered = 0;
  int i;

  memset(&props, 0, sizeof props);
  props.count = 3;
  props.size = 100;
  props.alignment = 64;
  memset(&opts, 0, sizeof opts);
  opts.max_processes = 4;

  CHECK(sp_shm_create(NULL, NULL, &pool) == SP_INVALID_ARGUMENT);
  props.alignment = 3;
  CHECK(sp_shm_create(&props, NULL, &pool) == SP_BAD_ALIGNMENT);
  props.alignment = 64;
  opts.huge_pages = 7;
  CHECK(sp_shm_create(&props, &opts, &pool) == SP_INVALID_ARGUMENT);
  opts.huge_pages = 0;
  CHECK(sp_shm_create(&props, &opts, &pool) == SP_OK);
  CHECK(sp_shm_fd(pool) >= 0);
  CHECK(sp_shm_get_properties(pool, &got) == SP_OK && got.count == 3 && got.size >= 100);

  CHECK(sp_shm_try_acquire(pool, &s[0]) == SP_NOT_COMMITTED && s[0] == NULL);
  CHECK(sp_shm_commit(pool) == SP_OK);
  for (i = 0; i < 3; ++i) CHECK(sp_shm_acquire_timeout(pool, 1000000000u, &s[i]) == SP_OK);
  CHECK(sp_shm_try_acquire(pool, &extra) == SP_TIMEOUT && extra == NULL);
  CHECK(sp_shm_acquire_timeout(pool, 1000000u, &extra) == SP_TIMEOUT);
  CHECK(sp_shm_sample_data(pool, s[0]) != NULL && sp_shm_sample_size(pool, s[0]) >= 100);
  CHECK(sp_shm_sample_set_actual_length(pool, s[0], 1000) == SP_BUFFER_OVERFLOW);
  CHECK(sp_shm_sample_set_actual_length(pool, s[0], 5) == SP_OK && sp_shm_sample_actual_length(pool, s[0]) == 5);
  CHECK(sp_shm_release(pool, s[1]) == SP_OK);
  CHECK(sp_shm_release(pool, s[1]) == SP_INVALID_ARGUMENT); /* twice: refused, nothing changes */
  CHECK(sp_shm_sample_data(pool, s[1]) == NULL);
  CHECK(sp_shm_get_stats(pool, &st) == SP_OK && st.free == 1 && st.held == 2 && st.misuse == 1);

  /* A second attachment (as another process would) subscribes; we publish. */
  CHECK(sp_shm_attach(-1, &peer) == SP_INVALID_ARGUMENT);
  CHECK(sp_shm_attach(sp_shm_fd(pool), &peer) == SP_OK);
  CHECK(sp_shm_commit(peer) == SP_INVALID_ARGUMENT); /* only the creator */
  CHECK(sp_shm_try_receive(peer, &r) == SP_INVALID_ARGUMENT); /* not subscribed */
  CHECK(sp_shm_subscribe(peer) == SP_OK);
  memcpy(sp_shm_sample_data(pool, s[0]), "abc", 4);
  CHECK(sp_shm_publish(pool, s[0], &delivered) == SP_OK && delivered == 1);
  CHECK(sp_shm_release(pool, s[0]) == SP_OK);
  CHECK(sp_shm_receive_timeout(peer, 1000000000u, &r) == SP_OK);
  CHECK(r != NULL && strcmp((const char*)sp_shm_sample_data(peer, r), "abc") == 0);
  CHECK(sp_shm_sample_actual_length(peer, r) == 5);
  CHECK(sp_shm_release(peer, r) == SP_OK);
  CHECK(sp_shm_try_receive(peer, &r) == SP_TIMEOUT);
  CHECK(sp_shm_get_stats(peer, &st) == SP_OK && st.processes == 2 && st.subscribers == 1 && st.received == 1);
  CHECK(sp_shm_unsubscribe(peer) == SP_OK);
  sp_shm_destroy(peer);

  CHECK(sp_shm_release(pool, s[2]) == SP_OK);
  CHECK(sp_shm_decommit(pool) == SP_OK);
  CHECK(sp_shm_acquire(pool, &extra) == SP_NOT_COMMITTED);
  CHECK(sp_shm_get_stats(pool, &st) == SP_OK && st.free == 3 && !st.committed);
  CHECK(sp_shm_attach_named("no.such.pool", &peer) == SP_NOT_COMMITTED);
  sp_shm_destroy(pool);
  sp_shm_destroy(NULL);

  printf("c_shm: %d checks, %d failures\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
