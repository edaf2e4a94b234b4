#include "samplepool/detail/test_hooks.hpp"

namespace samplepool::detail {

constinit std::atomic<TestHook> g_test_hook{nullptr};

}  // namespace samplepool::detail
