// An ALSA external capture PCM (`type faulty`) for tests: it plays a WAV file
// (16-bit PCM or 32-bit float, any rate and channel count; silence after the
// end) at real-time pace, or faster, and fails when the test says so. The
// test writes the wanted behaviour to a control file and reads what the
// device did from a report file; both formats are in docs/testing.md, and
// tests/support/faulty_pcm.h is the side the tests use.
//
//   pcm_type.faulty { lib "/path/libasound_module_pcm_faulty.so" }
//   pcm.flaky { type faulty file "/tmp/a.wav" control "/tmp/ctl" report "/tmp/rep" }
//
// Unlike a sound card it never overruns by itself: audio the reader is late
// for waits in the file, so every xrun a test sees is one it asked for.
#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

// What the test wants; re-read whenever the control file is replaced. The
// counts are totals since the first open: an instance delivers what the
// report says is still owed, so a reopened device does not repeat them.
struct Control {
  bool absent = false;
  int error = ENODEV;   // what reads fail with while absent: ENODEV or EIO
  uint64_t xruns = 0;   // overruns asked for
  uint64_t stalls = 0;  // stalls asked for
  double speed = 1.0;   // multiple of real time; 0: as fast as the reader reads
};

// What the device did, across every open of the same control file.
struct Report {
  uint64_t opens = 0;
  uint64_t refused = 0;  // opens that failed because the device was absent
  uint64_t xruns = 0;
  uint64_t stalls = 0;
  uint64_t runs = 0;  // times audio started to flow (after an open or an overrun)
  std::string state = "closed";
};

struct Wav {
  snd_pcm_format_t format = SND_PCM_FORMAT_UNKNOWN;
  unsigned rate = 0;
  unsigned channels = 0;
  std::vector<char> data;
};

uint32_t Le32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return uint32_t(u[0]) | uint32_t(u[1]) << 8 | uint32_t(u[2]) << 16 | uint32_t(u[3]) << 24;
}
uint16_t Le16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(u[0] | u[1] << 8);
}

// RIFF/WAVE with PCM S16 or IEEE float 32 (plain or extensible). False when
// the file is anything else.
bool LoadWav(const std::string& path, Wav* wav) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  if (bytes.size() < 12 || bytes.compare(0, 4, "RIFF") != 0 || bytes.compare(8, 4, "WAVE") != 0) {
    return false;
  }
  unsigned tag = 0, bits = 0;
  for (size_t at = 12; at + 8 <= bytes.size();) {
    const std::string id = bytes.substr(at, 4);
    const size_t size = Le32(&bytes[at + 4]);
    const size_t body = at + 8;
    if (body + size > bytes.size()) return false;
    if (id == "fmt " && size >= 16) {
      tag = Le16(&bytes[body]);
      wav->channels = Le16(&bytes[body + 2]);
      wav->rate = Le32(&bytes[body + 4]);
      bits = Le16(&bytes[body + 14]);
      if (tag == 0xFFFE && size >= 26) tag = Le16(&bytes[body + 24]);  // extensible: subformat
    } else if (id == "data") {
      wav->data.assign(bytes.begin() + static_cast<long>(body),
                       bytes.begin() + static_cast<long>(body + size));
    }
    at = body + size + (size & 1);
  }
  if (tag == 1 && bits == 16) wav->format = SND_PCM_FORMAT_S16_LE;
  if (tag == 3 && bits == 32) wav->format = SND_PCM_FORMAT_FLOAT_LE;
  return wav->format != SND_PCM_FORMAT_UNKNOWN && wav->rate > 0 && wav->channels > 0 &&
         !wav->data.empty();
}

Control ReadControl(const std::string& path) {
  Control c;
  std::ifstream in(path);
  std::string key, value;
  while (in >> key >> value) {
    if (key == "device") {
      c.absent = value == "absent";
    } else if (key == "error") {
      c.error = value == "EIO" ? EIO : ENODEV;
    } else if (key == "xruns") {
      c.xruns = std::strtoull(value.c_str(), nullptr, 10);
    } else if (key == "stalls") {
      c.stalls = std::strtoull(value.c_str(), nullptr, 10);
    } else if (key == "speed") {
      c.speed = std::strtod(value.c_str(), nullptr);
    }
  }
  return c;
}

