// Fuzz target for audio file ingest: the bytes as a file in memory through
// the product's decoders (libsndfile, then libavformat), decoded and
// resampled to 16 kHz exactly as a file job reads a file. Any input must
// decode or raise audio::FileError.
#include <cstddef>
#include <cstdint>
#include <string>

#include "scribed/audio/errors.h"
#include "scribed/audio/file_reader.h"
#include "scribed/audio/file_source.h"

namespace {

// Decoding is bounded by the input; resampling a tiny sample rate up to
// 16 kHz is not. Enough to reach every code path without slow units.
constexpr int64_t kMaxOutputSamples = 16000 * 60;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace audio = scribed::audio;
  try {
    audio::FileSource source(
        audio::OpenFileReader(std::string(reinterpret_cast<const char*>(data), size), "input"),
        audio::ResampleQuality::kSincMedium, 4096);
    (void)source.expected_samples();
    audio::Chunk chunk;
    int64_t samples = 0;
    float sum = 0;
    while (samples < kMaxOutputSamples && source.Next(chunk)) {
      samples += static_cast<int64_t>(chunk.samples.size());
      for (float v : chunk.samples) sum += v;
    }
    if (samples < kMaxOutputSamples) (void)source.truncation();
    volatile float sink = sum;  // keep the reads
    (void)sink;
  } catch (const audio::FileError&) {
  }
  return 0;
}

// libsndfile leaks libvorbis' stream info when an Ogg file ends mid-header
// (third-party, in its error path); the sanitizer builds must not fail on it.
extern "C" const char* __lsan_default_suppressions() { return "leak:vorbis_info_init\n"; }
