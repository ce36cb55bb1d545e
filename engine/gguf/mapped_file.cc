#include "engine/gguf/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

#include "scribed/base/errno_error.h"
#include "scribed/base/unique_fd.h"

namespace scribed::engine::gguf {

using base::ThrowErrno;

MappedFile MappedFile::Open(const std::filesystem::path& path, Mode mode) {
  // Closed on every path out of Open; the mapping outlives it.
  base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) ThrowErrno("cannot open", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) ThrowErrno("cannot stat", path);
  if (!S_ISREG(st.st_mode)) {
    throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                            "not a regular file: " + path.string());
  }
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size == 0) return MappedFile();
  if (mode == Mode::kMapped) {
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
    if (p == MAP_FAILED) ThrowErrno("cannot map", path);
    return MappedFile(static_cast<const std::byte*>(p), size, false);
  }
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) ThrowErrno("cannot allocate memory for", path);
  MappedFile owner(static_cast<const std::byte*>(p), size, true);  // unmaps if the read fails
  ::madvise(p, size, MADV_HUGEPAGE);  // advice only: 4 KiB pages still work
  auto* dst = static_cast<char*>(p);
  for (uint64_t done = 0; done < size;) {
    const ssize_t n = ::pread(fd.get(), dst + done, std::min<uint64_t>(size - done, 1 << 30),
                              static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ThrowErrno("cannot read", path);
    if (n == 0) {
      throw std::system_error(std::make_error_code(std::errc::io_error),
                              "file shrank while reading " + path.string());
    }
    done += static_cast<uint64_t>(n);
  }
  ::mprotect(p, size, PROT_READ);
  // The copy is what the model uses; the page cache need not hold it twice.
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_DONTNEED);
  return owner;
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      resident_(std::exchange(other.resident_, false)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    Reset();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    resident_ = std::exchange(other.resident_, false);
  }
  return *this;
}

MappedFile::~MappedFile() { Reset(); }

bool MappedFile::SetWritable(bool writable) noexcept {
  if (!resident_ || data_ == nullptr) return false;
  return ::mprotect(const_cast<std::byte*>(data_), size_,
                    writable ? PROT_READ | PROT_WRITE : PROT_READ) == 0;
}

void MappedFile::Reset() noexcept {
  if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
  resident_ = false;
}

}  // namespace scribed::engine::gguf
