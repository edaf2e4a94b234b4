/* The GstBufferPool over a samplepool pool (samplepool/gst.h), over the C API. */
#include "samplepool/gst.h"

#include <gst/video/gstvideometa.h>
#include <gst/video/gstvideopool.h>
#include <gst/video/video.h>

/* The samplepool pool behind the GstBufferPool, reference-counted: the
   GstBufferPool holds one reference and each wrapped sample's memory one,
   so the pool outlives every buffer, copy or sub-buffer that shares a sample.
   `inactive` (set while the GstBufferPool is deactivated) makes the last
   sample to come back give the memory back too. */
typedef struct {
  sp_pool* pool;
  gint refs;
  gint inactive;
} Box;

static void box_unref(Box* box) {
  if (g_atomic_int_dec_and_test(&box->refs)) {
    sp_pool_destroy(box->pool); /* every sample is back: returns at once */
    g_free(box);
  }
}

/* What a wrapped sample's GstMemory keeps. */
typedef struct {
  sp_sample* sample;
  Box* box;
} Wrapped;

static void release_sample(gpointer data) {
  Wrapped* w = data;
  Box* box = w->box;
  sp_sample_release(w->sample);
  /* Deactivated: the last sample back frees the memory (buffers_outstanding
     while others are still out, and nothing changes). */
  if (g_atomic_int_get(&box->inactive)) (void)sp_pool_release_memory(box->pool);
  g_free(w);
  box_unref(box);
}

struct _SamplepoolGstBufferPool {
  GstBufferPool parent;
  Box* box;                 /* made at the first start, replaced when the layout changes */
  sp_properties props;      /* box's layout */
  guint size;               /* bytes of data a buffer shows */
  GstAllocationParams params;
  gboolean video_meta;
  gboolean have_info;
  GstVideoInfo info;
};

G_DEFINE_TYPE(SamplepoolGstBufferPool, samplepool_gst_buffer_pool, GST_TYPE_BUFFER_POOL)

enum { PROP_0, PROP_STATS };

static const gchar** get_options(GstBufferPool* bp) {
  static const gchar* options[] = {GST_BUFFER_POOL_OPTION_VIDEO_META, GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT, NULL};
  (void)bp;
  return options;
}

static gboolean set_config(GstBufferPool* bp, GstStructure* config) {
  SamplepoolGstBufferPool* self = SAMPLEPOOL_GST_BUFFER_POOL(bp);
  GstCaps* caps = NULL;
  guint size = 0, min = 0, max = 0;
  GstAllocator* allocator = NULL;
  GstAllocationParams params;
  GstVideoInfo info;
  gboolean have_info = FALSE;
  if (!gst_buffer_pool_config_get_params(config, &caps, &size, &min, &max) ||
      !gst_buffer_pool_config_get_allocator(config, &allocator, &params)) {
    return FALSE;
  }
  const gboolean video_meta = gst_buffer_pool_config_has_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  if (caps != NULL && gst_video_info_from_caps(&info, caps)) {
    have_info = TRUE;
    if (gst_buffer_pool_config_has_option(config, GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT)) {
      GstVideoAlignment align;
      gst_video_alignment_reset(&align);
      gst_buffer_pool_config_get_video_alignment(config, &align);
      if (!gst_video_info_align(&info, &align)) return FALSE;
      gst_buffer_pool_config_set_video_alignment(config, &align); /* the alignment actually applied */
    }
    size = MAX(size, (guint)GST_VIDEO_INFO_SIZE(&info));
  } else if (video_meta) {
    GST_WARNING_OBJECT(bp, "video meta asked for without video caps");
    return FALSE;
  }
  if (size == 0 || (max != 0 && max < min) || ((params.align + 1) & params.align) != 0) return FALSE;
  self->size = size;
  self->params = params;
  self->video_meta = video_meta;
  self->have_info = have_info;
  if (have_info) self->info = info;
  gst_buffer_pool_config_set_params(config, caps, size, min, max);
  return GST_BUFFER_POOL_CLASS(samplepool_gst_buffer_pool_parent_class)->set_config(bp, config);
}

