// libFuzzer entry point for the GGUF reader: any input must either parse or
// raise FormatError. Built with -DSCRIBED_FUZZ=ON under clang:
//   build/fuzz/tests/fuzz/gguf_fuzz -max_total_time=60 CORPUS_DIR
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "scribed/engine/gguf.h"

namespace {

// An anonymous in-memory file holding the input, closed on scope exit.
class MemFile {
 public:
  MemFile(const uint8_t* data, size_t size) : fd_(::memfd_create("gguf-fuzz", MFD_CLOEXEC)) {
    size_t done = 0;
    while (fd_ >= 0 && done < size) {
      const ssize_t n = ::write(fd_, data + done, size - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
  }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  ~MemFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace gguf = scribed::engine::gguf;
  MemFile file(data, size);
  if (!file.ok()) return 0;
  try {
    const auto f = gguf::File::Open(file.path());
    size_t n = 0;
    for (size_t i = 0; i < f.key_count(); ++i) n += f.value(i).ToString(4).size();
    for (const auto& t : f.tensors()) {
      if (t.bytes > 0)
        n += static_cast<size_t>(t.data[0]) + static_cast<size_t>(t.data[t.bytes - 1]);
    }
    volatile size_t sink = n;  // keep the reads
    (void)sink;
  } catch (const gguf::FormatError&) {
  }
  return 0;
}
