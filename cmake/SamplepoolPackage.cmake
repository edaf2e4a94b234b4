# Debian packages from the build tree: `cpack -G DEB` (in the build directory)
# makes one package per install component:
#   libsamplepool0         the shared library
#   libsamplepool-dev      headers, the .so link, CMake and pkg-config files
#   samplepool-tools       the samplepool program and the benchmark
#   libsamplepool-ffmpeg0  the FFmpeg face (when built)
#   gstreamer1.0-samplepool  the GStreamer buffer pool library and plugin (when built)
# Dependencies between them are exact versions; those on Debian's own
# libraries come from dpkg-shlibdeps. tools/test_deb.sh unpacks them into a
# scratch root and runs the tool and a decode from there.
set(CPACK_PACKAGE_NAME samplepool)
set(CPACK_PACKAGE_VENDOR "samplepool")
set(CPACK_PACKAGE_CONTACT "samplepool maintainers <samplepool@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Our own libraries are in the build tree, not yet installed: dpkg-shlibdeps
# looks for them there (and the component dependencies name the packages).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR} ${PROJECT_BINARY_DIR}/api/ffmpeg
    ${PROJECT_BINARY_DIR}/api/gst ${PROJECT_BINARY_DIR}/bench)
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_LIB_PACKAGE_NAME libsamplepool0)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libsamplepool-dev)
set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME samplepool-tools)
set(CPACK_DEBIAN_FFMPEG_PACKAGE_NAME libsamplepool-ffmpeg0)
set(CPACK_DEBIAN_GST_PACKAGE_NAME gstreamer1.0-samplepool)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DEPENDS lib)
set(CPACK_COMPONENT_TOOLS_DEPENDS lib)
set(CPACK_COMPONENT_FFMPEG_DEPENDS lib)
if(TARGET samplepool_ffmpeg)
  list(APPEND CPACK_COMPONENT_TOOLS_DEPENDS ffmpeg)
  list(APPEND CPACK_COMPONENT_DEV_DEPENDS ffmpeg)
endif()
set(CPACK_COMPONENTS_ALL lib dev tools)
if(TARGET samplepool_ffmpeg)
  list(APPEND CPACK_COMPONENTS_ALL ffmpeg)
endif()
if(TARGET samplepool_gst)
  list(APPEND CPACK_COMPONENTS_ALL gst)
  list(APPEND CPACK_COMPONENT_DEV_DEPENDS gst)
endif()
include(CPack)
