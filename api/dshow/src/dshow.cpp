// The DirectShow-shaped layer over Pool: see dshow.hpp for the contract.
#include "samplepool/dshow.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <new>

namespace samplepool::dshow {
namespace {

using detail::PoolAccess;
using detail::SampleSlot;

// One per sample header, built in the header's extension area on the
// sample's first hand-out; trivially destructible, so it goes with the arena.
class MemSample final : public IMediaSample {
 public:
  explicit MemSample(SampleSlot* slot) noexcept : slot_(slot) {}

  ULONG AddRef() override {
    // relaxed: the caller holds a reference (see Sample::add_ref).
    return live()->held().refs.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  ULONG Release() override { return detail::drop_ref(slot_); }

  HRESULT GetPointer(BYTE** ppBuffer) override {
    if (ppBuffer == nullptr) return E_POINTER;
    *ppBuffer = reinterpret_cast<BYTE*>(live()->data);
    return S_OK;
  }
  LONG GetSize() override { return static_cast<LONG>(live()->size); }

  HRESULT GetTime(REFERENCE_TIME* pTimeStart, REFERENCE_TIME* pTimeEnd) override {
    if (pTimeStart == nullptr || pTimeEnd == nullptr) return E_POINTER;
    if (!has(detail::kTimeValid)) return VFW_E_SAMPLE_TIME_NOT_SET;
    *pTimeStart = live()->held().time_start;
    if (!has(detail::kStopValid)) {
      *pTimeEnd = live()->held().time_start + 1;
      return VFW_S_NO_STOP_TIME;
    }
    *pTimeEnd = live()->held().time_end;
    return S_OK;
  }
  HRESULT SetTime(REFERENCE_TIME* pTimeStart, REFERENCE_TIME* pTimeEnd) override {
    if (pTimeStart == nullptr) {
      detail::clear_time(*live());
    } else if (pTimeEnd == nullptr) {
      detail::set_start_time(*live(), *pTimeStart);
    } else {
      detail::set_time(*live(), *pTimeStart, *pTimeEnd);
    }
    return S_OK;
  }

  HRESULT IsSyncPoint() override { return has(detail::kSyncPoint) ? S_OK : S_FALSE; }
  HRESULT SetSyncPoint(BOOL on) override { return set(detail::kSyncPoint, on); }
  HRESULT IsPreroll() override { return has(detail::kPreroll) ? S_OK : S_FALSE; }
  HRESULT SetPreroll(BOOL on) override { return set(detail::kPreroll, on); }
  HRESULT IsDiscontinuity() override { return has(detail::kDiscontinuity) ? S_OK : S_FALSE; }
  HRESULT SetDiscontinuity(BOOL on) override { return set(detail::kDiscontinuity, on); }

  LONG GetActualDataLength() override { return static_cast<LONG>(live()->held().actual); }
  HRESULT SetActualDataLength(LONG lLen) override {
    if (lLen < 0) return VFW_E_BUFFER_OVERFLOW;
    return detail::set_actual_length(*live(), static_cast<std::size_t>(lLen))
               ? S_OK
               : VFW_E_BUFFER_OVERFLOW;
  }

  HRESULT GetMediaTime(LONGLONG* pTimeStart, LONGLONG* pTimeEnd) override {
    if (pTimeStart == nullptr || pTimeEnd == nullptr) return E_POINTER;
    if (!has(detail::kMediaTimeValid)) return VFW_E_MEDIA_TIME_NOT_SET;
    *pTimeStart = live()->held().media_start;
    *pTimeEnd = live()->held().media_end;
    return S_OK;
  }
  HRESULT SetMediaTime(LONGLONG* pTimeStart, LONGLONG* pTimeEnd) override {
    if (pTimeStart == nullptr) {
      detail::clear_media_time(*live());
      return S_OK;
    }
    if (pTimeEnd == nullptr) return E_POINTER;
    detail::set_media_time(*live(), *pTimeStart, *pTimeEnd);
    return S_OK;
  }

  SampleSlot* slot() const noexcept { return slot_; }

  // The slot, checked in debug builds: an IMediaSample must not be used
  // after its last Release.
  SampleSlot* live() const noexcept {
#if SAMPLEPOOL_DEBUG_CHECKS
    if (slot_->held().refs.load(std::memory_order_relaxed) == 0) {
      detail::misuse("an IMediaSample was used after its last Release", slot_);
    }
#endif
    return slot_;
  }

 private:
  bool has(std::uint32_t bit) const noexcept { return detail::has_flag(*live(), bit); }
  HRESULT set(std::uint32_t bit, BOOL on) noexcept {
    detail::set_flag(*live(), bit, on != 0);
    return S_OK;
  }

  SampleSlot* slot_;
};

static_assert(sizeof(MemSample) <= sizeof(SampleSlot::ext));
static_assert(alignof(MemSample) <= 8);

class MemAllocator final : public IMemAllocator {
 public:
  explicit MemAllocator(const PoolOptions& options) : pool_(options) {}

