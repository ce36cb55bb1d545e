#include "scribed/batch/claim.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <random>
#include <sstream>
#include <system_error>

#include "scribed/base/json.h"

namespace scribed::batch {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Field 22 of /proc/PID/stat: start time in clock ticks since boot. The
// command name (field 2) may contain spaces, so count from its closing ')'.
unsigned long long StartTicks(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i < 22 && rest >> field; ++i) {
  }
  unsigned long long ticks = 0;
  rest >> ticks;
  return ticks;
}

std::string Hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::optional<json> ReadOwner(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  json j = json::parse(in, nullptr, false);
  if (!j.is_object()) return json::object();  // being written, or damaged
  return j;
}

std::string OwnerText(const WorkerId& id) {
  return json{{"host", id.host}, {"pid", id.pid}, {"start_ticks", id.start_ticks}}.dump();
}

bool RecentlyRenewed(const fs::path& path, std::chrono::seconds lease) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  const auto mtime = std::chrono::system_clock::time_point(
      std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec));
  return std::chrono::system_clock::now() - mtime < lease;
}

}  // namespace

std::string WorkerId::Text() const { return host + ":" + std::to_string(pid); }

WorkerId WorkerId::Self() {
  WorkerId id;
  id.host = Hostname();
  id.pid = static_cast<long>(::getpid());
  id.start_ticks = StartTicks(id.pid);
  return id;
}

bool ClaimIsLive(const fs::path& path, std::chrono::seconds lease) {
  const auto owner = ReadOwner(path);
  if (!owner) return false;
  if (owner->value("host", "") == Hostname() && owner->contains("pid")) {
    const long pid = owner->value("pid", 0L);
    const bool exists = pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
    if (!exists || StartTicks(pid) != owner->value("start_ticks", 0ULL)) return false;
    return true;  // a live process on this host: its lease cannot have lapsed unnoticed
  }
  return RecentlyRenewed(path, lease);
}

std::optional<Claim> Claim::TryAcquire(const fs::path& path, const WorkerId& self,
                                       std::chrono::seconds lease) {
  const std::string owner = OwnerText(self);
  for (int attempt = 0; attempt < 2; ++attempt) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      const bool written = ::write(fd, owner.data(), owner.size()) ==
                           static_cast<ssize_t>(owner.size());
      const bool closed = ::close(fd) == 0;
      if (!written || !closed) {
        const int err = errno;
        ::unlink(path.c_str());
        throw std::system_error(err, std::generic_category(), "cannot write " + path.string());
      }
      return Claim(path, owner);
    }
    if (errno != EEXIST) {
      throw std::system_error(errno, std::generic_category(), "cannot create " + path.string());
    }
    if (ClaimIsLive(path, lease)) return std::nullopt;
    // Stale: move it out of the way. Only one contender's rename succeeds;
    // the others find the path gone or already claimed anew.
    std::random_device rd;
    fs::path aside = path;
    aside += ".stale-" + std::to_string(rd());
    if (::rename(path.c_str(), aside.c_str()) == 0) ::unlink(aside.c_str());
  }
  return std::nullopt;
}

Claim::Claim(Claim&& other) noexcept
    : path_(std::move(other.path_)), owner_(std::move(other.owner_)) {
  other.owner_.clear();
}

Claim::~Claim() { Release(); }

void Claim::Renew() const {
  if (!owner_.empty()) ::utimensat(AT_FDCWD, path_.c_str(), nullptr, 0);
}

void Claim::Release() {
  if (owner_.empty()) return;
  // After a takeover the file is someone else's; leave theirs alone.
  std::ifstream in(path_);
  const std::string content((std::istreambuf_iterator<char>(in)), {});
  if (content == owner_) ::unlink(path_.c_str());
  owner_.clear();
}

}  // namespace scribed::batch
