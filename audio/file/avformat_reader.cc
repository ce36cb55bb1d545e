#include "audio/file/avformat_reader.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <vector>

#include "audio/file/truncation.h"
#include "scribed/audio/errors.h"

namespace scribed::audio::file {
namespace {

struct FormatCloser {
  void operator()(AVFormatContext* c) const noexcept { avformat_close_input(&c); }
};
struct CodecCloser {
  void operator()(AVCodecContext* c) const noexcept { avcodec_free_context(&c); }
};
struct PacketFree {
  void operator()(AVPacket* p) const noexcept { av_packet_free(&p); }
};
struct FrameFree {
  void operator()(AVFrame* f) const noexcept { av_frame_free(&f); }
};
struct SwrFree {
  void operator()(SwrContext* s) const noexcept { swr_free(&s); }
};
struct AvioFree {
  void operator()(AVIOContext* c) const noexcept {
    av_freep(&c->buffer);  // FFmpeg may have replaced the buffer it was given
    avio_context_free(&c);
  }
};

// FFmpeg's custom I/O over a MemoryFile (the opaque pointer).
int ReadMemory(void* opaque, uint8_t* buf, int size) {
  const int64_t got = static_cast<MemoryFile*>(opaque)->Read(buf, size);
  return got > 0 ? static_cast<int>(got) : AVERROR_EOF;
}
int64_t SeekMemory(void* opaque, int64_t offset, int whence) {
  auto* memory = static_cast<MemoryFile*>(opaque);
  if (whence & AVSEEK_SIZE) return memory->size();
  const int64_t pos = memory->Seek(offset, whence & ~AVSEEK_FORCE);
  return pos < 0 ? AVERROR(EINVAL) : pos;
}
constexpr int kIoBufferBytes = 64 * 1024;
// A file in memory has no neighbours: playlists and references inside it
// (HLS, concat, external data) must not reach the file system.
int RefuseNestedOpen(AVFormatContext*, AVIOContext**, const char*, int, AVDictionary**) {
  return AVERROR(EPERM);
}

std::string AvError(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof(buf));
  return buf;
}

// Bad packets tolerated before a stream is declared corrupt; a few damaged
// packets in a long recording should not lose the whole file.
constexpr int kMaxBadPackets = 64;

class AvformatReader final : public FileReader {
 public:
  // Reads `memory` when given, else the file `name`.
  AvformatReader(std::string name, std::unique_ptr<MemoryFile> memory)
      : name_(std::move(name)), memory_(std::move(memory)) {
    // FFmpeg logs to stderr by default; failures reach callers as exceptions.
    static std::once_flag quiet;
    std::call_once(quiet, [] { av_log_set_level(AV_LOG_FATAL); });

    AVFormatContext* raw = nullptr;
    if (memory_) {
      raw = avformat_alloc_context();
      auto* buffer = static_cast<unsigned char*>(av_malloc(kIoBufferBytes));
      if (buffer) {
        avio_.reset(avio_alloc_context(buffer, kIoBufferBytes, 0, memory_.get(), &ReadMemory,
                                       nullptr, &SeekMemory));
        if (!avio_) av_free(buffer);
      }
      if (!raw || !avio_) {
        avformat_free_context(raw);
        Fail("out of memory");
      }
      raw->pb = avio_.get();
      raw->flags |= AVFMT_FLAG_CUSTOM_IO;
      raw->io_open = &RefuseNestedOpen;
    }
    // On failure avformat_open_input frees `raw` (but not a custom avio_).
    if (int err = avformat_open_input(&raw, name_.c_str(), nullptr, nullptr); err < 0) {
      // A damaged header can announce absurd sizes, which FFmpeg reports as
      // ENOMEM: for the user that is a file it cannot read, not a memory problem.
      const bool unreadable = err == AVERROR_INVALIDDATA || err == AVERROR(ENOMEM);
      Fail(unreadable ? "not a recognised audio or video file" : AvError(err));
    }
    format_.reset(raw);
    if (int err = avformat_find_stream_info(format_.get(), nullptr); err < 0) {
      Fail("cannot read stream information: " + AvError(err));
    }
    SelectStream();
    OpenDecoder();
    packet_.reset(av_packet_alloc());
    frame_.reset(av_frame_alloc());
    if (!packet_ || !frame_) Fail("out of memory");
  }

