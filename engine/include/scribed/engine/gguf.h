// Reading and writing GGUF files (versions 2 and 3), the container llama.cpp,
// Ollama and LM Studio store models in.
//
//   auto file = scribed::engine::gguf::File::Open("model.gguf");
//   uint32_t layers = file.GetU32("gemma4.block_count");
//   const auto* t = file.FindTensor("token_embd.weight");  // t->data points into the mmap
//
// The reader maps the file read-only and never copies tensor data. Every
// count, size, offset and type read from the file is checked against the
// file's size before use; a malformed file raises FormatError naming the
// file, the field and the byte offset, never a crash or a huge allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "scribed/engine/tensor_type.h"

namespace scribed::engine::gguf {

// Metadata value types, numbered as in the GGUF specification.
enum class ValueType : uint32_t {
  kUint8 = 0, kInt8 = 1, kUint16 = 2, kInt16 = 3, kUint32 = 4, kInt32 = 5, kFloat32 = 6,
  kBool = 7, kString = 8, kArray = 9, kUint64 = 10, kInt64 = 11, kFloat64 = 12,
};
std::string_view Name(ValueType type) noexcept;  // "u32", "f32", "string", "array", ...

// A malformed or unreadable file. what() reads like
// "model.gguf: tensor info 12 (name 'blk.0.attn_q.weight'): offset 123 beyond end of file (at byte 4567)".
class FormatError : public std::runtime_error {
 public:
  FormatError(std::string file, std::string message, std::optional<uint64_t> byte_offset);
  const std::string& file() const noexcept { return file_; }
  std::optional<uint64_t> byte_offset() const noexcept { return byte_offset_; }
 private:
  std::string file_;
  std::optional<uint64_t> byte_offset_;
};

// A metadata key that is missing or has the wrong type:
// "model.gguf: key gemma4.block_count is f32, expected u32".
class KeyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One metadata value. Strings and array payloads point into the mapping and
// stay valid as long as the File they came from.
class Value {
 public:
  ValueType type() const noexcept;
  // For arrays: the element type and count (nested arrays have kArray).
  ValueType element_type() const noexcept;
  uint64_t size() const noexcept;

  std::optional<uint64_t> AsUint() const noexcept;  // any integer type, value >= 0
  std::optional<int64_t> AsInt() const noexcept;    // any integer type that fits
  std::optional<double> AsFloat() const noexcept;   // f32 or f64
  std::optional<bool> AsBool() const noexcept;
  std::optional<std::string_view> AsString() const noexcept;
  // Element i of an array (i < size()); nested arrays are returned as arrays.
  Value At(uint64_t i) const;

  // Human-readable rendering, arrays abbreviated after `max_elements`.
  std::string ToString(size_t max_elements = 8) const;

  // The value's bytes as stored in the file after its type tag (for arrays:
  // element type, count and elements). Used to copy entries verbatim.
  std::span<const std::byte> encoded() const noexcept;

 private:
  friend class File;
  friend struct ValueAccess;  // the parser (engine/gguf/value_rep.h)
  struct Rep;
  std::shared_ptr<const Rep> rep_;
};

struct TensorInfo {
  std::string name;
  TensorType type;
  std::vector<int64_t> shape;  // ggml order: shape[0] is the contiguous (innermost) dimension
  uint64_t offset;             // from the start of the data section
  int64_t elements;
  uint64_t bytes;
  const std::byte* data;       // into the mapping, aligned to general.alignment

  int64_t ne(size_t i) const noexcept { return i < shape.size() ? shape[i] : 1; }
};

// A parsed, memory-mapped GGUF file. Thread-safe after Open (read-only).
// Move-only; tensor data pointers stay valid for the object's lifetime.
class File {
 public:
  // Throws FormatError (malformed) or std::system_error (cannot open/map).
  // With `resident`, the file is read into anonymous memory (huge pages where
  // the kernel gives them) instead of being mapped: slower to open, faster to
  // stream from on every decoded token.
  static File Open(const std::filesystem::path& path, bool resident = false);
  File(File&&) noexcept;
  File& operator=(File&&) noexcept;
  ~File();

  const std::filesystem::path& path() const noexcept;
  bool resident() const noexcept;  // opened with `resident`

