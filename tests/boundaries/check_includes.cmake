# Fails when a source file includes a header its module may not see
# (docs/architecture.md, "Dependencies"). Run as
#   cmake -DSOURCE_DIR=<tree> -P check_includes.cmake
# where <tree> has the project's layout (the project root, or a test fixture).
#
# Each rule: a folder, then the include prefixes allowed in it (comma-separated). Quoted
# includes without a '/' name a header beside the file and are always fine.
# The first rule whose folder contains the file applies.
set(rules
  "base|scribed/base/"
  "engine|engine/,scribed/engine/,scribed/base/"
  "audio|audio/,scribed/audio/,scribed/base/"
  "pipeline|pipeline/,scribed/pipeline/,scribed/engine/,scribed/base/"
  "config|scribed/config/,scribed/base/"
  # The one driver from audio to transcript: audio and pipeline, nothing above.
  "transcription|scribed/transcription/,scribed/audio/,scribed/pipeline/,scribed/engine/,scribed/base/"
  # Batch is handed transcription as a function: no engine, audio or pipeline.
  "batch|scribed/batch/,scribed/config/,scribed/base/"
  "daemon/protocol|scribed/protocol/,scribed/base/"
  "daemon|daemon/,scribed/"
  # The benchmarks measure engine internals (kernels, quantization) directly.
  "bench|bench/,engine/,scribed/engine/,scribed/base/"
  "clients|clients/,bench/,scribed/"
)
# Third-party headers with one home: <prefix>|<folders that may include it>.
set(system_rules
  "zmq|daemon/zmq,daemon/instance,clients/client,clients/scribe/daemon"
  "alsa/|audio/alsa"
  "sndfile|audio/file"
  "libav|audio/file"
  "libswresample|audio/file"
  "samplerate|audio/resample"
  "hwy/|engine/kernels"
  "spdlog|daemon"
  "nlohmann/|base/include/scribed/base/json.h"
)

# Sets <out> to TRUE when <text> starts with one of the further arguments.
function(starts_with_any out text)
  set(${out} FALSE PARENT_SCOPE)
  foreach(prefix IN LISTS ARGN)
    string(FIND "${text}" "${prefix}" at)
    if(at EQUAL 0)
      set(${out} TRUE PARENT_SCOPE)
      return()
    endif()
  endforeach()
endfunction()

if(NOT SOURCE_DIR)
  message(FATAL_ERROR "pass -DSOURCE_DIR=<source tree>")
endif()

set(violations "")
file(GLOB_RECURSE files RELATIVE ${SOURCE_DIR}
     ${SOURCE_DIR}/base/*.h ${SOURCE_DIR}/base/*.cc ${SOURCE_DIR}/base/*.h.in
     ${SOURCE_DIR}/engine/*.h ${SOURCE_DIR}/engine/*.cc
     ${SOURCE_DIR}/audio/*.h ${SOURCE_DIR}/audio/*.cc
     ${SOURCE_DIR}/pipeline/*.h ${SOURCE_DIR}/pipeline/*.cc
     ${SOURCE_DIR}/config/*.h ${SOURCE_DIR}/config/*.cc
     ${SOURCE_DIR}/batch/*.h ${SOURCE_DIR}/batch/*.cc
     ${SOURCE_DIR}/transcription/*.h ${SOURCE_DIR}/transcription/*.cc
     ${SOURCE_DIR}/daemon/*.h ${SOURCE_DIR}/daemon/*.cc
     ${SOURCE_DIR}/bench/*.h ${SOURCE_DIR}/bench/*.cc
     ${SOURCE_DIR}/clients/*.h ${SOURCE_DIR}/clients/*.cc)
foreach(file IN LISTS files)
  set(allowed "")
  foreach(rule IN LISTS rules)
    string(REGEX REPLACE "[|,]" ";" parts "${rule}")
    list(POP_FRONT parts folder)
    if(file MATCHES "^${folder}/")
      set(allowed ${parts})
      break()
    endif()
  endforeach()
  file(STRINGS ${SOURCE_DIR}/${file} lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*([<\"])([^>\"]+)[>\"].*" "\\1\\2" inc "${line}")
    string(SUBSTRING "${inc}" 0 1 quote)
    string(SUBSTRING "${inc}" 1 -1 header)
    if(quote STREQUAL "\"")
      if(NOT header MATCHES "/")
        continue()
      endif()
      starts_with_any(ok "${header}" ${allowed})
      if(NOT ok)
        list(APPEND violations "${file}: \"${header}\"")
      endif()
    else()
      foreach(rule IN LISTS system_rules)
        string(REGEX REPLACE "[|,]" ";" parts "${rule}")
        list(POP_FRONT parts prefix)
        starts_with_any(governed "${header}" ${prefix})
        if(NOT governed)
          continue()
        endif()
        starts_with_any(ok "${file}" ${parts})
        if(NOT ok)
          list(APPEND violations "${file}: <${header}>")
        endif()
      endforeach()
    endif()
  endforeach()
endforeach()

list(LENGTH files checked)
if(violations)
  list(JOIN violations "\n  " text)
  message(FATAL_ERROR "forbidden includes (see docs/architecture.md):\n  ${text}")
endif()
message(STATUS "${checked} files, no forbidden include")
