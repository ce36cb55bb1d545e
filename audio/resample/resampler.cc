#include "scribed/audio/resampler.h"

#include <samplerate.h>

#include <algorithm>

#include "scribed/audio/chunk.h"
#include "scribed/audio/errors.h"

namespace scribed::audio {
namespace {

int Converter(ResampleQuality q) {
  switch (q) {
    case ResampleQuality::kSincBest:
      return SRC_SINC_BEST_QUALITY;
    case ResampleQuality::kSincMedium:
      return SRC_SINC_MEDIUM_QUALITY;
    case ResampleQuality::kSincFastest:
      return SRC_SINC_FASTEST;
    case ResampleQuality::kLinear:
      return SRC_LINEAR;
  }
  return SRC_SINC_MEDIUM_QUALITY;
}

void ClampAppend(std::span<const float> in, std::vector<float>& out) {
  for (float v : in) out.push_back(std::clamp(v, -1.0f, 1.0f));
}

}  // namespace

struct Resampler::State {
  SRC_STATE* src = nullptr;
  double ratio = 1.0;
  std::vector<float> scratch;
  ~State() {
    if (src) src_delete(src);
  }
};

Resampler::Resampler(int input_rate, int channels, ResampleQuality quality)
    : input_rate_(input_rate), channels_(channels), state_(std::make_unique<State>()) {
  if (input_rate < 1000 || input_rate > 768000) {
    throw AudioError("resampler: unsupported input rate " + std::to_string(input_rate));
  }
  if (channels < 1 || channels > 64) {
    throw AudioError("resampler: unsupported channel count " + std::to_string(channels));
  }
  state_->ratio = static_cast<double>(kOutputRate) / input_rate;
  if (input_rate != kOutputRate) {
    int err = 0;
    state_->src = src_new(Converter(quality), 1, &err);
    if (!state_->src) throw AudioError(std::string("resampler: ") + src_strerror(err));
  }
}

Resampler::~Resampler() = default;

void Resampler::Process(std::span<const float> interleaved, std::vector<float>& out) {
  const size_t frames = interleaved.size() / static_cast<size_t>(channels_);
  mono_.resize(frames);
  if (channels_ == 1) {
    std::copy_n(interleaved.begin(), frames, mono_.begin());
  } else {
    const float scale = 1.0f / static_cast<float>(channels_);
    for (size_t i = 0; i < frames; ++i) {
      float sum = 0.0f;
      for (int c = 0; c < channels_; ++c) sum += interleaved[i * channels_ + c];
      mono_[i] = sum * scale;
    }
  }
  frames_in_ += static_cast<int64_t>(frames);
  Run(mono_, /*end_of_input=*/false, out);
}

void Resampler::Finish(std::vector<float>& out) {
  const size_t before = out.size();
  Run({}, /*end_of_input=*/true, out);
  // Make the total exactly round(frames_in * 16000 / rate): the sinc
  // converters may stop one sample short or long of it at the end.
  const int64_t target = (frames_in_ * kOutputRate + input_rate_ / 2) / input_rate_;
  if (samples_out_ < target) {
    out.resize(out.size() + static_cast<size_t>(target - samples_out_), 0.0f);
  } else if (samples_out_ > target) {
    const int64_t excess =
        std::min<int64_t>(samples_out_ - target, static_cast<int64_t>(out.size() - before));
    out.resize(out.size() - static_cast<size_t>(excess));
  }
  samples_out_ = target;
}

void Resampler::Run(std::span<const float> mono, bool end_of_input, std::vector<float>& out) {
  const size_t before = out.size();
  if (!state_->src) {
    ClampAppend(mono, out);
    samples_out_ += static_cast<int64_t>(mono.size());
    return;
  }
  auto& scratch = state_->scratch;
  scratch.resize(static_cast<size_t>(mono.size() * state_->ratio) + 256);
  SRC_DATA data{};
  data.src_ratio = state_->ratio;
  data.end_of_input = end_of_input ? 1 : 0;
  const float* in = mono.data();
  long remaining = static_cast<long>(mono.size());
  while (true) {
    data.data_in = in;
    data.input_frames = remaining;
    data.data_out = scratch.data();
    data.output_frames = static_cast<long>(scratch.size());
    if (int err = src_process(state_->src, &data); err != 0) {
      throw AudioError(std::string("resampler: ") + src_strerror(err));
    }
    in += data.input_frames_used;
    remaining -= data.input_frames_used;
    ClampAppend(std::span<const float>(scratch.data(), static_cast<size_t>(data.output_frames_gen)),
                out);
    if (remaining == 0 && (!end_of_input || data.output_frames_gen == 0)) break;
    if (data.input_frames_used == 0 && data.output_frames_gen == 0 && !end_of_input) break;
  }
  samples_out_ += static_cast<int64_t>(out.size() - before);
}

}  // namespace scribed::audio
