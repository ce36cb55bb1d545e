#include "engine/backends/vulkan/vulkan_backend.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <mutex>
#include <stdexcept>
#include <string>

#include "engine/backends/vulkan/vk_bandwidth.h"
#include "engine/backends/vulkan/vk_device.h"
#include "engine/backends/vulkan/vk_kernels.h"
#include "engine/backends/vulkan/vk_recorder.h"
#include "scribed/engine/errors.h"

namespace scribed::engine::backend {
namespace {

using vk::DeviceBuffer;
using vk::Kernel;
using vk::Recorder;

// Workgroup counts per dimension every device supports; shaders loop over the rest.
constexpr uint32_t kMaxGroups = 65535;
// Weights stream through a staging buffer of this size at load.
constexpr VkDeviceSize kUploadChunk = 64ull << 20;
// Head sizes the attention shaders hold in shared memory.
constexpr int kMaxHeadDim = 512;

uint32_t Groups(int64_t n) { return static_cast<uint32_t>(std::clamp<int64_t>(n, 1, kMaxGroups)); }

class VkFloatBuffer final : public Buffer {
 public:
  VkFloatBuffer(const vk::Device& d, int64_t size)
      : Buffer(size), device_(d), b_(d.Create(static_cast<VkDeviceSize>(size) * sizeof(float), false)) {}
  ~VkFloatBuffer() override { device_.Destroy(b_); }
  const DeviceBuffer& buffer() const noexcept { return b_; }

 private:
  const vk::Device& device_;
  DeviceBuffer b_;
};

// A matrix in one or more device buffers of consecutive rows: a buffer binding
// may not exceed the device's storage buffer range (128 MiB on lavapipe, 4 GiB
// on most GPUs), and an embedding table can be larger.
class VkWeight final : public Weight {
 public:
  struct Part {
    DeviceBuffer buffer;
    int64_t row0 = 0, rows = 0;
  };

  VkWeight(const vk::Device& d, const kernels::Matrix& m, Kernel matmul, Kernel embed, uint32_t row_bytes)
      : Weight(m), device_(d), matmul_(matmul), embed_(embed), row_bytes_(row_bytes) {
    const auto per_part = static_cast<int64_t>(d.max_buffer_range() / row_bytes);
    if (per_part < 1) throw ModelError("Vulkan: a matrix row exceeds the device's buffer range");
    try {
      for (int64_t r = 0; r < m.rows; r += per_part) {
        Part p;
        p.row0 = r;
        p.rows = std::min(per_part, m.rows - r);
        p.buffer = d.Create(static_cast<VkDeviceSize>(row_bytes) * p.rows, false);
        parts_.push_back(p);
      }
    } catch (...) {
      for (auto& p : parts_) device_.Destroy(p.buffer);
      throw;
    }
  }
  ~VkWeight() override {
    for (auto& p : parts_) device_.Destroy(p.buffer);
  }
  const std::vector<Part>& parts() const noexcept { return parts_; }
  Kernel matmul() const noexcept { return matmul_; }
  Kernel embed() const noexcept { return embed_; }
  uint32_t row_bytes() const noexcept { return row_bytes_; }

 private:
  const vk::Device& device_;
  Kernel matmul_, embed_;
  uint32_t row_bytes_;
  std::vector<Part> parts_;
};

class VkKvStore final : public KvStore {
 public:
  VkKvStore(const vk::Device& d, const model::ModelConfig& c, int64_t n_ctx, int64_t max_batch,
            KvType type)
      : KvStore(c, n_ctx, max_batch, type), device_(d) {
    const VkDeviceSize elem = type == KvType::kF16 ? 2 : 4;
    try {
      for (int l = 0; l < layers(); ++l) {
        const VkDeviceSize bytes = static_cast<VkDeviceSize>(capacity(l) * row_size(l)) * elem;
        if (bytes > d.max_buffer_range()) {
          throw ModelError("Vulkan: layer " + std::to_string(l) + "'s KV cache of " +
                           std::to_string(bytes) + " bytes exceeds the device's buffer range; use a "
                           "shorter context");
        }
        k_.push_back(d.Create(bytes, false));
        v_.push_back(d.Create(bytes, false));
      }
    } catch (...) {
      Release();
      throw;
    }
  }
  ~VkKvStore() override { Release(); }
  const DeviceBuffer& k(int l) const noexcept { return k_[l]; }
  const DeviceBuffer& v(int l) const noexcept { return v_[l]; }

