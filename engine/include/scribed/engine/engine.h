// scribed's inference engine: Gemma 4 12B Unified from GGUF files, on the CPU
// or a Vulkan GPU.
//
//   auto model = scribed::engine::Model::Load("gemma-4-12b-it-Q4_K_M.gguf",
//                                             "mmproj-gemma-4-12b-it-bf16.gguf");
//   scribed::engine::Session session(model);
//   session.Append(scribed::engine::Prompt()
//                      .Bos()
//                      .Text("<|turn>user\nTranscribe this audio.")
//                      .Audio(samples_16k_mono)
//                      .Text("<turn|>\n<|turn>model\n"));
//   scribed::engine::GenerateParams params;
//   params.on_token = [](int32_t, std::string_view text) { fputs(...); return true; };
//   scribed::engine::Generation out = session.Generate(params);
//
// A Model is immutable once loaded and shared by any number of Sessions. A
// Session owns a KV cache and scratch memory for one stream of positions.
// The engine never prints; failures are exceptions (see errors.h, gguf.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "scribed/engine/errors.h"

namespace scribed::engine {

struct ModelInfo {
  std::filesystem::path model_path;
  std::filesystem::path mmproj_path;  // empty without audio support
  int n_layer = 0;
  int n_embd = 0;
  int n_vocab = 0;
  int context_length = 0;
  std::string weight_type;   // the matrix type holding most bytes, e.g. "Q4_K"
  uint64_t weight_bytes = 0; // bytes of all matrices (streamed once per decoded token)
  bool has_audio = false;
  std::string backend;       // what runs the model: "cpu", or "vulkan: <device name>"
  std::string weights;       // "resident" (a re-laid copy in memory) or "mapped" (the file)
};

// Audio input contract: 16 kHz mono float samples, nominally in [-1, 1].
inline constexpr int kAudioSampleRate = 16000;
// Samples per audio row (40 ms): each frame becomes one embedding row.
inline constexpr int kAudioFrameSamples = 640;

enum class BackendChoice { kCpu, kVulkan, kAuto };

// "cpu", "vulkan" or "auto"; throws std::invalid_argument naming the choices.
BackendChoice ParseBackendChoice(std::string_view name);

struct GpuInfo {
  int index = 0;              // what LoadOptions::gpu_device accepts
  std::string name;
  std::string kind;           // "discrete", "integrated", "virtual" or "cpu" (e.g. lavapipe)
  uint64_t memory_bytes = 0;  // device-local memory
};

// The Vulkan devices of this machine, discrete ones first; empty without a
// Vulkan loader or device, or in a build without the Vulkan backend.
std::vector<GpuInfo> ListGpus();

// Whether this build has the Vulkan backend.
bool VulkanBuilt() noexcept;

// Where the text model's weights live while it runs on the CPU.
enum class WeightMemory {
  // kResident where it pays and fits: the model runs on the CPU, the CPU has
  // the packed kernels (AVX2 or better), and the file fits in the available
  // memory (AvailableMemoryBytes: MemAvailable, and the cgroup's limit) with
  // 2 GiB to spare. Else kMapped.
  kAuto,
  // Used in place from a memory mapping of the file: starts at once, shares
  // the page cache, and runs the kernels for the GGUF layout.
  kMapped,
  // Read into anonymous memory with huge pages and re-laid in place for the
  // packed kernels (no extra memory): prefill ~2.5x and decode ~1.2x faster
  // than mapped on the 12B shapes (docs/performance.md), at the cost of
  // reading the whole file at load.
  kResident,
};

// "auto", "mapped" or "resident"; throws std::invalid_argument naming them.
WeightMemory ParseWeightMemory(std::string_view name);

struct LoadOptions {
  WeightMemory weights = WeightMemory::kAuto;

  // Where the model runs. kAuto: the first GPU (discrete before integrated;
  // never a CPU implementation of Vulkan) whose memory holds the weights with
  // room to spare, else the CPU.
  BackendChoice backend = BackendChoice::kCpu;
  // Which GPU for kVulkan: empty (the best one), an index from ListGpus(),
  // or a case-insensitive part of its name.
  std::string gpu_device;
};

// Thread-safe (immutable after Load).
class Model {
 public:
  // Loads the text GGUF and, when given, the mmproj GGUF with the audio
  // projector and uploads the weights to the chosen backend. Throws ModelError
  // (wrong or mismatched files, no usable GPU, a model too large for it),
  // gguf::FormatError (malformed file) or std::system_error (cannot open).
  static std::shared_ptr<const Model> Load(const std::filesystem::path& model,
                                           const std::filesystem::path& mmproj = {},
                                           const LoadOptions& options = {});
  ~Model();

  const ModelInfo& info() const noexcept;

  // Text <-> token ids. With parse_special, special tokens written in the text
  // ("<|turn>") become their single ids. No BOS is added.
  std::vector<int32_t> Tokenize(std::string_view text, bool parse_special = true) const;
  std::string Detokenize(std::span<const int32_t> tokens) const;
  int32_t bos() const noexcept;
  bool IsEndOfGeneration(int32_t token) const noexcept;

