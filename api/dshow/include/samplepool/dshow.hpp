// samplepool/dshow.hpp: the DirectShow-shaped compatibility API.
//
// For porting DirectShow filters: IMemAllocator (with IMemAllocatorCallbackTemp's
// SetNotify/GetFreeCount) and IMediaSample with the SDK's names, parameters,
// types and HRESULT values, over a native samplepool::Pool. GetBuffer and
// IMediaSample::Release take the pool's lock-free paths; the sample objects
// live inside the pool's sample headers, so handing one out allocates
// nothing.
//
// Behaviour follows what Windows does (as Wine's quartz tests, run on
// Windows, record it):
//  - a new allocator reports all-zero properties;
//  - SetProperties: E_POINTER for a null pointer; VFW_E_ALREADY_COMMITTED
//    while committed; VFW_E_BUFFERS_OUTSTANDING while a sample from before a
//    Decommit is still out (or a GetBuffer is in progress); VFW_E_BADALIGN for
//    an alignment of zero or not a power of two; E_INVALIDARG for negative
//    values or a layout too large to describe in LONGs. The request is never
//    modified; the actual cbBuffer is rounded up so that cbBuffer + cbPrefix
//    is a multiple of cbAlign; the alignment applies at (pointer - prefix);
//  - Commit with cBuffers or cbBuffer of 0: VFW_E_SIZENOTSET. Commit and
//    Decommit are idempotent;
//  - GetBuffer before Commit or after Decommit: VFW_E_NOT_COMMITTED and
//    *ppBuffer = NULL; a GetBuffer blocked when Decommit is called returns
//    VFW_E_NOT_COMMITTED at once, even if Commit follows immediately;
//    AM_GBF_NOWAIT on an empty pool: VFW_E_TIMEOUT at once. The start/end
//    times passed to GetBuffer are hints: they are not stamped on the sample.
//    AM_GBF_PREVFRAMESKIPPED and AM_GBF_NOTASYNCPOINT are accepted and ignored
//    (they only matter to video renderers' allocators);
//  - samples: SetActualDataLength above GetSize() or below 0 gives
//    VFW_E_BUFFER_OVERFLOW and keeps the old value; a fresh sample's actual
//    length is its size, and the actual length survives recycling; recycling
//    clears the flags and the time validity; GetTime with only a start set
//    gives VFW_S_NO_STOP_TIME with end = start + 1; with no time set it gives
//    VFW_E_SAMPLE_TIME_NOT_SET and leaves its outputs untouched (likewise
//    GetMediaTime / VFW_E_MEDIA_TIME_NOT_SET); SetTime(NULL, x) and
//    SetMediaTime(NULL, x) clear; SetMediaTime(start, NULL) gives E_POINTER;
//    null output pointers give E_POINTER, never a crash;
//  - AddRef/Release return the new count, 0 on the last Release. Releasing
//    the allocator while samples are out is safe: it decommits, and the
//    last sample's Release frees the allocator (the base classes keep a
//    self-reference for the same reason).
//
// Differences from Windows, on purpose:
//  - SetNotify is accepted only while the allocator is decommitted with no
//    sample out (VFW_E_ALREADY_COMMITTED / VFW_E_BUFFERS_OUTSTANDING
//    otherwise), so that the lock-free release path never races a change of
//    callback. DirectShow filters call it while connecting, which works.
//  - ReleaseBuffer(sample) drops the caller's reference, like
//    sample->Release(); E_INVALIDARG for a sample of another allocator.
//
// Thread safety: as the native Pool; every method may be called from any
// thread.
#pragma once

#include <cstdint>

#include "samplepool/errc.hpp"
#include "samplepool/pool.hpp"