 private:
  void Release() noexcept {
    for (auto& b : k_) device_.Destroy(b);
    for (auto& b : v_) device_.Destroy(b);
  }
  const vk::Device& device_;
  std::vector<DeviceBuffer> k_, v_;
};

const DeviceBuffer& Dev(const Buffer& b) { return static_cast<const VkFloatBuffer&>(b).buffer(); }

// One binding of a dispatch: a buffer, or a byte range of one.
struct Bind {
  VkBuffer buffer;
  VkDeviceSize offset = 0;
  VkDeviceSize range = VK_WHOLE_SIZE;
  Bind(const DeviceBuffer& b) : buffer(b.buffer) {}  // NOLINT: implicit on purpose
  Bind(const Buffer& b) : buffer(Dev(b).buffer) {}   // NOLINT
  Bind(VkBuffer b, VkDeviceSize o, VkDeviceSize r) : buffer(b), offset(o), range(r) {}
};

// Host-visible memory carved linearly while one recording is open; reset
// when it is submitted, so no region is rewritten before the GPU read it.
class Staging {
 public:
  Staging(const vk::Device& d, Recorder& r) : device_(d), recorder_(r) {}
  ~Staging() { device_.Destroy(b_); }
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;

  // Offset of `bytes` free bytes; may submit the open recording to make room.
  VkDeviceSize Allocate(VkDeviceSize bytes) {
    const VkDeviceSize align = device_.offset_alignment();
    VkDeviceSize at = (used_ + align - 1) / align * align;
    if (b_.buffer == VK_NULL_HANDLE || at + bytes > b_.bytes) {
      recorder_.Flush();
      used_ = 0;
      at = 0;
      if (b_.buffer == VK_NULL_HANDLE || bytes > b_.bytes) {
        device_.Destroy(b_);
        b_ = device_.Create(std::max<VkDeviceSize>(bytes, 4ull << 20), true);
      }
    }
    used_ = at + bytes;
    return at;
  }
  void Reset() noexcept { used_ = 0; }
  const DeviceBuffer& buffer() const noexcept { return b_; }
  std::byte* at(VkDeviceSize offset) const noexcept { return static_cast<std::byte*>(b_.mapped) + offset; }

 private:
  const vk::Device& device_;
  Recorder& recorder_;
  DeviceBuffer b_;
  VkDeviceSize used_ = 0;
};

class VulkanContext final : public Context {
 public:
  VulkanContext(const vk::Device& d, const vk::Kernels& k)
      : device_(d), kernels_(k), recorder_(d), staging_(d, recorder_) {}
  ~VulkanContext() override {
    try {
      Flush();
    } catch (...) {
      // Nothing to report from a destructor; the device is idle afterwards.
    }
  }

  std::unique_ptr<Buffer> NewBuffer(int64_t size) override {
    Check(static_cast<VkDeviceSize>(size) * sizeof(float) <= device_.max_buffer_range(), size);
    return std::make_unique<VkFloatBuffer>(device_, size);
  }
  std::unique_ptr<KvStore> NewKvStore(const model::ModelConfig& c, int64_t n_ctx,
                                      int64_t max_batch, KvType type) override {
    return std::make_unique<VkKvStore>(device_, c, n_ctx, max_batch, type);
  }

 protected:
  void DoWrite(Buffer& dst, int64_t offset, std::span<const float> src) override {
    const VkDeviceSize at = staging_.Allocate(src.size_bytes());
    std::memcpy(staging_.at(at), src.data(), src.size_bytes());
    const VkBufferCopy region{at, static_cast<VkDeviceSize>(offset) * sizeof(float), src.size_bytes()};
    vkCmdCopyBuffer(recorder_.Begin(), staging_.buffer().buffer, Dev(dst).buffer, 1, &region);
    recorder_.Barrier();
  }

  void DoRead(const Buffer& src, int64_t offset, std::span<float> dst) override {
    if (dst.empty()) {
      Flush();
      return;
    }
    const VkDeviceSize at = staging_.Allocate(dst.size_bytes());
    const VkBufferCopy region{static_cast<VkDeviceSize>(offset) * sizeof(float), at, dst.size_bytes()};
    vkCmdCopyBuffer(recorder_.Begin(), Dev(src).buffer, staging_.buffer().buffer, 1, &region);
    recorder_.Barrier();
    Flush();
    std::memcpy(dst.data(), staging_.at(at), dst.size_bytes());
  }

