/* samplepool/gst.h: a GstBufferPool backed by a samplepool pool.
 *
 * samplepool_gst_buffer_pool_new() returns a GstBufferPool subclass whose
 * buffers wrap samples. It honours the standard configuration:
 *  - gst_buffer_pool_config_set_params(config, caps, size, min, max): min is
 *    the initial count (at least 1), max the most it grows to (0: up to
 *    SAMPLEPOOL_GST_UNLIMITED_MAX buffers);
 *  - GstAllocationParams: align (a mask, as GStreamer's) applies to the
 *    memory's start, prefix bytes come before the data, padding after it;
 *  - GST_BUFFER_POOL_OPTION_VIDEO_META adds a GstVideoMeta with the caps'
 *    strides and offsets; GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT applies a
 *    GstVideoAlignment (per-plane stride alignment and padding) first.
 * Activation: set_active(TRUE) commits, set_active(FALSE) decommits; buffers
 * still downstream stay valid and their memory goes back when the last one
 * returns. set_flushing(TRUE) wakes every blocked acquire with
 * GST_FLOW_FLUSHING and frees nothing. GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT
 * on an empty pool (at its maximum) gives GST_FLOW_EOS, as GstBufferPool.
 *
 * Lifetime: a buffer's memory holds its sample; copies and sub-buffers that
 * share the memory keep the sample until the last of them goes. A buffer
 * that comes back resized, with its memory replaced or tagged, changes
 * nothing in the pool: each acquire wraps a sample afresh.
 *
 * Statistics: samplepool_gst_buffer_pool_get_stats(), or the read-only
 * "stats" property (a GstStructure: count, free, outstanding, waits,
 * high-water, growths). */
#ifndef SAMPLEPOOL_GST_H
#define SAMPLEPOOL_GST_H

#include <gst/gst.h>

#include "samplepool/samplepool.h"

G_BEGIN_DECLS

#define SAMPLEPOOL_GST_UNLIMITED_MAX 1024u

#define SAMPLEPOOL_TYPE_GST_BUFFER_POOL (samplepool_gst_buffer_pool_get_type())
G_DECLARE_FINAL_TYPE(SamplepoolGstBufferPool, samplepool_gst_buffer_pool, SAMPLEPOOL, GST_BUFFER_POOL, GstBufferPool)

GstBufferPool* samplepool_gst_buffer_pool_new(void);

/* The pool's statistics now (zero before the first activation). FALSE for
   a pool that is not a samplepool pool or a NULL out. */
gboolean samplepool_gst_buffer_pool_get_stats(GstBufferPool* pool, sp_stats* out);

G_END_DECLS

#endif