Report ReadReport(const std::string& path) {
  Report r;
  std::ifstream in(path);
  std::string key, value;
  while (in >> key >> value) {
    const uint64_t n = std::strtoull(value.c_str(), nullptr, 10);
    if (key == "opens") r.opens = n;
    if (key == "refused") r.refused = n;
    if (key == "xruns") r.xruns = n;
    if (key == "stalls") r.stalls = n;
    if (key == "runs") r.runs = n;
    if (key == "state") r.state = value;
  }
  return r;
}

// Replaces the report in one rename, so a reader never sees half of it.
void WriteReport(const std::string& path, const Report& r) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "opens " << r.opens << "\nrefused " << r.refused << "\nxruns " << r.xruns << "\nstalls "
        << r.stalls << "\nruns " << r.runs << "\nstate " << r.state << "\n";
  }
  std::rename(tmp.c_str(), path.c_str());
}

double Now() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
}

struct Faulty {
  snd_pcm_ioplug_t io{};
  std::string control_path, report_path;
  Control control;
  struct stat control_stat {};
  Report report;
  Wav wav;
  size_t frame_bytes = 0;
  int timer = -1;
  uint64_t source_frame = 0;  // next frame of the file to hand out
  uint64_t hw = 0;            // frames made available since the last prepare
  bool in_xrun = false;
  bool stalled = false;
  bool flowing = false;  // frames handed out since the last prepare
  // Pacing: at time `origin` the device had made `origin_hw` frames available.
  double origin = 0;
  uint64_t origin_hw = 0;
  bool running = false;

  void SetState(const char* state) {
    if (report.state == state) return;
    report.state = state;
    WriteReport(report_path, report);
  }

  // Re-reads the control file when the test has replaced it.
  void Refresh() {
    struct stat st {};
    if (stat(control_path.c_str(), &st) != 0) st = {};
    if (st.st_ino == control_stat.st_ino && st.st_mtim.tv_nsec == control_stat.st_mtim.tv_nsec &&
        st.st_mtim.tv_sec == control_stat.st_mtim.tv_sec && st.st_size == control_stat.st_size) {
      return;
    }
    control_stat = st;
    const double old_speed = control.speed;
    control = ReadControl(control_path);
    if (control.stalls > report.stalls && !stalled) {
      // A stalled device stays silent until it is closed: nothing wakes poll().
      stalled = true;
      DisarmTimer();
      ++report.stalls;
      SetState("stalled");
    }
    if (control.speed != old_speed && !stalled) {
      origin = Now();
      origin_hw = hw;
      if (running) ArmTimer();
    }
  }

  bool Absent() const { return control.absent; }

  void ArmTimer() {
    itimerspec spec{};
    if (control.speed <= 0) {
      // Fires once and is never read: the descriptor stays readable.
      spec.it_value.tv_nsec = 1;
    } else {
      const double period = double(io.period_size) / io.rate / control.speed;
      const auto ns = static_cast<long>(std::max(period, 1e-4) * 1e9);
      spec.it_interval = {ns / 1000000000, ns % 1000000000};
      spec.it_value = spec.it_interval;
    }
    timerfd_settime(timer, 0, &spec, nullptr);
  }
  void DisarmTimer() {
    const itimerspec off{};
    timerfd_settime(timer, 0, &off, nullptr);
  }

  // Frames the device has captured by now, never more than the reader's
  // unread ring can hold.
  void Advance() {
    if (stalled || !running) return;
    const uint64_t appl = io.appl_ptr;
    const uint64_t full = appl + io.buffer_size;
    uint64_t target = full;
    if (control.speed > 0) {
      const double made = (Now() - origin) * io.rate * control.speed;
      target = origin_hw + static_cast<uint64_t>(std::max(made, 0.0));
    }
    hw = std::max(hw, std::min(target, full));
  }
};

Faulty* Self(snd_pcm_ioplug_t* io) { return static_cast<Faulty*>(io->private_data); }

int Start(snd_pcm_ioplug_t* io) {
  Faulty* f = Self(io);
  f->Refresh();
  f->running = true;
  f->origin = Now();
  f->origin_hw = f->hw;
  if (!f->stalled) f->ArmTimer();
  return 0;
}

int Stop(snd_pcm_ioplug_t* io) {
  Faulty* f = Self(io);
  f->running = false;
  f->DisarmTimer();
  return 0;
}