  // Audio rows (one per 40 ms frame) that `n_samples` samples become.
  static int64_t AudioFrames(int64_t n_samples) noexcept;

 private:
  friend class ModelAccess;  // the engine's internal access (engine/model/model_access.h)
  struct Impl;
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The input of one Session::Append: text, token ids and audio in order.
// Text is raw: special tokens written in it are parsed. Audio becomes
// <|audio>, one embedding row per 640 samples, <audio|>.
//
// Audio can also arrive while it is being recorded: AudioBegin() opens a span
// (<|audio>), AudioFrames() adds whole frames to it over any number of
// Appends, and AudioEnd(tail) closes it, the tail (< 640 samples) becoming a
// last, zero-padded row. Each frame is projected on its own and attention is
// causal, so a clip appended this way in any batches gives the logits of
// Audio(clip) (to float rounding).
class Prompt {
 public:
  Prompt& Bos();
  Prompt& Text(std::string text);
  Prompt& Tokens(std::vector<int32_t> tokens);
  Prompt& Audio(std::vector<float> samples_16k);
  Prompt& AudioBegin();
  // Throws std::invalid_argument unless the size is a multiple of kAudioFrameSamples.
  Prompt& AudioFrames(std::vector<float> samples_16k);
  // Throws std::invalid_argument for a tail of kAudioFrameSamples or more.
  Prompt& AudioEnd(std::vector<float> tail = {});

  struct AudioClip {
    std::vector<float> samples;
  };
  struct BosToken {};
  struct AudioSpanBegin {};
  struct AudioSpanFrames {
    std::vector<float> samples;  // whole frames
  };
  struct AudioSpanEnd {
    std::vector<float> tail;  // the last partial frame; may be empty
  };
  using Part = std::variant<std::string, std::vector<int32_t>, AudioClip, BosToken, AudioSpanBegin,
                            AudioSpanFrames, AudioSpanEnd>;
  const std::vector<Part>& parts() const noexcept { return parts_; }

 private:
  std::vector<Part> parts_;
};

// Storage of the keys and values of past positions. F16 halves the cache's
// memory and moves logits by a few 1e-3 (the reference implementation's
// default); F32 reproduces the reference's F32 runs.
enum class KvCacheType { kF32, kF16 };

struct SessionOptions {
  int64_t n_ctx = 4096;    // most positions the session holds
  int threads = 0;         // 0: one per physical core
  int64_t max_batch = 256; // positions per prefill pass
  KvCacheType kv_type = KvCacheType::kF32;
};

struct SamplingParams {
  float temperature = 0.0f;  // 0: greedy (argmax, ties to the lowest id)
  int top_k = 64;            // 0: no limit
  float top_p = 0.95f;       // 1: no limit
  float min_p = 0.0f;
  float repetition_penalty = 1.0f;  // > 1 discourages tokens seen in the last window
  int repetition_window = 64;
  uint64_t seed = 0;
};

enum class StopReason { kEndOfGeneration, kMaxTokens, kContextFull, kAborted, kCallback };

struct GenerateParams {
  SamplingParams sampling;
  int max_tokens = 256;
  // Called for every generated token with the text it completes (UTF-8 held
  // back until whole; control tokens give ""). Return false to stop.
  std::function<bool(int32_t token, std::string_view text)> on_token;
  // Polled between tokens; true cancels.
  std::function<bool()> should_abort;
};

struct Generation {
  std::string text;             // detokenized, end-of-generation token excluded
  std::vector<int32_t> tokens;  // generated ids, end-of-generation token excluded
  StopReason stop = StopReason::kMaxTokens;
};

// Thread-compatible.
class Session {
 public:
  explicit Session(std::shared_ptr<const Model> model, const SessionOptions& options = {});
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  int64_t n_past() const noexcept;
  int64_t n_ctx() const noexcept;

  // Evaluates `prompt` after the positions already held and leaves the logits
  // of its last position. Returns the ids of the positions added (-1 for each
  // audio row). Throws std::invalid_argument for audio without an mmproj, an
  // invalid token id, a prompt that does not fit the context, or audio span
  // parts out of order (frames or an end with no open span, a begin or a
  // whole clip inside one); the session is then unchanged. A prompt that ends
  // inside an open audio span computes no logits (nothing is predicted inside
  // audio): logits() is then empty.
  std::vector<int32_t> Append(const Prompt& prompt);

  // Whether the positions held end inside an audio span: the last <|audio>
  // has no <audio|> after it (Rewind can reopen a closed span).
  bool InAudioSpan() const noexcept;

  // Raw logits (after the final softcap) of the last evaluated position; no
  // suppression or penalties. Empty before the first Append.
  std::span<const float> logits() const noexcept;

  // Feeds one token (a decode step).
  void AppendToken(int32_t token);

  // Drops back to the first `n` positions (e.g. a shared prompt prefix), so
  // the next Append continues from there. Returns false when the cache no
  // longer holds what positions >= n need; the session is then unchanged.
  // logits() is invalid until the next Append/AppendToken.
  bool Rewind(int64_t n);

  // Samples tokens from the current logits until end of generation,
  // max_tokens, a full context, a callback stop or an abort.
  Generation Generate(const GenerateParams& params);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scribed::engine
