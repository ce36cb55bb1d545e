#include "engine/tokenizer/stream_decoder.h"

#include "engine/tokenizer/utf8.h"

namespace scribed::engine::tokenizer {

std::string StreamDecoder::Push(int32_t id) {
  tokenizer_->AppendTokenText(id, options_.render_control, pending_);
  std::string out;
  size_t pos = 0;
  while (pos < pending_.size()) {
    const size_t len = Utf8SequenceLength(pending_, pos);
    if (len > 0) {
      out.append(pending_, pos, len);
      pos += len;
    } else if (Utf8IsIncompletePrefix(pending_, pos)) {
      break;  // wait for the rest of this character
    } else {
      AppendReplacementChar(out);
      ++pos;
    }
  }
  pending_.erase(0, pos);
  return out;
}

std::string StreamDecoder::Flush() {
  std::string out;
  for (size_t i = 0; i < pending_.size(); ++i) AppendReplacementChar(out);
  pending_.clear();
  return out;
}

}  // namespace scribed::engine::tokenizer
