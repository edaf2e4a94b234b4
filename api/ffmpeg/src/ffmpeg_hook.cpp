// The FFmpeg face (samplepool/ffmpeg.h): a get_buffer2 that decodes into
// samples, over the C API.
#include "samplepool/ffmpeg.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <new>

namespace {

constexpr std::size_t kPlaneAlign = 64;    // FFmpeg's largest STRIDE_ALIGN (AVX-512)
constexpr std::size_t kPlanePadding = 16 + kPlaneAlign - 1;  // as FFmpeg's own pools pad

// Where each plane of a frame geometry sits inside one sample.
struct Layout {
  int width = 0, height = 0, format = -1;
  int linesize[4] = {};
  std::size_t offset[4] = {};
  std::size_t bytes = 0;  // the sample size
  int planes = 0;

  bool fits(const AVFrame* f) const { return width == f->width && height == f->height && format == f->format; }
};

// The layout FFmpeg's default allocator would use (decode.c's frame pool):
// the decoder's aligned dimensions, linesizes that are multiples of its
// linesize alignment, each plane 64-byte aligned and padded.
bool compute_layout(AVCodecContext* ctx, const AVFrame* f, Layout* out) {
  Layout l;
  l.width = f->width;
  l.height = f->height;
  l.format = f->format;
  int w = f->width, h = f->height;
  int align[AV_NUM_DATA_POINTERS] = {};
  avcodec_align_dimensions2(ctx, &w, &h, align);
  const auto fmt = static_cast<AVPixelFormat>(f->format);
  for (int tries = 0;; ++tries) {
    if (av_image_fill_linesizes(l.linesize, fmt, w) < 0 || tries > 16) return false;
    bool aligned = true;
    for (int i = 0; i < 4; ++i) {
      const int a = std::max(align[i], static_cast<int>(kPlaneAlign));
      if (l.linesize[i] % a != 0) aligned = false;
    }
    if (aligned) break;
    w += w & ~(w - 1);  // double the width's alignment and try again, as FFmpeg does
  }
  ptrdiff_t linesizes[4];
  for (int i = 0; i < 4; ++i) linesizes[i] = l.linesize[i];
  size_t sizes[4] = {};
  if (av_image_fill_plane_sizes(sizes, fmt, h, linesizes) < 0) return false;
  std::size_t at = 0;
  for (int i = 0; i < 4 && sizes[i] != 0; ++i) {
    l.offset[i] = at;
    at += (sizes[i] + kPlanePadding + kPlaneAlign - 1) / kPlaneAlign * kPlaneAlign;
    l.planes = i + 1;
  }
  l.bytes = at;
  *out = l;
  return l.planes > 0;
}

// One pool, for one frame geometry; it lives while the hook or any frame
// from it does.
struct Generation {
  sp_pool* pool = nullptr;
  Layout layout;
  std::atomic<int> refs{1};  // the hook's, plus one per frame out

  void unref() {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      sp_pool_destroy(pool);  // every sample is back: returns at once
      delete this;
    }
  }
};

// What a frame's AVBufferRef keeps: its sample and its pool.
struct FrameRef {
  sp_sample* sample;
  Generation* gen;
};

void release_frame(void* opaque, uint8_t*) {
  auto* r = static_cast<FrameRef*>(opaque);
  Generation* gen = r->gen;
  sp_sample_release(r->sample);
  delete r;
  gen->unref();
}

}  // namespace

struct sp_av_hook {
  sp_av_options options{};
  std::mutex mutex;             // guards current and the counters below it (frame threads)
  Generation* current = nullptr;
  std::uint32_t pools = 0;
  std::atomic<std::uint64_t> frames{0}, fallbacks{0}, exhausted{0};

  ~sp_av_hook() {
    if (current != nullptr) current->unref();
  }

  // The pool for this frame's geometry, made at the first frame and again
  // when the geometry changes. Returns it with a reference for the caller.
  Generation* generation_for(AVCodecContext* ctx, const AVFrame* f) {
    std::lock_guard lock(mutex);
    if (current != nullptr && current->layout.fits(f)) {
      current->refs.fetch_add(1, std::memory_order_relaxed);
      return current;
    }
    Layout want;
    if (!compute_layout(ctx, f, &want)) return nullptr;
    const int frame_threads = (ctx->active_thread_type & FF_THREAD_FRAME) ? std::max(ctx->thread_count, 1) : 0;
    const auto count = static_cast<std::uint32_t>(std::max(ctx->refs, 1) + ctx->has_b_frames + frame_threads + 2) +
                       options.margin;
    const std::uint32_t max = options.max_buffers != 0 ? std::max(options.max_buffers, count) : 2 * count;
    auto* gen = new (std::nothrow) Generation;
    if (gen == nullptr) return nullptr;
    gen->layout = want;
    sp_pool_options po{};
    po.backend = options.backend;
    sp_properties props{count, want.bytes, kPlaneAlign, 0, max};
    if (sp_pool_create(&po, &gen->pool) != SP_OK || sp_pool_set_properties(gen->pool, &props, nullptr) != SP_OK ||
        sp_pool_commit(gen->pool) != SP_OK) {
      if (gen->pool != nullptr) sp_pool_destroy(gen->pool);
      delete gen;
      return nullptr;
    }
    if (current != nullptr) current->unref();  // it goes when its last frame does
    current = gen;
    ++pools;
    gen->refs.fetch_add(1, std::memory_order_relaxed);
    return gen;
  }
};

