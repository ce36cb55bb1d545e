#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include "audio/alsa/pcm.h"
#include "audio/alsa/sample_convert.h"
#include "scribed/audio/capture.h"
#include "scribed/base/unique_fd.h"

namespace scribed::audio {
namespace {

// An eventfd that wakes poll() from another thread.
class WakeFd {
 public:
  WakeFd() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (!fd_.valid()) throw AudioError(std::string("eventfd: ") + std::strerror(errno));
  }
  int fd() const noexcept { return fd_.get(); }
  void Signal() const noexcept {
    // A full counter (EAGAIN) already wakes poll(): the result can be ignored.
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(fd_.get(), &one, sizeof(one));
  }

 private:
  base::UniqueFd fd_;
};

// A device that delivers nothing for this long is treated as gone (some USB
// devices stall without reporting an error when pulled).
constexpr int kStallTimeoutMs = 5000;

}  // namespace

const char* Name(SampleFormat format) noexcept {
  switch (format) {
    case SampleFormat::kS16:
      return "S16";
    case SampleFormat::kS24:
      return "S24";
    case SampleFormat::kS24Packed:
      return "S24_3";
    case SampleFormat::kS32:
      return "S32";
    case SampleFormat::kFloat:
      return "FLOAT";
  }
  return "?";
}

struct CaptureDevice::Impl {
  std::string name;
  CaptureFormat format;
  alsa::PcmPtr pcm;
  WakeFd wake;
  std::atomic<bool> interrupted{false};
  std::atomic<uint64_t> xruns{0};
  std::atomic<int64_t> lost_samples{0};  // 16 kHz silence standing in for their audio
  std::unique_ptr<Resampler> resampler;
  std::vector<pollfd> fds;
  std::vector<uint8_t> raw;
  std::vector<float> samples;
  int64_t position = 0;
  int64_t lost_frames = 0;  // dropped by an overrun, replaced by silence on the next Read
  bool started = false;
  snd_htimestamp_t start_trigger{};  // the PCM's trigger stamp after our last start

  // Starts a prepared PCM and remembers its trigger stamp, against which an
  // overrun's stamp is compared (FramesLostToOverrun).
  void Start() {
    if (int e = snd_pcm_start(pcm.get()); e < 0 && e != -EBADFD) {
      Recover(e);  // then readi starts it, or reports what is wrong
    } else {
      start_trigger = TriggerStamp();
    }
    started = true;
  }

  snd_htimestamp_t TriggerStamp() {
    snd_htimestamp_t stamp{};
    snd_pcm_status_t* status = nullptr;
    if (snd_pcm_status_malloc(&status) < 0) return stamp;
    if (snd_pcm_status(pcm.get(), status) == 0) snd_pcm_status_get_trigger_htstamp(status, &stamp);
    snd_pcm_status_free(status);
    return stamp;
  }

  // Handles a negative return from ALSA: overruns and suspends are recovered
  // (true), anything else throws.
  void Recover(int err) {
    if (err == -EPIPE) {
      ++xruns;
      lost_frames += FramesLostToOverrun();
    } else if (err == -ESTRPIPE) {
      if (snd_pcm_resume(pcm.get()) == 0) return;
    } else if (err != -EAGAIN) {
      alsa::ThrowDeviceError(name, err, "capture failed");
    }
    if (int e = snd_pcm_prepare(pcm.get()); e < 0) alsa::ThrowDeviceError(name, e, "recover");
    started = false;
  }

  // Audio the overrun discards: the unread ring plus what arrived since the
  // overrun began, from the PCM's own timestamps. Capped so that a bogus
  // timestamp cannot ask for an absurd amount of silence.
  int64_t FramesLostToOverrun() {
    snd_pcm_status_t* status = nullptr;
    if (snd_pcm_status_malloc(&status) < 0) return 0;
    int64_t lost = 0;
    if (snd_pcm_status(pcm.get(), status) == 0 &&
        snd_pcm_status_get_state(status) == SND_PCM_STATE_XRUN) {
      snd_htimestamp_t since{}, now{};
      snd_pcm_status_get_trigger_htstamp(status, &since);
      snd_pcm_status_get_htstamp(status, &now);
      lost = static_cast<int64_t>(snd_pcm_status_get_avail(status));
      // A card stamps the moment it stopped on the overrun. User-space PCMs
      // (ALSA's ioplug plugins: PulseAudio, PipeWire, ...) keep the stamp of
      // the start, and the time since then is audio delivered, not lost.
      const bool stamped =
          since.tv_sec != start_trigger.tv_sec || since.tv_nsec != start_trigger.tv_nsec;
      const double elapsed =
          double(now.tv_sec - since.tv_sec) + double(now.tv_nsec - since.tv_nsec) * 1e-9;
      if (stamped && elapsed > 0 && elapsed < 60) {
        lost += static_cast<int64_t>(elapsed * format.rate);
      }
    }
    snd_pcm_status_free(status);
    return std::clamp<int64_t>(lost, 0, int64_t(format.rate) * 10);
  }