  ULONG AddRef() override { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }
  ULONG Release() override {
    // acq_rel: the last Release sees every other holder's use of the object.
    const ULONG n = refs_.fetch_sub(1, std::memory_order_acq_rel) - 1;
    if (n == 0) PoolAccess::orphan(pool_, &MemAllocator::finalize, this);
    return n;
  }

  HRESULT SetProperties(ALLOCATOR_PROPERTIES* pRequest, ALLOCATOR_PROPERTIES* pActual) override {
    if (pRequest == nullptr || pActual == nullptr) return E_POINTER;
    const ALLOCATOR_PROPERTIES req = *pRequest;  // read it all before writing *pActual
    if (req.cBuffers < 0) return E_INVALIDARG;
    return set_properties(req, static_cast<std::uint32_t>(req.cBuffers), 0, pActual);
  }
  HRESULT InitializeSampleAllocatorEx(LONG cInitialSamples, LONG cMaximumSamples,
                                      ALLOCATOR_PROPERTIES* pRequest,
                                      ALLOCATOR_PROPERTIES* pActual) override {
    if (pRequest == nullptr || pActual == nullptr) return E_POINTER;
    const ALLOCATOR_PROPERTIES req = *pRequest;
    if (cInitialSamples < 0 || cMaximumSamples < cInitialSamples) return E_INVALIDARG;
    return set_properties(req, static_cast<std::uint32_t>(cInitialSamples),
                          static_cast<std::uint32_t>(cMaximumSamples), pActual);
  }
  HRESULT GetProperties(ALLOCATOR_PROPERTIES* pProps) override {
    if (pProps == nullptr) return E_POINTER;
    *pProps = to_dshow(pool_.properties());
    return S_OK;
  }
  HRESULT Commit() override { return to_hresult(pool_.commit()); }
  HRESULT Decommit() override { return to_hresult(pool_.decommit()); }

  HRESULT GetBuffer(IMediaSample** ppBuffer, REFERENCE_TIME*, REFERENCE_TIME*,
                    DWORD dwFlags) override {
    if (ppBuffer == nullptr) return E_POINTER;
    *ppBuffer = nullptr;
    Sample s;
    const Errc e = (dwFlags & AM_GBF_NOWAIT) ? pool_.try_acquire(s) : pool_.acquire(s);
    if (e != Errc::ok) return to_hresult(e);
    SampleSlot* slot = PoolAccess::detach(s);
    // We are the only holder: the first hand-out builds the sample object, and
    // the free list's release/acquire hands it to later holders.
    if (slot->ext_object == nullptr) slot->ext_object = new (slot->ext) MemSample(slot);
    *ppBuffer = static_cast<MemSample*>(slot->ext_object);
    return S_OK;
  }
  HRESULT ReleaseBuffer(IMediaSample* pBuffer) override {
    if (pBuffer == nullptr) return E_POINTER;
    auto* s = dynamic_cast<MemSample*>(pBuffer);
    if (s == nullptr || s->slot()->pool != &pool_) return E_INVALIDARG;
    s->Release();
    return S_OK;
  }

