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
  // Throws std::system_error when the file cannot be opened, stat'ed or mapped.
  static MappedFile Open(const std::filesystem::path& path);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const std::byte* data() const noexcept { return data_; }
  uint64_t size() const noexcept { return size_; }

 private:
  MappedFile(const std::byte* data, uint64_t size) : data_(data), size_(size) {}
  void Reset() noexcept;

  const std::byte* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace scribed::engine::gguf
