// External tools the tests run (ffmpeg, espeak-ng, sox): whether one is
// installed, and running a command quietly. Shared by every test suite.
#pragma once

#include <cstdlib>
#include <string>

namespace scribed::testing {

inline bool HaveProgram(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

// Runs a shell command with its output discarded; true on exit status 0.
inline bool RunQuiet(const std::string& command) {
  return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

}  // namespace scribed::testing