namespace {

int get_buffer(AVCodecContext* ctx, AVFrame* f, int flags) {
  auto* hook = static_cast<sp_av_hook*>(ctx->opaque);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(f->format));
  if (ctx->codec_type != AVMEDIA_TYPE_VIDEO || desc == nullptr || (desc->flags & AV_PIX_FMT_FLAG_HWACCEL) ||
      ctx->codec == nullptr || !(ctx->codec->capabilities & AV_CODEC_CAP_DR1)) {
    hook->fallbacks.fetch_add(1, std::memory_order_relaxed);
    return avcodec_default_get_buffer2(ctx, f, flags);
  }
  Generation* gen = hook->generation_for(ctx, f);
  if (gen == nullptr) return AVERROR(ENOMEM);
  sp_sample* s = nullptr;
  if (sp_pool_try_acquire(gen->pool, &s) != SP_OK) {  // never blocks: a decoder cannot release meanwhile
    sp_stats st{};
    (void)sp_pool_stats(gen->pool, &st);
    av_log(ctx, AV_LOG_ERROR,
           "samplepool: every buffer is held (%u of at most %u); raise sp_av_options.max_buffers\n", st.count,
           st.max_count);
    hook->exhausted.fetch_add(1, std::memory_order_relaxed);
    gen->unref();
    return AVERROR(ENOMEM);
  }
  auto* ref = new (std::nothrow) FrameRef{s, gen};
  auto* base = static_cast<uint8_t*>(sp_sample_data(s));
  AVBufferRef* buf = ref != nullptr ? av_buffer_create(base, gen->layout.bytes, release_frame, ref, 0) : nullptr;
  if (buf == nullptr) {
    delete ref;
    sp_sample_release(s);
    gen->unref();
    return AVERROR(ENOMEM);
  }
  f->buf[0] = buf;
  for (int i = 0; i < 4; ++i) {
    f->data[i] = i < gen->layout.planes ? base + gen->layout.offset[i] : nullptr;
    f->linesize[i] = i < gen->layout.planes ? gen->layout.linesize[i] : 0;
  }
  // Paletted formats keep the palette in data[1]: FFmpeg's pool does too.
  f->extended_data = f->data;
  hook->frames.fetch_add(1, std::memory_order_relaxed);
  return 0;
}

}  // namespace

extern "C" int sp_av_attach(AVCodecContext* ctx, const sp_av_options* options, sp_av_hook** out) {
  if (ctx == nullptr || out == nullptr) return AVERROR(EINVAL);
  if (options != nullptr && (options->backend < SP_BACKEND_HEAP || options->backend > SP_BACKEND_MMAP)) {
    return AVERROR(EINVAL);
  }
  auto* hook = new (std::nothrow) sp_av_hook;
  if (hook == nullptr) return AVERROR(ENOMEM);
  if (options != nullptr) hook->options = *options;
  ctx->opaque = hook;
  ctx->get_buffer2 = get_buffer;
#if FF_API_THREAD_SAFE_CALLBACKS
  // FFmpeg before 6 asks a custom get_buffer2 to say it is thread-safe (it is).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  ctx->thread_safe_callbacks = 1;
#pragma GCC diagnostic pop
#endif
  *out = hook;
  return 0;
}

extern "C" void sp_av_detach(sp_av_hook* hook) { delete hook; }

extern "C" int sp_av_get_stats(const sp_av_hook* hook, sp_av_stats* out) {
  if (hook == nullptr || out == nullptr) return AVERROR(EINVAL);
  auto* h = const_cast<sp_av_hook*>(hook);
  std::lock_guard lock(h->mutex);
  *out = sp_av_stats{};
  if (h->current != nullptr) (void)sp_pool_stats(h->current->pool, &out->pool);
  out->frames = h->frames.load(std::memory_order_relaxed);
  out->fallbacks = h->fallbacks.load(std::memory_order_relaxed);
  out->exhausted = h->exhausted.load(std::memory_order_relaxed);
  out->pools = h->pools;
  return 0;
}