  const StreamInfo& info() const noexcept override { return info_; }
  std::optional<std::string> truncation() const override { return truncation_; }

  size_t Read(std::span<float> interleaved) override {
    const size_t channels = static_cast<size_t>(info_.channels);
    const size_t wanted = interleaved.size() / channels;
    size_t done = 0;
    while (done < wanted) {
      if (pending_pos_ == pending_.size()) {
        pending_.clear();
        pending_pos_ = 0;
        if (!DecodeFrame()) break;
        continue;
      }
      const size_t n = std::min((pending_.size() - pending_pos_) / channels, wanted - done);
      std::memcpy(interleaved.data() + done * channels, pending_.data() + pending_pos_,
                  n * channels * sizeof(float));
      pending_pos_ += n * channels;
      done += n;
    }
    return done;
  }

 private:
  [[noreturn]] void Fail(const std::string& reason) const { throw FileError(name_, reason); }

  void SelectStream() {
    int video = 0;
    for (unsigned i = 0; i < format_->nb_streams; ++i) {
      AVStream* s = format_->streams[i];
      if (s->codecpar->codec_type == AVMEDIA_TYPE_AUDIO && stream_ < 0) {
        stream_ = static_cast<int>(i);
      } else {
        if (s->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) ++video;
        s->discard = AVDISCARD_ALL;  // demux only what we decode
      }
    }
    if (stream_ < 0) {
      Fail(video > 0 ? "no audio stream (" + std::to_string(video) + " video stream(s) only)"
                     : "no audio stream");
    }
  }

  void OpenDecoder() {
    const AVCodecParameters* par = format_->streams[stream_]->codecpar;
    const AVCodec* codec = avcodec_find_decoder(par->codec_id);
    if (!codec) Fail(std::string("no decoder for codec ") + avcodec_get_name(par->codec_id));
    codec_.reset(avcodec_alloc_context3(codec));
    if (!codec_) Fail("out of memory");
    if (int err = avcodec_parameters_to_context(codec_.get(), par); err < 0) Fail(AvError(err));
    if (int err = avcodec_open2(codec_.get(), codec, nullptr); err < 0) {
      Fail("cannot open " + std::string(codec->name) + " decoder: " + AvError(err));
    }
    info_.sample_rate = codec_->sample_rate;
    info_.channels = codec_->ch_layout.nb_channels;
    if (info_.channels < 1 || info_.channels > 64) {
      Fail("unsupported channel count " + std::to_string(info_.channels));
    }
    if (info_.sample_rate < 1000 || info_.sample_rate > 768000) {
      Fail("unsupported sample rate " + std::to_string(info_.sample_rate));
    }
    info_.decoder = "avformat";
    info_.codec = codec->name;
    const AVStream* s = format_->streams[stream_];
    if (s->duration != AV_NOPTS_VALUE && s->duration > 0) {
      info_.frames = av_rescale_q(s->duration, s->time_base, AVRational{1, info_.sample_rate});
    } else if (format_->duration != AV_NOPTS_VALUE && format_->duration > 0) {
      info_.frames = av_rescale(format_->duration, info_.sample_rate, AV_TIME_BASE);
    }
  }

  // Converts the decoder's sample format to interleaved float at the same rate.
  void Convert(const AVFrame& frame) {
    if (frame.sample_rate != info_.sample_rate || frame.ch_layout.nb_channels != info_.channels) {
      Fail("audio parameters change mid-stream");
    }
    if (!swr_ || frame.format != swr_format_) {
      AVChannelLayout layout;
      av_channel_layout_default(&layout, info_.channels);
      SwrContext* raw = nullptr;
      int err = swr_alloc_set_opts2(&raw, &layout, AV_SAMPLE_FMT_FLT, info_.sample_rate, &layout,
                                    static_cast<AVSampleFormat>(frame.format), info_.sample_rate, 0,
                                    nullptr);
      swr_.reset(raw);
      if (err < 0 || (err = swr_init(swr_.get())) < 0) Fail("resampler setup: " + AvError(err));
      swr_format_ = frame.format;
    }
    pending_.resize(static_cast<size_t>(frame.nb_samples) * info_.channels);
    auto* out = reinterpret_cast<uint8_t*>(pending_.data());
    const int got = swr_convert(swr_.get(), &out, frame.nb_samples,
                                const_cast<const uint8_t**>(frame.extended_data), frame.nb_samples);
    if (got < 0) Fail("sample conversion: " + AvError(got));
    pending_.resize(static_cast<size_t>(got) * info_.channels);
    total_frames_ += got;
  }

