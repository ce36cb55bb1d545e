// Live capture from an ALSA PCM, converted to the 16 kHz mono contract.
//
//   CaptureDevice mic({.device = "hw:1,0"});
//   Chunk chunk;
//   while (mic.Read(chunk)) Feed(chunk);   // another thread may call mic.Interrupt()
//
// The device is opened by name: "default", "hw:1,0", "plughw:…" or any PCM
// defined in the user's asoundrc. Whatever sample format (S16, S24, S32,
// FLOAT), rate (8-192 kHz) and channel count (1-8) the device offers is
// accepted and converted here with libsamplerate.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scribed/audio/chunk.h"
#include "scribed/audio/resampler.h"

namespace scribed::audio {

enum class SampleFormat { kS16, kS24, kS24Packed, kS32, kFloat };
const char* Name(SampleFormat format) noexcept;  // "S16", "S24", "S24_3", "S32", "FLOAT"

struct CaptureOptions {
  std::string device = "default";
  // Preferred stream parameters. Unset: FLOAT (else the best the device
  // offers), 48 kHz (the usual native rate, so ALSA's plug layer does not
  // resample with its low-quality converter) and 1 channel. A device that
  // cannot do one gets the nearest value it supports.
  std::optional<SampleFormat> format;
  int rate = 0;
  int channels = 0;
  int period_ms = 20;      // one Read returns about this much audio
  int buffer_periods = 8;  // ring size; bigger survives longer stalls
  ResampleQuality quality = ResampleQuality::kSincMedium;
};

// What the device was opened with.
struct CaptureFormat {
  SampleFormat format = SampleFormat::kS16;
  int rate = 0;
  int channels = 0;
  int64_t period_frames = 0;
  int64_t buffer_frames = 0;
};

// Thread-compatible, except Interrupt(), which is Thread-safe.
class CaptureDevice {
 public:
  // Opens and starts the PCM. Throws DeviceError (kMissing, kBusy,
  // kUnsupported, kOther) naming the device.
  explicit CaptureDevice(const CaptureOptions& options);
  ~CaptureDevice();
  CaptureDevice(const CaptureDevice&) = delete;
  CaptureDevice& operator=(const CaptureDevice&) = delete;

  const CaptureFormat& format() const noexcept;

  // Waits for at least one period, then replaces `chunk` with the converted
  // audio (possibly empty while the resampler fills). Returns false once
  // Interrupt() has been called. Overruns are recovered and counted, and the
  // audio they dropped (estimated from the PCM's timestamps) is replaced by
  // silence so that chunk timestamps stay on the device clock. A device that
  // disappears throws DeviceError(kUnplugged).
  bool Read(Chunk& chunk);

  // Makes a blocked or future Read return false promptly. Thread-safe,
  // async-signal-safe.
  void Interrupt() noexcept;

  // Overruns recovered so far, and the 16 kHz samples of silence that stand
  // in for the audio they dropped. Thread-safe.
  uint64_t xruns() const noexcept;
  int64_t lost_samples() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct DeviceInfo {
  std::string name;         // what to pass as CaptureOptions::device
  std::string description;  // one line
};

// PCMs that can capture, as ALSA's name hints list them (like `arecord -L`).
// Empty when ALSA has no configuration. Thread-safe.
std::vector<DeviceInfo> ListCaptureDevices();

}  // namespace scribed::audio
