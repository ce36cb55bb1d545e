#include "scribed/base/file_system.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <system_error>

#include "scribed/base/errno_error.h"
#include "scribed/base/unique_fd.h"

namespace scribed::base {
namespace {

mode_t Permissions(FileMode mode) { return mode == FileMode::kShared ? 0644 : 0600; }

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(const std::filesystem::path& path, int flags, FileMode mode)
      : path_(path),
        fd_(::open(path.c_str(), flags | O_WRONLY | O_CREAT | O_CLOEXEC, Permissions(mode))) {
    if (!fd_.valid()) ThrowErrno("cannot open", path_);
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
  void Truncate(uint64_t size) override {
    // The seek matters only without O_APPEND, where writes go to the offset.
    if (::ftruncate(fd_.get(), static_cast<off_t>(size)) != 0 ||
        ::lseek(fd_.get(), static_cast<off_t>(size), SEEK_SET) < 0) {
      ThrowErrno("cannot truncate", path_);
    }
  }

 private:
  std::filesystem::path path_;
  UniqueFd fd_;
};

void SyncDirectory(const std::filesystem::path& dir) {
  UniqueFd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) ThrowErrno("cannot open directory", dir);
  if (::fsync(fd.get()) != 0) ThrowErrno("cannot sync directory", dir);
}

}  // namespace

std::unique_ptr<WritableFile> PosixFileSystem::OpenAppend(const std::filesystem::path& path) {
  return std::make_unique<PosixWritableFile>(path, O_APPEND, FileMode::kPrivate);
}

std::unique_ptr<WritableFile> PosixFileSystem::OpenTruncate(const std::filesystem::path& path,
                                                            FileMode mode) {
  return std::make_unique<PosixWritableFile>(path, O_TRUNC, mode);
}

std::optional<std::string> PosixFileSystem::ReadAll(const std::filesystem::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
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

void PosixFileSystem::Remove(const std::filesystem::path& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) ThrowErrno("cannot remove", path);
}

void PosixFileSystem::RemoveAll(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) throw std::system_error(ec, "cannot remove " + path.string());
}

void PosixFileSystem::CreateDirectories(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) throw std::system_error(ec, "cannot create directory " + path.string());
}

FileSystem& RealFileSystem() {
  static PosixFileSystem fs;
  return fs;
}

void WriteFileAtomically(FileSystem& fs, const std::filesystem::path& path,
                         std::string_view content, FileMode mode) {
  // The pid keeps processes of one host apart; the random part keeps apart
  // processes of several hosts writing into one shared folder (batch workers).
  std::filesystem::path tmp = path;
  tmp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}());
  try {
    {
      auto file = fs.OpenTruncate(tmp, mode);
      file->Append(content);
      file->Sync();
    }
    fs.Rename(tmp, path);
  } catch (...) {
    try {
      fs.Remove(tmp);
    } catch (const std::exception&) {
      // The write's error is the one worth reporting.
    }
    throw;
  }
}

}  // namespace scribed::base