  HRESULT SetNotify(IMemAllocatorNotifyCallbackTemp* pNotify) override {
    const Errc e = pool_.set_release_callback(pNotify ? &MemAllocator::notify : nullptr, this);
    if (e != Errc::ok) return to_hresult(e);
    if (pNotify != nullptr) pNotify->AddRef();
    if (notify_ != nullptr) notify_->Release();
    notify_ = pNotify;
    return S_OK;
  }
  HRESULT SetStarvationReport(REFERENCE_TIME rtThreshold, StarvationCallback callback,
                              void* context) override {
    if (rtThreshold < 0) return E_INVALIDARG;
    // 100 ns units; beyond what nanoseconds hold, it never fires.
    constexpr REFERENCE_TIME kMax = std::numeric_limits<std::int64_t>::max() / 100;
    const std::chrono::nanoseconds threshold(std::min(rtThreshold, kMax) * 100);
    return to_hresult(pool_.set_starvation_report(threshold, callback, context));
  }
  HRESULT GetFreeCount(LONG* plBuffersFree) override {
    if (plBuffersFree == nullptr) return E_POINTER;
    *plBuffersFree = static_cast<LONG>(pool_.free_count_approx());
    return S_OK;
  }

  const Pool& NativePool() const override { return pool_; }

 private:
  ~MemAllocator() override {
    if (notify_ != nullptr) notify_->Release();
  }
  static void finalize(void* self) noexcept { delete static_cast<MemAllocator*>(self); }
  static void notify(void* self) { static_cast<MemAllocator*>(self)->notify_->NotifyRelease(); }

  // SetProperties' rules (dshow.hpp) with the count and maximum given apart.
  HRESULT set_properties(const ALLOCATOR_PROPERTIES& req, std::uint32_t count,
                         std::uint32_t max_count, ALLOCATOR_PROPERTIES* pActual) {
    if (req.cbBuffer < 0 || req.cbPrefix < 0) return E_INVALIDARG;
    const Properties p{count, static_cast<std::size_t>(req.cbBuffer),
                       req.cbAlign > 0 ? static_cast<std::size_t>(req.cbAlign) : 0,
                       static_cast<std::size_t>(req.cbPrefix), max_count};
    // A layout that is valid natively but whose granted size does not fit
    // in a LONG cannot be reported: refuse it before changing anything.
    if (Layout l; compute_layout(p, &l) == Errc::ok && l.actual.size > static_cast<std::size_t>(std::numeric_limits<LONG>::max())) {
      return E_INVALIDARG;
    }
    Properties granted;
    if (const Errc e = pool_.set_properties(p, &granted); e != Errc::ok) return to_hresult(e);
    *pActual = to_dshow(granted);
    return S_OK;
  }

  static ALLOCATOR_PROPERTIES to_dshow(const Properties& p) noexcept {
    return ALLOCATOR_PROPERTIES{static_cast<LONG>(p.count), static_cast<LONG>(p.size),
                                static_cast<LONG>(p.alignment), static_cast<LONG>(p.prefix)};
  }

  std::atomic<ULONG> refs_{1};
  IMemAllocatorNotifyCallbackTemp* notify_ = nullptr;  // changed only while nothing is out
  Pool pool_;
};

}  // namespace

HRESULT to_hresult(Errc e) noexcept {
  switch (e) {
    case Errc::ok: return S_OK;
    case Errc::not_committed: return VFW_E_NOT_COMMITTED;
    case Errc::timeout: return VFW_E_TIMEOUT;
    case Errc::size_not_set: return VFW_E_SIZENOTSET;
    case Errc::bad_alignment: return VFW_E_BADALIGN;
    case Errc::already_committed: return VFW_E_ALREADY_COMMITTED;
    case Errc::buffers_outstanding: return VFW_E_BUFFERS_OUTSTANDING;
    case Errc::invalid_argument: return E_INVALIDARG;
    case Errc::too_large: return E_INVALIDARG;
    case Errc::out_of_memory: return E_OUTOFMEMORY;
    case Errc::buffer_overflow: return VFW_E_BUFFER_OVERFLOW;
    case Errc::not_supported: return E_NOTIMPL;
    case Errc::corrupted: return E_FAIL;   // shared pools only; the in-process faces never see it
    case Errc::busy: return E_FAIL;
  }
  return E_FAIL;
}

HRESULT CreateMemAllocator(IMemAllocator** ppAllocator) {
  return CreateMemAllocator(ppAllocator, PoolOptions{});
}

HRESULT CreateMemAllocator(IMemAllocator** ppAllocator, const PoolOptions& options) {
  if (ppAllocator == nullptr) return E_POINTER;
  *ppAllocator = new (std::nothrow) MemAllocator(options);
  return *ppAllocator != nullptr ? S_OK : E_OUTOFMEMORY;
}

}  // namespace samplepool::dshow
