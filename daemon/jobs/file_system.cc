#include "daemon/jobs/file_system.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace scribed::daemon {
namespace {

[[noreturn]] void ThrowErrno(const std::string& what, const std::filesystem::path& path) {
  throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(const std::filesystem::path& path, int flags)
      : path_(path), fd_(::open(path.c_str(), flags | O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd_.get() < 0) ThrowErrno("cannot open", path_);
  }
  void Append(std::string_view data) override {
    while (!data.empty()) {
      const ssize_t n = ::write(fd_.get(), data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        ThrowErrno("cannot write", path_);
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
  }
  void Sync() override {
    if (::fdatasync(fd_.get()) != 0) ThrowErrno("cannot sync", path_);
  }

 private:
  std::filesystem::path path_;
  Fd fd_;
};

void SyncDirectory(const std::filesystem::path& dir) {
  Fd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) ThrowErrno("cannot open directory", dir);
  if (::fsync(fd.get()) != 0) ThrowErrno("cannot sync directory", dir);
}

}  // namespace

std::unique_ptr<WritableFile> PosixFileSystem::OpenAppend(const std::filesystem::path& path) {
  return std::make_unique<PosixWritableFile>(path, O_APPEND);
}

std::unique_ptr<WritableFile> PosixFileSystem::OpenTruncate(const std::filesystem::path& path) {
  return std::make_unique<PosixWritableFile>(path, O_TRUNC);
}

std::optional<std::string> PosixFileSystem::ReadAll(const std::filesystem::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::nullopt;
    ThrowErrno("cannot open", path);
  }
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      ThrowErrno("cannot read", path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

void PosixFileSystem::Rename(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0)
    ThrowErrno("cannot rename " + from.string() + " to", to);
  SyncDirectory(to.parent_path());
}

void PosixFileSystem::CreateDirectories(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) throw std::system_error(ec, "cannot create directory " + path.string());
}

void WriteFileAtomically(FileSystem& fs, const std::filesystem::path& path,
                         std::string_view content) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    auto file = fs.OpenTruncate(tmp);
    file->Append(content);
    file->Sync();
  }
  fs.Rename(tmp, path);
}

}  // namespace scribed::daemon
