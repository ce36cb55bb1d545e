#include "engine/model/device_weights.h"

namespace scribed::engine::model {

DeviceWeights UploadWeights(backend::Backend& b, const ModelWeights& w) {
  DeviceWeights d;
  d.token_embd = b.Upload(w.token_embd);
  if (w.output.data == w.token_embd.data) {
    d.output = d.token_embd.get();
  } else {
    d.untied_output = b.Upload(w.output);
    d.output = d.untied_output.get();
  }
  d.output_norm = b.Upload(w.output_norm);
  if (!w.rope_freqs.empty()) d.rope_freqs = b.Upload(std::span<const float>(w.rope_freqs));
  for (const LayerWeights& l : w.layers) {
    DeviceLayer& dl = d.layers.emplace_back();
    dl.attn_norm = b.Upload(l.attn_norm);
    dl.q_norm = b.Upload(l.q_norm);
    dl.k_norm = b.Upload(l.k_norm);
    dl.post_attn_norm = b.Upload(l.post_attn_norm);
    dl.ffn_norm = b.Upload(l.ffn_norm);
    dl.post_ffw_norm = b.Upload(l.post_ffw_norm);
    dl.q = b.Upload(l.q);
    dl.k = b.Upload(l.k);
    if (l.v.data != nullptr) dl.v = b.Upload(l.v);
    dl.o = b.Upload(l.o);
    dl.gate = b.Upload(l.gate);
    dl.up = b.Upload(l.up);
    dl.down = b.Upload(l.down);
    dl.output_scale = l.output_scale;
  }
  return d;
}

}  // namespace scribed::engine::model
