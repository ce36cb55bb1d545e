// Parsing of GGUF v2/v3 files. Every length read from the file is checked
// against the bytes that remain before it is used or allocated for, so a
// corrupt or hostile file fails fast with a FormatError.
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>

#include "engine/gguf/mapped_file.h"
#include "engine/gguf/value_rep.h"
#include "scribed/engine/gguf.h"

namespace scribed::engine::gguf {
namespace {

constexpr uint64_t kDefaultAlignment = 32;
constexpr int kMaxArrayDepth = 8;
constexpr uint32_t kMaxDims = 4;
// Smallest encodings, used to bound counts before anything is allocated.
constexpr uint64_t kMinKvBytes = 8 + 4 + 1;                  // empty key, 1-byte value
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;  // empty name, 1 dim

std::string Quoted(std::string_view s) {
  std::string out = "'";
  for (char c : s.substr(0, 200)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  if (s.size() > 200) out += "...";
  return out + "'";
}

std::string Plural(ValueType t) { return std::string(Name(t)) + "s"; }

// Sequential little-endian reader over the mapping with contextual errors.
class Parser {
 public:
  Parser(const std::byte* base, uint64_t size, std::string file)
      : base_(base), size_(size), file_(std::move(file)) {}

  uint64_t pos() const { return pos_; }
  uint64_t left() const { return size_ - pos_; }
  const std::byte* here() const { return base_ + pos_; }
  const std::string& file() const { return file_; }
  void set_where(std::string where) { where_ = std::move(where); }

  [[noreturn]] void Fail(const std::string& message, uint64_t at) const {
    throw FormatError(file_, where_.empty() ? message : where_ + ": " + message, at);
  }

  void Need(uint64_t bytes, std::string_view what) const {
    if (bytes > left()) {
      Fail(std::string(what) + " needs " + std::to_string(bytes) + " bytes but only " +
               std::to_string(left()) + " are left",
           pos_);
    }
  }

  template <typename T>
  T Read(std::string_view what) {
    Need(sizeof(T), what);
    T v = Load<T>(here());
    pos_ += sizeof(T);
    return v;
  }

  void Skip(uint64_t bytes) { pos_ += bytes; }  // caller has checked Need

  std::string_view ReadString(std::string_view what) {
    const uint64_t at = pos_;
    const auto len = Read<uint64_t>(std::string(what) + " length");
    if (len > left()) {
      Fail(std::string(what) + " of " + std::to_string(len) + " bytes is longer than the " +
               std::to_string(left()) + " bytes left",
           at);
    }
    std::string_view s(reinterpret_cast<const char*>(here()), len);
    pos_ += len;
    return s;
  }

  ValueType ReadType(std::string_view what) {
    const uint64_t at = pos_;
    const auto t = Read<uint32_t>(what);
    if (!IsValidValueType(t)) Fail("invalid " + std::string(what) + " " + std::to_string(t), at);
    return static_cast<ValueType>(t);
  }

  Value ReadValue(ValueType type, int depth) {
    auto rep = std::make_shared<ValueAccess::Rep>();
    rep->type = type;
    rep->depth = depth;
    rep->encoded = here();
    const uint64_t start = pos_;
    if (type == ValueType::kString) {
      const std::string_view s = ReadString("string value");
      rep->count = s.size();
      rep->payload = reinterpret_cast<const std::byte*>(s.data());
    } else if (type == ValueType::kArray) {
      ReadArray(*rep, depth);
    } else {
      const uint64_t size = ScalarSize(type);
      Need(size, std::string(Name(type)) + " value");
      rep->payload = here();
      Skip(size);
    }
    rep->encoded_size = pos_ - start;
    return ValueAccess::Make(std::move(rep));
  }

 private:
  void ReadArray(ValueAccess::Rep& rep, int depth) {
    if (depth >= kMaxArrayDepth) {
      Fail("arrays nested deeper than " + std::to_string(kMaxArrayDepth) + " levels", pos_);
    }
    rep.element_type = ReadType("array element type");
    rep.count = Read<uint64_t>("array length");
    const uint64_t at = pos_;
    const uint64_t min_size = rep.element_type == ValueType::kString ? 8
                              : rep.element_type == ValueType::kArray
                                  ? 12
                                  : ScalarSize(rep.element_type);
    if (rep.count > left() / min_size) {
      Fail("array of " + std::to_string(rep.count) + " " + Plural(rep.element_type) +
               " needs more bytes than the " + std::to_string(left()) + " left",
           at);
    }
    rep.payload = here();
    if (rep.element_type == ValueType::kString) {
      rep.offsets.reserve(rep.count);
      for (uint64_t i = 0; i < rep.count; ++i) {
        rep.offsets.push_back(pos_ - at);
        ReadString("string " + std::to_string(i) + " of the array");
      }
    } else if (rep.element_type == ValueType::kArray) {
      rep.offsets.reserve(rep.count);
      for (uint64_t i = 0; i < rep.count; ++i) {
        rep.offsets.push_back(pos_ - at);
        ReadValue(ValueType::kArray, depth + 1);  // validate; At() parses it again
      }
    } else {
      Skip(rep.count * min_size);
    }
  }

  const std::byte* base_;
  uint64_t size_;
  uint64_t pos_ = 0;
  std::string file_;
  std::string where_;
};

}  // namespace

Value ParseNestedArray(const std::byte* at, uint64_t size, int depth) {
  Parser p(at, size, "(nested array)");
  return p.ReadValue(ValueType::kArray, depth);
}

namespace {

// Rounds `v` up to a multiple of the power of two `a`; nullopt on overflow.
std::optional<uint64_t> AlignUp(uint64_t v, uint64_t a) {
  if (v > std::numeric_limits<uint64_t>::max() - (a - 1)) return std::nullopt;
  return (v + a - 1) & ~(a - 1);
}

}  // namespace

struct File::Impl {
  std::filesystem::path path;
  MappedFile map;
  uint32_t version = 0;
  uint64_t alignment = kDefaultAlignment;
  uint64_t data_offset = 0;
  std::vector<std::pair<std::string_view, Value>> kvs;
  std::unordered_map<std::string_view, size_t> key_index;
  std::vector<TensorInfo> tensors;
  std::unordered_map<std::string_view, size_t> tensor_index;

