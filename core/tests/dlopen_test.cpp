// A host that knows nothing of samplepool dlopen()s a module built from its
// headers (dlopen_module.cpp), which brings libsamplepool.so in with it, and
// runs an acquire/release round trip there, on a thread that existed before
// the load and on one started after it. Whether an object that uses
// initial-exec TLS would still load depends on what else the process took
// from the static TLS block, so the deterministic check that neither object
// does is a separate test (cmake/check_no_static_tls.cmake).
//   samplepool_dlopen_test MODULE
#include <dlfcn.h>
#include <link.h>

#include <cstdio>
#include <cstring>

namespace {

bool library_loaded() {
  return dl_iterate_phdr(
             [](dl_phdr_info* info, size_t, void*) {
               return std::strstr(info->dlpi_name, "libsamplepool.so") != nullptr ? 1 : 0;
             },
             nullptr) != 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s MODULE\n", argv[0]);
    return 2;
  }
  if (library_loaded()) {
    std::fprintf(stderr, "FAIL: libsamplepool.so is loaded before the dlopen(); the host must not link it\n");
    return 1;
  }
  void* module = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (module == nullptr) {
    std::fprintf(stderr, "FAIL: dlopen: %s\n", dlerror());
    return 1;
  }
  if (!library_loaded()) {
    std::fprintf(stderr, "FAIL: the module did not bring libsamplepool.so in\n");
    return 1;
  }
  auto* round_trip = reinterpret_cast<int (*)()>(dlsym(module, "samplepool_module_round_trip"));
  if (round_trip == nullptr) {
    std::fprintf(stderr, "FAIL: dlsym: %s\n", dlerror());
    return 1;
  }
  const int step = round_trip();
  if (step != 0) {
    std::fprintf(stderr, "FAIL: the round trip in the module failed at step %d\n", step);
    return 1;
  }
  dlclose(module);
  std::printf("dlopen: the module loaded libsamplepool.so and ran its round trips\n");
  return 0;
}
