# Cross build for 64-bit ARM (AArch64) Linux with Debian's cross toolchain;
# the programs run under user-mode QEMU. Packages: g++-aarch64-linux-gnu,
# qemu-user (tools/bootstrap.sh --aarch64 installs them).
#   cmake --preset aarch64        (or -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake)
#
# The target's C library lives in /usr/aarch64-linux-gnu; Debian's
# architecture-independent headers (moodycamel's queue, CLI11, JSON) stay in
# /usr/include, which the cross compiler searches too.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(_sp_triple aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${_sp_triple}-gcc)
set(CMAKE_CXX_COMPILER ${_sp_triple}-g++)

# Libraries and CMake packages from the target's tree only (never the
# host's x86-64 ones); headers from both, since the cross compiler reads
# /usr/include as well; programs from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${_sp_triple})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)

# Every test, and gtest_discover_tests at build time, runs through this
# emulator: an explicit QEMU with the target's library root, so no binfmt
# registration is needed.
find_program(SAMPLEPOOL_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static)
if(SAMPLEPOOL_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${SAMPLEPOOL_QEMU_AARCH64} -L /usr/${_sp_triple})
endif()
