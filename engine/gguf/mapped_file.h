// A read-only memory mapping of a whole file, unmapped on destruction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace scribed::engine::gguf {

// Move-only owner of a private read-only mapping. An empty file maps to
// {nullptr, 0}. Thread-safe (immutable after Open).
class MappedFile {
 public:
  // kMapped maps the file itself (zero copy: pages come from the page cache on
  // first touch). kResident reads it into anonymous memory advised to use huge
  // pages, which streams faster on every pass but costs the read up front.
  enum class Mode { kMapped, kResident };

  // Throws std::system_error when the file cannot be opened, stat'ed, mapped or read.
  static MappedFile Open(const std::filesystem::path& path, Mode mode = Mode::kMapped);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const std::byte* data() const noexcept { return data_; }
  uint64_t size() const noexcept { return size_; }
  bool resident() const noexcept { return resident_; }

  // Resident copies only: allows (or again forbids) writes to the copy, e.g.
  // to re-lay tensors in place at load time. Returns false for a mapping of
  // the file or when the protection cannot be changed.
  bool SetWritable(bool writable) noexcept;

 private:
  MappedFile(const std::byte* data, uint64_t size, bool resident)
      : data_(data), size_(size), resident_(resident) {}
  void Reset() noexcept;

  const std::byte* data_ = nullptr;
  uint64_t size_ = 0;
  bool resident_ = false;
};

}  // namespace scribed::engine::gguf
