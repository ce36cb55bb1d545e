#include "scribed/batch/inputs.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <stdexcept>
#include <system_error>

namespace scribed::batch {
namespace {

namespace fs = std::filesystem;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

Input Describe(const fs::path& path) {
  Input in;
  in.path = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    in.error = "no such file";
  } else if (!S_ISREG(st.st_mode)) {
    in.error = "not a regular file";
  } else {
    in.size = static_cast<uint64_t>(st.st_size);
    in.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  }
  return in;
}

std::vector<Input> WalkDirectory(const fs::path& root, const std::vector<std::string>& extensions) {
  std::vector<Input> inputs;
  const auto options = fs::directory_options::follow_directory_symlink |
                       fs::directory_options::skip_permission_denied;
  for (auto it = fs::recursive_directory_iterator(root, options);
       it != fs::recursive_directory_iterator(); ++it) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    std::string ext = Lower(it->path().extension().string());
    if (!ext.empty()) ext.erase(0, 1);
    if (std::find(extensions.begin(), extensions.end(), ext) == extensions.end()) continue;
    inputs.push_back(Describe(it->path()));
  }
  return inputs;
}

std::vector<Input> ReadManifest(const fs::path& manifest) {
  std::ifstream in(manifest);
  if (!in) {
    throw std::system_error(errno, std::generic_category(), "cannot read " + manifest.string());
  }
  const fs::path base = manifest.parent_path();
  std::vector<Input> inputs;
  std::string line;
  while (std::getline(in, line)) {
    const std::string entry = Trim(line);
    if (entry.empty() || entry[0] == '#') continue;
    inputs.push_back(Describe(fs::absolute(base / entry).lexically_normal()));
  }
  return inputs;
}

}  // namespace

std::vector<std::string> DefaultExtensions() {
  return {"wav", "flac", "ogg", "oga", "opus", "mp3", "m4a", "mp4", "aac", "webm", "mkv", "mov"};
}

std::vector<std::string> ParseExtensions(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    std::string ext = Lower(Trim(text.substr(start, comma - start)));
    if (!ext.empty() && ext[0] == '.') ext.erase(0, 1);
    if (!ext.empty()) out.push_back(ext);
    start = comma + 1;
  }
  if (out.empty()) throw std::invalid_argument("--ext: no extensions in \"" + text + "\"");
  return out;
}

std::vector<Input> ReadInputs(const fs::path& source, const std::vector<std::string>& extensions) {
  std::error_code ec;
  const fs::file_status st = fs::status(source, ec);
  if (!fs::exists(st)) throw std::invalid_argument(source.string() + ": no such file or directory");
  const fs::path root = fs::absolute(source).lexically_normal();
  std::vector<Input> inputs =
      fs::is_directory(st) ? WalkDirectory(root, extensions) : ReadManifest(root);
  // One entry per path, in a stable order every worker agrees on.
  std::map<std::string, Input> unique;
  for (Input& in : inputs) unique.emplace(in.path.string(), std::move(in));
  std::vector<Input> sorted;
  sorted.reserve(unique.size());
  for (auto& [path, in] : unique) sorted.push_back(std::move(in));
  return sorted;
}

}  // namespace scribed::batch
