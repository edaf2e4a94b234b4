# samplepool_warnings(target): the project's warning set, applied to its own targets only.
function(samplepool_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                         -Wno-sign-conversion -Wnon-virtual-dtor -Wold-style-cast
                         $<$<BOOL:${SAMPLEPOOL_WERROR}>:-Werror>)
endfunction()

# Tests and tools: same warnings minus the strictest conversions (gtest macros trip them).
function(samplepool_test_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra $<$<BOOL:${SAMPLEPOOL_WERROR}>:-Werror>)
endfunction()
