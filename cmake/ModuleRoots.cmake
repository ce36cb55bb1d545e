# scribed_module_root(<target> <folder> <PUBLIC|PRIVATE|INTERFACE>)
#
# Puts the source folder <folder> -- and nothing else of the project -- on
# <target>'s include path under its own name, so `#include "<folder>/x/y.h"`
# resolves while the internal headers of every other module stay out of
# reach. The root is a build-tree directory holding one symbolic link to the
# source folder: putting the project root itself on the path would make every
# module's internals includable from everywhere.
function(scribed_module_root target folder visibility)
  set(root ${PROJECT_BINARY_DIR}/include-roots/${folder})
  file(MAKE_DIRECTORY ${root})
  if(NOT EXISTS ${root}/${folder})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${folder} ${root}/${folder} SYMBOLIC)
  endif()
  target_include_directories(${target} ${visibility} $<BUILD_INTERFACE:${root}>)
endfunction()
