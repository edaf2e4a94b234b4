// `samplepool decode FILE`: decodes the first video stream into pool samples
// and reports frames, rate and the pool's statistics; --framemd5 prints a
// hash of each frame's pixels packed as `ffmpeg -f framemd5` packs them
// (rawvideo: planes one after another, no padding).
#include "decode.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/md5.h>
}

#include <chrono>
#include <deque>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "interrupt.hpp"
#include "numbers.hpp"
#include "output.hpp"
#include "samplepool/ffmpeg.h"
#include "stats_json.hpp"

namespace samplepool::tool {
namespace {

struct DecodeOptions {
  std::string file;
  std::uint32_t buffers = 0;      // margin over what the stream needs
  std::uint32_t max_buffers = 0;  // 0: twice the initial count
  unsigned threads = 1;
  bool framemd5 = false;
  bool default_allocator = false;  // FFmpeg's own get_buffer2, for comparison
  unsigned hold = 0;               // decoded frames kept back (a player's queue, a filter's lookahead)
  bool json = false;
};

std::string av_error(int e) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(e, buf, sizeof buf);
  return buf;
}

// The frame's pixels packed without padding, hashed: the rawvideo packet
// that ffmpeg's framemd5 muxer hashes.
std::string frame_md5(const AVFrame* f, std::vector<std::uint8_t>& scratch, int* size) {
  const auto fmt = static_cast<AVPixelFormat>(f->format);
  const int n = av_image_get_buffer_size(fmt, f->width, f->height, 1);
  if (n < 0) return {};
  scratch.resize(static_cast<std::size_t>(n));
  av_image_copy_to_buffer(scratch.data(), n, f->data, f->linesize, fmt, f->width, f->height, 1);
  std::uint8_t digest[16];
  av_md5_sum(digest, scratch.data(), n);
  char hex[33];
  for (int i = 0; i < 16; ++i) std::snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  *size = n;
  return hex;
}

struct Closer {
  void operator()(AVFormatContext* p) const { avformat_close_input(&p); }
  void operator()(AVCodecContext* p) const { avcodec_free_context(&p); }
  void operator()(AVPacket* p) const { av_packet_free(&p); }
  void operator()(AVFrame* p) const { av_frame_free(&p); }
};

int run_decode(const DecodeOptions& o) {
  AVFormatContext* raw_fmt = nullptr;
  if (const int e = avformat_open_input(&raw_fmt, o.file.c_str(), nullptr, nullptr); e < 0) {
    return fail("decode", o.file + ": " + av_error(e), o.json);
  }
  std::unique_ptr<AVFormatContext, Closer> fmt(raw_fmt);
  if (const int e = avformat_find_stream_info(fmt.get(), nullptr); e < 0) {
    return fail("decode", o.file + ": " + av_error(e), o.json);
  }
  const AVCodec* codec = nullptr;
  const int stream = av_find_best_stream(fmt.get(), AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
  if (stream < 0 || codec == nullptr) return fail("decode", o.file + ": no video stream this FFmpeg can decode", o.json);
  std::unique_ptr<AVCodecContext, Closer> ctx(avcodec_alloc_context3(codec));
  if (!ctx || avcodec_parameters_to_context(ctx.get(), fmt->streams[stream]->codecpar) < 0) {
    return fail("decode", "cannot set up the decoder", o.json);
  }
  ctx->thread_count = static_cast<int>(o.threads);
  ctx->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  sp_av_hook* hook = nullptr;
  if (!o.default_allocator) {
    const sp_av_options opts{o.buffers, o.max_buffers, SP_BACKEND_HEAP};
    if (const int e = sp_av_attach(ctx.get(), &opts, &hook); e < 0) return fail("decode", av_error(e), o.json);
  }
  if (const int e = avcodec_open2(ctx.get(), codec, nullptr); e < 0) {
    sp_av_detach(hook);
    return fail("decode", std::string(codec->name) + ": " + av_error(e), o.json);
  }
  std::unique_ptr<AVPacket, Closer> pkt(av_packet_alloc());
  std::unique_ptr<AVFrame, Closer> frame(av_frame_alloc());
  std::vector<std::uint8_t> scratch;
  std::deque<std::unique_ptr<AVFrame, Closer>> kept;  // --hold
  std::uint64_t frames = 0;
  std::string error;
  if (o.framemd5) {
    std::printf("#format: frame checksums\n#version: 2\n#hash: MD5\n#media_type 0: video\n#dimensions 0: %dx%d\n"
                "#stream#, dts,        pts, duration,     size, hash\n",
                ctx->width, ctx->height);
  }
  const auto t0 = std::chrono::steady_clock::now();
  const auto drain = [&]() -> bool {
    for (;;) {
      const int r = avcodec_receive_frame(ctx.get(), frame.get());
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return true;
      if (r < 0) {
        error = "decoding: " + av_error(r);
        return false;
      }
      if (o.framemd5) {
        int size = 0;
        const std::string md5 = frame_md5(frame.get(), scratch, &size);
        std::printf("0, %10lld, %10lld, %8d, %8d, %s\n", static_cast<long long>(frame->pkt_dts),
                    static_cast<long long>(frame->pts), 1, size, md5.c_str());
      }
      ++frames;
      if (o.hold != 0) {
        kept.emplace_back(av_frame_clone(frame.get()));  // another reference to the same sample
        if (kept.size() > o.hold) kept.pop_front();
      }
      av_frame_unref(frame.get());
    }
  };
  bool ok = true;
  while (ok && !interrupted() && av_read_frame(fmt.get(), pkt.get()) >= 0) {
    if (pkt->stream_index == stream) {
      const int s = avcodec_send_packet(ctx.get(), pkt.get());
      if (s < 0 && s != AVERROR(EAGAIN)) {
        error = "decoding: " + av_error(s);
        ok = false;
      }
      ok = ok && drain();
    }
    av_packet_unref(pkt.get());
  }
  if (ok) {
    (void)avcodec_send_packet(ctx.get(), nullptr);  // flush the delayed frames
    ok = drain();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  sp_av_stats st{};
  if (hook != nullptr) (void)sp_av_get_stats(hook, &st);
  kept.clear();
  ctx.reset();  // the decoder's own references go; ours went with each frame
  sp_av_detach(hook);
  const double fps = seconds > 0 ? static_cast<double>(frames) / seconds : 0;
  if (o.json) {
    nlohmann::json j{{"command", "decode"},
                     {"ok", ok && !interrupted()},
                     {"file", o.file},
                     {"codec", codec->name},
                     {"frames", frames},
                     {"seconds", seconds},
                     {"fps", fps},
                     {"allocator", o.default_allocator ? "ffmpeg" : "samplepool"}};
    if (!ok) j["error"] = error;
    if (hook != nullptr) {
      j["pool"] = {{"frames", st.frames},   {"fallbacks", st.fallbacks},  {"exhausted", st.exhausted},
                   {"pools", st.pools},     {"count", st.pool.count},     {"max_count", st.pool.max_count},
                   {"high_water", st.pool.high_water}, {"waits", st.pool.waits}, {"growths", st.pool.growths}};
    }
    emit(j.dump(2) + "\n");
  } else if (!o.framemd5) {
    char line[400];
    std::snprintf(line, sizeof line, "decode:  %s, %s, %llu frames in %.2f s (%.1f fps), %u thread(s), %s allocator\n",
                  o.file.c_str(), codec->name, static_cast<unsigned long long>(frames), seconds, fps, o.threads,
                  o.default_allocator ? "FFmpeg's" : "samplepool's");
    std::string text = line;
    if (hook != nullptr) {
      std::snprintf(line, sizeof line,
                    "pool:    %u buffers (at most %u), high water %llu, grew %llu time(s); %llu frames from samples, "
                    "%llu left to FFmpeg, %llu refused\n",
                    st.pool.count, st.pool.max_count, static_cast<unsigned long long>(st.pool.high_water),
                    static_cast<unsigned long long>(st.pool.growths), static_cast<unsigned long long>(st.frames),
                    static_cast<unsigned long long>(st.fallbacks), static_cast<unsigned long long>(st.exhausted));
      text += line;
    }
    emit(text + (ok ? "ok\n" : "error: " + error + "\nFAILED\n"));
  }
  if (interrupted()) return kInterruptedStatus;
  return ok ? 0 : 1;
}

}  // namespace

void add_decode_command(CLI::App& app, int* status) {
  auto o = std::make_shared<DecodeOptions>();
  CLI::App* cmd = app.add_subcommand("decode", "Decode a file's first video stream into pool samples (FFmpeg)");
  cmd->add_option("FILE", o->file, "the media file")->required()->check(CLI::ExistingFile);
  add_integer<std::uint32_t>(*cmd, "--buffers", o->buffers, 0, 4096,
                             "samples on top of what the stream needs (its references, B-frames, threads)");
  add_integer<std::uint32_t>(*cmd, "--max-buffers", o->max_buffers, 0, 65536,
                             "the most the pool may grow to (0: twice its initial count)");
  add_integer<unsigned>(*cmd, "--threads", o->threads, 1, 64, "decoder threads (frame and slice)");
  cmd->add_flag("--framemd5", o->framemd5, "print each frame's MD5 as `ffmpeg -f framemd5` does");
  cmd->add_flag("--default-allocator", o->default_allocator,
                "decode with FFmpeg's own get_buffer2 instead, for comparison");
  add_integer<unsigned>(*cmd, "--hold", o->hold, 0, 4096,
                        "keep the last N decoded frames referenced, as a player's queue does");
  cmd->add_flag("--json", o->json, "machine-readable result on stdout");
  cmd->callback([o, status] { *status = run_decode(*o); });
}

}  // namespace samplepool::tool
