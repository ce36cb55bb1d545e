// Session: one stream of positions over a shared Model — prompt evaluation,
// decode steps, rewinding to a prefix, and the generation loop.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "engine/backends/backend.h"
#include "engine/model/decoder.h"
#include "engine/model/model_access.h"
#include "engine/sampling/sampler.h"
#include "engine/tokenizer/stream_decoder.h"
#include "scribed/engine/engine.h"

namespace scribed::engine {

struct Session::Impl {
  Impl(std::shared_ptr<const Model> m, const SessionOptions& o)
      : model(std::move(m)),
        mi(ModelAccess::Of(*model)),
        options(o),
        context(mi.backend->NewContext(o.threads)),
        cache(context->NewKvStore(mi.config, o.n_ctx, std::min(o.max_batch, o.n_ctx),
                                  o.kv_type == KvCacheType::kF16 ? backend::KvType::kF16
                                                                 : backend::KvType::kF32)),
        decoder(mi.config, mi.device_weights, *context, std::min(o.max_batch, o.n_ctx)) {}

  // want_logits false: the last row's logits are not computed (logits() is
  // then empty), which saves the LM head for rows inside an open audio span.
  void Evaluate(std::span<const model::InputRow> rows, bool want_logits = true) {
    if (rows.empty()) return;
    if (n_past + static_cast<int64_t>(rows.size()) > options.n_ctx) {
      throw std::invalid_argument("prompt of " + std::to_string(rows.size()) +
                                  " positions does not fit: " + std::to_string(n_past) + " of " +
                                  std::to_string(options.n_ctx) + " context positions used");
    }
    logits.resize(static_cast<size_t>(mi.config.n_vocab));
    decoder.Forward(rows, n_past, *cache, want_logits ? logits.data() : nullptr);
    n_past += static_cast<int64_t>(rows.size());
    written = std::max(written, n_past);
    has_logits = want_logits;
  }

  void CheckToken(int32_t id) const {
    if (id < 0 || id >= mi.config.n_vocab) {
      throw std::invalid_argument("token id " + std::to_string(id) + " is outside the vocabulary (0.." +
                                  std::to_string(mi.config.n_vocab - 1) + ")");
    }
  }

