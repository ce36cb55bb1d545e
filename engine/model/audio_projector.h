// Gemma 4 Unified's encoder-free audio path: 16 kHz samples are cut into
// 640-sample frames (40 ms, the last zero-padded), each frame is RMS-normalised
// without a learned weight and projected linearly into the text embedding
// space. The rows enter the decoder unscaled.
//
// Thread-safe (immutable).
#pragma once

#include <cstdint>
#include <span>

#include "engine/backends/backend.h"
#include "engine/kernels/matmul.h"
#include "scribed/engine/engine.h"
#include "scribed/engine/gguf.h"

namespace scribed::engine::model {

inline constexpr int kAudioFrameSamples = engine::kAudioFrameSamples;

class AudioProjector {
 public:
  // Validates the mmproj: a clip file with the gemma4ua audio projector whose
  // output width equals the text model's `n_embd`. Throws ModelError.
  AudioProjector(const gguf::File& mmproj, int n_embd);

  static int64_t Frames(int64_t n_samples) noexcept {
    return (n_samples + kAudioFrameSamples - 1) / kAudioFrameSamples;
  }

  // The [640 -> n_embd] projection as the file stores it, for Backend::Upload.
  const kernels::Matrix& projection() const noexcept { return projection_; }

  // out: [Frames(samples.size()), n_embd] row-major, computed on `context`'s
  // device with `projection` (this projector's matrix uploaded there).
  void Project(std::span<const float> samples, const backend::Weight& projection,
               backend::Context& context, float* out) const;

 private:
  kernels::Matrix projection_;  // [640 -> n_embd]
  float eps_;
};

}  // namespace scribed::engine::model
