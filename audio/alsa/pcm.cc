#include "audio/alsa/pcm.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <mutex>
#include <utility>

namespace scribed::audio::alsa {
namespace {

constexpr std::array<std::pair<SampleFormat, snd_pcm_format_t>, 5> kFormats = {{
    // Preference order when the caller has none: most precision first.
    {SampleFormat::kFloat, SND_PCM_FORMAT_FLOAT},
    {SampleFormat::kS32, SND_PCM_FORMAT_S32},
    {SampleFormat::kS24, SND_PCM_FORMAT_S24},
    {SampleFormat::kS24Packed, SND_PCM_FORMAT_S24_3LE},
    {SampleFormat::kS16, SND_PCM_FORMAT_S16},
}};

constexpr unsigned kMinRate = 8000, kMaxRate = 192000;
constexpr unsigned kMaxChannels = 8;

struct HwParamsFree {
  void operator()(snd_pcm_hw_params_t* p) const noexcept { snd_pcm_hw_params_free(p); }
};
struct SwParamsFree {
  void operator()(snd_pcm_sw_params_t* p) const noexcept { snd_pcm_sw_params_free(p); }
};

void Check(const std::string& device, int err, const char* what) {
  if (err < 0) ThrowDeviceError(device, err, what);
}

// libasound prints its own diagnostics to stderr; ours arrive as exceptions.
void SilentErrorHandler(const char*, int, const char*, int, const char*, ...) {}

}  // namespace

DeviceError::Kind ClassifyError(int err) noexcept {
  switch (-err) {
    case ENOENT:
    case ENXIO:
      return DeviceError::Kind::kMissing;
    case EBUSY:
    case EAGAIN:
      return DeviceError::Kind::kBusy;
    case ENODEV:
    case EBADFD:
    case EIO:
      return DeviceError::Kind::kUnplugged;
    case EINVAL:
      return DeviceError::Kind::kUnsupported;
    default:
      return DeviceError::Kind::kOther;
  }
}

void ThrowDeviceError(const std::string& device, int err, const std::string& what) {
  std::string reason = what + ": " + snd_strerror(err);
  switch (ClassifyError(err)) {
    case DeviceError::Kind::kMissing:
      reason += " (no such device; see 'scribe devices')";
      break;
    case DeviceError::Kind::kBusy:
      reason += " (device is in use by another program)";
      break;
    case DeviceError::Kind::kUnplugged:
      reason += " (device disconnected)";
      break;
    default:
      break;
  }
  throw DeviceError(device, ClassifyError(err), reason);
}

PcmPtr OpenCapturePcm(const CaptureOptions& options, CaptureFormat* format) {
  const std::string& dev = options.device;
  static std::once_flag quiet;
  std::call_once(quiet, [] { snd_lib_error_set_handler(SilentErrorHandler); });
  snd_pcm_t* raw = nullptr;
  if (int err = snd_pcm_open(&raw, dev.c_str(), SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK);
      err < 0) {
    // At open time EINVAL means the name does not resolve (e.g. "hw:7,0"
    // without a card 7); report it as a missing device.
    if (err == -EINVAL || err == -ENODEV) err = -ENOENT;
    ThrowDeviceError(dev, err, "cannot open for capture");
  }
  PcmPtr pcm(raw);

  snd_pcm_hw_params_t* hw_raw = nullptr;
  Check(dev, snd_pcm_hw_params_malloc(&hw_raw), "hw params");
  std::unique_ptr<snd_pcm_hw_params_t, HwParamsFree> hw(hw_raw);
  Check(dev, snd_pcm_hw_params_any(pcm.get(), hw.get()), "no usable configuration");
  Check(dev, snd_pcm_hw_params_set_access(pcm.get(), hw.get(), SND_PCM_ACCESS_RW_INTERLEAVED),
        "interleaved access not supported");

  bool have_format = false;
  auto try_format = [&](SampleFormat f, snd_pcm_format_t af) {
    if (have_format || snd_pcm_hw_params_test_format(pcm.get(), hw.get(), af) != 0) return;
    Check(dev, snd_pcm_hw_params_set_format(pcm.get(), hw.get(), af), "set format");
    format->format = f;
    have_format = true;
  };
  for (const auto& [f, af] : kFormats) {
    if (options.format && *options.format == f) try_format(f, af);
  }
  for (const auto& [f, af] : kFormats) try_format(f, af);
  if (!have_format) {
    throw DeviceError(dev, DeviceError::Kind::kUnsupported,
                      "offers none of the sample formats FLOAT, S32, S24, S24_3LE, S16");
  }

  unsigned channels = static_cast<unsigned>(options.channels > 0 ? options.channels : 1);
  Check(dev, snd_pcm_hw_params_set_channels_near(pcm.get(), hw.get(), &channels),
        "set channel count");
  if (channels < 1 || channels > kMaxChannels) {
    throw DeviceError(dev, DeviceError::Kind::kUnsupported,
                      "needs " + std::to_string(channels) + " channels (1-8 supported)");
  }
  unsigned rate = static_cast<unsigned>(options.rate > 0 ? options.rate : 48000);
  Check(dev, snd_pcm_hw_params_set_rate_near(pcm.get(), hw.get(), &rate, nullptr), "set rate");
  if (rate < kMinRate || rate > kMaxRate) {
    throw DeviceError(dev, DeviceError::Kind::kUnsupported,
                      "runs at " + std::to_string(rate) + " Hz (8-192 kHz supported)");
  }

  // Small periods keep latency low; several of them absorb scheduling stalls.
  const unsigned period_ms = static_cast<unsigned>(std::clamp(options.period_ms, 2, 500));
  unsigned period_us = period_ms * 1000;
  unsigned buffer_us = period_us * static_cast<unsigned>(std::clamp(options.buffer_periods, 2, 64));
  Check(dev, snd_pcm_hw_params_set_buffer_time_near(pcm.get(), hw.get(), &buffer_us, nullptr),
        "set buffer time");
  Check(dev, snd_pcm_hw_params_set_period_time_near(pcm.get(), hw.get(), &period_us, nullptr),
        "set period time");
  Check(dev, snd_pcm_hw_params(pcm.get(), hw.get()), "apply hardware parameters");

  snd_pcm_uframes_t period = 0, buffer = 0;
  Check(dev, snd_pcm_hw_params_get_period_size(hw.get(), &period, nullptr), "period size");
  Check(dev, snd_pcm_hw_params_get_buffer_size(hw.get(), &buffer), "buffer size");
  format->rate = static_cast<int>(rate);
  format->channels = static_cast<int>(channels);
  format->period_frames = static_cast<int64_t>(period);
  format->buffer_frames = static_cast<int64_t>(buffer);

  snd_pcm_sw_params_t* sw_raw = nullptr;
  Check(dev, snd_pcm_sw_params_malloc(&sw_raw), "sw params");
  std::unique_ptr<snd_pcm_sw_params_t, SwParamsFree> sw(sw_raw);
  Check(dev, snd_pcm_sw_params_current(pcm.get(), sw.get()), "sw params");
  Check(dev, snd_pcm_sw_params_set_avail_min(pcm.get(), sw.get(), period), "avail_min");
  Check(dev, snd_pcm_sw_params(pcm.get(), sw.get()), "apply software parameters");
  Check(dev, snd_pcm_prepare(pcm.get()), "prepare");
  return pcm;
}

}  // namespace scribed::audio::alsa
