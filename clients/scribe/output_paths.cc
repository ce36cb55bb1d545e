#include "clients/scribe/output_paths.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <stdexcept>

#include "scribed/base/file_system.h"

namespace scribed::cli {
namespace {

namespace fs = std::filesystem;

// The folder a relative file name without one is in.
fs::path FolderOf(const fs::path& file) {
  const fs::path parent = file.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

// `what` (a message prefix) fails unless `dir` is a directory this process may
// create files in. With `may_create`, a missing `dir` is fine when its nearest
// existing ancestor is such a directory.
void CheckWritableFolder(const fs::path& dir, bool may_create, const std::string& what) {
  std::error_code ec;
  fs::path existing = dir;
  if (may_create) {
    while (!fs::exists(existing, ec) && existing.has_relative_path()) {
      existing = FolderOf(existing);
    }
  }
  if (!fs::exists(existing, ec)) {
    throw std::invalid_argument(what + ": directory " + existing.string() + " does not exist");
  }
  if (!fs::is_directory(existing, ec)) {
    throw std::invalid_argument(what + ": " + existing.string() + " is not a directory");
  }
  if (::access(existing.c_str(), W_OK | X_OK) != 0) {
    throw std::invalid_argument(what + ": cannot write in " + existing.string() + ": " +
                                std::strerror(errno));
  }
}

}  // namespace

std::vector<pipeline::OutputFormat> OutputFormats(const std::vector<std::string>& names) {
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ",") + n;
  return pipeline::ParseOutputFormats(list);
}

std::vector<std::vector<fs::path>> PlanOutputs(const std::vector<std::string>& inputs,
                                               const std::string& output,
                                               const std::vector<pipeline::OutputFormat>& formats) {
  std::error_code ec;
  const bool as_dir = !output.empty() && (output.back() == '/' || fs::is_directory(output, ec));
  if (!output.empty() && !as_dir && inputs.size() > 1) {
    throw std::invalid_argument("-o " + output + ": with several input files, -o must be a directory");
  }
  if (as_dir) {
    CheckWritableFolder(output, /*may_create=*/true, "-o " + output);
  } else if (!output.empty()) {
    CheckWritableFolder(FolderOf(output), /*may_create=*/false, "-o " + output);
  }
  std::vector<std::vector<fs::path>> plan;
  std::map<fs::path, std::string> writer_of;  // absolute output -> the input writing it
  for (const std::string& input : inputs) {
    if (!fs::is_regular_file(input, ec)) throw std::invalid_argument(input + ": no such file");
    if (output.empty()) {
      CheckWritableFolder(FolderOf(input), /*may_create=*/false, input + " (no -o: beside the input)");
    }
    std::vector<fs::path>& paths = plan.emplace_back();
    for (pipeline::OutputFormat f : formats) {
      std::string ext = ".";
      ext += pipeline::Extension(f);
      if (output.empty()) {
        paths.push_back(fs::path(input).replace_extension(ext));
      } else if (as_dir) {
        paths.push_back(fs::path(output) / fs::path(input).filename().replace_extension(ext));
      } else if (formats.size() == 1) {
        paths.emplace_back(output);
      } else {
        paths.push_back(fs::path(output).replace_extension(ext));
      }
      const fs::path& p = paths.back();
      if (fs::equivalent(p, input, ec)) {
        throw std::invalid_argument("output " + p.string() + " would overwrite the input file");
      }
      if (fs::is_directory(p, ec)) {
        throw std::invalid_argument("output " + p.string() + " is a directory");
      }
      const auto [it, first] = writer_of.emplace(fs::absolute(p).lexically_normal(), input);
      if (!first && it->second != input) {
        throw std::invalid_argument(it->second + " and " + input + " would both be written to " +
                                    p.string());
      }
    }
  }
  return plan;
}

void WriteTranscript(const fs::path& path, std::string_view content) {
  const fs::path dir = path.parent_path();
  std::error_code ec;
  if (!dir.empty() && !fs::is_directory(dir, ec)) base::RealFileSystem().CreateDirectories(dir);
  base::WriteFileAtomically(base::RealFileSystem(), path, content, base::FileMode::kShared);
}

}  // namespace scribed::cli
