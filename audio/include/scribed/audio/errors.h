// Exceptions thrown by scribed_audio. Every message names the file or device
// it is about, so it can be shown to a user as it is.
#pragma once

#include <stdexcept>
#include <string>

namespace scribed::audio {

// Base of every failure raised by this library.
class AudioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An audio file that cannot be opened or decoded. what() reads like
// "talk.mp4: no audio stream (1 video stream)".
class FileError : public AudioError {
 public:
  FileError(std::string file, const std::string& reason)
      : AudioError(file + ": " + reason), file_(std::move(file)) {}
  const std::string& file() const noexcept { return file_; }

 private:
  std::string file_;
};

// A capture device that cannot be opened or stopped working. kind() lets a
// caller decide whether retrying makes sense (busy and unplugged devices may
// come back; a format the device cannot deliver will not).
class DeviceError : public AudioError {
 public:
  enum class Kind { kMissing, kBusy, kUnplugged, kUnsupported, kOther };
  DeviceError(std::string device, Kind kind, const std::string& reason)
      : AudioError("audio device '" + device + "': " + reason),
        device_(std::move(device)),
        kind_(kind) {}
  const std::string& device() const noexcept { return device_; }
  Kind kind() const noexcept { return kind_; }

 private:
  std::string device_;
  Kind kind_;
};

}  // namespace scribed::audio
