# Warnings for our own targets only; third-party code is never built under them.
function(scribed_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wsuggest-override
    $<$<BOOL:${SCRIBED_WERROR}>:-Werror>)
endfunction()
