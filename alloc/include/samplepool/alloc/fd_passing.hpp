// samplepool/alloc/fd_passing.hpp: one file descriptor over an AF_UNIX socket.
//
// Purpose: hand a shared segment (memfd.hpp) to another process. The fd
// travels as SCM_RIGHTS ancillary data with a small payload (a tag, a
// version), and arrives as a new fd in the receiver that refers to the same
// open file.
//
// Contract:
//  - every message carries at least one payload byte (stream sockets drop
//    ancillary data sent without one): a send of 0 bytes sends one zero byte,
//    which arrives as one zero byte;
//  - the received fd is close-on-exec from the moment it exists
//    (MSG_CMSG_CLOEXEC); the receiver owns it and closes it;
//  - no fd leaks on any path: receive_fd() closes every fd of a message it
//    refuses, and every fd beyond the first of a message it accepts;
//  - both retry on EINTR; neither raises SIGPIPE (MSG_NOSIGNAL).
//
// Thread safety: both may be called concurrently on different sockets. Two
// senders (or two receivers) on one stream socket may interleave payloads.
//
// Memory ordering: none beyond the kernel's: what the sender wrote into a
// shared segment before send_fd() is visible to a receiver that maps the fd
// after receive_fd() (both are system calls on one socket); writes made later
// need atomics in the segment (memfd.hpp).
#pragma once

#include <cstddef>

#include "samplepool/errc.hpp"

namespace samplepool::alloc {

// Sends `fd` over the connected AF_UNIX socket `socket` (stream, seqpacket or
// datagram) with the `len` bytes at `payload` (null only when len is 0). On a
// stream socket a payload the kernel takes in parts (a signal after part was
// queued) is completed with plain sends; the fd goes with the first part.
// Errors:
//  - invalid_argument: a negative socket or fd, a null payload with len > 0,
//    or the kernel refuses the arguments (EBADF, ENOTSOCK, ENOTCONN,
//    EDESTADDRREQ, EOPNOTSUPP, EINVAL: e.g. not an AF_UNIX socket);
//  - timeout: the socket would block (non-blocking, or SO_SNDTIMEO expired);
//    nothing was sent;
//  - not_supported: any other failure, e.g. the peer has gone (EPIPE,
//    ECONNRESET), or the receiver is over its limit of in-flight fds
//    (ETOOMANYREFS). After a partial stream send the peer may hold the fd
//    with part of the payload.
Errc send_fd(int socket, int fd, const void* payload, std::size_t len) noexcept;

// Receives one message from `socket`: its first fd into *fd, and up to `cap`
// of its payload bytes into `payload` (null only when cap is 0), *len set to
// the bytes stored (len may be null). Payload beyond `cap` stays queued on a
// stream socket and is discarded on a datagram or seqpacket socket; with cap
// 0 one byte is read and discarded. Up to 8 fds in one message are taken (the
// first kept, the rest closed). *fd and *len are written on Errc::ok only.
// Errors (every fd that arrived is closed):
//  - invalid_argument: a negative socket, a null fd, a null payload with
//    cap > 0, the kernel refuses the socket (EBADF, ENOTSOCK, ENOTCONN,
//    EINVAL), end of stream or a peer reset (ECONNRESET), a message without
//    an fd or without payload, or a truncated control message (MSG_CTRUNC:
//    more than 8 fds, or over the receiver's fd limit);
//  - timeout: nothing to receive (non-blocking, or SO_RCVTIMEO expired);
//  - not_supported: any other failure (ENOMEM, ...).
Errc receive_fd(int socket, int* fd, void* payload, std::size_t cap, std::size_t* len) noexcept;

}  // namespace samplepool::alloc
