// GGUF v3 writer. The output is sized up front, mapped, and each tensor's
// fill callback writes straight into the mapping, so no tensor is ever held
// in heap memory; the finished file is renamed over the destination.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "engine/gguf/value_rep.h"
#include "scribed/base/errno_error.h"
#include "scribed/base/unique_fd.h"
#include "scribed/engine/gguf.h"

namespace scribed::engine::gguf {
namespace {

constexpr uint64_t kAlignment = 32;

template <typename T>
void Put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

void PutString(std::string& out, std::string_view s) {
  Put<uint64_t>(out, s.size());
  out.append(s);
}

uint64_t AlignUp(uint64_t v) { return (v + kAlignment - 1) & ~(kAlignment - 1); }

using base::ThrowErrno;

// Owns the temporary output: closes it, and removes it unless committed.
class TempFile {
 public:
  explicit TempFile(const std::filesystem::path& dest) {
    name_ = dest.string() + ".tmp-XXXXXX";
    fd_.Reset(::mkostemp(name_.data(), O_CLOEXEC));
    if (!fd_.valid()) ThrowErrno(errno, "cannot create a temporary file next to " + dest.string());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    fd_.Reset();
    if (!committed_) ::unlink(name_.c_str());
  }
  int fd() const { return fd_.get(); }
  const std::string& name() const { return name_; }

  void Commit(const std::filesystem::path& dest) {
    if (::fsync(fd_.get()) != 0) ThrowErrno(errno, "cannot sync " + name_);
    if (fd_.Close() != 0) ThrowErrno(errno, "cannot close " + name_);
    if (::rename(name_.c_str(), dest.c_str()) != 0) {
      ThrowErrno(errno, "cannot rename " + name_ + " to " + dest.string());
    }
    committed_ = true;
  }

 private:
  std::string name_;
  base::UniqueFd fd_;
  bool committed_ = false;
};

class WritableMapping {
 public:
  WritableMapping(int fd, uint64_t size, const std::string& name) : size_(size) {
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) ThrowErrno(errno, "cannot map " + name);
    data_ = static_cast<std::byte*>(p);
  }
  WritableMapping(const WritableMapping&) = delete;
  WritableMapping& operator=(const WritableMapping&) = delete;
  ~WritableMapping() { ::munmap(data_, size_); }
  std::byte* data() const { return data_; }

 private:
  std::byte* data_ = nullptr;
  uint64_t size_;
};

struct PendingTensor {
  std::string name;
  TensorType type;
  std::vector<int64_t> shape;
  uint64_t bytes;
  Writer::Fill fill;
};

}  // namespace

struct Writer::Impl {
  // Each entry: key and its encoding (type tag followed by the value).
  std::vector<std::pair<std::string, std::string>> kvs;
  std::unordered_map<std::string, size_t> key_index;
  std::vector<PendingTensor> tensors;
  std::unordered_map<std::string, size_t> tensor_index;

  void Set(std::string key, ValueType type, std::string payload) {
    std::string enc;
    Put<uint32_t>(enc, static_cast<uint32_t>(type));
    enc += payload;
    auto it = key_index.find(key);
    if (it != key_index.end()) {
      kvs[it->second].second = std::move(enc);
      return;
    }
    key_index.emplace(key, kvs.size());
    kvs.emplace_back(std::move(key), std::move(enc));
  }

  template <typename T>
  void SetScalar(std::string key, ValueType type, T v) {
    std::string p;
    Put<T>(p, v);
    Set(std::move(key), type, std::move(p));
  }

  template <typename T, typename Vec>
  void SetArray(std::string key, ValueType element, const Vec& v) {
    std::string p;
    Put<uint32_t>(p, static_cast<uint32_t>(element));
    Put<uint64_t>(p, v.size());
    for (const auto& x : v) Put<T>(p, static_cast<T>(x));
    Set(std::move(key), ValueType::kArray, std::move(p));
  }
};

Writer::Writer() : impl_(std::make_unique<Impl>()) {}
Writer::~Writer() = default;

void Writer::SetU8(std::string key, uint8_t v) {
  impl_->SetScalar(std::move(key), ValueType::kUint8, v);
}
void Writer::SetI8(std::string key, int8_t v) {
  impl_->SetScalar(std::move(key), ValueType::kInt8, v);
}
void Writer::SetU16(std::string key, uint16_t v) {
  impl_->SetScalar(std::move(key), ValueType::kUint16, v);
}
void Writer::SetI16(std::string key, int16_t v) {
  impl_->SetScalar(std::move(key), ValueType::kInt16, v);
}
void Writer::SetU32(std::string key, uint32_t v) {
  impl_->SetScalar(std::move(key), ValueType::kUint32, v);
}
void Writer::SetI32(std::string key, int32_t v) {
  impl_->SetScalar(std::move(key), ValueType::kInt32, v);
}
void Writer::SetU64(std::string key, uint64_t v) {
  impl_->SetScalar(std::move(key), ValueType::kUint64, v);
}
void Writer::SetI64(std::string key, int64_t v) {
  impl_->SetScalar(std::move(key), ValueType::kInt64, v);
}
void Writer::SetF32(std::string key, float v) {
  impl_->SetScalar(std::move(key), ValueType::kFloat32, v);
}
void Writer::SetF64(std::string key, double v) {
  impl_->SetScalar(std::move(key), ValueType::kFloat64, v);
}
void Writer::SetBool(std::string key, bool v) {
  impl_->SetScalar<uint8_t>(std::move(key), ValueType::kBool, v ? 1 : 0);
}