int Prepare(snd_pcm_ioplug_t* io) {
  Faulty* f = Self(io);
  f->Refresh();
  if (f->Absent()) return -f->control.error;
  f->hw = 0;
  f->in_xrun = false;
  f->running = false;
  f->flowing = false;
  f->DisarmTimer();
  return 0;
}

snd_pcm_sframes_t Pointer(snd_pcm_ioplug_t* io) {
  Faulty* f = Self(io);
  // Until prepared again, an overrun stays an overrun (the reader asks for
  // the status of it before recovering).
  if (f->in_xrun) return -EPIPE;
  f->Refresh();
  if (f->Absent()) {
    if (f->control.error == ENODEV) snd_pcm_ioplug_set_state(io, SND_PCM_STATE_DISCONNECTED);
    f->SetState("absent");
  } else if (f->control.xruns > f->report.xruns) {
    // The unread ring is lost, as when a card's ring fills.
    f->source_frame += f->hw - io->appl_ptr;
    f->in_xrun = true;
    ++f->report.xruns;
    f->report.state = "xrun";
    WriteReport(f->report_path, f->report);
    return -EPIPE;
  }
  f->Advance();
  return static_cast<snd_pcm_sframes_t>(f->hw);
}

snd_pcm_sframes_t Transfer(snd_pcm_ioplug_t* io, const snd_pcm_channel_area_t* areas,
                           snd_pcm_uframes_t offset, snd_pcm_uframes_t size) {
  Faulty* f = Self(io);
  if (f->Absent()) return -f->control.error;
  const uint64_t total = f->wav.data.size() / f->frame_bytes;
  const unsigned bits = static_cast<unsigned>(snd_pcm_format_physical_width(io->format));
  std::vector<snd_pcm_channel_area_t> src(io->channels);
  for (unsigned c = 0; c < io->channels; ++c) {
    src[c].addr = f->wav.data.data();
    src[c].first = c * bits;
    src[c].step = static_cast<unsigned>(f->frame_bytes * 8);
  }
  const uint64_t from_file =
      f->source_frame < total ? std::min<uint64_t>(size, total - f->source_frame) : 0;
  if (from_file > 0) {
    snd_pcm_areas_copy(areas, offset, src.data(), f->source_frame, io->channels, from_file,
                       io->format);
  }
  if (from_file < size) {
    snd_pcm_areas_silence(areas, offset + from_file, io->channels, size - from_file, io->format);
  }
  f->source_frame += size;
  if (!f->flowing) {
    f->flowing = true;
    ++f->report.runs;
    f->report.state = "running";
    WriteReport(f->report_path, f->report);
  }
  return static_cast<snd_pcm_sframes_t>(size);
}

int PollRevents(snd_pcm_ioplug_t* io, struct pollfd* pfd, unsigned int nfds,
                unsigned short* revents) {
  Faulty* f = Self(io);
  *revents = 0;
  if (nfds < 1) return -EINVAL;
  f->Refresh();
  if (f->Absent() && f->control.error == ENODEV) {
    // What a card reports when it is pulled.
    snd_pcm_ioplug_set_state(io, SND_PCM_STATE_DISCONNECTED);
    f->SetState("absent");
    *revents = POLLERR;
    return 0;
  }
  if (f->stalled) return 0;
  if (f->control.speed > 0 && (pfd[0].revents & POLLIN)) {
    uint64_t ticks = 0;
    [[maybe_unused]] ssize_t n = read(f->timer, &ticks, sizeof ticks);
  }
  *revents = static_cast<unsigned short>(pfd[0].revents & POLLIN);
  return 0;
}

int Close(snd_pcm_ioplug_t* io) {
  Faulty* f = Self(io);
  f->SetState("closed");
  if (f->timer >= 0) close(f->timer);
  delete f;
  return 0;
}

const snd_pcm_ioplug_callback_t kCallbacks = [] {
  snd_pcm_ioplug_callback_t c{};
  c.start = Start;
  c.stop = Stop;
  c.pointer = Pointer;
  c.transfer = Transfer;
  c.close = Close;
  c.prepare = Prepare;
  c.poll_revents = PollRevents;
  return c;
}();

