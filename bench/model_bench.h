// Model throughput benchmark behind `scribe bench model`: prefill and decode
// tokens per second of a GGUF model, beside the decode roofline of the device
// it runs on (memory bandwidth / weight bytes streamed per decoded token): the
// host's copy bandwidth on the CPU, the GPU's own on Vulkan.
//
// Thread-compatible.
#pragma once

#include <cstdio>
#include <string>

#include "scribed/engine/engine.h"

namespace scribed::bench {

struct ModelBenchOptions {
  std::string model;
  std::string mmproj;      // optional; measures the audio projection when set
  int threads = 0;         // < 1: DefaultThreadCount()
  int prompt_tokens = 128; // prefill length
  int decode_tokens = 16;  // decode steps timed after the prefill
  engine::LoadOptions load;  // backend, GPU and weight memory
};

// Prints the model, the measurements and ends with one line:
//   prefill_tps=<tok/s> decode_tps=<tok/s> roofline_tps=<tok/s> ratio=<decode/roofline>
// Throws what Model::Load throws.
void RunModelBench(const ModelBenchOptions& options, std::FILE* out);

}  // namespace scribed::bench
