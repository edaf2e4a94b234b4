/* samplepoolsrc: a live capture simulator that fills frames from a samplepool
 * GstBufferPool, and the plugin that registers it. */
#include <gst/base/gstpushsrc.h>
#include <gst/video/video.h>

#include "samplepool/gst.h"

#define SAMPLEPOOL_TYPE_SRC (samplepool_src_get_type())
G_DECLARE_FINAL_TYPE(SamplepoolSrc, samplepool_src, SAMPLEPOOL, SRC, GstPushSrc)

struct _SamplepoolSrc {
  GstPushSrc parent;
  gboolean is_live;
  guint min_buffers;       /* the source's own buffers in flight, added to downstream's minimum */
  guint max_buffers;       /* growth limit; 0: no growth beyond the minimum */
  GstVideoInfo info;
  guint64 frames;          /* frames filled since the last start */
  GstBufferPool* pool;     /* the pool decide_allocation made (a reference) */
};

G_DEFINE_TYPE(SamplepoolSrc, samplepool_src, GST_TYPE_PUSH_SRC)

enum { PROP_0, PROP_IS_LIVE, PROP_MIN_BUFFERS, PROP_MAX_BUFFERS, PROP_STATS };
enum { SIGNAL_POST_STATS, N_SIGNALS };
static guint signals[N_SIGNALS];

#define SRC_CAPS "video/x-raw, format = (string) { I420, NV12, YUY2, BGRx }, width = " GST_VIDEO_SIZE_RANGE \
  ", height = " GST_VIDEO_SIZE_RANGE ", framerate = " GST_VIDEO_FPS_RANGE
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS(SRC_CAPS));

/* The pool's statistics and the frame count, as a structure. */
static GstStructure* stats_structure(SamplepoolSrc* self) {
  sp_stats st;
  memset(&st, 0, sizeof st);
  GST_OBJECT_LOCK(self);
  GstBufferPool* pool = self->pool != NULL ? gst_object_ref(self->pool) : NULL;
  const guint64 frames = self->frames;
  GST_OBJECT_UNLOCK(self);
  if (pool != NULL) {
    (void)samplepool_gst_buffer_pool_get_stats(pool, &st);
    gst_object_unref(pool);
  }
  return gst_structure_new("samplepool-stats", "frames", G_TYPE_UINT64, frames, "count", G_TYPE_UINT, st.count,
                           "free", G_TYPE_UINT, st.free, "outstanding", G_TYPE_UINT, st.outstanding, "waits",
                           G_TYPE_UINT64, st.waits, "high-water", G_TYPE_UINT64, st.high_water, "growths",
                           G_TYPE_UINT64, st.growths, NULL);
}

static void post_stats(SamplepoolSrc* self) {
  gst_element_post_message(GST_ELEMENT(self), gst_message_new_element(GST_OBJECT(self), stats_structure(self)));
}

static GstPadProbeReturn on_eos(GstPad* pad, GstPadProbeInfo* info, gpointer data) {
  (void)pad;
  if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS) post_stats(SAMPLEPOOL_SRC(data));
  return GST_PAD_PROBE_OK;
}

static GstCaps* fixate(GstBaseSrc* src, GstCaps* caps) {
  caps = gst_caps_make_writable(caps);
  GstStructure* s = gst_caps_get_structure(caps, 0);
  gst_structure_fixate_field_nearest_int(s, "width", 320);
  gst_structure_fixate_field_nearest_int(s, "height", 240);
  gst_structure_fixate_field_nearest_fraction(s, "framerate", 30, 1);
  return GST_BASE_SRC_CLASS(samplepool_src_parent_class)->fixate(src, caps);
}

static gboolean set_caps(GstBaseSrc* src, GstCaps* caps) {
  SamplepoolSrc* self = SAMPLEPOOL_SRC(src);
  return gst_video_info_from_caps(&self->info, caps);
}

/* Our pool, with downstream's minimum added to our own and its video
   options honoured. */