  void Parse();
  std::string Where(const char* what, uint64_t i, std::string_view name) const {
    return std::string(what) + " " + std::to_string(i) + " (" + Quoted(name) + ")";
  }
};

void File::Impl::Parse() {
  Parser p(map.data(), map.size(), path.string());
  const auto magic = p.Read<uint32_t>("magic");
  if (magic != 0x46554747) {  // "GGUF" read as little-endian
    p.Fail("not a GGUF file (bad magic)", 0);
  }
  version = p.Read<uint32_t>("version");
  if (version == 1) p.Fail("GGUF version 1 is not supported (only versions 2 and 3)", 4);
  if (version != 2 && version != 3) {
    const uint32_t swapped = __builtin_bswap32(version);
    if (swapped == 2 || swapped == 3) {
      p.Fail("big-endian GGUF files are not supported", 4);
    }
    p.Fail("unsupported GGUF version " + std::to_string(version) + " (only 2 and 3)", 4);
  }
  const uint64_t tensor_count_at = p.pos();
  const auto tensor_count = p.Read<uint64_t>("tensor count");
  const uint64_t kv_count_at = p.pos();
  const auto kv_count = p.Read<uint64_t>("key/value count");
  if (kv_count > p.left() / kMinKvBytes) {
    p.Fail("key/value count " + std::to_string(kv_count) + " needs more bytes than the " +
               std::to_string(p.left()) + " left",
           kv_count_at);
  }
  if (tensor_count > p.left() / kMinTensorInfoBytes) {
    p.Fail("tensor count " + std::to_string(tensor_count) + " needs more bytes than the " +
               std::to_string(p.left()) + " left",
           tensor_count_at);
  }

  kvs.reserve(kv_count);
  key_index.reserve(kv_count);
  for (uint64_t i = 0; i < kv_count; ++i) {
    p.set_where("key " + std::to_string(i));
    const uint64_t key_at = p.pos();
    const std::string_view key = p.ReadString("key name");
    p.set_where(Where("key", i, key));
    if (key_index.count(key) != 0) p.Fail("duplicate key", key_at);
    const ValueType type = p.ReadType("value type");
    kvs.emplace_back(key, p.ReadValue(type, 0));
    key_index.emplace(key, kvs.size() - 1);
  }
  p.set_where("");

  if (auto it = key_index.find("general.alignment"); it != key_index.end()) {
    const auto a = kvs[it->second].second.AsUint();
    if (!a) {
      p.Fail("general.alignment is " + std::string(Name(kvs[it->second].second.type())) +
                 ", expected an unsigned integer",
             p.pos());
    }
    if (*a == 0 || (*a & (*a - 1)) != 0) {
      p.Fail("general.alignment " + std::to_string(*a) + " is not a power of two", p.pos());
    }
    alignment = *a;
  }

  // Reserved up front so the index's views of TensorInfo::name stay valid.
  tensors.reserve(tensor_count);
  tensor_index.reserve(tensor_count);
  for (uint64_t i = 0; i < tensor_count; ++i) {
    p.set_where("tensor info " + std::to_string(i));
    const uint64_t name_at = p.pos();
    const std::string_view name = p.ReadString("tensor name");
    p.set_where(Where("tensor info", i, name));
    if (tensor_index.count(name) != 0) p.Fail("duplicate tensor name", name_at);
    const uint64_t dims_at = p.pos();
    const auto n_dims = p.Read<uint32_t>("dimension count");
    if (n_dims == 0 || n_dims > kMaxDims) {
      p.Fail("dimension count " + std::to_string(n_dims) + " outside 1..4", dims_at);
    }
    TensorInfo t;
    t.name = std::string(name);
    t.elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t at = p.pos();
      const auto ne = p.Read<int64_t>("dimension");
      if (ne < 0) p.Fail("negative dimension " + std::to_string(ne), at);
      if (ne != 0 && t.elements > std::numeric_limits<int64_t>::max() / ne) {
        p.Fail("element count overflows", at);
      }
      t.elements *= ne;
      t.shape.push_back(ne);
    }
    const uint64_t type_at = p.pos();
    const auto type_id = p.Read<uint32_t>("tensor type");
    const auto traits = FindTensorType(type_id);
    if (!traits) p.Fail("unsupported tensor type id " + std::to_string(type_id), type_at);
    t.type = traits->type;
    const auto row = RowBytes(t.type, t.shape[0]);
    if (!row) {
      p.Fail("row of " + std::to_string(t.shape[0]) + " elements is not a whole number of " +
                 std::string(traits->name) + " blocks of " + std::to_string(traits->block_size),
             dims_at);
    }
    const uint64_t rows = t.shape[0] == 0 ? 0 : static_cast<uint64_t>(t.elements / t.shape[0]);
    if (rows != 0 && *row > std::numeric_limits<uint64_t>::max() / rows) {
      p.Fail("byte size overflows", dims_at);
    }
    t.bytes = *row * rows;
    const uint64_t offset_at = p.pos();
    t.offset = p.Read<uint64_t>("data offset");
    if (t.offset % alignment != 0) {
      p.Fail("data offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
                 std::to_string(alignment),
             offset_at);
    }
    t.data = nullptr;
    tensors.push_back(std::move(t));
    tensor_index.emplace(tensors.back().name, tensors.size() - 1);
  }
  p.set_where("");

