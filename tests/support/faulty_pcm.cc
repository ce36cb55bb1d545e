#include "tests/support/faulty_pcm.h"

#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace scribed::testing {

namespace fs = std::filesystem;

FaultyPcm::FaultyPcm(const fs::path& dir, Options options)
    : options_(std::move(options)),
      control_(dir / (options_.name + ".control")),
      report_(dir / (options_.name + ".report")) {
  WriteControl();
}

std::string FaultyPcm::AsoundrcText() const {
  std::ostringstream text;
  text << "pcm_type.faulty { lib \"" << SCRIBED_FAULTY_PCM_PLUGIN << "\" }\n"
       << "pcm." << options_.name << " {\n  type faulty\n"
       << "  file \"" << options_.wav.string() << "\"\n"
       << "  control \"" << control_.string() << "\"\n"
       << "  report \"" << report_.string() << "\"\n";
  if (options_.period_ms > 0) text << "  period_ms " << options_.period_ms << "\n";
  text << "}\n";
  return text.str();
}

void FaultyPcm::Xrun() {
  ++xruns_;
  WriteControl();
}

void FaultyPcm::Unplug(int error) {
  if (error != ENODEV && error != EIO) throw std::invalid_argument("Unplug: ENODEV or EIO");
  device_ = "absent";
  error_ = error == EIO ? "EIO" : "ENODEV";
  WriteControl();
}

void FaultyPcm::Replug() {
  device_ = "present";
  WriteControl();
}

void FaultyPcm::Stall() {
  ++stalls_;
  WriteControl();
}

void FaultyPcm::SetSpeed(double speed) {
  options_.speed = speed;
  WriteControl();
}

// A new file renamed over the old one: the plugin notices the new inode and
// never reads a half-written file.
void FaultyPcm::WriteControl() const {
  const fs::path tmp = control_.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "device " << device_ << "\nerror " << error_ << "\nxruns " << xruns_ << "\nstalls "
        << stalls_ << "\nspeed " << options_.speed << "\n";
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, control_);
}

FaultyPcm::Report FaultyPcm::Read() const {
  Report r;
  std::ifstream in(report_);
  std::string key, value;
  while (in >> key >> value) {
    if (key == "opens") r.opens = std::stoull(value);
    if (key == "refused") r.refused = std::stoull(value);
    if (key == "xruns") r.xruns = std::stoull(value);
    if (key == "stalls") r.stalls = std::stoull(value);
    if (key == "runs") r.runs = std::stoull(value);
    if (key == "state") r.state = value;
  }
  return r;
}

bool FaultyPcm::WaitFor(const std::function<bool(const Report&)>& done,
                        std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done(Read())) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

void UseAlsaConfig(const fs::path& dir, const std::string& text) {
  const fs::path conf = dir / "asoundrc";
  std::ofstream(conf) << text;
  // ALSA reads the files listed here, in order, instead of its defaults.
  const std::string path = "/usr/share/alsa/alsa.conf:" + conf.string();
  ::setenv("ALSA_CONFIG_PATH", path.c_str(), 1);
}

}  // namespace scribed::testing
