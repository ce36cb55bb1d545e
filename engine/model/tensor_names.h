// GGUF tensor names of Gemma 4 (llama.cpp's naming), in one place.
#pragma once

#include <string>
#include <string_view>

namespace scribed::engine::model {

inline constexpr std::string_view kTokenEmbd = "token_embd.weight";
inline constexpr std::string_view kOutputNorm = "output_norm.weight";
inline constexpr std::string_view kOutput = "output.weight";  // optional untied head
inline constexpr std::string_view kRopeFreqs = "rope_freqs.weight";

// Per-layer tensors: "blk.<N>.<suffix>".
inline constexpr std::string_view kAttnNorm = "attn_norm.weight";
inline constexpr std::string_view kAttnQ = "attn_q.weight";
inline constexpr std::string_view kAttnK = "attn_k.weight";
inline constexpr std::string_view kAttnV = "attn_v.weight";
inline constexpr std::string_view kAttnOutput = "attn_output.weight";
inline constexpr std::string_view kAttnQNorm = "attn_q_norm.weight";
inline constexpr std::string_view kAttnKNorm = "attn_k_norm.weight";
inline constexpr std::string_view kPostAttnNorm = "post_attention_norm.weight";
inline constexpr std::string_view kFfnNorm = "ffn_norm.weight";
inline constexpr std::string_view kFfnGate = "ffn_gate.weight";
inline constexpr std::string_view kFfnUp = "ffn_up.weight";
inline constexpr std::string_view kFfnDown = "ffn_down.weight";
inline constexpr std::string_view kPostFfwNorm = "post_ffw_norm.weight";
inline constexpr std::string_view kLayerOutputScale = "layer_output_scale.weight";

// Audio projector in the mmproj (clip) file.
inline constexpr std::string_view kAudioProjection = "mm.a.input_projection.weight";

inline std::string LayerTensor(int layer, std::string_view suffix) {
  return "blk." + std::to_string(layer) + "." + std::string(suffix);
}

}  // namespace scribed::engine::model
