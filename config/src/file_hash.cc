#include "scribed/config/file_hash.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "scribed/base/file_system.h"
#include "scribed/base/json.h"
#include "scribed/base/xdg.h"

namespace scribed::config {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// The cache starts over past this many entries; it normally holds a few model files.
constexpr size_t kMaxCacheEntries = 256;

}  // namespace

namespace {

// Incremental SHA-256 through libcrypto, as lowercase hex.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
      throw std::runtime_error("SHA-256 is not available from libcrypto");
    }
  }
  void Update(const void* data, size_t n) { EVP_DigestUpdate(ctx_.get(), data, n); }
  std::string Hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest, &len);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < len; ++i) {
      hex += kHex[digest[i] >> 4];
      hex += kHex[digest[i] & 15];
    }
    return hex;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx_;
};

}  // namespace

std::string Sha256File(const std::filesystem::path& path) {
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) throw std::system_error(errno, std::generic_category(), "cannot open " + path.string());
  Sha256 sha;
  std::vector<unsigned char> buf(1 << 20);
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) sha.Update(buf.data(), n);
  if (std::ferror(f.get())) {
    throw std::system_error(EIO, std::generic_category(), "cannot read " + path.string());
  }
  return sha.Hex();
}

std::string Sha256Bytes(std::string_view bytes) {
  Sha256 sha;
  sha.Update(bytes.data(), bytes.size());
  return sha.Hex();
}

std::string CachedSha256File(const std::filesystem::path& path,
                             const std::filesystem::path& cache_dir) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw std::system_error(errno, std::generic_category(), "cannot open " + path.string());
  }
  std::error_code ec;
  const std::string key = std::filesystem::absolute(path, ec).string();
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const int64_t mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  const std::filesystem::path cache_file = cache_dir / "file-hashes.json";

  nlohmann::json cache = nlohmann::json::object();
  {
    std::ifstream in(cache_file);
    if (in) {
      cache = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
      if (!cache.is_object()) cache = nlohmann::json::object();
    }
  }
  if (auto it = cache.find(key); it != cache.end() && it->is_object()) {
    const nlohmann::json& e = *it;
    if (e.value("size", uint64_t{0}) == size && e.value("mtime_ns", int64_t{-1}) == mtime_ns &&
        e.contains("sha256") && e["sha256"].is_string() && e["sha256"].get<std::string>().size() == 64) {
      return e["sha256"].get<std::string>();
    }
  }
  const std::string hash = Sha256File(path);
  if (cache.size() >= kMaxCacheEntries) cache = nlohmann::json::object();
  cache[key] = {{"size", size}, {"mtime_ns", mtime_ns}, {"sha256", hash}};
  try {
    std::filesystem::create_directories(cache_dir);
    base::WriteFileAtomically(base::RealFileSystem(), cache_file, cache.dump(1),
                              base::FileMode::kShared);
  } catch (const std::exception&) {
    // A read-only cache only costs the next run another hash.
  }
  return hash;
}

std::filesystem::path DefaultCacheDir() {
  std::filesystem::path dir = base::ScribedXdgDir(base::XdgDir::kCache);
  return dir.empty() ? std::filesystem::path("/tmp/.cache/scribed") : dir;
}

}  // namespace scribed::config
