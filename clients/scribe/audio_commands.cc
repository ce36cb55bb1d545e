// scribe devices | record | decode-audio | segment-audio: local audio tools
// that use scribed_audio directly, without the daemon.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <string>

#include "clients/scribe/commands.h"
#include "clients/scribe/exit_codes.h"
#include "scribed/audio/capture.h"
#include "scribed/audio/errors.h"
#include "scribed/audio/file_source.h"
#include "scribed/audio/segmenter.h"
#include "scribed/audio/wav_writer.h"
#include "scribed/engine/engine.h"

namespace scribed::cli {
namespace {

using namespace scribed::audio;

CaptureDevice* g_recording = nullptr;  // for the SIGINT handler

void OnInterrupt(int) {
  if (g_recording) g_recording->Interrupt();  // async-signal-safe
}

// "[#######.............] -23.4 dBFS   2.3 s" on one rewritten line.
void DrawMeter(const std::vector<float>& samples, double seconds) {
  double peak = 0;
  for (float v : samples) peak = std::max(peak, double(std::abs(v)));
  const double db = peak > 0 ? 20 * std::log10(peak) : -99.0;
  const int width = 30;
  const int filled = std::clamp(static_cast<int>((db + 60) / 60 * width), 0, width);
  std::fprintf(stderr, "\r[%s%s] %6.1f dBFS %7.1f s", std::string(filled, '#').c_str(),
               std::string(width - filled, '.').c_str(), db, seconds);
}

// GPUs the Vulkan backend can use, in the order --gpu-device indexes them.
int ListGpus() {
  if (!engine::VulkanBuilt()) {
    std::printf("this build has no Vulkan backend (it needs libvulkan-dev and glslc)\n");
    return 0;
  }
  const auto gpus = engine::ListGpus();
  if (gpus.empty()) {
    std::printf("no Vulkan devices found\n");
    return 0;
  }
  for (const auto& g : gpus) {
    std::printf("%d  %-10s  %6.1f GiB  %s\n", g.index, g.kind.c_str(),
                static_cast<double>(g.memory_bytes) / (1ull << 30), g.name.c_str());
  }
  return 0;
}

int ListDevices() {
  const auto devices = ListCaptureDevices();
  if (devices.empty()) {
    std::printf("no capture devices found\n");
    return 0;
  }
  size_t width = 0;
  for (const auto& d : devices) width = std::max(width, d.name.size());
  for (const auto& d : devices) {
    std::printf("%-*s  %s\n", static_cast<int>(width), d.name.c_str(), d.description.c_str());
  }
  return 0;
}

int Record(const std::string& device_name, double seconds, const std::string& out, bool as_float) {
  CaptureOptions options;
  options.device = device_name;
  CaptureDevice device(options);
  const auto& f = device.format();
  const bool tty = isatty(STDERR_FILENO);
  if (tty) {
    std::fprintf(stderr, "recording from %s (%s, %d Hz, %d ch); Ctrl-C stops\n",
                 device_name.c_str(), Name(f.format), f.rate, f.channels);
  }
  WavWriter writer(out, kOutputRate, 1, as_float ? WavEncoding::kFloat32 : WavEncoding::kPcm16);
  const auto wanted = static_cast<int64_t>(std::llround(seconds * kOutputRate));
  g_recording = &device;
  auto previous = std::signal(SIGINT, OnInterrupt);
  int64_t written = 0;
  Chunk chunk;
  int64_t last_draw = -kOutputRate;
  try {
    while (written < wanted && device.Read(chunk)) {
      const auto n = std::min<int64_t>(wanted - written, int64_t(chunk.samples.size()));
      writer.Write(std::span<const float>(chunk.samples.data(), size_t(n)));
      written += n;
      if (tty && written - last_draw >= kOutputRate / 10) {
        DrawMeter(chunk.samples, double(written) / kOutputRate);
        last_draw = written;
      }
    }
  } catch (...) {
    std::signal(SIGINT, previous);
    g_recording = nullptr;
    throw;
  }
  std::signal(SIGINT, previous);
  g_recording = nullptr;
  writer.Close();
  if (tty) {
    std::fprintf(stderr, "\n%s: %.2f s at 16 kHz mono, %llu overrun(s)\n", out.c_str(),
                 double(written) / kOutputRate, static_cast<unsigned long long>(device.xruns()));
  }
  return 0;
}

ResampleQuality ParseQuality(const std::string& q) {
  if (q == "best") return ResampleQuality::kSincBest;
  if (q == "fastest") return ResampleQuality::kSincFastest;
  return ResampleQuality::kSincMedium;
}

int Decode(const std::string& in, const std::string& out, bool as_float, const std::string& q) {
  FileSource source(in, ParseQuality(q));
  const auto total = source.expected_samples();
  const bool tty = isatty(STDERR_FILENO);
  WavWriter writer(out, kOutputRate, 1, as_float ? WavEncoding::kFloat32 : WavEncoding::kPcm16);
  Chunk chunk;
  int64_t done = 0, last_draw = 0;
  while (source.Next(chunk)) {
    writer.Write(chunk.samples);
    done = chunk.end();
    if (tty && total && done - last_draw >= 10 * kOutputRate) {
      std::fprintf(stderr, "\r%5.1f%%",
                   100.0 * double(done) / double(std::max<int64_t>(*total, 1)));
      last_draw = done;
    }
  }
  writer.Close();
  if (tty && total) std::fprintf(stderr, "\r");
  std::fprintf(stderr, "%s: %s via %s, %d Hz %d ch -> %s: %.2f s\n", in.c_str(),
               source.info().codec.c_str(), source.info().decoder.c_str(),
               source.info().sample_rate, source.info().channels, out.c_str(),
               double(done) / kOutputRate);
  return 0;
}

int PrintSegments(const std::string& in) {
  FileSource source(in);
  Segmenter segmenter;
  std::vector<Segment> segments;
  Chunk chunk;
  auto print = [&] {
    for (const auto& s : segments) {
      std::printf("%9.2f %9.2f%s\n", SamplesToSeconds(s.speech_start),
                  SamplesToSeconds(s.speech_end), s.cut ? "  (cut at length cap)" : "");
    }
    segments.clear();
  };
  while (source.Next(chunk)) {
    segmenter.Push(chunk, segments);
    print();
  }
  segmenter.Finish(segments);
  print();
  return 0;
}

// Runs a command body, its errors mapped by the exit-code table.
template <typename F>
void Guard(F&& body) {
  SetExitCode(RunReportingErrors(std::forward<F>(body)));
}

}  // namespace

void AddAudioCommands(CLI::App& app) {
  static bool gpu = false;
  auto* devices = app.add_subcommand("devices", "List audio capture devices (--gpu: GPUs)");
  devices->add_flag("--gpu", gpu, "list the GPUs the model can run on (--backend vulkan)");
  devices->callback([] { Guard([] { return gpu ? ListGpus() : ListDevices(); }); });

  auto* record = app.add_subcommand("record", "Record 16 kHz mono WAV from a capture device");
  static std::string device = "default", record_out;
  static double seconds = 10;
  static bool record_float = false;
  record->add_option("-d,--device", device, "ALSA PCM name (see 'scribe devices')")
      ->capture_default_str();
  record->add_option("-s,--seconds", seconds, "Length to record")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  record->add_option("-o,--output", record_out, "Output WAV file")->required();
  record->add_flag("--float", record_float, "Write 32-bit float samples instead of 16-bit");
  record->callback([] { Guard([] { return Record(device, seconds, record_out, record_float); }); });

  auto* decode = app.add_subcommand("decode-audio",
                                    "Convert any supported audio/video file to "
                                    "16 kHz mono WAV");
  static std::string decode_in, decode_out, quality = "medium";
  static bool decode_float = false;
  decode->add_option("input", decode_in, "Input file")->required();
  decode->add_option("-o,--output", decode_out, "Output WAV file")->required();
  decode->add_flag("--float", decode_float, "Write 32-bit float samples instead of 16-bit");
  decode->add_option("--quality", quality, "Resampler quality")
      ->check(CLI::IsMember({"best", "medium", "fastest"}))
      ->capture_default_str();
  decode->callback(
      [] { Guard([] { return Decode(decode_in, decode_out, decode_float, quality); }); });

  auto* segment = app.add_subcommand("segment-audio", "Print the speech segments found in a file");
  static std::string segment_in;
  segment->add_option("input", segment_in, "Input file")->required();
  segment->callback([] { Guard([] { return PrintSegments(segment_in); }); });
}

}  // namespace scribed::cli
