/* samplepool/samplepool.h: the C API (C99 and later, and C++).
 *
 * Opaque pool and sample handles over the same lock-free pool as the C++ API
 * (it takes the same paths: thread caches, futex wake). Every function that
 * can fail returns an sp_error; sp_error_name() names each. A refused call
 * leaves the pool (and the sample) as it was.
 *
 * Null pointers: every function that returns an sp_error returns
 * SP_INVALID_ARGUMENT for a null pool, sample or required pointer, and
 * changes nothing. The functions that return a value instead say, beside
 * their declaration, the neutral value they return for a null sample (NULL
 * or 0); sp_pool_destroy(NULL) and sp_sample_release(NULL) do nothing.
 *
 * Life cycle: sp_pool_create -> sp_pool_set_properties -> sp_pool_commit ->
 * sp_pool_acquire* / sp_sample_release ... -> sp_pool_decommit ->
 * sp_pool_destroy (which waits until every sample has been released).
 *
 * Thread safety: every function may be called from any thread, except that
 * sp_pool_destroy must not race with other calls on the same pool (it may
 * race with sp_sample_release of its samples, which it waits for).
 *
 * Sample references: an acquired sample holds one reference;
 * sp_sample_add_ref adds one, sp_sample_release drops one, and the last one
 * returns the sample to its pool. Using a sample after dropping your last
 * reference is an error (debug builds report it and abort).
 */
#ifndef SAMPLEPOOL_SAMPLEPOOL_H
#define SAMPLEPOOL_SAMPLEPOOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sp_pool sp_pool;
typedef struct sp_sample sp_sample;

/* Values match samplepool::Errc. */
typedef enum sp_error {
  SP_OK = 0,
  SP_NOT_COMMITTED,        /* not committed, or decommitted while waiting */
  SP_TIMEOUT,              /* nothing free before the deadline (or at once) */
  SP_SIZE_NOT_SET,         /* commit with a count or size of zero */
  SP_BAD_ALIGNMENT,        /* alignment zero, not a power of two, or too large */
  SP_ALREADY_COMMITTED,    /* needs a decommitted pool */
  SP_BUFFERS_OUTSTANDING,  /* needs every sample back */
  SP_INVALID_ARGUMENT,     /* a null pointer, an out-of-range value, a foreign sample */
  SP_TOO_LARGE,            /* sizes beyond the limits; never wrapped */
  SP_OUT_OF_MEMORY,        /* the arena backend could not allocate */
  SP_BUFFER_OVERFLOW,      /* actual length above the sample size */
  SP_NOT_SUPPORTED,        /* the backend cannot do what the options ask */
  SP_CORRUPTED,            /* shared memory failed a check: the shared pool is marked broken */
  SP_BUSY                  /* a shared pool's process slots are all taken, or its channel has another publisher */
} sp_error;

/* Stable lower_snake name of the code ("ok", "not_committed", ...). */
const char* sp_error_name(sp_error e);

typedef struct sp_properties {
  uint32_t count;    /* number of samples (made at commit) */
  size_t size;       /* usable bytes per sample */
  size_t alignment;  /* alignment of (data - prefix): a power of two */
  size_t prefix;     /* bytes reserved before each sample's data; at most 2^32 - 1 */
  uint32_t max_count; /* growth: 0 or count keeps the pool fixed; above count, an
                         acquire that finds the pool empty adds samples up to it;
                         below count (not 0): SP_INVALID_ARGUMENT */
} sp_properties;

/* SP_BACKEND_MEMFD: each region a sealed memfd (samplepool/alloc/memfd_backend.hpp). */
typedef enum sp_backend { SP_BACKEND_HEAP = 0, SP_BACKEND_JEMALLOC, SP_BACKEND_MMAP, SP_BACKEND_MEMFD } sp_backend;

typedef struct sp_pool_options {
  int fifo;              /* nonzero: FIFO free list (even rotation); default LIFO */
  int no_thread_cache;   /* nonzero: no per-thread caches */
  int backend;           /* an sp_backend: where the arena comes from (an int, so that any
                            value a C caller passes can be checked, not assumed) */
  int mmap_huge_pages;   /* SP_BACKEND_MMAP and _MEMFD only: 0 none, 1 transparent, 2 hugetlb (falls back) */
  int mmap_lock;         /* SP_BACKEND_MMAP and _MEMFD only: nonzero to mlock the arena */
  int holder_ages;       /* nonzero: holder reports carry ages (a clock read per acquire) */
} sp_pool_options;       /* the mmap_* fields set for another backend: SP_INVALID_ARGUMENT */

typedef struct sp_stats {
  uint32_t count, free, outstanding, waiters;
  uint64_t acquires, waits, timeouts, not_committed, high_water, commits, decommits, misuse;
  int committed;
  uint32_t max_count;        /* the most samples the pool may grow to */
  uint64_t growths;          /* growth steps taken */
  uint64_t growth_failures;  /* growth steps the backend refused (the acquire then waited) */
  uint64_t oldest_held_ms;   /* age of the oldest held sample (while committed) */
  uint64_t starvation_reports; /* starvation callbacks made */
  int memory_allocated;      /* the arena is held (committed, or kept after decommit) */
} sp_stats;

/* Who holds the samples (samplepool/holders.hpp): one entry per holding
   thread, most samples first. */
