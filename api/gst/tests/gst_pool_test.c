/* The samplepool GstBufferPool and samplepoolsrc, with GstCheck. */
#include <gst/check/gstcheck.h>
#include <gst/video/gstvideometa.h>
#include <gst/video/gstvideopool.h>
#include <gst/video/video.h>

#include "samplepool/gst.h"

static GstBufferPool* configured_pool(guint size, guint min, guint max) {
  GstBufferPool* pool = samplepool_gst_buffer_pool_new();
  GstStructure* config = gst_buffer_pool_get_config(pool);
  gst_buffer_pool_config_set_params(config, NULL, size, min, max);
  fail_unless(gst_buffer_pool_set_config(pool, config));
  return pool;
}

static sp_stats stats_of(GstBufferPool* pool) {
  sp_stats st;
  fail_unless(samplepool_gst_buffer_pool_get_stats(pool, &st));
  return st;
}

GST_START_TEST(acquire_release_grow_and_dontwait) {
  GstBufferPool* pool = configured_pool(4096, 2, 4);
  GstBuffer* b[5] = {NULL};
  GstBufferPoolAcquireParams dontwait = {GST_FORMAT_UNDEFINED, 0, 0, GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT, {0}};
  fail_unless_equals_int(gst_buffer_pool_acquire_buffer(pool, &b[0], NULL), GST_FLOW_FLUSHING); /* inactive */
  fail_unless(gst_buffer_pool_set_active(pool, TRUE));
  for (int i = 0; i < 4; ++i) {
    fail_unless_equals_int(gst_buffer_pool_acquire_buffer(pool, &b[i], &dontwait), GST_FLOW_OK);
    fail_unless_equals_int(gst_buffer_get_size(b[i]), 4096);
    gst_buffer_memset(b[i], 0, 0x5a, 4096);
  }
  fail_unless_equals_int(gst_buffer_pool_acquire_buffer(pool, &b[4], &dontwait), GST_FLOW_EOS); /* at the maximum */
  sp_stats st = stats_of(pool);
  fail_unless_equals_int(st.count, 4);
  fail_unless_equals_int(st.outstanding, 4);
  fail_unless_equals_int(st.growths, 2);
  for (int i = 0; i < 4; ++i) gst_buffer_unref(b[i]);
  fail_unless_equals_int(stats_of(pool).outstanding, 0);
  fail_unless(gst_buffer_pool_set_active(pool, FALSE));
  gst_object_unref(pool);
}
GST_END_TEST;

typedef struct {
  GstBufferPool* pool;
  GstFlowReturn result;
  gint64 returned_us;
} Waiter;

static gpointer wait_for_buffer(gpointer data) {
  Waiter* w = data;
  GstBuffer* b = NULL;
  w->result = gst_buffer_pool_acquire_buffer(w->pool, &b, NULL);
  w->returned_us = g_get_monotonic_time();
  if (b != NULL) gst_buffer_unref(b);
  return NULL;
}

GST_START_TEST(set_flushing_wakes_a_blocked_acquire_at_once) {
  GstBufferPool* pool = configured_pool(1024, 1, 1);
  fail_unless(gst_buffer_pool_set_active(pool, TRUE));
  GstBuffer* held = NULL;
  fail_unless_equals_int(gst_buffer_pool_acquire_buffer(pool, &held, NULL), GST_FLOW_OK);
  Waiter w = {pool, GST_FLOW_OK, 0};
  GThread* t = g_thread_new("waiter", wait_for_buffer, &w);
  while (stats_of(pool).waiters == 0) g_usleep(500);
  const gint64 flushed_us = g_get_monotonic_time();
  gst_buffer_pool_set_flushing(pool, TRUE);
  g_thread_join(t);
  fail_unless_equals_int(w.result, GST_FLOW_FLUSHING);
  fail_unless(w.returned_us - flushed_us < 20000, "returned %" G_GINT64_FORMAT " us after set_flushing",
              w.returned_us - flushed_us);
  fail_unless(stats_of(pool).memory_allocated); /* flushing frees nothing */
  gst_buffer_pool_set_flushing(pool, FALSE);
  gst_buffer_unref(held);
  GstBuffer* again = NULL;
  fail_unless_equals_int(gst_buffer_pool_acquire_buffer(pool, &again, NULL), GST_FLOW_OK);
  gst_buffer_unref(again);
  fail_unless(gst_buffer_pool_set_active(pool, FALSE));
  gst_object_unref(pool);
}
GST_END_TEST;

GST_START_TEST(deactivated_buffers_stay_valid_and_memory_goes_with_the_last) {
  GstBufferPool* pool = configured_pool(8192, 2, 2);
  fail_unless(gst_buffer_pool_set_active(pool, TRUE));
  GstBuffer* a = NULL;
  GstBuffer* b = NULL;
  fail_unless_equals_int(gst_buffer_pool_acquire_buffer(pool, &a, NULL), GST_FLOW_OK);
  fail_unless_equals_int(gst_buffer_pool_acquire_buffer(pool, &b, NULL), GST_FLOW_OK);
  GstBuffer* copy = gst_buffer_copy(b); /* shares b's memory: keeps its sample */
  fail_unless(gst_buffer_pool_set_active(pool, FALSE));
  gst_buffer_memset(a, 0, 0x11, 8192); /* still valid downstream */
  gst_buffer_unref(a);
  gst_buffer_unref(b);
  fail_unless_equals_int(stats_of(pool).outstanding, 1); /* the copy's */
  fail_unless(stats_of(pool).memory_allocated);
  gst_buffer_memset(copy, 0, 0x22, 8192);
  gst_buffer_unref(copy);
  fail_unless_equals_int(stats_of(pool).outstanding, 0);
  fail_unless(!stats_of(pool).memory_allocated); /* given back with the last sample */
  fail_unless(gst_buffer_pool_set_active(pool, TRUE)); /* and made again */
  fail_unless(stats_of(pool).memory_allocated);
  fail_unless(gst_buffer_pool_set_active(pool, FALSE));
  gst_object_unref(pool);
}
GST_END_TEST;