  const auto data_at = AlignUp(p.pos(), alignment);
  if (!data_at || (!tensors.empty() && *data_at > map.size())) {
    p.Fail("tensor data section (aligned to " + std::to_string(alignment) +
               ") starts beyond the end of the file",
           p.pos());
  }
  data_offset = *data_at;
  const uint64_t data_size = map.size() > data_offset ? map.size() - data_offset : 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    TensorInfo& t = tensors[i];
    if (t.offset > data_size || t.bytes > data_size - t.offset) {
      throw FormatError(path.string(),
                        Where("tensor info", i, t.name) + ": data of " + std::to_string(t.bytes) +
                            " bytes at data offset " + std::to_string(t.offset) +
                            " runs past the end of the file (" + std::to_string(data_size) +
                            " data bytes)",
                        data_offset + std::min(t.offset, data_size));
    }
    t.data = map.data() + data_offset + t.offset;
  }
}

File File::Open(const std::filesystem::path& path, bool resident) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->map = MappedFile::Open(path, resident ? MappedFile::Mode::kResident
                                              : MappedFile::Mode::kMapped);
  impl->Parse();
  return File(std::move(impl));
}

File::File(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
File::File(File&&) noexcept = default;
File& File::operator=(File&&) noexcept = default;
File::~File() = default;

const std::filesystem::path& File::path() const noexcept { return impl_->path; }
uint32_t File::version() const noexcept { return impl_->version; }
uint64_t File::file_size() const noexcept { return impl_->map.size(); }
bool File::resident() const noexcept { return impl_->map.resident(); }

bool File::EditResident(const std::function<void()>& edit) {
  if (!impl_->map.SetWritable(true)) return false;
  struct Reprotect {
    MappedFile& map;
    ~Reprotect() { map.SetWritable(false); }
  } reprotect{impl_->map};
  edit();
  return true;
}
uint64_t File::alignment() const noexcept { return impl_->alignment; }
uint64_t File::data_offset() const noexcept { return impl_->data_offset; }
size_t File::key_count() const noexcept { return impl_->kvs.size(); }
std::string_view File::key(size_t i) const { return impl_->kvs.at(i).first; }
const Value& File::value(size_t i) const { return impl_->kvs.at(i).second; }

const Value* File::Find(std::string_view key) const noexcept {
  auto it = impl_->key_index.find(key);
  return it == impl_->key_index.end() ? nullptr : &impl_->kvs[it->second].second;
}

const std::vector<TensorInfo>& File::tensors() const noexcept { return impl_->tensors; }

const TensorInfo* File::FindTensor(std::string_view name) const noexcept {
  auto it = impl_->tensor_index.find(name);
  return it == impl_->tensor_index.end() ? nullptr : &impl_->tensors[it->second];
}

}  // namespace scribed::engine::gguf