  std::shared_ptr<const Model> model;
  const ModelImpl& mi;
  SessionOptions options;
  std::unique_ptr<backend::Context> context;  // this session's stream of work on the backend
  std::unique_ptr<backend::KvStore> cache;
  model::Decoder decoder;
  std::vector<float> logits;       // [n_vocab] of the last evaluated position
  bool has_logits = false;
  int64_t n_past = 0;
  int64_t written = 0;             // highest position count ever written to the cache
  std::vector<int32_t> history;    // id per position, -1 for audio rows
};

Session::Session(std::shared_ptr<const Model> model, const SessionOptions& options) {
  if (options.n_ctx < 1 || options.max_batch < 1) {
    throw std::invalid_argument("session context and batch size must be positive");
  }
  impl_ = std::make_unique<Impl>(std::move(model), options);
}
Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

int64_t Session::n_past() const noexcept { return impl_->n_past; }
int64_t Session::n_ctx() const noexcept { return impl_->options.n_ctx; }

std::span<const float> Session::logits() const noexcept {
  if (!impl_->has_logits) return {};
  return impl_->logits;
}

bool Session::InAudioSpan() const noexcept {
  const Impl& s = *impl_;
  for (auto it = s.history.rbegin(); it != s.history.rend(); ++it) {
    if (*it == s.mi.audio_begin) return true;
    if (*it == s.mi.audio_end) return false;
  }
  return false;
}

std::vector<int32_t> Session::Append(const Prompt& prompt) {
  Impl& s = *impl_;
  const ModelImpl& mi = s.mi;
  std::vector<int32_t> ids;
  // Projected audio, one block per audio part, kept alive during Forward; the
  // audio rows (-1 in ids) take their rows from these blocks in order.
  std::vector<std::vector<float>> audio_rows;
  bool open = InAudioSpan();
  auto project = [&](std::span<const float> samples, const char* what) {
    if (!mi.audio) {
      throw std::invalid_argument("the prompt has audio but no mmproj (audio projector) was loaded");
    }
    const int64_t frames = model::AudioProjector::Frames(static_cast<int64_t>(samples.size()));
    if (s.n_past + static_cast<int64_t>(ids.size()) + frames + 2 > s.options.n_ctx) {
      throw std::invalid_argument(std::string(what) + " of " + std::to_string(frames) +
                                  " frames does not fit the context of " +
                                  std::to_string(s.options.n_ctx) + " positions");
    }
    if (frames == 0) return;
    auto& rows = audio_rows.emplace_back(static_cast<size_t>(frames * mi.config.n_embd));
    mi.audio->Project(samples, *mi.audio_projection, *s.context, rows.data());
    ids.insert(ids.end(), static_cast<size_t>(frames), -1);
  };
  auto require = [&](bool want_open, const char* what) {
    if (open == want_open) return;
    throw std::invalid_argument(std::string(what) +
                                (want_open ? " needs an open audio span (AudioBegin first)"
                                           : " inside an open audio span (AudioEnd first)"));
  };
  auto note_markers = [&](std::span<const int32_t> tokens) {
    for (int32_t id : tokens) {
      if (id == mi.audio_begin) open = true;
      if (id == mi.audio_end) open = false;
    }
  };
  for (const auto& part : prompt.parts()) {
    if (const auto* text = std::get_if<std::string>(&part)) {
      auto tokens = mi.tokenizer.Encode(*text, /*parse_special=*/true);
      note_markers(tokens);
      ids.insert(ids.end(), tokens.begin(), tokens.end());
    } else if (const auto* tokens = std::get_if<std::vector<int32_t>>(&part)) {
      for (int32_t id : *tokens) s.CheckToken(id);
      note_markers(*tokens);
      ids.insert(ids.end(), tokens->begin(), tokens->end());
    } else if (std::holds_alternative<Prompt::BosToken>(part)) {
      ids.push_back(mi.tokenizer.bos());
    } else if (const auto* clip = std::get_if<Prompt::AudioClip>(&part)) {
      require(false, "an audio clip");
      ids.push_back(mi.audio_begin);
      project(clip->samples, "audio clip");
      ids.push_back(mi.audio_end);
    } else if (std::holds_alternative<Prompt::AudioSpanBegin>(part)) {
      require(false, "AudioBegin");
      ids.push_back(mi.audio_begin);
      open = true;
    } else if (const auto* frames = std::get_if<Prompt::AudioSpanFrames>(&part)) {
      require(true, "AudioFrames");
      project(frames->samples, "audio");
    } else {
      require(true, "AudioEnd");
      project(std::get<Prompt::AudioSpanEnd>(part).tail, "audio");
      ids.push_back(mi.audio_end);
      open = false;
    }
  }

  std::vector<model::InputRow> rows(ids.size());
  size_t block = 0;
  int64_t frame = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] >= 0) {
      rows[i].token = ids[i];
      continue;
    }
    // Audio rows appear block after block, in order.
    while (frame * mi.config.n_embd >= static_cast<int64_t>(audio_rows[block].size())) {
      ++block;
      frame = 0;
    }
    rows[i].embedding = audio_rows[block].data() + frame * mi.config.n_embd;
    ++frame;
  }
  // Nothing is predicted inside audio: a prompt that ends in an open span
  // (audio still arriving) skips the LM head.
  s.Evaluate(rows, /*want_logits=*/!open);
  s.history.resize(static_cast<size_t>(s.n_past - static_cast<int64_t>(ids.size())));
  s.history.insert(s.history.end(), ids.begin(), ids.end());
  return ids;
}

void Session::AppendToken(int32_t token) {
  impl_->CheckToken(token);
  const model::InputRow row{token, nullptr};
  impl_->Evaluate(std::span(&row, 1));
  impl_->history.push_back(token);
}

bool Session::Rewind(int64_t n) {
  Impl& s = *impl_;
  if (n < 0 || n > s.n_past || !s.cache->CanRewind(s.written, n)) return false;
  s.n_past = n;
  s.history.resize(static_cast<size_t>(n));
  s.has_logits = false;
  return true;
}

Generation Session::Generate(const GenerateParams& params) {
  Impl& s = *impl_;
  if (!s.has_logits) throw std::logic_error("Generate needs logits: Append a prompt first");
  const ModelImpl& mi = s.mi;
  sampling::Sampler sampler(params.sampling, mi.suppressed);
  tokenizer::StreamDecoder stream(mi.tokenizer);
  Generation out;
  for (int i = 0;; ++i) {
    if (i >= params.max_tokens) {
      out.stop = StopReason::kMaxTokens;
      break;
    }
    if (params.should_abort && params.should_abort()) {
      out.stop = StopReason::kAborted;
      break;
    }
    const int32_t token = sampler.Sample(s.logits, s.history);
    if (mi.tokenizer.IsEndOfGeneration(token)) {
      out.stop = StopReason::kEndOfGeneration;
      break;
    }
    out.tokens.push_back(token);
    const std::string piece = stream.Push(token);
    out.text += piece;
    if (params.on_token && !params.on_token(token, piece)) {
      out.stop = StopReason::kCallback;
      break;
    }
    if (s.n_past >= s.options.n_ctx) {
      out.stop = StopReason::kContextFull;
      break;
    }
    if (i + 1 < params.max_tokens) AppendToken(token);
  }
  out.text += stream.Flush();
  return out;
}

}  // namespace scribed::engine
