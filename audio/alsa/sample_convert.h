// Conversion of raw interleaved PCM as ALSA delivers it to float in [-1, 1].
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "scribed/audio/capture.h"

namespace scribed::audio::alsa {

size_t BytesPerSample(SampleFormat format) noexcept;

// Converts out.size() samples from `raw` (native endianness, S24_3 little
// endian). `raw` must hold out.size() * BytesPerSample(format) bytes.
void ToFloat(SampleFormat format, const uint8_t* raw, std::span<float> out) noexcept;

}  // namespace scribed::audio::alsa
