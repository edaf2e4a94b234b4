# Installation: headers, the library, a CMake package (find_package(samplepool
# CONFIG) gives samplepool::samplepool with its dependencies) and a pkg-config
# file.
include(CMakePackageConfigHelpers)

# Components (the Debian packages cpack makes, cmake/SamplepoolPackage.cmake):
# lib (the shared library), dev (headers, the .so link, CMake and pkg-config
# files, static archives), tools (the samplepool program, the benchmark),
# ffmpeg (the FFmpeg face's library).
install(TARGETS samplepool samplepool_align_branches EXPORT samplepoolTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT lib NAMELINK_COMPONENT dev
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT lib)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/alloc/include/samplepool
                  ${PROJECT_SOURCE_DIR}/core/include/samplepool
                  ${PROJECT_SOURCE_DIR}/api/c/include/samplepool
                  ${PROJECT_SOURCE_DIR}/api/dshow/include/samplepool
                  ${PROJECT_SOURCE_DIR}/shm/include/samplepool
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)

set(SAMPLEPOOL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/samplepool)
install(EXPORT samplepoolTargets NAMESPACE samplepool:: DESTINATION ${SAMPLEPOOL_CMAKE_DIR} COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/samplepoolConfig.cmake.in
  ${PROJECT_BINARY_DIR}/samplepoolConfig.cmake INSTALL_DESTINATION ${SAMPLEPOOL_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/samplepoolConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/samplepoolConfig.cmake
              ${PROJECT_BINARY_DIR}/samplepoolConfigVersion.cmake
        DESTINATION ${SAMPLEPOOL_CMAKE_DIR} COMPONENT dev)

set(SAMPLEPOOL_PC_REQUIRES_PRIVATE "")
if(SAMPLEPOOL_WITH_JEMALLOC)
  set(SAMPLEPOOL_PC_REQUIRES_PRIVATE "jemalloc")
endif()
if(SAMPLEPOOL_DEBUG_CHECKS)
  set(SAMPLEPOOL_PC_DEBUG_CHECKS 1)
else()
  set(SAMPLEPOOL_PC_DEBUG_CHECKS 0)
endif()
# Relocatable: the prefix is found from the .pc file's own location.
file(RELATIVE_PATH SAMPLEPOOL_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
configure_file(${PROJECT_SOURCE_DIR}/cmake/samplepool.pc.in ${PROJECT_BINARY_DIR}/samplepool.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/samplepool.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

# The FFmpeg face: its own library and pkg-config module (samplepool-ffmpeg),
# outside the CMake package so that find_package(samplepool) never needs
# FFmpeg. The installed tool links it for `samplepool decode`.
if(TARGET samplepool_ffmpeg)
  install(TARGETS samplepool_ffmpeg
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT ffmpeg NAMELINK_COMPONENT dev
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/api/ffmpeg/include/samplepool DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          COMPONENT dev)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/samplepool-ffmpeg.pc.in ${PROJECT_BINARY_DIR}/samplepool-ffmpeg.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/samplepool-ffmpeg.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
          COMPONENT dev)
endif()

# The GStreamer face: libsamplepool-gst (its pkg-config module
# samplepool-gst) and the plugin, under SAMPLEPOOL_GST_PLUGIN_DIR (the
# system GStreamer's plugin directory, relative to the prefix: found with
# prefix /usr, by GST_PLUGIN_PATH elsewhere).
if(TARGET samplepool_gst)
  install(TARGETS samplepool_gst LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT gst NAMELINK_COMPONENT dev)
  install(TARGETS gstsamplepool LIBRARY DESTINATION ${SAMPLEPOOL_GST_PLUGIN_DIR} COMPONENT gst)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/api/gst/include/samplepool DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
          COMPONENT dev)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/samplepool-gst.pc.in ${PROJECT_BINARY_DIR}/samplepool-gst.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/samplepool-gst.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
endif()

if(CMAKE_SOURCE_DIR STREQUAL PROJECT_SOURCE_DIR)  # an embedding project's CPack stays its own
  include(cmake/SamplepoolPackage.cmake)
endif()
