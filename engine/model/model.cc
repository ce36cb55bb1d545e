// Model: the two GGUF files, their validated configuration and weight views,
// the audio projector and the tokenizer.
#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

#include "engine/backends/select.h"
#include "engine/model/audio_projector.h"
#include "engine/model/config.h"
#include "engine/model/model_impl.h"
#include "engine/kernels/packed_matmul.h"
#include "engine/model/weights.h"
#include "engine/runtime/available_memory.h"
#include "engine/runtime/thread_pool.h"

namespace scribed::engine {
namespace {

std::string DominantType(const model::ModelWeights& w) {
  std::map<std::string, uint64_t> bytes;
  auto add = [&](const kernels::Matrix& m) {
    if (m.data != nullptr) bytes[std::string(Name(m.type))] += *RowBytes(m.type, m.cols) * m.rows;
  };
  add(w.token_embd);
  for (const auto& l : w.layers) {
    for (const auto* m : {&l.q, &l.k, &l.v, &l.o, &l.gate, &l.up, &l.down}) add(*m);
  }
  return std::max_element(bytes.begin(), bytes.end(),
                          [](const auto& a, const auto& b) { return a.second < b.second; })
      ->first;
}

// Spare memory a resident model leaves for the KV cache, activations and the
// rest of the machine.
constexpr uint64_t kResidentHeadroom = 2ull << 30;

// Resolves WeightMemory::kAuto (see engine.h). A kAuto backend that the
// decision assumed to be the CPU is pinned to it, so the two cannot disagree.
bool ResidentWeights(const std::filesystem::path& model, LoadOptions& options) {
  if (options.weights != WeightMemory::kAuto) return options.weights == WeightMemory::kResident;
  if (!kernels::PackedKernelsFast()) return false;
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(model, ec);
  if (ec) return false;  // Open reports what is wrong with the file
  if (!backend::RunsOnCpu(options.backend, size)) return false;
  const std::optional<uint64_t> available = AvailableMemoryBytes();
  if (!available || size + kResidentHeadroom > *available) return false;
  options.backend = BackendChoice::kCpu;
  return true;
}

}  // namespace

WeightMemory ParseWeightMemory(std::string_view name) {
  if (name == "auto") return WeightMemory::kAuto;
  if (name == "mapped") return WeightMemory::kMapped;
  if (name == "resident") return WeightMemory::kResident;
  throw std::invalid_argument("unknown weight memory \"" + std::string(name) +
                              "\"; choose auto, mapped or resident");
}

Model::Impl::Impl(gguf::File text, std::optional<gguf::File> mmproj, const LoadOptions& options)
    : text_file(std::move(text)),
      mmproj_file(std::move(mmproj)),
      config(model::ReadModelConfig(text_file)),
      weights(model::BindWeights(text_file, config)),
      tokenizer(tokenizer::Tokenizer::FromGguf(text_file)) {
  // Resident weights are ours to re-lay: the packed layout is what prefill
  // GEMM wants, and costs no memory. Mapped files stay as they are.
  if (text_file.resident() && kernels::PackedKernelsFast()) {
    ThreadPool pool(0);
    text_file.EditResident([&] { model::PackMatrices(weights, pool); });
  }
  if (mmproj_file) audio.emplace(*mmproj_file, config.n_embd);
  if (tokenizer.vocab_size() != config.n_vocab) {
    throw ModelError(text_file.path().filename().string() + ": the vocabulary has " +
                     std::to_string(tokenizer.vocab_size()) + " tokens but token_embd has " +
                     std::to_string(config.n_vocab) + " rows");
  }
  suppressed.assign(tokenizer.suppress_tokens().begin(), tokenizer.suppress_tokens().end());
  auto require_token = [&](std::string_view piece) {
    auto id = tokenizer.Find(piece);
    if (!id) {
      throw ModelError(text_file.path().filename().string() + ": the vocabulary has no " +
                       std::string(piece) + " token; this is not a Gemma 4 tokenizer");
    }
    return *id;
  };
  audio_begin = require_token("<|audio>");
  audio_end = require_token("<audio|>");

  info.model_path = text_file.path();
  info.mmproj_path = mmproj_file ? mmproj_file->path() : std::filesystem::path();
  info.n_layer = config.n_layer;
  info.n_embd = config.n_embd;
  info.n_vocab = config.n_vocab;
  info.context_length = config.context_length;
  info.weight_type = DominantType(weights);
  info.weight_bytes = weights.MatrixBytes();
  info.has_audio = audio.has_value();
  info.weights = text_file.resident() ? "resident" : "mapped";

  backend = backend::CreateBackend(options.backend, options.gpu_device, info.weight_bytes);
  info.backend = backend->name();
  device_weights = model::UploadWeights(*backend, weights);
  if (audio) audio_projection = backend->Upload(audio->projection());
}

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

std::shared_ptr<const Model> Model::Load(const std::filesystem::path& model,
                                         const std::filesystem::path& mmproj,
                                         const LoadOptions& options) {
  LoadOptions effective = options;
  gguf::File text = gguf::File::Open(model, ResidentWeights(model, effective));
  std::optional<gguf::File> projector;
  if (!mmproj.empty()) projector.emplace(gguf::File::Open(mmproj));
  auto impl = std::make_unique<Impl>(std::move(text), std::move(projector), effective);
  return std::shared_ptr<const Model>(new Model(std::move(impl)));
}

const ModelInfo& Model::info() const noexcept { return impl_->info; }

std::vector<int32_t> Model::Tokenize(std::string_view text, bool parse_special) const {
  return impl_->tokenizer.Encode(text, parse_special);
}

std::string Model::Detokenize(std::span<const int32_t> tokens) const {
  return impl_->tokenizer.Decode(tokens);
}

int32_t Model::bos() const noexcept { return impl_->tokenizer.bos(); }

bool Model::IsEndOfGeneration(int32_t token) const noexcept {
  return impl_->tokenizer.IsEndOfGeneration(token);
}

int64_t Model::AudioFrames(int64_t n_samples) noexcept {
  return model::AudioProjector::Frames(n_samples);
}

Prompt& Prompt::Bos() {
  parts_.emplace_back(BosToken{});
  return *this;
}

Prompt& Prompt::Text(std::string text) {
  parts_.emplace_back(std::move(text));
  return *this;
}

Prompt& Prompt::Tokens(std::vector<int32_t> tokens) {
  parts_.emplace_back(std::move(tokens));
  return *this;
}

Prompt& Prompt::Audio(std::vector<float> samples_16k) {
  parts_.emplace_back(AudioClip{std::move(samples_16k)});
  return *this;
}

Prompt& Prompt::AudioBegin() {
  parts_.emplace_back(AudioSpanBegin{});
  return *this;
}

Prompt& Prompt::AudioFrames(std::vector<float> samples_16k) {
  if (samples_16k.size() % kAudioFrameSamples != 0) {
    throw std::invalid_argument("audio frames must be whole 640-sample frames, got " +
                                std::to_string(samples_16k.size()) + " samples");
  }
  parts_.emplace_back(AudioSpanFrames{std::move(samples_16k)});
  return *this;
}

Prompt& Prompt::AudioEnd(std::vector<float> tail) {
  if (tail.size() >= static_cast<size_t>(kAudioFrameSamples)) {
    throw std::invalid_argument("the tail of an audio span is a partial frame (< 640 samples), got " +
                                std::to_string(tail.size()) + " samples");
  }
  parts_.emplace_back(AudioSpanEnd{std::move(tail)});
  return *this;
}

}  // namespace scribed::engine