static gboolean decide_allocation(GstBaseSrc* src, GstQuery* query) {
  SamplepoolSrc* self = SAMPLEPOOL_SRC(src);
  GstCaps* caps = NULL;
  gst_query_parse_allocation(query, &caps, NULL);
  guint size = (guint)GST_VIDEO_INFO_SIZE(&self->info), min = 0, max = 0;
  if (gst_query_get_n_allocation_pools(query) > 0) {
    GstBufferPool* theirs = NULL;
    guint their_size = 0;
    gst_query_parse_nth_allocation_pool(query, 0, &theirs, &their_size, &min, &max);
    if (theirs != NULL) gst_object_unref(theirs);
    size = MAX(size, their_size);
  }
  const guint total = min + self->min_buffers;
  const guint limit = self->max_buffers != 0 ? MAX(self->max_buffers, total) : total;
  GstBufferPool* pool = samplepool_gst_buffer_pool_new();
  GstStructure* config = gst_buffer_pool_get_config(pool);
  gst_buffer_pool_config_set_params(config, caps, size, total, limit);
  if (gst_query_find_allocation_meta(query, GST_VIDEO_META_API_TYPE, NULL)) {
    gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  }
  if (!gst_buffer_pool_set_config(pool, config)) {
    gst_object_unref(pool);
    return FALSE;
  }
  if (gst_query_get_n_allocation_pools(query) > 0) {
    gst_query_set_nth_allocation_pool(query, 0, pool, size, total, limit);
  } else {
    gst_query_add_allocation_pool(query, pool, size, total, limit);
  }
  GST_OBJECT_LOCK(self);
  if (self->pool != NULL) gst_object_unref(self->pool);
  self->pool = pool; /* keeps our reference */
  GST_OBJECT_UNLOCK(self);
  return TRUE;
}

static gboolean start(GstBaseSrc* src) {
  SamplepoolSrc* self = SAMPLEPOOL_SRC(src);
  self->frames = 0;
  return TRUE;
}

static gboolean do_seek(GstBaseSrc* src, GstSegment* segment) {
  SamplepoolSrc* self = SAMPLEPOOL_SRC(src);
  /* Frames restart at the seek position, at the negotiated rate. */
  const gint num = GST_VIDEO_INFO_FPS_N(&self->info), den = GST_VIDEO_INFO_FPS_D(&self->info);
  self->frames = num > 0 ? gst_util_uint64_scale(segment->position, (guint64)num, (guint64)den * GST_SECOND) : 0;
  segment->time = segment->position;
  return TRUE;
}

static gboolean is_seekable(GstBaseSrc* src) {
  return !SAMPLEPOOL_SRC(src)->is_live;
}

static void get_times(GstBaseSrc* src, GstBuffer* buffer, GstClockTime* start, GstClockTime* end) {
  *start = *end = GST_CLOCK_TIME_NONE;
  if (!gst_base_src_is_live(src)) return;
  if (GST_BUFFER_PTS_IS_VALID(buffer)) {
    *start = GST_BUFFER_PTS(buffer);
    if (GST_BUFFER_DURATION_IS_VALID(buffer)) *end = *start + GST_BUFFER_DURATION(buffer);
  }
}

/* A frame: every plane filled with a value that changes per frame, and the
   frame counter stamped (little-endian, 8 bytes) at the start of plane 0. */
static GstFlowReturn fill(GstPushSrc* psrc, GstBuffer* buffer) {
  SamplepoolSrc* self = SAMPLEPOOL_SRC(psrc);
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &self->info, buffer, GST_MAP_WRITE)) return GST_FLOW_ERROR;
  const guint64 n = self->frames;
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES(&frame); ++p) {
    guint8* data = GST_VIDEO_FRAME_PLANE_DATA(&frame, p);
    const gint stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, p);
    const gint rows = GST_VIDEO_FRAME_COMP_HEIGHT(&frame, p);
    for (gint r = 0; r < rows; ++r) memset(data + (gsize)r * (gsize)stride, (int)((n * 7 + (guint64)r) & 0xff), (gsize)stride);
  }
  guint8* first = GST_VIDEO_FRAME_PLANE_DATA(&frame, 0);
  for (guint i = 0; i < 8 && i < (guint)GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0); ++i) first[i] = (guint8)(n >> (8 * i));
  gst_video_frame_unmap(&frame);
  const gint num = GST_VIDEO_INFO_FPS_N(&self->info), den = GST_VIDEO_INFO_FPS_D(&self->info);
  if (num > 0) {
    GST_BUFFER_PTS(buffer) = gst_util_uint64_scale(n, (guint64)den * GST_SECOND, (guint64)num);
    GST_BUFFER_DURATION(buffer) = gst_util_uint64_scale(1, (guint64)den * GST_SECOND, (guint64)num);
  }
  GST_BUFFER_OFFSET(buffer) = n;
  GST_BUFFER_OFFSET_END(buffer) = n + 1;
  GST_OBJECT_LOCK(self);
  self->frames = n + 1;
  GST_OBJECT_UNLOCK(self);
  return GST_FLOW_OK;
}

