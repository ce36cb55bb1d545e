# SCRIBED_SANITIZE="address;undefined" (or "thread") instruments everything we build.
if(SCRIBED_SANITIZE)
  string(REPLACE ";" "," _scribed_sanitizers "${SCRIBED_SANITIZE}")
  add_compile_options(-fsanitize=${_scribed_sanitizers} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_scribed_sanitizers})
  message(STATUS "scribed: sanitizers ${_scribed_sanitizers}")
endif()