void Writer::SetString(std::string key, std::string v) {
  std::string p;
  PutString(p, v);
  impl_->Set(std::move(key), ValueType::kString, std::move(p));
}

void Writer::SetU32Array(std::string key, std::vector<uint32_t> v) {
  impl_->SetArray<uint32_t>(std::move(key), ValueType::kUint32, v);
}
void Writer::SetI32Array(std::string key, std::vector<int32_t> v) {
  impl_->SetArray<int32_t>(std::move(key), ValueType::kInt32, v);
}
void Writer::SetF32Array(std::string key, std::vector<float> v) {
  impl_->SetArray<float>(std::move(key), ValueType::kFloat32, v);
}
void Writer::SetBoolArray(std::string key, std::vector<bool> v) {
  impl_->SetArray<uint8_t>(std::move(key), ValueType::kBool, v);
}

void Writer::SetStringArray(std::string key, std::vector<std::string> v) {
  std::string p;
  Put<uint32_t>(p, static_cast<uint32_t>(ValueType::kString));
  Put<uint64_t>(p, v.size());
  for (const auto& s : v) PutString(p, s);
  impl_->Set(std::move(key), ValueType::kArray, std::move(p));
}

void Writer::CopyKey(const File& from, std::string_view key) {
  const Value* v = from.Find(key);
  if (v == nullptr) {
    throw KeyError(from.path().string() + ": key " + std::string(key) + " missing");
  }
  const auto enc = v->encoded();
  impl_->Set(std::string(key), v->type(),
             std::string(reinterpret_cast<const char*>(enc.data()), enc.size()));
}

void Writer::AddTensor(std::string name, TensorType type, std::vector<int64_t> shape, Fill fill) {
  if (shape.empty() || shape.size() > 4) {
    throw std::invalid_argument("tensor " + name + ": needs 1 to 4 dimensions");
  }
  int64_t rows = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) throw std::invalid_argument("tensor " + name + ": negative dimension");
    if (i > 0 && __builtin_mul_overflow(rows, shape[i], &rows)) {
      throw std::invalid_argument("tensor " + name + ": element count overflows");
    }
  }
  const auto row = RowBytes(type, shape[0]);
  if (!row) {
    throw std::invalid_argument("tensor " + name + ": row of " + std::to_string(shape[0]) +
                                " elements is not a whole number of " +
                                std::string(engine::Name(type)) + " blocks");
  }
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(*row, static_cast<uint64_t>(rows), &bytes)) {
    throw std::invalid_argument("tensor " + name + ": byte size overflows");
  }
  if (impl_->tensor_index.count(name) != 0) {
    throw std::invalid_argument("tensor " + name + " added twice");
  }
  impl_->tensor_index.emplace(name, impl_->tensors.size());
  impl_->tensors.push_back({std::move(name), type, std::move(shape), bytes, std::move(fill)});
}

void Writer::Write(const std::filesystem::path& path, const Progress& progress) const {
  std::string header;
  header.append("GGUF");
  Put<uint32_t>(header, 3);
  Put<uint64_t>(header, impl_->tensors.size());
  Put<uint64_t>(header, impl_->kvs.size());
  for (const auto& [key, enc] : impl_->kvs) {
    PutString(header, key);
    header += enc;
  }
  uint64_t data_size = 0;
  std::vector<uint64_t> offsets;
  for (const auto& t : impl_->tensors) {
    PutString(header, t.name);
    Put<uint32_t>(header, static_cast<uint32_t>(t.shape.size()));
    for (int64_t d : t.shape) Put<int64_t>(header, d);
    Put<uint32_t>(header, static_cast<uint32_t>(t.type));
    Put<uint64_t>(header, data_size);
    offsets.push_back(data_size);
    data_size += AlignUp(t.bytes);
  }
  const uint64_t data_offset = AlignUp(header.size());
  const uint64_t total = data_offset + data_size;

  TempFile tmp(path);
  // Reserve the blocks first so a full disk is an error here, not a SIGBUS
  // while a fill callback writes into the mapping.
  if (const int err = ::posix_fallocate(tmp.fd(), 0, static_cast<off_t>(total)); err != 0) {
    if (err != EOPNOTSUPP && err != EINVAL) ThrowErrno(err, "cannot allocate " + tmp.name());
    if (::ftruncate(tmp.fd(), static_cast<off_t>(total)) != 0) {
      ThrowErrno(errno, "cannot size " + tmp.name());
    }
  }
  {
    WritableMapping map(tmp.fd(), total, tmp.name());
    std::memcpy(map.data(), header.data(), header.size());
    for (size_t i = 0; i < impl_->tensors.size(); ++i) {
      const auto& t = impl_->tensors[i];
      std::span<std::byte> out(map.data() + data_offset + offsets[i], t.bytes);
      if (t.fill) t.fill(out);
      if (progress) progress(data_offset + offsets[i] + AlignUp(t.bytes), total);
    }
  }
  tmp.Commit(path);
}

}  // namespace scribed::engine::gguf
