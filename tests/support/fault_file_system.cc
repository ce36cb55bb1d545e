#include "tests/support/fault_file_system.h"

#include <cerrno>
#include <system_error>

namespace scribed::testing {
namespace {

class TrackedFile final : public base::WritableFile {
 public:
  TrackedFile(FaultFileSystem& fs, std::filesystem::path path,
              std::unique_ptr<base::WritableFile> real, uint64_t size)
      : fs_(fs), path_(std::move(path)), real_(std::move(real)), size_(size) {}
  void Append(std::string_view data) override {
    if (fs_.writes_fail()) {
      throw std::system_error(ENOSPC, std::generic_category(), "cannot write " + path_.string());
    }
    real_->Append(data);
    size_ += data.size();
  }
  void Sync() override {
    real_->Sync();
    fs_.MarkSynced(path_, size_);
  }

 private:
  FaultFileSystem& fs_;
  std::filesystem::path path_;
  std::unique_ptr<base::WritableFile> real_;
  uint64_t size_;
};

}  // namespace

void FaultFileSystem::MarkSynced(const std::filesystem::path& path, uint64_t size) {
  std::lock_guard lock(mu_);
  synced_[path] = size;
}

void FaultFileSystem::FailWrites() {
  std::lock_guard lock(mu_);
  fail_writes_ = true;
}

bool FaultFileSystem::writes_fail() const {
  std::lock_guard lock(mu_);
  return fail_writes_;
}

std::unique_ptr<base::WritableFile> FaultFileSystem::OpenAppend(
    const std::filesystem::path& path) {
  auto real = real_.OpenAppend(path);
  {
    std::lock_guard lock(mu_);
    synced_.try_emplace(path, 0);  // a new file's existence is not yet durable
  }
  return std::make_unique<TrackedFile>(*this, path, std::move(real),
                                       std::filesystem::file_size(path));
}

std::unique_ptr<base::WritableFile> FaultFileSystem::OpenTruncate(
    const std::filesystem::path& path, base::FileMode mode) {
  auto real = real_.OpenTruncate(path, mode);
  MarkSynced(path, 0);
  return std::make_unique<TrackedFile>(*this, path, std::move(real), 0);
}

std::optional<std::string> FaultFileSystem::ReadAll(const std::filesystem::path& path) {
  return real_.ReadAll(path);
}

void FaultFileSystem::Rename(const std::filesystem::path& from, const std::filesystem::path& to) {
  real_.Rename(from, to);
  std::lock_guard lock(mu_);
  auto it = synced_.find(from);
  synced_[to] = it == synced_.end() ? 0 : it->second;
  if (it != synced_.end()) synced_.erase(it);
}

void FaultFileSystem::Remove(const std::filesystem::path& path) {
  real_.Remove(path);
  std::lock_guard lock(mu_);
  synced_.erase(path);
}

void FaultFileSystem::CreateDirectories(const std::filesystem::path& path) {
  real_.CreateDirectories(path);
}

void FaultFileSystem::DropUnsyncedData() {
  std::lock_guard lock(mu_);
  for (const auto& [path, size] : synced_) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec) && std::filesystem::file_size(path) > size) {
      std::filesystem::resize_file(path, size);
    }
  }
}

}  // namespace scribed::testing
