// samplepool/samplepool.hpp: the whole native C++ API in one include.
#pragma once

#include "samplepool/alloc/arena.hpp"
#include "samplepool/alloc/heap.hpp"
#include "samplepool/alloc/jemalloc.hpp"
#include "samplepool/alloc/mmap.hpp"
#include "samplepool/errc.hpp"
#include "samplepool/holders.hpp"
#include "samplepool/pool.hpp"
#include "samplepool/properties.hpp"
#include "samplepool/sample.hpp"
#include "samplepool/stats.hpp"
