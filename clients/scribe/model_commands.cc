// `scribe model ...`: inspection of model files.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <system_error>

#include "clients/scribe/commands.h"
#include "clients/scribe/exit_codes.h"
#include "scribed/engine/gguf.h"

namespace scribed::cli {
namespace {

namespace gguf = engine::gguf;

std::string HumanBytes(uint64_t bytes) {
  char buf[64];
  if (bytes >= (1ULL << 30)) {
    std::snprintf(buf, sizeof(buf), "%.2f GiB", static_cast<double>(bytes) / (1ULL << 30));
  } else if (bytes >= (1ULL << 20)) {
    std::snprintf(buf, sizeof(buf), "%.2f MiB", static_cast<double>(bytes) / (1ULL << 20));
  } else if (bytes >= (1ULL << 10)) {
    std::snprintf(buf, sizeof(buf), "%.2f KiB", static_cast<double>(bytes) / (1ULL << 10));
  } else {
    std::snprintf(buf, sizeof(buf), "%llu B", static_cast<unsigned long long>(bytes));
  }
  return buf;
}

std::string TypeLabel(const gguf::Value& v) {
  if (v.type() != gguf::ValueType::kArray) return std::string(gguf::Name(v.type()));
  return "array[" + std::string(gguf::Name(v.element_type())) + "]";
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

void PrintInfo(const gguf::File& f) {
  const auto arch = f.Find("general.architecture");
  const auto arch_name = arch ? arch->AsString() : std::nullopt;
  std::printf("file:          %s\n", f.path().c_str());
  std::printf("architecture:  %s\n",
              arch_name ? std::string(*arch_name).c_str() : "(general.architecture not set)");
  std::printf("gguf version:  %u\n", f.version());
  std::printf("file size:     %llu bytes (%s)\n", static_cast<unsigned long long>(f.file_size()),
              HumanBytes(f.file_size()).c_str());
  std::printf("alignment:     %llu (tensor data from byte %llu)\n",
              static_cast<unsigned long long>(f.alignment()),
              static_cast<unsigned long long>(f.data_offset()));

  std::printf("\nmetadata: %zu keys\n", f.key_count());
  size_t key_width = 0;
  for (size_t i = 0; i < f.key_count(); ++i) key_width = std::max(key_width, f.key(i).size());
  for (size_t i = 0; i < f.key_count(); ++i) {
    const gguf::Value& v = f.value(i);
    std::printf("  %-*s  %-14s %s\n", static_cast<int>(key_width), std::string(f.key(i)).c_str(),
                TypeLabel(v).c_str(), v.ToString(8).c_str());
  }

  std::printf("\ntensors: %zu\n", f.tensors().size());
  size_t name_width = 4;
  for (const auto& t : f.tensors()) name_width = std::max(name_width, t.name.size());
  if (!f.tensors().empty()) {
    std::printf("  %-*s  %-5s  %-26s %14s\n", static_cast<int>(name_width), "name", "type", "shape",
                "bytes");
  }
  struct TypeTotal {
    size_t count = 0;
    uint64_t bytes = 0;
  };
  std::map<std::string_view, TypeTotal> by_type;
  uint64_t total = 0;
  for (const auto& t : f.tensors()) {
    std::printf("  %-*s  %-5s  %-26s %14llu\n", static_cast<int>(name_width), t.name.c_str(),
                std::string(engine::Name(t.type)).c_str(), ShapeText(t.shape).c_str(),
                static_cast<unsigned long long>(t.bytes));
    auto& tt = by_type[engine::Name(t.type)];
    ++tt.count;
    tt.bytes += t.bytes;
    total += t.bytes;
  }
  std::printf("\ntotal tensor data: %llu bytes (%s)\n", static_cast<unsigned long long>(total),
              HumanBytes(total).c_str());
  for (const auto& [name, tt] : by_type) {
    std::printf("  %-5s %6zu tensors %16llu bytes (%s)\n", std::string(name).c_str(), tt.count,
                static_cast<unsigned long long>(tt.bytes), HumanBytes(tt.bytes).c_str());
  }
}

int RunModelInfo(const std::string& path) {
  return RunReportingErrors([&] {
    PrintInfo(gguf::File::Open(path));
    return kExitOk;
  });
}

}  // namespace

void AddModelCommands(CLI::App& app) {
  CLI::App* model = app.add_subcommand("model", "Inspect model files");
  model->require_subcommand(1);
  CLI::App* info = model->add_subcommand(
      "info", "Print a GGUF file's version, metadata, tensor table and size summary");
  auto path = std::make_shared<std::string>();
  info->add_option("FILE", *path, "GGUF file")->required();
  info->callback([path] { SetExitCode(RunModelInfo(*path)); });
}

}  // namespace scribed::cli
