/* examples/ffmpeg_decode.c: decode a file's first video stream into
 * samplepool samples with FFmpeg (samplepool/ffmpeg.h), in plain C.
 *   ffmpeg_decode FILE   prints the frame count and the pool's high water */
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <stdio.h>

#include "samplepool/ffmpeg.h"

int main(int argc, char** argv) {
  AVFormatContext* fmt = NULL;
  const AVCodec* codec = NULL;
  AVCodecContext* ctx = NULL;
  sp_av_hook* hook = NULL;
  AVPacket* pkt = av_packet_alloc();
  AVFrame* frame = av_frame_alloc();
  sp_av_stats st;
  unsigned long frames = 0;
  int stream, rc = 1;
  if (argc != 2 || avformat_open_input(&fmt, argv[1], NULL, NULL) < 0 || avformat_find_stream_info(fmt, NULL) < 0) {
    fprintf(stderr, "usage: ffmpeg_decode FILE (a media file FFmpeg can open)\n");
    goto out;
  }
  stream = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
  if (stream < 0 || !(ctx = avcodec_alloc_context3(codec)) ||
      avcodec_parameters_to_context(ctx, fmt->streams[stream]->codecpar) < 0 ||
      sp_av_attach(ctx, NULL, &hook) < 0 || avcodec_open2(ctx, codec, NULL) < 0) {
    fprintf(stderr, "ffmpeg_decode: cannot set up a decoder for %s\n", argv[1]);
    goto out;
  }
  while (av_read_frame(fmt, pkt) >= 0) {
    if (pkt->stream_index == stream && avcodec_send_packet(ctx, pkt) >= 0) {
      while (avcodec_receive_frame(ctx, frame) >= 0) { /* frame->data[] point into a sample */
        ++frames;
        av_frame_unref(frame); /* the sample goes back to the pool */
      }
    }
    av_packet_unref(pkt);
  }
  avcodec_send_packet(ctx, NULL);
  while (avcodec_receive_frame(ctx, frame) >= 0) {
    ++frames;
    av_frame_unref(frame);
  }
  sp_av_get_stats(hook, &st);
  printf("%lu frames, %lu from samples, pool high water %lu of %u\n", frames, (unsigned long)st.frames,
         (unsigned long)st.pool.high_water, st.pool.count);
  rc = frames > 0 && st.frames == frames ? 0 : 1;
out:
  avcodec_free_context(&ctx);
  sp_av_detach(hook); /* after the context: frames still held stay valid */
  av_frame_free(&frame);
  av_packet_free(&pkt);
  avformat_close_input(&fmt);
  return rc;
}