namespace samplepool::dshow {

using HRESULT = std::int32_t;
using LONG = std::int32_t;
using ULONG = std::uint32_t;
using DWORD = std::uint32_t;
using BOOL = int;
using BYTE = std::uint8_t;
using LONGLONG = std::int64_t;
using REFERENCE_TIME = std::int64_t;

// BOOL values (windef.h). Some headers (glib) define these as macros already;
// then those serve.
#ifndef TRUE
inline constexpr BOOL TRUE = 1;
#endif
#ifndef FALSE
inline constexpr BOOL FALSE = 0;
#endif

// HRESULT values, as the Windows SDK defines them (winerror.h, vfwmsgs.h).
inline constexpr HRESULT S_OK = 0;
inline constexpr HRESULT S_FALSE = 1;
inline constexpr HRESULT E_NOTIMPL = static_cast<HRESULT>(0x80004001u);
inline constexpr HRESULT E_POINTER = static_cast<HRESULT>(0x80004003u);
inline constexpr HRESULT E_FAIL = static_cast<HRESULT>(0x80004005u);
inline constexpr HRESULT E_OUTOFMEMORY = static_cast<HRESULT>(0x8007000Eu);
inline constexpr HRESULT E_INVALIDARG = static_cast<HRESULT>(0x80070057u);
inline constexpr HRESULT VFW_E_BUFFER_OVERFLOW = static_cast<HRESULT>(0x8004020Du);
inline constexpr HRESULT VFW_E_BADALIGN = static_cast<HRESULT>(0x8004020Eu);
inline constexpr HRESULT VFW_E_ALREADY_COMMITTED = static_cast<HRESULT>(0x8004020Fu);
inline constexpr HRESULT VFW_E_BUFFERS_OUTSTANDING = static_cast<HRESULT>(0x80040210u);
inline constexpr HRESULT VFW_E_NOT_COMMITTED = static_cast<HRESULT>(0x80040211u);
inline constexpr HRESULT VFW_E_SIZENOTSET = static_cast<HRESULT>(0x80040212u);
inline constexpr HRESULT VFW_E_TIMEOUT = static_cast<HRESULT>(0x8004022Eu);
inline constexpr HRESULT VFW_E_SAMPLE_TIME_NOT_SET = static_cast<HRESULT>(0x80040249u);
inline constexpr HRESULT VFW_E_MEDIA_TIME_NOT_SET = static_cast<HRESULT>(0x80040251u);
inline constexpr HRESULT VFW_S_NO_STOP_TIME = static_cast<HRESULT>(0x00040270u);

// GetBuffer flags (strmif.h).
inline constexpr DWORD AM_GBF_PREVFRAMESKIPPED = 1;
inline constexpr DWORD AM_GBF_NOTASYNCPOINT = 2;
inline constexpr DWORD AM_GBF_NOWAIT = 4;

constexpr bool SUCCEEDED(HRESULT hr) noexcept { return hr >= 0; }
constexpr bool FAILED(HRESULT hr) noexcept { return hr < 0; }

struct ALLOCATOR_PROPERTIES {
  LONG cBuffers;
  LONG cbBuffer;
  LONG cbAlign;
  LONG cbPrefix;
};

// The HRESULT a native error code maps to.
HRESULT to_hresult(Errc e) noexcept;

class IMediaSample {
 public:
  virtual ULONG AddRef() = 0;
  virtual ULONG Release() = 0;
  virtual HRESULT GetPointer(BYTE** ppBuffer) = 0;
  virtual LONG GetSize() = 0;
  virtual HRESULT GetTime(REFERENCE_TIME* pTimeStart, REFERENCE_TIME* pTimeEnd) = 0;
  virtual HRESULT SetTime(REFERENCE_TIME* pTimeStart, REFERENCE_TIME* pTimeEnd) = 0;
  virtual HRESULT IsSyncPoint() = 0;
  virtual HRESULT SetSyncPoint(BOOL bIsSyncPoint) = 0;
  virtual HRESULT IsPreroll() = 0;
  virtual HRESULT SetPreroll(BOOL bIsPreroll) = 0;
  virtual LONG GetActualDataLength() = 0;
  virtual HRESULT SetActualDataLength(LONG lLen) = 0;
  virtual HRESULT IsDiscontinuity() = 0;
  virtual HRESULT SetDiscontinuity(BOOL bDiscontinuity) = 0;
  virtual HRESULT GetMediaTime(LONGLONG* pTimeStart, LONGLONG* pTimeEnd) = 0;
  virtual HRESULT SetMediaTime(LONGLONG* pTimeStart, LONGLONG* pTimeEnd) = 0;