  // Waits until the PCM is readable or woken; false when interrupted.
  bool Wait() {
    int idle_ms = 0;
    while (true) {
      if (interrupted.load(std::memory_order_relaxed)) return false;
      const int r = poll(fds.data(), fds.size(), 500);
      if (r < 0) {
        if (errno == EINTR) continue;
        throw DeviceError(name, DeviceError::Kind::kOther,
                          std::string("poll: ") + std::strerror(errno));
      }
      if (fds.back().revents & POLLIN) return false;  // the wake eventfd
      if (r == 0) {
        if ((idle_ms += 500) >= kStallTimeoutMs) {
          throw DeviceError(name, DeviceError::Kind::kUnplugged, "no data for 5 s");
        }
        continue;
      }
      unsigned short revents = 0;
      snd_pcm_poll_descriptors_revents(pcm.get(), fds.data(), fds.size() - 1, &revents);
      if (revents & (POLLERR | POLLNVAL)) {
        const snd_pcm_state_t st = snd_pcm_state(pcm.get());
        if (st == SND_PCM_STATE_DISCONNECTED) {
          throw DeviceError(name, DeviceError::Kind::kUnplugged, "device disconnected");
        }
        Recover(st == SND_PCM_STATE_SUSPENDED ? -ESTRPIPE : -EPIPE);
        return true;
      }
      if (revents & POLLIN) return true;
    }
  }
};

CaptureDevice::CaptureDevice(const CaptureOptions& options) : impl_(std::make_unique<Impl>()) {
  impl_->name = options.device;
  impl_->pcm = alsa::OpenCapturePcm(options, &impl_->format);
  impl_->resampler =
      std::make_unique<Resampler>(impl_->format.rate, impl_->format.channels, options.quality);
  const int n = snd_pcm_poll_descriptors_count(impl_->pcm.get());
  if (n <= 0) alsa::ThrowDeviceError(options.device, n < 0 ? n : -EINVAL, "poll descriptors");
  impl_->fds.resize(static_cast<size_t>(n) + 1);
  if (int e = snd_pcm_poll_descriptors(impl_->pcm.get(), impl_->fds.data(), n); e < 0) {
    alsa::ThrowDeviceError(options.device, e, "poll descriptors");
  }
  impl_->fds.back() = pollfd{impl_->wake.fd(), POLLIN, 0};
}

CaptureDevice::~CaptureDevice() = default;

const CaptureFormat& CaptureDevice::format() const noexcept { return impl_->format; }
uint64_t CaptureDevice::xruns() const noexcept { return impl_->xruns.load(); }
int64_t CaptureDevice::lost_samples() const noexcept { return impl_->lost_samples.load(); }

void CaptureDevice::Interrupt() noexcept {
  impl_->interrupted.store(true);
  impl_->wake.Signal();
}

bool CaptureDevice::Read(Chunk& chunk) {
  Impl& d = *impl_;
  chunk.samples.clear();
  chunk.start = d.position;
  if (d.interrupted.load()) return false;
  const size_t frame_bytes = alsa::BytesPerSample(d.format.format) * d.format.channels;
  const auto period = static_cast<snd_pcm_uframes_t>(d.format.period_frames);
  d.raw.resize(period * frame_bytes);
  snd_pcm_sframes_t got = 0;
  while (true) {
    // Started here rather than by readi, which would start a prepared PCM
    // itself, so that the trigger stamp of every start is known.
    if (!d.started) d.Start();
    got = snd_pcm_readi(d.pcm.get(), d.raw.data(), period);
    if (got > 0) break;
    if (got == -EAGAIN || got == 0) {
      if (!d.Wait()) return false;
      continue;
    }
    d.Recover(static_cast<int>(got));
  }
  if (d.lost_frames > 0) {
    // Keep timestamps true to the device clock across an overrun.
    d.samples.assign(static_cast<size_t>(d.lost_frames) * d.format.channels, 0.0f);
    d.resampler->Process(d.samples, chunk.samples);
    d.lost_samples += (d.lost_frames * kOutputRate + d.format.rate / 2) / d.format.rate;
    d.lost_frames = 0;
  }
  d.samples.resize(static_cast<size_t>(got) * d.format.channels);
  alsa::ToFloat(d.format.format, d.raw.data(), d.samples);
  d.resampler->Process(d.samples, chunk.samples);
  d.position += static_cast<int64_t>(chunk.samples.size());
  return !d.interrupted.load();
}

}  // namespace scribed::audio