  void DoEmbed(std::span<const InputRow> rows, const Weight& table, float token_scale,
               Buffer& x) override {
    const auto& w = static_cast<const VkWeight&>(table);
    const auto n = static_cast<int64_t>(rows.size());
    const int64_t d = w.cols();
    const bool any_rows = std::any_of(rows.begin(), rows.end(),
                                      [](const InputRow& r) { return r.embedding != nullptr; });
    // Ids (-1 for host rows) and the host rows go through staging, read in place.
    const VkDeviceSize ids_bytes = static_cast<VkDeviceSize>(n) * sizeof(int32_t);
    const VkDeviceSize rows_bytes = any_rows ? static_cast<VkDeviceSize>(n * d) * sizeof(float) : 4;
    const VkDeviceSize ids_at = staging_.Allocate(ids_bytes);
    const VkDeviceSize rows_at = staging_.Allocate(rows_bytes);
    if (rows_at < ids_at) throw std::logic_error("staging reset between two allocations");
    auto* ids = reinterpret_cast<int32_t*>(staging_.at(ids_at));
    auto* host = reinterpret_cast<float*>(staging_.at(rows_at));
    for (int64_t t = 0; t < n; ++t) {
      ids[t] = rows[t].embedding != nullptr ? -1 : rows[t].token;
      if (rows[t].embedding != nullptr) std::memcpy(host + t * d, rows[t].embedding, d * sizeof(float));
    }
    const VkBuffer s = staging_.buffer().buffer;
    for (size_t i = 0; i < w.parts().size(); ++i) {
      const VkWeight::Part& part = w.parts()[i];
      // Each part fills the rows of its tokens; the first also copies host rows.
      struct {
        uint32_t cols, row_bytes, n, row0, rows, copy_host_rows;
        float scale;
      } pc{static_cast<uint32_t>(d), w.row_bytes(), static_cast<uint32_t>(n),
           static_cast<uint32_t>(part.row0), static_cast<uint32_t>(part.rows), i == 0 ? 1u : 0u,
           token_scale};
      Dispatch(w.embed(), {part.buffer, Bind(s, ids_at, ids_bytes), Bind(s, rows_at, rows_bytes), x},
               &pc, sizeof pc, Groups(n), 1);
    }
  }

  void DoMatMul(const Weight& weight, const Buffer& x, int64_t n, Buffer& y) override {
    const auto& w = static_cast<const VkWeight&>(weight);
    for (const VkWeight::Part& part : w.parts()) {
      struct {
        uint32_t rows, cols, row_bytes, n, row0, y_stride;
      } pc{static_cast<uint32_t>(part.rows), static_cast<uint32_t>(w.cols()), w.row_bytes(),
           static_cast<uint32_t>(n), static_cast<uint32_t>(part.row0),
           static_cast<uint32_t>(w.rows())};
      // The shader takes 4 rows and up to 8 tokens per workgroup (matmul.comp).
      Dispatch(w.matmul(), {part.buffer, x, y}, &pc, sizeof pc, Groups((part.rows + 3) / 4),
               Groups((n + 7) / 8));
    }
  }

  void DoRmsNorm(const Buffer& x, int64_t first, int64_t n, int64_t d, const Buffer* weight,
                 float eps, Buffer& out) override {
    struct {
      uint32_t d, first, n, has_weight;
      float eps;
    } pc{static_cast<uint32_t>(d), static_cast<uint32_t>(first), static_cast<uint32_t>(n),
         weight != nullptr ? 1u : 0u, eps};
    Dispatch(Kernel::kRmsNorm, {x, weight != nullptr ? *weight : x, out}, &pc, sizeof pc, Groups(n), 1);
  }