int Constrain(Faulty* f, int period_ms) {
  snd_pcm_ioplug_t* io = &f->io;
  const unsigned access[] = {SND_PCM_ACCESS_RW_INTERLEAVED};
  const unsigned format[] = {static_cast<unsigned>(f->wav.format)};
  const auto fb = static_cast<unsigned>(f->frame_bytes);
  unsigned period_min = fb * 16, period_max = 1u << 22;
  if (period_ms > 0)
    period_min = period_max = f->wav.rate * static_cast<unsigned>(period_ms) / 1000 * fb;
  int err = 0;
  if ((err = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_ACCESS, 1, access)) < 0 ||
      (err = snd_pcm_ioplug_set_param_list(io, SND_PCM_IOPLUG_HW_FORMAT, 1, format)) < 0 ||
      (err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_CHANNELS, f->wav.channels,
                                             f->wav.channels)) < 0 ||
      (err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_RATE, f->wav.rate,
                                             f->wav.rate)) < 0 ||
      (err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_PERIOD_BYTES, period_min,
                                             period_max)) < 0 ||
      (err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_PERIODS, 2, 1024)) < 0 ||
      (err = snd_pcm_ioplug_set_param_minmax(io, SND_PCM_IOPLUG_HW_BUFFER_BYTES, period_min * 2,
                                             1u << 28)) < 0) {
    return err;
  }
  return 0;
}

}  // namespace

extern "C" {

SND_PCM_PLUGIN_DEFINE_FUNC(faulty) {
  (void)root;
  std::string file, control, report;
  long period_ms = 0;
  snd_config_iterator_t i, next;
  snd_config_for_each(i, next, conf) {
    snd_config_t* n = snd_config_iterator_entry(i);
    const char* id = nullptr;
    if (snd_config_get_id(n, &id) < 0) continue;
    const std::string key = id;
    if (key == "comment" || key == "type" || key == "hint") continue;
    const char* value = nullptr;
    if ((key == "file" || key == "control" || key == "report") &&
        snd_config_get_string(n, &value) == 0) {
      (key == "file" ? file : key == "control" ? control : report) = value;
    } else if (key == "period_ms" && snd_config_get_integer(n, &period_ms) == 0) {
    } else {
      SNDERR("faulty: unknown or malformed field %s", id);
      return -EINVAL;
    }
  }
  if (file.empty() || control.empty() || report.empty()) {
    SNDERR("faulty: file, control and report are required");
    return -EINVAL;
  }
  if (stream != SND_PCM_STREAM_CAPTURE) return -EINVAL;

  auto* f = new Faulty;
  f->control_path = control;
  f->report_path = report;
  f->report = ReadReport(report);  // before Refresh, which may add to it
  f->Refresh();
  if (f->Absent()) {
    ++f->report.refused;
    f->report.state = "absent";
    WriteReport(report, f->report);
    delete f;
    return -ENODEV;
  }
  if (!LoadWav(file, &f->wav)) {
    SNDERR("faulty: %s is not a 16-bit PCM or 32-bit float WAV file", file.c_str());
    delete f;
    return -EINVAL;
  }
  f->frame_bytes =
      static_cast<size_t>(snd_pcm_format_physical_width(f->wav.format) / 8) * f->wav.channels;
  f->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (f->timer < 0) {
    const int err = -errno;
    delete f;
    return err;
  }
  f->io.version = SND_PCM_IOPLUG_VERSION;
  f->io.name = "scribed test PCM that fails on demand";
  f->io.callback = &kCallbacks;
  f->io.private_data = f;
  f->io.poll_fd = f->timer;
  f->io.poll_events = POLLIN;
  // Pointers count up to the boundary, so a pointer call may report a whole
  // ring of new frames without it looking like none.
  f->io.flags = SND_PCM_IOPLUG_FLAG_BOUNDARY_WA | SND_PCM_IOPLUG_FLAG_MONOTONIC;
  if (int err = snd_pcm_ioplug_create(&f->io, name, stream, mode); err < 0) {
    close(f->timer);
    delete f;
    return err;
  }
  if (int err = Constrain(f, static_cast<int>(period_ms)); err < 0) {
    snd_pcm_ioplug_delete(&f->io);  // calls Close
    return err;
  }
  ++f->report.opens;
  f->report.state = "open";
  WriteReport(report, f->report);
  *pcmp = f->io.pcm;
  return 0;
}

SND_PCM_PLUGIN_SYMBOL(faulty)

}  // extern "C"
