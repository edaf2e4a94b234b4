# samplepool_room(name [FUZZ] SOURCES src...): one room of libsamplepool as an
# OBJECT library `name` (position-independent, so that its objects go into
# the shared library; the project's warnings). The room then declares its
# own include directories and dependencies on the targets listed in
# ${name}_TARGETS, and the library (top-level CMakeLists.txt) links the room.
#
# With FUZZ, in a clang build that builds the stress programs, the room also
# gets `name_fuzz`: the same sources compiled with the libFuzzer and
# sanitizer instrumentation (SAMPLEPOOL_FUZZ_FLAGS), which the fuzzer
# (stress/CMakeLists.txt) links in place of the library.
set(SAMPLEPOOL_FUZZ_FLAGS -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all)
set(SAMPLEPOOL_FUZZ_VARIANTS OFF)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang" AND SAMPLEPOOL_BUILD_STRESS)
  set(SAMPLEPOOL_FUZZ_VARIANTS ON)
endif()

function(samplepool_room name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "FUZZ" "" "SOURCES")
  add_library(${name} OBJECT ${arg_SOURCES})
  set(targets ${name})
  if(arg_FUZZ AND SAMPLEPOOL_FUZZ_VARIANTS)
    add_library(${name}_fuzz OBJECT EXCLUDE_FROM_ALL ${arg_SOURCES})
    target_compile_options(${name}_fuzz PRIVATE ${SAMPLEPOOL_FUZZ_FLAGS})
    list(APPEND targets ${name}_fuzz)
  endif()
  foreach(t IN LISTS targets)
    set_target_properties(${t} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    target_compile_features(${t} PUBLIC cxx_std_20)
    samplepool_warnings(${t})
  endforeach()
  set(${name}_TARGETS ${targets} PARENT_SCOPE)
endfunction()