  void DoQkNormRopeStore(const AttentionShape& s, int64_t n, int64_t pos0, Buffer& q, Buffer& k,
                         Buffer* v, const Buffer& q_norm, const Buffer& k_norm, float eps,
                         const Rope& rope, KvStore& store) override {
    CheckHead(s);
    const auto& cache = static_cast<const VkKvStore&>(store);
    // The same float expression as model/rope.cc, so angles match the CPU's.
    const float theta_scale =
        rope.n_rot > 0 ? std::pow(rope.base, -2.0f / static_cast<float>(rope.n_rot)) : 1.0f;
    struct {
      uint32_t n, pos0, n_head, n_kv_head, hd, n_rot, has_v, has_freqs, capacity;
      float eps, theta_scale;
    } pc{static_cast<uint32_t>(n), static_cast<uint32_t>(pos0), static_cast<uint32_t>(s.n_head),
         static_cast<uint32_t>(s.n_kv_head), static_cast<uint32_t>(s.head_dim),
         static_cast<uint32_t>(rope.n_rot), v != nullptr ? 1u : 0u,
         rope.freq_divisors != nullptr ? 1u : 0u, static_cast<uint32_t>(cache.capacity(s.layer)),
         eps, theta_scale};
    const Kernel kernel =
        cache.type() == KvType::kF16 ? Kernel::kQkNormRopeStoreF16 : Kernel::kQkNormRopeStore;
    Dispatch(kernel,
             {q, k, v != nullptr ? *v : k, q_norm, k_norm,
              rope.freq_divisors != nullptr ? *rope.freq_divisors : q_norm, cache.k(s.layer),
              cache.v(s.layer)},
             &pc, sizeof pc, static_cast<uint32_t>(s.n_head + s.n_kv_head), Groups(n));
  }

  void DoAttention(const AttentionShape& s, int64_t n, int64_t pos0, const Buffer& q,
                   const KvStore& store, Buffer& out) override {
    CheckHead(s);
    const auto& cache = static_cast<const VkKvStore&>(store);
    struct {
      uint32_t n, pos0, n_head, hd, group, window, capacity, kv_dim;
    } pc{static_cast<uint32_t>(n), static_cast<uint32_t>(pos0), static_cast<uint32_t>(s.n_head),
         static_cast<uint32_t>(s.head_dim), static_cast<uint32_t>(s.n_head / s.n_kv_head),
         static_cast<uint32_t>(s.window), static_cast<uint32_t>(cache.capacity(s.layer)),
         static_cast<uint32_t>(cache.row_size(s.layer))};
    const Kernel kernel = cache.type() == KvType::kF16 ? Kernel::kAttentionF16 : Kernel::kAttention;
    Dispatch(kernel, {q, cache.k(s.layer), cache.v(s.layer), out}, &pc, sizeof pc,
             static_cast<uint32_t>(s.n_head), Groups(n));
  }

  void DoGeluMul(Buffer& gate, const Buffer& up, int64_t n, int64_t d) override {
    const uint32_t count = static_cast<uint32_t>(n * d);
    Dispatch(Kernel::kGeluMul, {gate, up}, &count, sizeof count, Groups((count + 255) / 256), 1);
  }

  void DoAddNormed(Buffer& a, const Buffer& weight, int64_t n, int64_t d, float eps, float scale,
                   Buffer& x) override {
    struct {
      uint32_t d, n;
      float eps, scale;
    } pc{static_cast<uint32_t>(d), static_cast<uint32_t>(n), eps, scale};
    Dispatch(Kernel::kAddNormed, {a, weight, x}, &pc, sizeof pc, Groups(n), 1);
  }

  void DoSoftcap(Buffer& x, int64_t count, float cap) override {
    struct {
      uint32_t count;
      float cap;
    } pc{static_cast<uint32_t>(count), cap};
    Dispatch(Kernel::kSoftcap, {x}, &pc, sizeof pc, Groups((count + 255) / 256), 1);
  }

 private:
  void Check(bool ok, int64_t size) const {
    if (!ok) {
      throw ModelError("Vulkan: a buffer of " + std::to_string(size) +
                       " floats exceeds the device's storage buffer range");
    }
  }
  static void CheckHead(const AttentionShape& s) {
    if (s.head_dim > kMaxHeadDim || s.head_dim % 2 != 0) {
      throw ModelError("Vulkan: head size " + std::to_string(s.head_dim) +
                       " is not supported (even, at most " + std::to_string(kMaxHeadDim) + ")");
    }
  }

  void Flush() {
    recorder_.Flush();
    staging_.Reset();
  }

