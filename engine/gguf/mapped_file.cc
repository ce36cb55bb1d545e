#include "engine/gguf/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "scribed/base/errno_error.h"
#include "scribed/base/unique_fd.h"

namespace scribed::engine::gguf {

using base::ThrowErrno;

namespace {

// Reads [begin, end) of the file to dst + begin. Returns 0 or an errno value;
// a file that ends early is EIO ("shrank").
int ReadRange(int fd, char* dst, uint64_t begin, uint64_t end) {
  constexpr uint64_t kPiece = 64ull << 20;
  for (uint64_t done = begin; done < end;) {
    const ssize_t n =
        ::pread(fd, dst + done, std::min(end - done, kPiece), static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    done += static_cast<uint64_t>(n);
  }
  return 0;
}

// Most of a resident load is the kernel zeroing fresh pages and copying the
// page cache into them, one core's work per reader: several readers over
// disjoint ranges load a warm file several times faster.
void ReadInParallel(int fd, char* dst, uint64_t size, const std::filesystem::path& path) {
  constexpr uint64_t kMinPerThread = 256ull << 20;
  const auto hw = std::max(1u, std::thread::hardware_concurrency());
  const auto n = static_cast<unsigned>(
      std::clamp<uint64_t>(size / kMinPerThread, 1, std::min(hw, 8u)));
  std::vector<int> errors(n, 0);
  std::vector<std::thread> readers;
  const uint64_t step = (size + n - 1) / n;
  for (unsigned i = 1; i < n; ++i) {
    readers.emplace_back([&, i] {
      errors[i] = ReadRange(fd, dst, std::min(size, i * step), std::min(size, (i + 1) * step));
    });
  }
  errors[0] = ReadRange(fd, dst, 0, std::min(size, step));
  for (auto& t : readers) t.join();
  for (int e : errors) {
    if (e == EIO) {
      throw std::system_error(std::make_error_code(std::errc::io_error),
                              "cannot read " + path.string() + " (did it shrink while reading?)");
    }
    if (e != 0) ThrowErrno(e, "cannot read " + path.string());
  }
}

}  // namespace

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
  ReadInParallel(fd.get(), static_cast<char*>(p), size, path);
  ::mprotect(p, size, PROT_READ);
  // The file's pages stay in the page cache: the kernel drops them first under
  // memory pressure, and while they last the next start reads memory, not disk.
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
