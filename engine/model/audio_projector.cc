#include "engine/model/audio_projector.h"

#include <algorithm>
#include <string>
#include <vector>

#include "engine/model/tensor_names.h"
#include "engine/model/weights.h"
#include "scribed/engine/errors.h"

namespace scribed::engine::model {

AudioProjector::AudioProjector(const gguf::File& f, int n_embd) {
  const std::string name = f.path().filename().string();
  const std::string arch(f.GetString("general.architecture"));
  if (arch != "clip") {
    throw ModelError(name + ": this is a " + arch + " file, not a multimodal projector (mmproj, "
                     "architecture clip)");
  }
  const auto type = f.FindString("clip.audio.projector_type");
  if (!f.FindBool("clip.has_audio_encoder").value_or(false) || type != "gemma4ua") {
    throw ModelError(name + ": mmproj has no gemma4ua audio projector" +
                     (type ? " (audio projector: " + std::string(*type) + ")" : std::string()) +
                     "; scribed needs the mmproj of Gemma 4 12B Unified");
  }
  const uint32_t dim = f.GetU32("clip.audio.projection_dim");
  if (dim != static_cast<uint32_t>(n_embd)) {
    throw ModelError(name + ": the audio projector outputs " + std::to_string(dim) +
                     " values but the text model's embeddings have " + std::to_string(n_embd) +
                     "; the two files are not from the same model");
  }
  eps_ = f.FindF32("clip.audio.attention.layer_norm_epsilon").value_or(1e-6f);
  projection_ = BindMatrix(f, kAudioProjection, kAudioFrameSamples, n_embd);
}

void AudioProjector::Project(std::span<const float> samples, const backend::Weight& projection,
                             backend::Context& ctx, float* out) const {
  const int64_t n = Frames(static_cast<int64_t>(samples.size()));
  if (n == 0) return;
  const int64_t n_out = projection.rows();
  const auto frames = ctx.NewBuffer(n * kAudioFrameSamples);
  const auto rows = ctx.NewBuffer(n * n_out);
  // The last frame is zero-padded: write the samples, then the zeros.
  ctx.Write(*frames, 0, samples);
  const std::vector<float> pad(static_cast<size_t>(n * kAudioFrameSamples) - samples.size(), 0.0f);
  ctx.Write(*frames, static_cast<int64_t>(samples.size()), pad);
  ctx.RmsNorm(*frames, 0, n, kAudioFrameSamples, nullptr, eps_, *frames);
  ctx.MatMul(projection, *frames, n, *rows);
  ctx.Read(*rows, 0, std::span<float>(out, static_cast<size_t>(n * n_out)));
}

}  // namespace scribed::engine::model