typedef struct sp_holder {
  uint32_t thread_id;      /* kernel thread id (gettid) of the holder */
  char name[16];           /* its name, NUL-terminated; "" once it exited */
  uint32_t samples;        /* samples it holds */
  uint64_t oldest_age_ms;  /* how long it has held its oldest */
} sp_holder;

/* The starvation report: called on a GetBuffer-waiting thread once its wait
   passes the threshold (once per acquire), with the holders and the time
   waited. It may call back into the pool. */
typedef void (*sp_starvation_callback)(void* context, const sp_holder* holders, size_t count,
                                       uint64_t waited_ns);

/* Pools. options may be NULL (defaults: LIFO, thread caches, heap). */
sp_error sp_pool_create(const sp_pool_options* options, sp_pool** out);
void sp_pool_destroy(sp_pool* pool); /* NULL is ignored */
sp_error sp_pool_set_properties(sp_pool* pool, const sp_properties* request, sp_properties* actual /* may be NULL */);
sp_error sp_pool_get_properties(const sp_pool* pool, sp_properties* out);
sp_error sp_pool_commit(sp_pool* pool);
sp_error sp_pool_decommit(sp_pool* pool);
sp_error sp_pool_release_memory(sp_pool* pool);
/* Gives back the memory of grown samples (decommitted, every sample back),
   keeping the initial count and the room to grow again. */
sp_error sp_pool_trim(sp_pool* pool);
sp_error sp_pool_stats(const sp_pool* pool, sp_stats* out);
/* Called after each sample returns to the pool; set only while decommitted
   with nothing out. NULL clears it. */
sp_error sp_pool_set_release_callback(sp_pool* pool, void (*callback)(void* context), void* context);
/* Copies up to `capacity` holders into out (out may be NULL when capacity
   is 0); *count gets how many there are, which may exceed capacity. */
sp_error sp_pool_holders(const sp_pool* pool, sp_holder* out, size_t capacity, size_t* count);
/* Sets (NULL: clears) the starvation report; a threshold of 2^63 ns or more
   never fires. Only while decommitted with nothing out, as the release
   callback. */
sp_error sp_pool_set_starvation_callback(sp_pool* pool, uint64_t threshold_ns,
                                         sp_starvation_callback callback, void* context);

/* Acquire: *out is set on SP_OK and NULL otherwise. */
sp_error sp_pool_acquire(sp_pool* pool, sp_sample** out);           /* blocks */
sp_error sp_pool_try_acquire(sp_pool* pool, sp_sample** out);       /* never blocks */
/* Waits timeout_ns at most; a timeout of 2^63 ns or more (UINT64_MAX
   included) means no deadline: it waits as sp_pool_acquire does. */
sp_error sp_pool_acquire_timeout(sp_pool* pool, uint64_t timeout_ns, sp_sample** out);
/* Drops the caller's reference; SP_INVALID_ARGUMENT for another pool's sample. */
sp_error sp_pool_release_sample(sp_pool* pool, sp_sample* sample);

/* Samples. The getters return the neutral value shown for a null sample. */
sp_error sp_sample_add_ref(sp_sample* sample);
/* The calling thread now holds the sample, for holder reports (a consumer
   that received it from its producer calls this). */
sp_error sp_sample_note_holder(sp_sample* sample);
void sp_sample_release(sp_sample* sample);                 /* NULL is ignored */
void* sp_sample_data(const sp_sample* sample);             /* NULL for NULL */
size_t sp_sample_size(const sp_sample* sample);            /* 0 for NULL */
void* sp_sample_prefix(const sp_sample* sample);           /* NULL for NULL */
size_t sp_sample_prefix_size(const sp_sample* sample);     /* 0 for NULL */
size_t sp_sample_actual_length(const sp_sample* sample);   /* 0 for NULL */
/* SP_BUFFER_OVERFLOW when length > sp_sample_size(). */
sp_error sp_sample_set_actual_length(sp_sample* sample, size_t length);

/* Times, as IMediaSample's. get returns which ends are set (SP_TIME_START,
   SP_TIME_STOP; 0 for none and for a null sample); start and stop may be
   NULL, and are written only for set ends (with only a start, *stop =
   start + 1, as GetTime).
   sp_sample_set_time: start NULL clears the time (stop is then ignored);
   stop NULL sets the start only.
   sp_sample_set_media_time: both NULL clears; both set sets; one NULL is
   SP_INVALID_ARGUMENT (SetMediaTime's E_POINTER), and nothing changes. */
#define SP_TIME_START 1
#define SP_TIME_STOP 2
int sp_sample_get_time(const sp_sample* sample, int64_t* start, int64_t* stop);
sp_error sp_sample_set_time(sp_sample* sample, const int64_t* start, const int64_t* stop);
int sp_sample_get_media_time(const sp_sample* sample, int64_t* start, int64_t* stop);
sp_error sp_sample_set_media_time(sp_sample* sample, const int64_t* start, const int64_t* stop);

#define SP_SAMPLE_SYNC_POINT 1u
#define SP_SAMPLE_PREROLL 2u
#define SP_SAMPLE_DISCONTINUITY 4u
unsigned sp_sample_flags(const sp_sample* sample);          /* 0 for NULL */
/* Replaces all three flags; a bit other than the three: SP_INVALID_ARGUMENT. */
sp_error sp_sample_set_flags(sp_sample* sample, unsigned flags);

#ifdef __cplusplus
}
#endif

#endif /* SAMPLEPOOL_SAMPLEPOOL_H */
