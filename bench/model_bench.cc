#include "bench/model_bench.h"

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "bench/measure.h"
#include "engine/model/model_access.h"
#include "scribed/engine/engine.h"

namespace scribed::bench {

void RunModelBench(const ModelBenchOptions& o, std::FILE* out) {
  const auto l0 = Clock::now();
  auto model = engine::Model::Load(o.model, o.mmproj, o.load);
  const double load_s = Seconds(l0, Clock::now());
  const engine::ModelInfo& info = model->info();
  engine::ThreadPool pool(o.threads);
  std::fprintf(out,
               "model %s: %d layers, n_embd %d, %s, %.2f GB of matrices; threads=%d; %s, loaded "
               "in %.1f s\n",
               info.model_path.filename().c_str(), info.n_layer, info.n_embd,
               info.weight_type.c_str(), static_cast<double>(info.weight_bytes) / 1e9, pool.size(),
               info.weights.c_str(), load_s);
  std::fprintf(out, "backend: %s\n", info.backend.c_str());

  // The roofline's bandwidth is that of the memory the weights stream from:
  // the GPU's own, or host memory on the CPU.
  double copy_gbps = 0;
  if (const std::optional<double> device_bps =
          engine::ModelAccess::Of(*model).backend->MeasureMemoryBandwidth()) {
    copy_gbps = *device_bps / 1e9;
    const std::string& name = info.backend;
    const size_t colon = name.find(": ");
    std::fprintf(out, "device memory bandwidth: %.1f GB/s (read + write) on %s\n", copy_gbps,
                 colon == std::string::npos ? name.c_str() : name.c_str() + colon + 2);
  } else {
    CopyBandwidth copy(pool);
    copy_gbps = copy.Measure(2.0);
    std::fprintf(out, "copy bandwidth: %.1f GB/s (read + write)\n", copy_gbps);
  }

  engine::SessionOptions so;
  so.threads = pool.size();
  so.n_ctx = o.prompt_tokens + o.decode_tokens + 1;
  so.max_batch = o.prompt_tokens;
  engine::Session session(model, so);

  // Random ordinary tokens: the cost of a position does not depend on its id.
  std::mt19937 rng(1);
  std::uniform_int_distribution<int32_t> id(1000, info.n_vocab - 1000);
  std::vector<int32_t> prompt(static_cast<size_t>(o.prompt_tokens));
  for (auto& t : prompt) t = id(rng);

  const auto p0 = Clock::now();
  session.Append(engine::Prompt().Tokens(prompt));
  const double prefill_s = Seconds(p0, Clock::now());
  const double prefill_tps = o.prompt_tokens / prefill_s;
  std::fprintf(out, "prefill: %d tokens in %.2f s = %.2f tok/s\n", o.prompt_tokens, prefill_s,
               prefill_tps);

  session.AppendToken(id(rng));  // warm-up step, not timed
  std::vector<double> steps;
  for (int i = 0; i < o.decode_tokens; ++i) {
    const int32_t token = id(rng);
    const auto t0 = Clock::now();
    session.AppendToken(token);
    steps.push_back(Seconds(t0, Clock::now()));
  }
  std::sort(steps.begin(), steps.end());
  const double decode_tps = 1.0 / steps[steps.size() / 2];
  const double roofline_tps = copy_gbps * 1e9 / static_cast<double>(info.weight_bytes);
  std::fprintf(out, "decode: median %.1f ms/token = %.2f tok/s; roofline %.2f tok/s (%.2f GB/token)\n",
               steps[steps.size() / 2] * 1e3, decode_tps, roofline_tps,
               static_cast<double>(info.weight_bytes) / 1e9);
  std::fprintf(out, "prefill_tps=%.2f decode_tps=%.2f roofline_tps=%.2f ratio=%.3f\n", prefill_tps,
               decode_tps, roofline_tps, decode_tps / roofline_tps);
}

}  // namespace scribed::bench