  // Decodes the next frame into pending_; false at the end of the stream.
  bool DecodeFrame() {
    while (true) {
      int r = avcodec_receive_frame(codec_.get(), frame_.get());
      if (r == 0) {
        Convert(*frame_);
        av_frame_unref(frame_.get());
        return true;
      }
      if (r == AVERROR_EOF) {
        if (total_frames_ == 0) {
          Fail(bad_packets_ > 0 ? "corrupt audio stream, nothing could be decoded"
                                : "contains no audio samples");
        }
        NoteShortfall();
        return false;
      }
      if (r == AVERROR_INVALIDDATA) {
        CountBadPacket();
        continue;
      }
      if (r != AVERROR(EAGAIN)) Fail("decode error: " + AvError(r));
      if (draining_) return false;
      r = av_read_frame(format_.get(), packet_.get());
      if (r == AVERROR_EOF) {
        draining_ = true;
        avcodec_send_packet(codec_.get(), nullptr);
        continue;
      }
      if (r < 0) {
        // A damaged container at the end of a file reads as a truncated stream.
        if (total_frames_ > 0 && r == AVERROR_INVALIDDATA) {
          char at[64];
          std::snprintf(at, sizeof at, "%.1f s", static_cast<double>(total_frames_) / info_.sample_rate);
          truncation_ = std::string("the container is damaged after ") + at;
          draining_ = true;
          avcodec_send_packet(codec_.get(), nullptr);
          continue;
        }
        Fail("read error: " + AvError(r));
      }
      if (packet_->stream_index == stream_) {
        r = avcodec_send_packet(codec_.get(), packet_.get());
        if (r == AVERROR_INVALIDDATA) {
          CountBadPacket();
        } else if (r < 0 && r != AVERROR(EAGAIN)) {
          av_packet_unref(packet_.get());
          Fail("decode error: " + AvError(r));
        }
      }
      av_packet_unref(packet_.get());
    }
  }

  // A cut file (an interrupted download or copy) often demuxes cleanly up to
  // the cut; only the length its header announced shows what is missing.
  // Durations FFmpeg estimated from the bit rate are too rough to judge by.
  void NoteShortfall() {
    if (truncation_ || !info_.frames) return;
    if (format_->duration_estimation_method == AVFMT_DURATION_FROM_BITRATE) return;
    truncation_ = ShortfallReason(total_frames_, *info_.frames, info_.sample_rate);
  }

  void CountBadPacket() {
    if (++bad_packets_ > kMaxBadPackets)
      Fail("corrupt audio stream (too many undecodable packets)");
  }

  std::string name_;
  // Declared before format_, which reads through them, so they outlive it.
  std::unique_ptr<MemoryFile> memory_;
  std::unique_ptr<AVIOContext, AvioFree> avio_;
  std::unique_ptr<AVFormatContext, FormatCloser> format_;
  std::unique_ptr<AVCodecContext, CodecCloser> codec_;
  std::unique_ptr<AVPacket, PacketFree> packet_;
  std::unique_ptr<AVFrame, FrameFree> frame_;
  std::unique_ptr<SwrContext, SwrFree> swr_;
  int swr_format_ = -1;
  int stream_ = -1;
  StreamInfo info_;
  std::vector<float> pending_;
  size_t pending_pos_ = 0;
  int64_t total_frames_ = 0;
  int bad_packets_ = 0;
  bool draining_ = false;
  std::optional<std::string> truncation_;
};

}  // namespace

std::unique_ptr<FileReader> OpenWithAvformat(const std::filesystem::path& path) {
  return std::make_unique<AvformatReader>(path.string(), nullptr);
}

std::unique_ptr<FileReader> OpenWithAvformat(std::unique_ptr<MemoryFile> memory,
                                             const std::string& name) {
  memory->pos = 0;
  return std::make_unique<AvformatReader>(name, std::move(memory));
}

}  // namespace scribed::audio::file