  void Dispatch(Kernel k, std::initializer_list<Bind> binds, const void* push, uint32_t push_bytes,
                uint32_t gx, uint32_t gy) {
    const VkCommandBuffer cb = recorder_.Begin();
    VkDescriptorBufferInfo infos[vk::kMaxBindings];
    VkWriteDescriptorSet writes[vk::kMaxBindings];
    uint32_t i = 0;
    for (const Bind& b : binds) {
      infos[i] = VkDescriptorBufferInfo{b.buffer, b.offset, b.range};
      writes[i] = VkWriteDescriptorSet{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
      writes[i].dstBinding = i;
      writes[i].descriptorCount = 1;
      writes[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      writes[i].pBufferInfo = &infos[i];
      ++i;
    }
    vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, kernels_.pipeline(k));
    device_.push_descriptor()(cb, VK_PIPELINE_BIND_POINT_COMPUTE, kernels_.layout(), 0, i, writes);
    vkCmdPushConstants(cb, kernels_.layout(), VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes, push);
    vkCmdDispatch(cb, gx, gy, 1);
    recorder_.Barrier();
  }

  const vk::Device& device_;
  const vk::Kernels& kernels_;
  Recorder recorder_;
  Staging staging_;
};

class VulkanBackend final : public Backend {
 public:
  explicit VulkanBackend(int index) : device_(index), kernels_(device_) {}

  std::string name() const override { return "vulkan: " + device_.info().name; }

  std::unique_ptr<Weight> Upload(const kernels::Matrix& m) override {
    const auto matmul = vk::MatMulKernel(m.type);
    const auto embed = vk::EmbedKernel(m.type);
    if (!matmul || !embed) {
      throw ModelError("the Vulkan backend cannot run " + std::string(Name(m.type)) +
                       " matrices (it runs F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K and Q6_K); use "
                       "--backend cpu");
    }
    const uint64_t row_bytes = *RowBytes(m.type, m.cols);
    if (row_bytes > UINT32_MAX) throw ModelError("Vulkan: matrix rows too long");
    auto w = std::make_unique<VkWeight>(device_, m, *matmul, *embed, static_cast<uint32_t>(row_bytes));
    for (const VkWeight::Part& part : w->parts()) {
      Copy(part.buffer, m.data + row_bytes * part.row0, row_bytes * part.rows);
    }
    return w;
  }

  std::unique_ptr<Buffer> Upload(std::span<const float> values) override {
    auto b = std::make_unique<VkFloatBuffer>(device_, static_cast<int64_t>(values.size()));
    Copy(b->buffer(), reinterpret_cast<const std::byte*>(values.data()), values.size_bytes());
    return b;
  }

  std::unique_ptr<Context> NewContext(int) override {
    return std::make_unique<VulkanContext>(device_, kernels_);
  }

  std::optional<double> MeasureMemoryBandwidth() const override {
    return vk::MeasureCopyBandwidth(device_, kernels_);
  }

 private:
  // Host bytes -> device buffer through the staging buffer, in chunks.
  void Copy(const DeviceBuffer& dst, const std::byte* src, uint64_t bytes) {
    std::lock_guard lock(upload_mutex_);
    if (!uploader_) {
      uploader_ = std::make_unique<Recorder>(device_);
      upload_staging_ = device_.Create(kUploadChunk, true);
    }
    for (uint64_t done = 0; done < bytes; done += kUploadChunk) {
      const VkDeviceSize len = std::min<uint64_t>(kUploadChunk, bytes - done);
      std::memcpy(upload_staging_.mapped, src + done, len);
      const VkBufferCopy region{0, done, len};
      vkCmdCopyBuffer(uploader_->Begin(), upload_staging_.buffer, dst.buffer, 1, &region);
      uploader_->Flush();
    }
  }

 public:
  ~VulkanBackend() override { device_.Destroy(upload_staging_); }

 private:
  vk::Device device_;
  vk::Kernels kernels_;
  std::mutex upload_mutex_;
  std::unique_ptr<Recorder> uploader_;
  DeviceBuffer upload_staging_;
};

}  // namespace

std::vector<GpuInfo> ListVulkanDevices() { return vk::Device::List(); }

std::unique_ptr<Backend> NewVulkanBackend(int index) { return std::make_unique<VulkanBackend>(index); }

}  // namespace scribed::engine::backend
