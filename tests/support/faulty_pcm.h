// A capture device that fails when a test says so: the `faulty` ALSA PCM
// (tests/support/faulty_pcm_plugin.cc) playing a WAV file, driven through its
// control file and observed through its report file (docs/testing.md).
//
//   FaultyPcm pcm(dir.path(), {.wav = dir / "talk.wav"});
//   UseAlsaConfig(dir.path(), pcm.AsoundrcText());   // before the first open
//   ... open "flaky" with the real capture code ...
//   pcm.Xrun();
//   ASSERT_TRUE(pcm.WaitFor([](const auto& r) { return r.xruns == 1; }));
#pragma once

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace scribed::testing {

class FaultyPcm {
 public:
  struct Options {
    std::string name = "flaky";  // the PCM's name in the ALSA configuration
    std::filesystem::path wav;   // 16-bit PCM or 32-bit float WAV
    double speed = 1.0;          // multiple of real time; 0: as fast as it is read
    int period_ms = 0;           // forces the period size; 0: the reader chooses
  };
  // What the device did, summed over every open.
  struct Report {
    uint64_t opens = 0;
    uint64_t refused = 0;  // opens refused while unplugged
    uint64_t xruns = 0;
    uint64_t stalls = 0;
    uint64_t runs = 0;  // times audio reached the reader (after an open or an overrun)
    std::string state;  // open, running, xrun, absent, stalled, closed
  };

  // Keeps its control and report files in `dir`; the device starts present.
  FaultyPcm(const std::filesystem::path& dir, Options options);

  const std::string& name() const { return options_.name; }
  // `pcm_type.faulty` (the plugin library) and `pcm.<name>`, for an asoundrc.
  std::string AsoundrcText() const;

  // One more overrun: the unread ring is dropped and reads fail with -EPIPE
  // until the reader prepares the PCM again.
  void Xrun();
  // The device goes away: reads fail with -error (ENODEV also marks the PCM
  // disconnected and wakes poll() with POLLERR, as a pulled card does; EIO is
  // what some USB devices give instead), and opens fail with -ENODEV until
  // Replug().
  void Unplug(int error = ENODEV);
  void Replug();
  // The device stops delivering, without an error; reopened, it works again.
  void Stall();
  void SetSpeed(double speed);

  Report Read() const;
  // Polls the report until `done` holds; false after `timeout`.
  bool WaitFor(const std::function<bool(const Report&)>& done,
               std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

 private:
  void WriteControl() const;

  Options options_;
  std::filesystem::path control_, report_;
  std::string device_ = "present";
  std::string error_ = "ENODEV";
  uint64_t xruns_ = 0;
  uint64_t stalls_ = 0;
};

// Points ALSA (in this process and the processes it starts) at alsa.conf
// plus `text`, written to `dir`/asoundrc.
void UseAlsaConfig(const std::filesystem::path& dir, const std::string& text);

}  // namespace scribed::testing
