# samplepool::align_branches: keeps every jump of the code it compiles off
# 32-byte boundaries (no conditional or direct jump, fused or not, crosses or
# ends on one), for Intel's Skylake-derived cores (Skylake to Cascade Lake
# and Cooper Lake servers, many of the cloud's x86 hosts) with the JCC-erratum
# microcode: there a jump that touches such a boundary keeps its 32 bytes of
# code out of the decoded-instruction cache, and a loop full of branches, as
# the acquire and release that a caller inlines are, runs from the legacy
# decoders instead. Measured on a Cascade Lake VM (README, Performance): the
# native round trip 8.85 -> 6.49 ns, rte_mempool's 6.02 -> 5.85 ns in the same
# runs. The assembler pads with prefixes and nops; other x86 cores (AMD,
# Ice Lake and later) run the padded code as they ran the plain one, give or
# take its size.
#
# The flag acts where the hot path is compiled: in libsamplepool (its faces
# and shared paths) and in every translation unit that inlines Pool::acquire
# and Sample::reset, which is the application's. So:
#  - SAMPLEPOOL_ALIGN_BRANCHES (default ON) compiles everything this project
#    builds with it (the library, tools, benchmarks, tests), where the
#    compiler is GCC or Clang on x86-64;
#  - the exported INTERFACE target samplepool::align_branches carries it for
#    an application that opts in (examples/consumer does):
#      target_link_libraries(app PRIVATE samplepool::samplepool samplepool::align_branches)
#    Outside CMake: GCC -Wa,-mbranches-within-32B-boundaries (binutils 2.34
#    or later), Clang -mbranches-within-32B-boundaries.
# On other processors the target is empty.
option(SAMPLEPOOL_ALIGN_BRANCHES "Keep jumps off 32-byte boundaries (Intel JCC erratum) in what this project compiles" ON)

# The flag, as each compiler spells it.
set(_sp_align_GNU -Wa,-mbranches-within-32B-boundaries)
set(_sp_align_Clang -mbranches-within-32B-boundaries)
set(SAMPLEPOOL_BRANCH_ALIGNMENT_FLAGS "")
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  foreach(lang C CXX)
    foreach(id GNU Clang)
      list(APPEND SAMPLEPOOL_BRANCH_ALIGNMENT_FLAGS $<$<COMPILE_LANG_AND_ID:${lang},${id}>:${_sp_align_${id}}>)
    endforeach()
  endforeach()
endif()

add_library(samplepool_align_branches INTERFACE)
add_library(samplepool::align_branches ALIAS samplepool_align_branches)
set_target_properties(samplepool_align_branches PROPERTIES EXPORT_NAME align_branches)
target_compile_options(samplepool_align_branches INTERFACE ${SAMPLEPOOL_BRANCH_ALIGNMENT_FLAGS})

# This project's own code. The assembler must know the option (an older
# binutils would fail every compile), so it is tried once first.
set(SAMPLEPOOL_BRANCHES_ALIGNED OFF)
if(SAMPLEPOOL_ALIGN_BRANCHES AND SAMPLEPOOL_BRANCH_ALIGNMENT_FLAGS AND DEFINED _sp_align_${CMAKE_CXX_COMPILER_ID})
  include(CheckCXXSourceCompiles)
  set(CMAKE_REQUIRED_FLAGS ${_sp_align_${CMAKE_CXX_COMPILER_ID}})
  check_cxx_source_compiles("int main(int argc, char**) { return argc > 1 ? 3 : 0; }" SAMPLEPOOL_CAN_ALIGN_BRANCHES)
  unset(CMAKE_REQUIRED_FLAGS)
  if(SAMPLEPOOL_CAN_ALIGN_BRANCHES)
    add_compile_options(${SAMPLEPOOL_BRANCH_ALIGNMENT_FLAGS})
    set(SAMPLEPOOL_BRANCHES_ALIGNED ON)
  else()
    message(STATUS "samplepool: this toolchain cannot keep jumps off 32-byte boundaries; building without")
  endif()
endif()
