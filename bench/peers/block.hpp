// bench/peers/block.hpp: the buffers of the pools the benchmark builds from
// containers (queue_pools.hpp) and of the floor experiments that are no
// pool of their own (floor_pools.hpp): one preallocated block, buffer i at
// i * size, as a pool's arena.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace samplepool::bench {

class Block {
 public:
  Block(std::uint32_t count, std::size_t size)
      : bytes_(std::make_unique<std::byte[]>(std::size_t{count} * size)), size_(size) {}
  std::byte* at(std::uint32_t i) const { return bytes_.get() + std::size_t{i} * size_; }

 private:
  std::unique_ptr<std::byte[]> bytes_;
  std::size_t size_;
};

}  // namespace samplepool::bench
