// External programs the tests run (ffmpeg, espeak-ng, sox, the scribe binary):
// whether one is installed, running a command quietly, and running one with
// its output and exit code captured. Shared by every test suite.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace scribed::testing {

inline bool HaveProgram(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

// Runs a shell command with its output discarded; true on exit status 0.
inline bool RunQuiet(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

// `s` as one shell word, whatever bytes it holds.
inline std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q.append("'\\''");
    } else {
      q.push_back(c);
    }
  }
  q.push_back('\'');
  return q;
}

struct ProgramResult {
  int exit_code;    // -1 when the program did not exit by itself (a signal)
  std::string out;  // everything it wrote to stdout
};

// Runs `env program args` through the shell (`args` already quoted, `env`
// a prefix such as "HOME=/x" or empty): stdin from /dev/null, so nothing
// waits on a terminal; stdout captured; stderr to `err_file`, for the
// failure message.
inline ProgramResult RunProgram(const std::string& program, const std::string& args,
                                const std::filesystem::path& err_file,
                                const std::string& env = "") {
  std::string command = env;
  command.append(" ").append(ShellQuote(program)).append(" ").append(args);
  command.append(" </dev/null 2>").append(ShellQuote(err_file.string()));
  ProgramResult result{-1, ""};
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

}  // namespace scribed::testing