GST_START_TEST(video_meta_alignment_and_allocation_params) {
  GstBufferPool* pool = samplepool_gst_buffer_pool_new();
  GstCaps* caps = gst_caps_from_string("video/x-raw, format=I420, width=65, height=33, framerate=30/1");
  GstStructure* config = gst_buffer_pool_get_config(pool);
  gst_buffer_pool_config_set_params(config, caps, 0, 2, 0);
  GstAllocationParams params;
  gst_allocation_params_init(&params);
  params.align = 127; /* 128-byte aligned memory */
  params.prefix = 32;
  params.padding = 64;
  gst_buffer_pool_config_set_allocator(config, NULL, &params);
  gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
  gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT);
  GstVideoAlignment align;
  gst_video_alignment_reset(&align);
  align.padding_right = 3;
  for (int i = 0; i < GST_VIDEO_MAX_PLANES; ++i) align.stride_align[i] = 31; /* 32-byte strides */
  gst_buffer_pool_config_set_video_alignment(config, &align);
  fail_unless(gst_buffer_pool_set_config(pool, config));
  fail_unless(gst_buffer_pool_set_active(pool, TRUE));
  GstBuffer* b = NULL;
  fail_unless_equals_int(gst_buffer_pool_acquire_buffer(pool, &b, NULL), GST_FLOW_OK);
  GstVideoMeta* meta = gst_buffer_get_video_meta(b);
  fail_unless(meta != NULL);
  fail_unless_equals_int(meta->width, 65);
  fail_unless_equals_int(meta->n_planes, 3);
  for (guint i = 0; i < meta->n_planes; ++i) fail_unless_equals_int(meta->stride[i] % 32, 0);
  GstMemory* mem = gst_buffer_peek_memory(b, 0);
  GstMapInfo map;
  fail_unless(gst_memory_map(mem, &map, GST_MAP_WRITE));
  fail_unless_equals_int(mem->offset, 32);
  fail_unless_equals_int(((guintptr)(map.data - mem->offset)) % 128, 0);
  fail_unless(mem->maxsize >= mem->offset + mem->size + 64);
  memset(map.data - mem->offset, 0x33, mem->maxsize); /* prefix, data and padding are ours */
  gst_memory_unmap(mem, &map);
  GstVideoFrame frame;
  GstVideoInfo info;
  fail_unless(gst_video_info_from_caps(&info, caps));
  fail_unless(gst_video_frame_map(&frame, &info, b, GST_MAP_WRITE));
  gst_video_frame_unmap(&frame);
  gst_buffer_unref(b);
  fail_unless(gst_buffer_pool_set_active(pool, FALSE));
  gst_caps_unref(caps);
  gst_object_unref(pool);
}
GST_END_TEST;

/* samplepoolsrc in a pipeline: a flushing seek, then NULL in the middle of
   the stream; afterwards the pool has every sample back. */
GST_START_TEST(src_survives_a_flushing_seek_and_null_mid_stream) {
  GError* error = NULL;
  GstElement* pipeline = gst_parse_launch(
      "samplepoolsrc name=src ! video/x-raw,format=NV12,width=642,height=362,framerate=30/1 ! queue ! "
      "videoconvert ! fakesink sync=false",
      &error);
  fail_unless(pipeline != NULL && error == NULL, "%s", error ? error->message : "");
  fail_unless(gst_element_set_state(pipeline, GST_STATE_PAUSED) != GST_STATE_CHANGE_FAILURE);
  fail_unless(gst_element_get_state(pipeline, NULL, NULL, 5 * GST_SECOND) == GST_STATE_CHANGE_SUCCESS);
  fail_unless(gst_element_set_state(pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  g_usleep(50000);
  fail_unless(gst_element_seek_simple(pipeline, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH, 2 * GST_SECOND));
  g_usleep(50000);
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
  GstStructure* s = NULL;
  g_object_get(src, "stats", &s, NULL);
  guint64 frames = 0;
  fail_unless(gst_structure_get_uint64(s, "frames", &frames) && frames >= 60, "frames %" G_GUINT64_FORMAT, frames);
  gst_structure_free(s);
  fail_unless(gst_element_set_state(pipeline, GST_STATE_NULL) == GST_STATE_CHANGE_SUCCESS);
  g_object_get(src, "stats", &s, NULL);
  guint outstanding = 99;
  fail_unless(gst_structure_get_uint(s, "outstanding", &outstanding));
  fail_unless_equals_int(outstanding, 0);
  gst_structure_free(s);
  gst_object_unref(src);
  gst_object_unref(pipeline);
}
GST_END_TEST;

static Suite* samplepool_gst_suite(void) {
  Suite* s = suite_create("samplepool_gst");
  TCase* tc = tcase_create("pool");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, acquire_release_grow_and_dontwait);
  tcase_add_test(tc, set_flushing_wakes_a_blocked_acquire_at_once);
  tcase_add_test(tc, deactivated_buffers_stay_valid_and_memory_goes_with_the_last);
  tcase_add_test(tc, video_meta_alignment_and_allocation_params);
  tcase_add_test(tc, src_survives_a_flushing_seek_and_null_mid_stream);
  suite_add_tcase(s, tc);
  return s;
}

GST_CHECK_MAIN(samplepool_gst);
