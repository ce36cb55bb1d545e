#include "tests/support/fault_file_system.h"

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace scribed::testing {
namespace {

[[noreturn]] void Throw(int error, const char* what, const std::filesystem::path& path) {
  throw std::system_error(error, std::generic_category(),
                          std::string(what) + " " + path.string() + " (injected)");
}

int ErrorOf(Fault fault) { return fault == Fault::kSyncError ? EIO : ENOSPC; }

class TrackedFile final : public base::WritableFile {
 public:
  TrackedFile(FaultFileSystem& fs, std::filesystem::path path,
              std::unique_ptr<base::WritableFile> real, uint64_t size)
      : fs_(fs), path_(std::move(path)), real_(std::move(real)), size_(size) {}
  void Append(std::string_view data) override {
    if (fs_.writes_fail()) Throw(ENOSPC, "cannot write", path_);
    if (const auto fault = fs_.TakeOperation()) {
      if (*fault == Fault::kShortWrite) {
        // What write(2) does when the disk fills up part way: some bytes
        // land, the next call reports ENOSPC.
        const std::string_view part = data.substr(0, data.size() / 2);
        real_->Append(part);
        size_ += part.size();
      }
      Throw(ErrorOf(*fault), "cannot write", path_);
    }
    real_->Append(data);
    size_ += data.size();
  }
  void Sync() override {
    if (const auto fault = fs_.TakeOperation()) Throw(ErrorOf(*fault), "cannot sync", path_);
    // Durability is what this file system tracks, not what the disk does:
    // the power cut is DropUnsyncedData. Skipping the real fdatasync keeps
    // tests that sync thousands of times fast.
    fs_.MarkSynced(path_, size_);
  }
  void Truncate(uint64_t size) override {
    if (const auto fault = fs_.TakeOperation()) Throw(ErrorOf(*fault), "cannot truncate", path_);
    real_->Truncate(size);
    size_ = size;
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

void FaultFileSystem::SetDiskFull(bool full) {
  std::lock_guard lock(mu_);
  disk_full_ = full;
}

bool FaultFileSystem::writes_fail() const {
  std::lock_guard lock(mu_);
  return disk_full_;
}

uint64_t FaultFileSystem::write_operations() const {
  std::lock_guard lock(mu_);
  return operations_;
}

void FaultFileSystem::FailOperation(uint64_t n, Fault fault) {
  std::lock_guard lock(mu_);
  faults_[n] = fault;
}

void FaultFileSystem::FillDiskWhenOpening(std::string part) {
  std::lock_guard lock(mu_);
  fill_trigger_ = std::move(part);
}

void FaultFileSystem::Opened(const std::filesystem::path& path) {
  std::lock_guard lock(mu_);
  if (!fill_trigger_.empty() && path.filename().string().find(fill_trigger_) != std::string::npos) {
    disk_full_ = true;
  }
}

void FaultFileSystem::ClearFaults() {
  std::lock_guard lock(mu_);
  faults_.clear();
  fill_trigger_.clear();
  disk_full_ = false;
}

std::optional<Fault> FaultFileSystem::TakeOperation() {
  std::lock_guard lock(mu_);
  auto it = faults_.find(++operations_);
  if (it == faults_.end()) return std::nullopt;
  return it->second;
}

std::unique_ptr<base::WritableFile> FaultFileSystem::OpenAppend(
    const std::filesystem::path& path) {
  if (const auto fault = TakeOperation()) Throw(ErrorOf(*fault), "cannot open", path);
  auto real = real_.OpenAppend(path);
  Opened(path);
  {
    std::lock_guard lock(mu_);
    synced_.try_emplace(path, 0);  // a new file's existence is not yet durable
  }
  return std::make_unique<TrackedFile>(*this, path, std::move(real),
                                       std::filesystem::file_size(path));
}

std::unique_ptr<base::WritableFile> FaultFileSystem::OpenTruncate(
    const std::filesystem::path& path, base::FileMode mode) {
  if (const auto fault = TakeOperation()) Throw(ErrorOf(*fault), "cannot open", path);
  auto real = real_.OpenTruncate(path, mode);
  Opened(path);
  MarkSynced(path, 0);
  return std::make_unique<TrackedFile>(*this, path, std::move(real), 0);
}

std::optional<std::string> FaultFileSystem::ReadAll(const std::filesystem::path& path) {
  return real_.ReadAll(path);
}

void FaultFileSystem::Rename(const std::filesystem::path& from, const std::filesystem::path& to) {
  const std::optional<Fault> fault = TakeOperation();
  if (fault && *fault != Fault::kSyncError) Throw(ErrorOf(*fault), "cannot rename to", to);
  // std::filesystem::rename: without the directory sync (see Sync).
  std::filesystem::rename(from, to);
  {
    std::lock_guard lock(mu_);
    auto it = synced_.find(from);
    synced_[to] = it == synced_.end() ? 0 : it->second;
    if (it != synced_.end()) synced_.erase(it);
  }
  // The rename happened; the directory sync that makes it durable failed.
  if (fault) Throw(EIO, "cannot sync the directory of", to);
}

void FaultFileSystem::Remove(const std::filesystem::path& path) {
  real_.Remove(path);
  std::lock_guard lock(mu_);
  synced_.erase(path);
}

void FaultFileSystem::RemoveAll(const std::filesystem::path& path) {
  real_.RemoveAll(path);
  std::lock_guard lock(mu_);
  for (auto it = synced_.begin(); it != synced_.end();) {
    const auto [end, _] = std::mismatch(path.begin(), path.end(), it->first.begin(),
                                        it->first.end());
    it = end == path.end() ? synced_.erase(it) : std::next(it);
  }
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