/* Activation: a pool of min (at least 1) samples that may grow to max. */
static gboolean start(GstBufferPool* bp) {
  SamplepoolGstBufferPool* self = SAMPLEPOOL_GST_BUFFER_POOL(bp);
  GstStructure* config = gst_buffer_pool_get_config(bp);
  guint size = 0, min = 0, max = 0;
  gst_buffer_pool_config_get_params(config, NULL, &size, &min, &max);
  gst_structure_free(config);
  const guint count = MAX(min, 1u);
  sp_properties want = {count, self->size + self->params.padding, self->params.align + 1, self->params.prefix,
                        max == 0 ? MAX(SAMPLEPOOL_GST_UNLIMITED_MAX, count) : max};
  if (self->box != NULL && memcmp(&want, &self->props, sizeof want) != 0) {
    box_unref(self->box); /* a new layout: the old pool goes with its last buffer */
    self->box = NULL;
  }
  if (self->box == NULL) {
    Box* box = g_new0(Box, 1);
    box->refs = 1;
    if (sp_pool_create(NULL, &box->pool) != SP_OK || sp_pool_set_properties(box->pool, &want, NULL) != SP_OK) {
      if (box->pool != NULL) sp_pool_destroy(box->pool);
      g_free(box);
      return FALSE;
    }
    self->box = box;
    self->props = want;
  }
  g_atomic_int_set(&self->box->inactive, 0);
  return sp_pool_commit(self->box->pool) == SP_OK;
}

/* Deactivated, and every GstBuffer back (samples may still be shared by
   copies): give the memory back now if they are all back, else the last
   one does. */
static gboolean stop(GstBufferPool* bp) {
  SamplepoolGstBufferPool* self = SAMPLEPOOL_GST_BUFFER_POOL(bp);
  if (self->box == NULL) return TRUE;
  g_atomic_int_set(&self->box->inactive, 1);
  (void)sp_pool_decommit(self->box->pool);
  (void)sp_pool_release_memory(self->box->pool);
  return TRUE;
}

/* set_flushing(TRUE): every blocked acquire returns GST_FLOW_FLUSHING at once
   (a Decommit); nothing is freed. */
static void flush_start(GstBufferPool* bp) {
  SamplepoolGstBufferPool* self = SAMPLEPOOL_GST_BUFFER_POOL(bp);
  if (self->box != NULL) (void)sp_pool_decommit(self->box->pool);
}

static void flush_stop(GstBufferPool* bp) {
  SamplepoolGstBufferPool* self = SAMPLEPOOL_GST_BUFFER_POOL(bp);
  if (self->box != NULL && !g_atomic_int_get(&self->box->inactive)) (void)sp_pool_commit(self->box->pool);
}

static GstFlowReturn acquire_buffer(GstBufferPool* bp, GstBuffer** buffer, GstBufferPoolAcquireParams* params) {
  SamplepoolGstBufferPool* self = SAMPLEPOOL_GST_BUFFER_POOL(bp);
  if (GST_BUFFER_POOL_IS_FLUSHING(bp) || self->box == NULL) return GST_FLOW_FLUSHING;
  Box* box = self->box;
  sp_sample* s = NULL;
  const gboolean dontwait = params != NULL && (params->flags & GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT);
  const sp_error e = dontwait ? sp_pool_try_acquire(box->pool, &s) : sp_pool_acquire(box->pool, &s);
  if (e == SP_TIMEOUT) return GST_FLOW_EOS; /* as GstBufferPool: empty, and not waiting */
  if (e == SP_NOT_COMMITTED) return GST_FLOW_FLUSHING;
  if (e != SP_OK) return GST_FLOW_ERROR;
  Wrapped* w = g_new(Wrapped, 1);
  w->sample = s;
  w->box = box;
  g_atomic_int_inc(&box->refs);
  const gsize prefix = self->params.prefix;
  GstMemory* mem = gst_memory_new_wrapped(0, sp_sample_prefix(s), prefix + self->size + self->params.padding,
                                          prefix, self->size, w, release_sample);
  GstBuffer* buf = gst_buffer_new();
  gst_buffer_append_memory(buf, mem);
  if (self->video_meta && self->have_info) {
    const GstVideoInfo* info = &self->info;
    gst_buffer_add_video_meta_full(buf, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_INFO_FORMAT(info),
                                   GST_VIDEO_INFO_WIDTH(info), GST_VIDEO_INFO_HEIGHT(info),
                                   GST_VIDEO_INFO_N_PLANES(info), (gsize*)info->offset, (gint*)info->stride);
  }
  *buffer = buf;
  return GST_FLOW_OK;
}

