// samplepool/shm/detail/channel_words.hpp: the publish/subscribe channel's
// shared words (channel.cpp has the protocol).
//
// Purpose: each fact a dying process must not leave half-written is one
// word, changed by one atomic step. The spin model (stress/model/shm.pml)
// found each of these as a bug while they were two words:
//  - PublisherWord: the slot and its generation. Freeing the slot bumps the
//    generation in the same CAS, so a publisher killed as it leaves cannot
//    leave the slot free with the generation unmoved (a blocked receive,
//    which ends when the generation moves, slept for good: bug A).
//  - Subscription: Record::subscribed counts subscriptions: odd while
//    subscribed, each subscribe and unsubscribe adds one. A publish reads it
//    before its charge and compares it after; an entry carries it, and a
//    receive and the orphan clean-up ignore entries of another subscription
//    (an entry written for the previous one made a sample seem queued, and
//    hid an orphaned charge from the clean-up: bugs C and D).
//  - Entry: a ring entry, the sample index and the subscription it was
//    published to (never 0: a subscription is odd).
#pragma once

#include <cstdint>

namespace samplepool::shm::detail {

//   bits  0..31  the publishing process's record index + 1, or 0: free
//   bits 32..63  generation: every CAS that frees the slot increments it
struct PublisherWord {
  std::uint64_t raw = 0;
  std::uint32_t holder() const noexcept { return static_cast<std::uint32_t>(raw); }
  std::uint32_t generation() const noexcept { return static_cast<std::uint32_t>(raw >> 32); }
  bool held_by(std::uint32_t r) const noexcept { return holder() == r + 1; }
  PublisherWord taken_by(std::uint32_t r) const noexcept {
    return PublisherWord{(raw & ~std::uint64_t{0xffff'ffff}) | (r + 1)};
  }
  PublisherWord freed() const noexcept { return PublisherWord{std::uint64_t{generation() + 1u} << 32}; }
};

constexpr bool subscribed(std::uint32_t subscription) noexcept { return (subscription & 1) != 0; }

struct Entry {
  static constexpr std::uint64_t make(std::uint32_t index, std::uint32_t subscription) noexcept {
    return (std::uint64_t{subscription} << 32) | index;
  }
  static constexpr std::uint32_t index(std::uint64_t e) noexcept { return static_cast<std::uint32_t>(e); }
  static constexpr std::uint32_t subscription(std::uint64_t e) noexcept {
    return static_cast<std::uint32_t>(e >> 32);
  }
};

}  // namespace samplepool::shm::detail
