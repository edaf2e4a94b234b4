#include "samplepool/errc.hpp"

namespace samplepool {

const char* to_string(Errc e) noexcept {
  switch (e) {
    case Errc::ok: return "ok";
    case Errc::not_committed: return "not_committed";
    case Errc::timeout: return "timeout";
    case Errc::size_not_set: return "size_not_set";
    case Errc::bad_alignment: return "bad_alignment";
    case Errc::already_committed: return "already_committed";
    case Errc::buffers_outstanding: return "buffers_outstanding";
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::too_large: return "too_large";
    case Errc::out_of_memory: return "out_of_memory";
    case Errc::buffer_overflow: return "buffer_overflow";
    case Errc::not_supported: return "not_supported";
    case Errc::corrupted: return "corrupted";
    case Errc::busy: return "busy";
  }
  return "unknown";
}

}  // namespace samplepool