/* A buffer comes back (its last reference went, and GstBufferPool took it
   off the pool): free it; its memory returns the sample when the last
   buffer sharing it goes. Resized, replaced or tagged memory changes
   nothing here. */
static void release_buffer(GstBufferPool* bp, GstBuffer* buffer) {
  (void)bp;
  gst_buffer_unref(buffer);
}

static void reset_buffer(GstBufferPool* bp, GstBuffer* buffer) {
  (void)bp;
  (void)buffer; /* never reused: nothing to reset */
}

gboolean samplepool_gst_buffer_pool_get_stats(GstBufferPool* pool, sp_stats* out) {
  if (pool == NULL || out == NULL || !SAMPLEPOOL_IS_GST_BUFFER_POOL(pool)) return FALSE;
  SamplepoolGstBufferPool* self = SAMPLEPOOL_GST_BUFFER_POOL(pool);
  memset(out, 0, sizeof *out);
  GST_OBJECT_LOCK(pool);
  const gboolean ok = self->box == NULL || sp_pool_stats(self->box->pool, out) == SP_OK;
  GST_OBJECT_UNLOCK(pool);
  return ok;
}

static void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  if (id != PROP_STATS) {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
    return;
  }
  sp_stats st;
  (void)samplepool_gst_buffer_pool_get_stats(GST_BUFFER_POOL(object), &st);
  g_value_take_boxed(value, gst_structure_new("samplepool-stats", "count", G_TYPE_UINT, st.count, "free",
                                              G_TYPE_UINT, st.free, "outstanding", G_TYPE_UINT, st.outstanding,
                                              "max-count", G_TYPE_UINT, st.max_count, "waits", G_TYPE_UINT64,
                                              st.waits, "high-water", G_TYPE_UINT64, st.high_water, "growths",
                                              G_TYPE_UINT64, st.growths, "acquires", G_TYPE_UINT64, st.acquires,
                                              NULL));
}

static void finalize(GObject* object) {
  SamplepoolGstBufferPool* self = SAMPLEPOOL_GST_BUFFER_POOL(object);
  if (self->box != NULL) box_unref(self->box);
  G_OBJECT_CLASS(samplepool_gst_buffer_pool_parent_class)->finalize(object);
}

static void samplepool_gst_buffer_pool_class_init(SamplepoolGstBufferPoolClass* klass) {
  GObjectClass* gobject = G_OBJECT_CLASS(klass);
  GstBufferPoolClass* pool = GST_BUFFER_POOL_CLASS(klass);
  gobject->finalize = finalize;
  gobject->get_property = get_property;
  g_object_class_install_property(
      gobject, PROP_STATS,
      g_param_spec_boxed("stats", "Statistics",
                         "The pool's statistics: count, free, outstanding, max-count, waits, high-water, growths, "
                         "acquires",
                         GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  pool->get_options = get_options;
  pool->set_config = set_config;
  pool->start = start;
  pool->stop = stop;
  pool->flush_start = flush_start;
  pool->flush_stop = flush_stop;
  pool->acquire_buffer = acquire_buffer;
  pool->release_buffer = release_buffer;
  pool->reset_buffer = reset_buffer;
}

static void samplepool_gst_buffer_pool_init(SamplepoolGstBufferPool* self) { (void)self; }

GstBufferPool* samplepool_gst_buffer_pool_new(void) {
  return g_object_new(SAMPLEPOOL_TYPE_GST_BUFFER_POOL, NULL);
}
