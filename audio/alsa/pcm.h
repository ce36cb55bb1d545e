// RAII ownership of a capture snd_pcm_t and its hardware negotiation.
#pragma once

#include <alsa/asoundlib.h>

#include <memory>
#include <string>

#include "scribed/audio/capture.h"
#include "scribed/audio/errors.h"

namespace scribed::audio::alsa {

struct PcmCloser {
  void operator()(snd_pcm_t* pcm) const noexcept { snd_pcm_close(pcm); }
};
using PcmPtr = std::unique_ptr<snd_pcm_t, PcmCloser>;

// Maps an ALSA error code to the DeviceError kind a caller can act on.
DeviceError::Kind ClassifyError(int err) noexcept;
[[noreturn]] void ThrowDeviceError(const std::string& device, int err, const std::string& what);

// Opens `options.device` for non-blocking capture, negotiates format, rate,
// channels, period and buffer, and prepares it. Throws DeviceError.
PcmPtr OpenCapturePcm(const CaptureOptions& options, CaptureFormat* format);

}  // namespace scribed::audio::alsa
