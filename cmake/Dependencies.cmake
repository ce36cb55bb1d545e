# Finds third-party packages. A missing one stops configuration with a single
# line naming the Debian package that provides it (scripts/setup installs all).

find_package(PkgConfig QUIET)

# scribed_require(<config-package> <debian-package>): find_package in CONFIG mode.
macro(scribed_require name debian)
  find_package(${name} CONFIG QUIET)
  if(NOT ${name}_FOUND)
    message(FATAL_ERROR "scribed needs ${name}: install it with 'apt-get install ${debian}' (or run scripts/setup)")
  endif()
endmacro()

# scribed_require_pkgconfig(<imported-target> <pkg-config-module> <debian-package>).
function(scribed_require_pkgconfig target module debian)
  if(TARGET PkgConfig::${target})
    return()
  endif()
  if(NOT PKG_CONFIG_FOUND)
    message(FATAL_ERROR "scribed needs pkg-config: install it with 'apt-get install pkg-config' (or run scripts/setup)")
  endif()
  pkg_check_modules(${target} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT ${target}_FOUND)
    message(FATAL_ERROR "scribed needs ${module}: install it with 'apt-get install ${debian}' (or run scripts/setup)")
  endif()
endfunction()

set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
scribed_require(hwy libhwy-dev)
scribed_require(nlohmann_json nlohmann-json3-dev)
scribed_require(CLI11 libcli11-dev)
# Pipeline: config file (model discovery) and SHA-256 of model files (provenance).
scribed_require(tomlplusplus libtomlplusplus-dev)
find_package(OpenSSL QUIET COMPONENTS Crypto)
if(NOT OpenSSL_FOUND)
  message(FATAL_ERROR "scribed needs OpenSSL's libcrypto: install it with 'apt-get install libssl-dev' (or run scripts/setup)")
endif()
# Daemon: ZeroMQ transport, logging, systemd notification.
scribed_require(cppzmq cppzmq-dev)
scribed_require(spdlog libspdlog-dev)
scribed_require_pkgconfig(libsystemd libsystemd libsystemd-dev)
# Audio capture, file ingest and resampling (scribed_audio).
scribed_require_pkgconfig(alsa alsa libasound2-dev)
scribed_require_pkgconfig(sndfile sndfile libsndfile1-dev)
scribed_require_pkgconfig(samplerate samplerate libsamplerate0-dev)
scribed_require_pkgconfig(libavformat libavformat libavformat-dev)
scribed_require_pkgconfig(libavcodec libavcodec libavcodec-dev)
scribed_require_pkgconfig(libavutil libavutil libavutil-dev)
scribed_require_pkgconfig(libswresample libswresample libswresample-dev)
if(SCRIBED_BUILD_TESTS)
  find_package(GTest QUIET)
  if(NOT GTest_FOUND)
    message(FATAL_ERROR "scribed's tests need GoogleTest: install it with 'apt-get install libgtest-dev libgmock-dev' (or run scripts/setup)")
  endif()
endif()
if(SCRIBED_BUILD_BENCH)
  scribed_require(benchmark libbenchmark-dev)
endif()

# Optional Vulkan backend: built when the Vulkan headers/loader and glslc are
# found (apt-get install libvulkan-dev glslc); otherwise a CPU-only engine.
option(SCRIBED_VULKAN "Build the Vulkan backend when its dependencies are found" ON)
set(SCRIBED_HAVE_VULKAN OFF)
if(SCRIBED_VULKAN)
  find_package(Vulkan QUIET)
  find_program(SCRIBED_GLSLC glslc)
  if(Vulkan_FOUND AND SCRIBED_GLSLC)
    set(SCRIBED_HAVE_VULKAN ON)
  else()
    message(STATUS "scribed: building without the Vulkan backend (needs libvulkan-dev and glslc)")
  endif()
endif()
