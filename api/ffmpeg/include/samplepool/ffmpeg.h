/* samplepool/ffmpeg.h: decode into samplepool samples (a get_buffer2 hook).
 *
 * sp_av_attach() makes an AVCodecContext allocate its frames from a
 * samplepool pool: every frame's planes in one sample, laid out as FFmpeg's
 * own allocator lays them out (avcodec_align_dimensions2's dimensions and
 * linesize alignment, 64-byte aligned planes, padding after each plane), and
 * the frame's AVBufferRef returns the sample when its last reference goes.
 * Decoders without AV_CODEC_CAP_DR1, hardware frames and audio keep FFmpeg's
 * default allocator.
 *
 * Sizing: at the first frame the pool gets enough samples for the stream:
 * its reference frames (refs, at least 1), has_b_frames, one per frame
 * thread, two in flight and the caller's margin; it may grow to max_buffers
 * (default: twice that). A decoder that needs more than the maximum gets
 * AVERROR(ENOMEM) with a log line naming the limit: never a hang (the hook
 * never blocks). A change of frame geometry starts a new pool; the old one
 * goes when its last frame is released.
 *
 * The hook keeps its state in ctx->opaque: do not use opaque yourself on a
 * context you attach. Call sp_av_detach() after avcodec_free_context(); frames
 * still referenced stay valid, and their memory goes when they are released.
 *
 * Thread safety: as FFmpeg's get_buffer2 (frame threads call it
 * concurrently); frames may be released from any thread. */
#ifndef SAMPLEPOOL_FFMPEG_H
#define SAMPLEPOOL_FFMPEG_H

#include <stdint.h>

#include "samplepool/samplepool.h"

#ifdef __cplusplus
extern "C" {
#endif

struct AVCodecContext;

typedef struct sp_av_options {
  uint32_t margin;       /* samples on top of what the stream needs (default 0) */
  uint32_t max_buffers;  /* the most the pool may grow to; 0: twice the initial count */
  int backend;           /* an sp_backend (default: heap) */
} sp_av_options;

typedef struct sp_av_hook sp_av_hook;

/* Installs the hook on ctx before avcodec_open2(). options may be NULL.
   Returns 0, or AVERROR(EINVAL) / AVERROR(ENOMEM). */
int sp_av_attach(struct AVCodecContext* ctx, const sp_av_options* options, sp_av_hook** out);
/* Ends the hook; NULL is ignored. */
void sp_av_detach(sp_av_hook* hook);

typedef struct sp_av_stats {
  sp_stats pool;          /* the current pool's statistics (zero before the first frame) */
  uint64_t frames;        /* frames allocated from samples */
  uint64_t fallbacks;     /* frames left to FFmpeg's allocator (no DR1, hardware, audio) */
  uint64_t exhausted;     /* frames refused: the pool was at its maximum */
  uint32_t pools;         /* pools made (a new one per frame geometry) */
} sp_av_stats;
int sp_av_get_stats(const sp_av_hook* hook, sp_av_stats* out);

#ifdef __cplusplus
}
#endif

#endif
