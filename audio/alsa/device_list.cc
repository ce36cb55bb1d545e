#include <alsa/asoundlib.h>

#include <cstdlib>
#include <memory>

#include "scribed/audio/capture.h"

namespace scribed::audio {
namespace {

struct HintsFree {
  void operator()(void** hints) const noexcept { snd_device_name_free_hint(hints); }
};
struct StrFree {
  void operator()(char* s) const noexcept { std::free(s); }
};
using Str = std::unique_ptr<char, StrFree>;

}  // namespace

std::vector<DeviceInfo> ListCaptureDevices() {
  void** raw = nullptr;
  std::vector<DeviceInfo> devices;
  if (snd_device_name_hint(-1, "pcm", &raw) < 0 || !raw) return devices;
  std::unique_ptr<void*, HintsFree> hints(raw);
  for (void** h = raw; *h; ++h) {
    Str name(snd_device_name_get_hint(*h, "NAME"));
    Str desc(snd_device_name_get_hint(*h, "DESC"));
    Str ioid(snd_device_name_get_hint(*h, "IOID"));
    if (!name) continue;
    if (ioid && std::string_view(ioid.get()) != "Input") continue;  // null means both
    if (std::string_view(name.get()) == "null") continue;
    std::string text = desc ? desc.get() : "";
    for (char& c : text) {
      if (c == '\n') c = ',';
    }
    // "HDA Intel PCH, ALC892 Analog\nDefault Audio Device" -> one line.
    std::string one_line;
    for (size_t i = 0; i < text.size(); ++i) {
      one_line += text[i];
      if (text[i] == ',' && i + 1 < text.size() && text[i + 1] != ' ') one_line += ' ';
    }
    devices.push_back({name.get(), one_line});
  }
  return devices;
}

}  // namespace scribed::audio
