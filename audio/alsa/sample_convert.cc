#include "audio/alsa/sample_convert.h"

#include <algorithm>
#include <cstring>

namespace scribed::audio::alsa {

size_t BytesPerSample(SampleFormat format) noexcept {
  switch (format) {
    case SampleFormat::kS16:
      return 2;
    case SampleFormat::kS24Packed:
      return 3;
    case SampleFormat::kS24:
    case SampleFormat::kS32:
    case SampleFormat::kFloat:
      return 4;
  }
  return 4;
}

void ToFloat(SampleFormat format, const uint8_t* raw, std::span<float> out) noexcept {
  const size_t n = out.size();
  switch (format) {
    case SampleFormat::kS16:
      for (size_t i = 0; i < n; ++i) {
        int16_t v;
        std::memcpy(&v, raw + 2 * i, 2);
        out[i] = static_cast<float>(v) * (1.0f / 32768.0f);
      }
      break;
    case SampleFormat::kS24:  // low three bytes of a 32-bit word
      for (size_t i = 0; i < n; ++i) {
        int32_t v;
        std::memcpy(&v, raw + 4 * i, 4);
        v = static_cast<int32_t>(static_cast<uint32_t>(v) << 8) >> 8;
        out[i] = static_cast<float>(v) * (1.0f / 8388608.0f);
      }
      break;
    case SampleFormat::kS24Packed:
      for (size_t i = 0; i < n; ++i) {
        const uint8_t* p = raw + 3 * i;
        const uint32_t u = uint32_t(p[0]) << 8 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 24;
        out[i] = static_cast<float>(static_cast<int32_t>(u) >> 8) * (1.0f / 8388608.0f);
      }
      break;
    case SampleFormat::kS32:
      for (size_t i = 0; i < n; ++i) {
        int32_t v;
        std::memcpy(&v, raw + 4 * i, 4);
        out[i] = static_cast<float>(static_cast<double>(v) * (1.0 / 2147483648.0));
      }
      break;
    case SampleFormat::kFloat:
      std::memcpy(out.data(), raw, n * sizeof(float));
      // A float device may deliver NaN or out-of-range values; keep the contract.
      for (float& v : out) v = v == v ? std::clamp(v, -1.0f, 1.0f) : 0.0f;
      break;
  }
}

}  // namespace scribed::audio::alsa
