# samplepool_room(name [FUZZ] SOURCES src...): one room of libsamplepool as an
# OBJECT library `name` (position-independent, so that its objects go into
# the shared library; the project's warnings; no semantic interposition,
# below). The room then declares its
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
    # Position-independent code may assume nothing about a function or
    # variable another module could interpose: a call from one of the
    # library's functions to another went through the PLT, and could not be
    # inlined. The library's own symbols are not meant to be replaced: let
    # the compiler use what it sees (-fno-semantic-interposition, GCC and Clang).
    target_compile_options(${t} PRIVATE $<$<COMPILE_LANG_AND_ID:CXX,GNU,Clang>:-fno-semantic-interposition>)
    target_compile_features(${t} PUBLIC cxx_std_20)
    samplepool_warnings(${t})
  endforeach()
  set(${name}_TARGETS ${targets} PARENT_SCOPE)
endfunction()

# samplepool_tls_descriptors(target [SCOPE]): the thread caches read one
# thread-local word per acquire and per release. Inside a shared object (this
# library's C and DirectShow faces, and any plugin that inlines the hot
# path) GCC's default x86-64 TLS dialect makes that read a __tls_get_addr
# call; TLS descriptors (gnu2) turn it into a call that returns a static
# offset, and the library stays dlopen()-able (no initial-exec TLS: the
# dlopen.no_initial_exec_tls test checks it). Measured on the DirectShow
# face's round trip (GetBuffer, GetPointer, Release), medians of 9, same
# run: 22.5 ns -> 16.8 ns. AArch64 uses descriptors already; clang 14 has
# no x86-64 gnu2 dialect.
function(samplepool_tls_descriptors target)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
    set(scope PUBLIC)
    if(ARGN)
      set(scope ${ARGN})
    endif()
    target_compile_options(${target} ${scope} $<$<COMPILE_LANG_AND_ID:CXX,GNU>:-mtls-dialect=gnu2>)
  endif()
endfunction()
