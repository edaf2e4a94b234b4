/* samplepool/shm.h: the C face of shared pools (one pool, many processes;
 * samplepool/shm/shared_pool.hpp has the whole contract).
 *
 *   creator:  sp_shm_create(&props, &opts, &pool); sp_shm_commit(pool);
 *             pass sp_shm_fd(pool) to others (SCM_RIGHTS), or name the pool
 *   others:   sp_shm_attach(fd, &pool) or sp_shm_attach_named("cam0", &pool)
 *   any:      sp_shm_acquire(pool, &s); sp_shm_sample_data(pool, s); sp_shm_release(pool, s);
 *   channel:  publisher sp_shm_publish(pool, s, &n); subscribers
 *             sp_shm_subscribe(pool) then sp_shm_receive(pool, &s)
 *
 * Error codes are sp_error's (samplepool.h), as the in-process pool's, plus
 * SP_CORRUPTED (the shared memory failed a check: the pool is marked broken)
 * and SP_BUSY (no process slot left, or another publisher). A sample handle
 * is valid in the process that acquired or received it, until released;
 * releasing one twice gives SP_INVALID_ARGUMENT and changes nothing.
 * Every function may be called from any thread. */
#ifndef SAMPLEPOOL_SHM_H
#define SAMPLEPOOL_SHM_H

#include <stddef.h>
#include <stdint.h>

#include "samplepool/samplepool.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sp_shm_pool sp_shm_pool;
typedef struct sp_shm_sample sp_shm_sample;

typedef struct sp_shm_options {
  uint32_t max_processes;    /* 1..32, the creator included; 0: 8 */
  uint32_t channel_capacity; /* ring entries per subscriber; 0: the count */
  int huge_pages;            /* 0 none, 1 transparent, 2 hugetlb (falls back) */
  const char* name;          /* NULL or "": no name; else sp_shm_attach_named() finds it */
} sp_shm_options;

typedef struct sp_shm_stats {
  uint32_t count, free, held, queued, processes, subscribers, waiters;
  uint64_t acquires, releases, waits, timeouts, not_committed;
  uint64_t published, received, dropped;
  uint64_t processes_reaped, samples_reclaimed;
  uint64_t misuse; /* this process's releases of handles it did not hold */
  int committed, broken, closed;
} sp_shm_stats;

/* options may be NULL (defaults). */
sp_error sp_shm_create(const sp_properties* props, const sp_shm_options* options, sp_shm_pool** out);
sp_error sp_shm_attach(int fd, sp_shm_pool** out); /* the caller keeps its fd */
sp_error sp_shm_attach_named(const char* name, sp_shm_pool** out);
/* Detaches; the creator's waits for every sample to come back first. NULL is ignored. */
void sp_shm_destroy(sp_shm_pool* pool);
int sp_shm_fd(const sp_shm_pool* pool);
sp_error sp_shm_get_properties(const sp_shm_pool* pool, sp_properties* out);

sp_error sp_shm_commit(sp_shm_pool* pool);   /* the creator only */
sp_error sp_shm_decommit(sp_shm_pool* pool); /* the creator only */

/* *out is set on SP_OK and NULL otherwise. A timeout of 2^63 ns or more waits
   without a deadline. */
sp_error sp_shm_acquire(sp_shm_pool* pool, sp_shm_sample** out);
sp_error sp_shm_try_acquire(sp_shm_pool* pool, sp_shm_sample** out);
sp_error sp_shm_acquire_timeout(sp_shm_pool* pool, uint64_t timeout_ns, sp_shm_sample** out);
sp_error sp_shm_release(sp_shm_pool* pool, sp_shm_sample* sample);

/* A held sample's buffer and metadata: NULL / 0 for a handle this process
   does not hold. */
void* sp_shm_sample_data(const sp_shm_pool* pool, const sp_shm_sample* sample);
size_t sp_shm_sample_size(const sp_shm_pool* pool, const sp_shm_sample* sample);
uint32_t sp_shm_sample_index(const sp_shm_pool* pool, const sp_shm_sample* sample);
size_t sp_shm_sample_actual_length(const sp_shm_pool* pool, const sp_shm_sample* sample);
sp_error sp_shm_sample_set_actual_length(sp_shm_pool* pool, sp_shm_sample* sample, size_t length);

sp_error sp_shm_publish(sp_shm_pool* pool, const sp_shm_sample* sample, uint32_t* delivered /* may be NULL */);
sp_error sp_shm_subscribe(sp_shm_pool* pool);
sp_error sp_shm_unsubscribe(sp_shm_pool* pool);
sp_error sp_shm_receive(sp_shm_pool* pool, sp_shm_sample** out);
sp_error sp_shm_try_receive(sp_shm_pool* pool, sp_shm_sample** out);
sp_error sp_shm_receive_timeout(sp_shm_pool* pool, uint64_t timeout_ns, sp_shm_sample** out);

sp_error sp_shm_get_stats(const sp_shm_pool* pool, sp_shm_stats* out);

#ifdef __cplusplus
}
#endif

#endif /* SAMPLEPOOL_SHM_H */