  // Resident files only, before the File is shared: runs `edit` while the
  // copy's tensor data may be written through const_cast (to re-lay tensors
  // in place). Returns false, without calling `edit`, for a mapped file.
  bool EditResident(const std::function<void()>& edit);
  uint32_t version() const noexcept;
  uint64_t file_size() const noexcept;
  uint64_t alignment() const noexcept;    // general.alignment, default 32
  uint64_t data_offset() const noexcept;  // start of the tensor data section

  // Metadata in file order.
  size_t key_count() const noexcept;
  std::string_view key(size_t i) const;
  const Value& value(size_t i) const;
  const Value* Find(std::string_view key) const noexcept;

  // Typed getters; throw KeyError when missing or of the wrong type.
  uint32_t GetU32(std::string_view key) const;  // any integer type whose value fits
  uint64_t GetU64(std::string_view key) const;
  float GetF32(std::string_view key) const;     // f32 or f64
  bool GetBool(std::string_view key) const;
  std::string_view GetString(std::string_view key) const;
  std::vector<int64_t> GetIntArray(std::string_view key) const;
  std::vector<float> GetF32Array(std::string_view key) const;
  std::vector<bool> GetBoolArray(std::string_view key) const;
  std::vector<std::string_view> GetStringArray(std::string_view key) const;
  // Optional variants: nullopt when missing, KeyError when of the wrong type.
  std::optional<uint32_t> FindU32(std::string_view key) const;
  std::optional<float> FindF32(std::string_view key) const;
  std::optional<bool> FindBool(std::string_view key) const;
  std::optional<std::string_view> FindString(std::string_view key) const;

  const std::vector<TensorInfo>& tensors() const noexcept;
  const TensorInfo* FindTensor(std::string_view name) const noexcept;

 private:
  struct Impl;
  explicit File(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Builds a GGUF v3 file. Tensor payloads are produced at write time by a
// callback, so multi-gigabyte synthetic models never sit in memory.
// Thread-compatible.
class Writer {
 public:
  Writer();
  ~Writer();
  // Setting a key twice replaces its value and keeps its first position.
  // The file's alignment is always 32; do not set general.alignment.
  void SetU8(std::string key, uint8_t v);
  void SetI8(std::string key, int8_t v);
  void SetU16(std::string key, uint16_t v);
  void SetI16(std::string key, int16_t v);
  void SetU32(std::string key, uint32_t v);
  void SetI32(std::string key, int32_t v);
  void SetU64(std::string key, uint64_t v);
  void SetI64(std::string key, int64_t v);
  void SetF32(std::string key, float v);
  void SetF64(std::string key, double v);
  void SetBool(std::string key, bool v);
  void SetString(std::string key, std::string v);
  void SetU32Array(std::string key, std::vector<uint32_t> v);
  void SetI32Array(std::string key, std::vector<int32_t> v);
  void SetF32Array(std::string key, std::vector<float> v);
  void SetBoolArray(std::string key, std::vector<bool> v);
  void SetStringArray(std::string key, std::vector<std::string> v);
  // Copies one metadata entry verbatim (any type, nested arrays included).
  void CopyKey(const File& from, std::string_view key);

  // `fill` receives a zeroed buffer of exactly RowBytes(type, shape[0]) * rows bytes.
  // The buffer is a window of the output file's mapping, so a tensor never
  // needs its size in heap memory. Throws std::invalid_argument for an empty
  // or > 4-dimensional shape, negative dimensions, a row length that is not a
  // multiple of the type's block size, or a duplicate name.
  using Fill = std::function<void(std::span<std::byte> out)>;
  void AddTensor(std::string name, TensorType type, std::vector<int64_t> shape, Fill fill);

  // Called after each tensor with the bytes of the file written so far and
  // the file's size (the last call has done == total).
  using Progress = std::function<void(uint64_t done, uint64_t total)>;

  // Writes to `path` (through a temporary file renamed into place). Throws
  // std::system_error on I/O errors; exceptions from a Fill propagate and
  // leave no file behind.
  void Write(const std::filesystem::path& path, const Progress& progress = {}) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scribed::engine::gguf