 protected:
  virtual ~IMediaSample() = default;  // objects go away through Release()
};

// IMemAllocatorNotifyCallbackTemp: implemented by the application.
class IMemAllocatorNotifyCallbackTemp {
 public:
  virtual ULONG AddRef() = 0;
  virtual ULONG Release() = 0;
  virtual HRESULT NotifyRelease() = 0;

 protected:
  virtual ~IMemAllocatorNotifyCallbackTemp() = default;
};

// IMemAllocator together with IMemAllocatorCallbackTemp.
class IMemAllocator {
 public:
  virtual ULONG AddRef() = 0;
  virtual ULONG Release() = 0;
  virtual HRESULT SetProperties(ALLOCATOR_PROPERTIES* pRequest, ALLOCATOR_PROPERTIES* pActual) = 0;
  virtual HRESULT GetProperties(ALLOCATOR_PROPERTIES* pProps) = 0;
  virtual HRESULT Commit() = 0;
  virtual HRESULT Decommit() = 0;
  virtual HRESULT GetBuffer(IMediaSample** ppBuffer, REFERENCE_TIME* pStartTime,
                            REFERENCE_TIME* pEndTime, DWORD dwFlags) = 0;
  virtual HRESULT ReleaseBuffer(IMediaSample* pBuffer) = 0;
  virtual HRESULT SetNotify(IMemAllocatorNotifyCallbackTemp* pNotify) = 0;
  virtual HRESULT GetFreeCount(LONG* plBuffersFree) = 0;

  // Extension (growth), after Media Foundation's
  // IMFVideoSampleAllocatorEx::InitializeSampleAllocatorEx(initial, maximum,
  // ...): SetProperties with cBuffers = cInitialSamples (pRequest's own
  // cBuffers is ignored), and the pool grows to cMaximumSamples when a
  // GetBuffer finds it empty. cMaximumSamples == cInitialSamples is
  // SetProperties. E_INVALIDARG for a negative count or a maximum below the
  // initial count; otherwise SetProperties' results.
  virtual HRESULT InitializeSampleAllocatorEx(LONG cInitialSamples, LONG cMaximumSamples,
                                              ALLOCATOR_PROPERTIES* pRequest,
                                              ALLOCATOR_PROPERTIES* pActual) = 0;

  // Extension (starvation report): callback runs on a thread whose GetBuffer
  // has waited longer than rtThreshold (100 ns units), once per GetBuffer,
  // with who holds the samples (holders.hpp; NativePool().holders() gives
  // the same at any time). nullptr clears it. As SetNotify, only while
  // decommitted with no sample out; E_INVALIDARG for a negative threshold.
  virtual HRESULT SetStarvationReport(REFERENCE_TIME rtThreshold, StarvationCallback callback,
                                      void* context) = 0;

  // Not COM: the native pool underneath, for statistics and tools.
  virtual const Pool& NativePool() const = 0;

 protected:
  virtual ~IMemAllocator() = default;
};

// CoCreateInstance(CLSID_MemoryAllocator) analogue: *ppAllocator gets a new
// allocator with a reference count of 1. E_POINTER, E_OUTOFMEMORY.
HRESULT CreateMemAllocator(IMemAllocator** ppAllocator);
// The same, with a chosen free-list policy and arena backend.
HRESULT CreateMemAllocator(IMemAllocator** ppAllocator, const PoolOptions& options);

}  // namespace samplepool::dshow