static void set_property(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  SamplepoolSrc* self = SAMPLEPOOL_SRC(object);
  switch (id) {
    case PROP_IS_LIVE:
      self->is_live = g_value_get_boolean(value);
      gst_base_src_set_live(GST_BASE_SRC(self), self->is_live);
      break;
    case PROP_MIN_BUFFERS: self->min_buffers = g_value_get_uint(value); break;
    case PROP_MAX_BUFFERS: self->max_buffers = g_value_get_uint(value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void get_property(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  SamplepoolSrc* self = SAMPLEPOOL_SRC(object);
  switch (id) {
    case PROP_IS_LIVE: g_value_set_boolean(value, self->is_live); break;
    case PROP_MIN_BUFFERS: g_value_set_uint(value, self->min_buffers); break;
    case PROP_MAX_BUFFERS: g_value_set_uint(value, self->max_buffers); break;
    case PROP_STATS: g_value_take_boxed(value, stats_structure(self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void finalize(GObject* object) {
  SamplepoolSrc* self = SAMPLEPOOL_SRC(object);
  if (self->pool != NULL) gst_object_unref(self->pool);
  G_OBJECT_CLASS(samplepool_src_parent_class)->finalize(object);
}

static void samplepool_src_class_init(SamplepoolSrcClass* klass) {
  GObjectClass* gobject = G_OBJECT_CLASS(klass);
  GstElementClass* element = GST_ELEMENT_CLASS(klass);
  GstBaseSrcClass* base = GST_BASE_SRC_CLASS(klass);
  gobject->set_property = set_property;
  gobject->get_property = get_property;
  gobject->finalize = finalize;
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  g_object_class_install_property(gobject, PROP_IS_LIVE,
                                  g_param_spec_boolean("is-live", "Is live",
                                                       "Behave as a live capture source (frames at the frame rate, "
                                                       "synchronised to the clock)", FALSE, rw));
  g_object_class_install_property(gobject, PROP_MIN_BUFFERS,
                                  g_param_spec_uint("min-buffers", "Minimum buffers",
                                                    "Buffers the source keeps in flight itself, added to "
                                                    "downstream's proposed minimum",
                                                    1, 1024, 2, rw));
  g_object_class_install_property(gobject, PROP_MAX_BUFFERS,
                                  g_param_spec_uint("max-buffers", "Maximum buffers",
                                                    "How many buffers the pool may grow to when downstream holds "
                                                    "more than planned (0: no growth beyond the minimum)",
                                                    0, 65536, 0, rw));
  g_object_class_install_property(gobject, PROP_STATS,
                                  g_param_spec_boxed("stats", "Statistics",
                                                     "Frames filled and the pool's statistics (count, free, "
                                                     "outstanding, waits, high-water, growths)",
                                                     GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  signals[SIGNAL_POST_STATS] = g_signal_new_class_handler(
      "post-stats", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION, G_CALLBACK(post_stats), NULL, NULL,
      NULL, G_TYPE_NONE, 0);
  gst_element_class_set_static_metadata(element, "samplepool capture simulator", "Source/Video",
                                        "Fills video frames from a samplepool buffer pool, like a capture device: "
                                        "a frame counter in each frame, the pool's statistics posted as an element "
                                        "message (\"samplepool-stats\") at EOS and on the post-stats action signal",
                                        "samplepool");
  gst_element_class_add_static_pad_template(element, &src_template);
  base->fixate = fixate;
  base->set_caps = set_caps;
  base->decide_allocation = decide_allocation;
  base->start = start;
  base->do_seek = do_seek;
  base->is_seekable = is_seekable;
  base->get_times = get_times;
  GST_PUSH_SRC_CLASS(klass)->fill = fill;
}

static void samplepool_src_init(SamplepoolSrc* self) {
  self->min_buffers = 2;
  gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
  GstPad* pad = GST_BASE_SRC_PAD(self);
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_eos, self, NULL);
}

static gboolean plugin_init(GstPlugin* plugin) {
  return gst_element_register(plugin, "samplepoolsrc", GST_RANK_NONE, SAMPLEPOOL_TYPE_SRC);
}

#ifndef PACKAGE
#define PACKAGE "samplepool"
#endif
GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, samplepool, "samplepool: a lock-free sample pool for GStreamer",
                  plugin_init, "0.1.0", "Proprietary", "samplepool", "https://localhost/samplepool")
