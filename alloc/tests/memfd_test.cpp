// Shared segments (memfd.hpp), fd passing (fd_passing.hpp) and the memfd
// backend (memfd_backend.hpp): what another process relies on (seals, mode,
// the same bytes in every mapping), every refusal, and no fd left open.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "samplepool/alloc/arena.hpp"
#include "samplepool/alloc/fd_passing.hpp"
#include "samplepool/alloc/memfd.hpp"
#include "samplepool/alloc/memfd_backend.hpp"
#include "samplepool/alloc/registry.hpp"

namespace samplepool::alloc {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;
const std::size_t kPage = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));

// Closes the fds it holds when the test ends, whichever way it ends.
struct Fds {
  std::vector<int> fds;
  int add(int fd) {
    fds.push_back(fd);
    return fd;
  }
  ~Fds() {
    for (int fd : fds) close(fd);
  }
};

bool cloexec(int fd) { return (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }
bool is_open(int fd) { return fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

ino_t inode(int fd) {
  struct stat st {};
  return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

// A field of /proc/meminfo ("HugePages_Free"), or -1.
long long meminfo(const std::string& field) {
  std::ifstream in("/proc/meminfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stoll(line.substr(field.size() + 1));
  }
  return -1;
}

// A field of the /proc/self/smaps entry of the mapping that holds p ("Rss",
// "VmFlags"), the rest of its line; empty when not found.
std::string smaps_field(const void* p, const std::string& field) {
  std::ifstream in("/proc/self/smaps");
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    unsigned long long lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%llx-%llx ", &lo, &hi) == 2) {  // a mapping's header line
      inside = lo <= at && at < hi;
    } else if (inside && line.rfind(field + ":", 0) == 0) {
      return line.substr(field.size() + 1);
    }
  }
  return {};
}

long long rss_kb(const void* p) {
  const std::string s = smaps_field(p, "Rss");
  return s.empty() ? -1 : std::stoll(s);
}

// A memfd that open() must refuse: sized `bytes`, with only `seals` added.
int unsealed_memfd(std::size_t bytes, int seals) {
  const int fd = memfd_create("unsealed", MFD_CLOEXEC | (seals != 0 ? MFD_ALLOW_SEALING : 0u));
  if (fd < 0) return fd;
  if (ftruncate(fd, static_cast<off_t>(bytes)) != 0 || (seals != 0 && fcntl(fd, F_ADD_SEALS, seals) != 0)) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends `count` copies of `fd` in one message, as a misbehaving peer might.
bool send_many(int socket, int fd, int count) {
  std::vector<int> fds(static_cast<std::size_t>(count), fd);
  std::vector<unsigned char> control(CMSG_SPACE(sizeof(int) * fds.size()));
  char byte = 'm';
  iovec iov{&byte, 1};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
  std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  return sendmsg(socket, &msg, MSG_NOSIGNAL) == 1;
}

// ---- SharedSegment ----------------------------------------------------------

TEST(MemfdSegment, CreateGivesAZeroFilledPrivateSealedSegment) {
  SharedSegment seg;
  ASSERT_EQ(SharedSegment::create(10000, "sp-test", HugePages::none, &seg), Errc::ok);
  ASSERT_TRUE(seg);
  EXPECT_EQ(seg.size(), (10000 + kPage - 1) / kPage * kPage);
  EXPECT_FALSE(seg.used_hugetlb());
  for (std::size_t i = 0; i < seg.size(); ++i) ASSERT_EQ(seg.data()[i], std::byte{0}) << i;

  struct stat st {};
  ASSERT_EQ(fstat(seg.fd(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u) << "memfds start 0777";
  EXPECT_EQ(static_cast<std::size_t>(st.st_size), seg.size());
  EXPECT_TRUE(cloexec(seg.fd()));

  char link[256] = {};
  const std::string proc = "/proc/self/fd/" + std::to_string(seg.fd());
  ASSERT_GT(readlink(proc.c_str(), link, sizeof link - 1), 0);
  EXPECT_EQ(std::string(link).rfind("/memfd:sp-test", 0), 0u) << link;

  EXPECT_EQ(fcntl(seg.fd(), F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
  errno = 0;
  EXPECT_EQ(ftruncate(seg.fd(), 4096), -1);
  EXPECT_EQ(errno, EPERM) << "no process can shrink it under another's mapping";
  errno = 0;
  EXPECT_EQ(ftruncate(seg.fd(), static_cast<off_t>(seg.size() * 2)), -1);
  EXPECT_EQ(errno, EPERM);
  errno = 0;
  EXPECT_EQ(fcntl(seg.fd(), F_ADD_SEALS, F_SEAL_WRITE), -1) << "F_SEAL_SEAL ends sealing";
  EXPECT_EQ(errno, EPERM);
}

TEST(MemfdSegment, TwoMappingsOfOneSegmentSeeTheSameBytes) {
  SharedSegment a;
  ASSERT_EQ(SharedSegment::create(3 * kPage + 1, "", HugePages::none, &a), Errc::ok);
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<std::byte>(i * 7);

  const int caller_fd = dup(a.fd());
  ASSERT_GE(caller_fd, 0);
  SharedSegment b;
  ASSERT_EQ(SharedSegment::open(caller_fd, a.size(), &b), Errc::ok);
  ASSERT_EQ(close(caller_fd), 0) << "the caller keeps its fd; the segment has its own";
  EXPECT_NE(b.fd(), caller_fd);
  EXPECT_NE(b.fd(), a.fd());
  EXPECT_TRUE(cloexec(b.fd()));
  EXPECT_EQ(inode(b.fd()), inode(a.fd()));
  EXPECT_NE(b.data(), a.data()) << "a second mapping";
  ASSERT_EQ(b.size(), a.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size()), 0);
  b.data()[a.size() - 1] = std::byte{0x42};
  EXPECT_EQ(a.data()[a.size() - 1], std::byte{0x42}) << "written through one mapping, seen in the other";
  EXPECT_FALSE(b.used_hugetlb());
}

TEST(MemfdSegment, MovesHandOverTheFdAndTheMapping) {
  SharedSegment a;
  ASSERT_EQ(SharedSegment::create(1, "move", HugePages::none, &a), Errc::ok);
  const int fd = a.fd();
  std::byte* data = a.data();
  SharedSegment b(std::move(a));
  EXPECT_EQ(a.fd(), -1);
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(a.size(), 0u);
  EXPECT_FALSE(a);
  EXPECT_EQ(b.fd(), fd);
  EXPECT_EQ(b.data(), data);

  SharedSegment c;
  ASSERT_EQ(SharedSegment::create(1, "other", HugePages::none, &c), Errc::ok);
  const int other = c.fd();
  c = std::move(b);
  EXPECT_EQ(c.fd(), fd);
  EXPECT_FALSE(is_open(other)) << "the segment assigned over was closed";
  c = SharedSegment();
  EXPECT_FALSE(is_open(fd));
  EXPECT_EQ(c.fd(), -1);
}

TEST(MemfdSegment, CreateRefusesBadArguments) {
  SharedSegment seg;
  EXPECT_EQ(SharedSegment::create(0, "x", HugePages::none, &seg), Errc::invalid_argument);
  EXPECT_EQ(SharedSegment::create(1, "x", HugePages::none, nullptr), Errc::invalid_argument);
  EXPECT_EQ(SharedSegment::create(1, "x", static_cast<HugePages>(7), &seg), Errc::invalid_argument);
  EXPECT_EQ(SharedSegment::create(1, std::string(250, 'n').c_str(), HugePages::none, &seg), Errc::invalid_argument);
  EXPECT_EQ(SharedSegment::create(SIZE_MAX, "x", HugePages::none, &seg), Errc::too_large) << "rounding overflows";
  EXPECT_EQ(SharedSegment::create(SIZE_MAX - kHugePage, "x", HugePages::transparent, &seg), Errc::too_large);
  EXPECT_EQ(SharedSegment::create((SIZE_MAX >> 1) + 1, "x", HugePages::none, &seg), Errc::too_large)
      << "beyond off_t";
  EXPECT_FALSE(seg) << "output untouched";
  // The longest name memfd_create takes, and no name at all.
  EXPECT_EQ(SharedSegment::create(1, std::string(249, 'n').c_str(), HugePages::none, &seg), Errc::ok);
  EXPECT_EQ(SharedSegment::create(1, nullptr, HugePages::none, &seg), Errc::ok);
}

TEST(MemfdSegment, OpenRefusesAnUnsealedFile) {
  Fds fds;
  SharedSegment seg;
  // No sealing at all (memfd_create without MFD_ALLOW_SEALING).
  const int plain = fds.add(unsealed_memfd(kPage, 0));
  ASSERT_GE(plain, 0);
  EXPECT_EQ(SharedSegment::open(plain, 1, &seg), Errc::not_supported);
  // Sealed against shrinking only: both size seals are required, so that the
  // size open() reads is the size for good.
  const int shrink_only = fds.add(unsealed_memfd(kPage, F_SEAL_SHRINK));
  ASSERT_GE(shrink_only, 0);
  EXPECT_EQ(SharedSegment::open(shrink_only, 1, &seg), Errc::not_supported);
  // Both size seals, nothing else: enough.
  const int sealed = fds.add(unsealed_memfd(kPage, F_SEAL_SHRINK | F_SEAL_GROW));
  ASSERT_GE(sealed, 0);
  EXPECT_EQ(SharedSegment::open(sealed, kPage, &seg), Errc::ok);
  EXPECT_EQ(seg.size(), kPage);
  // A file that cannot be sealed at all.
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(ftruncate(fileno(f), static_cast<off_t>(kPage)), 0);
  SharedSegment untouched;
  EXPECT_EQ(SharedSegment::open(fileno(f), 1, &untouched), Errc::not_supported);
  std::fclose(f);
  EXPECT_FALSE(untouched);
}

TEST(MemfdSegment, OpenRefusesWhatIsNotABigEnoughWritableFile) {
  SharedSegment seg;
  ASSERT_EQ(SharedSegment::create(kPage, "small", HugePages::none, &seg), Errc::ok);
  SharedSegment out;
  ASSERT_EQ(SharedSegment::create(1, "kept", HugePages::none, &out), Errc::ok);
  const int kept_fd = out.fd();
  std::byte* kept_data = out.data();

  EXPECT_EQ(SharedSegment::open(seg.fd(), seg.size() + 1, &out), Errc::invalid_argument) << "smaller than min_bytes";
  EXPECT_EQ(SharedSegment::open(seg.fd(), 0, nullptr), Errc::invalid_argument);
  EXPECT_EQ(SharedSegment::open(-1, 0, &out), Errc::invalid_argument);
  int pipe_fds[2];
  ASSERT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);
  EXPECT_EQ(SharedSegment::open(pipe_fds[0], 0, &out), Errc::invalid_argument) << "not a regular file";
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  EXPECT_EQ(SharedSegment::open(pipe_fds[0], 0, &out), Errc::invalid_argument) << "a closed fd";
  // Sealed but empty: nothing to map.
  Fds fds;
  const int empty = fds.add(unsealed_memfd(0, F_SEAL_SHRINK | F_SEAL_GROW));
  ASSERT_GE(empty, 0);
  EXPECT_EQ(SharedSegment::open(empty, 0, &out), Errc::invalid_argument);
  // The same segment opened read-only (a new open file via /proc): no
  // writable shared mapping.
  const std::string proc = "/proc/self/fd/" + std::to_string(seg.fd());
  const int read_only = fds.add(::open(proc.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_GE(read_only, 0);
  EXPECT_EQ(SharedSegment::open(read_only, 0, &out), Errc::invalid_argument);

  EXPECT_EQ(out.fd(), kept_fd) << "errors leave *out untouched";
  EXPECT_EQ(out.data(), kept_data);
  EXPECT_EQ(SharedSegment::open(seg.fd(), seg.size(), &out), Errc::ok) << "exactly min_bytes is enough";
  EXPECT_FALSE(is_open(kept_fd)) << "success replaces *out";
}

TEST(MemfdSegment, HugePagesRoundToTwoMiBAndExplicitFallsBackWithoutAPool) {
  SharedSegment thp;
  ASSERT_EQ(SharedSegment::create(1, "thp", HugePages::transparent, &thp), Errc::ok);
  EXPECT_EQ(thp.size(), kHugePage);
  EXPECT_FALSE(thp.used_hugetlb());

  SharedSegment huge;
  ASSERT_EQ(SharedSegment::create(kHugePage + 1, "hugetlb", HugePages::explicit_, &huge), Errc::ok);
  EXPECT_EQ(huge.size(), 2 * kHugePage);
  std::memset(huge.data(), 0x11, huge.size());  // every page usable, whichever kind it is
  if (meminfo("HugePages_Free") < 2) {
    EXPECT_FALSE(huge.used_hugetlb()) << "no hugetlbfs pool here: fell back to transparent";
  }
  SharedSegment other;
  ASSERT_EQ(SharedSegment::open(huge.fd(), 0, &other), Errc::ok);
  EXPECT_EQ(other.used_hugetlb(), huge.used_hugetlb()) << "open() reads the file system";
  EXPECT_EQ(other.data()[huge.size() - 1], std::byte{0x11});
}

// ---- fd passing -------------------------------------------------------------

struct SocketPair {
  int a = -1, b = -1;
  explicit SocketPair(int type = SOCK_STREAM) {
    int sv[2];
    if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) == 0) a = sv[0], b = sv[1];
  }
  ~SocketPair() {
    if (a >= 0) close(a);
    if (b >= 0) close(b);
  }
};

TEST(MemfdFdPassing, SendsASegmentWithItsPayload) {
  SocketPair s;
  ASSERT_GE(s.a, 0);
  SharedSegment seg;
  ASSERT_EQ(SharedSegment::create(kPage, "passed", HugePages::none, &seg), Errc::ok);
  seg.data()[5] = std::byte{0x77};
  ASSERT_EQ(send_fd(s.a, seg.fd(), "tag", 3), Errc::ok);

  int fd = -1;
  char buf[8] = {};
  std::size_t len = 99;
  ASSERT_EQ(receive_fd(s.b, &fd, buf, sizeof buf, &len), Errc::ok);
  Fds fds;
  fds.add(fd);
  EXPECT_EQ(len, 3u);
  EXPECT_EQ(std::string(buf, len), "tag");
  EXPECT_NE(fd, seg.fd());
  EXPECT_TRUE(cloexec(fd)) << "MSG_CMSG_CLOEXEC";
  EXPECT_EQ(inode(fd), inode(seg.fd())) << "the same file";
  SharedSegment mapped;
  ASSERT_EQ(SharedSegment::open(fd, kPage, &mapped), Errc::ok);
  EXPECT_EQ(mapped.data()[5], std::byte{0x77});
}

TEST(MemfdFdPassing, AnEmptyPayloadArrivesAsOneZeroByte) {
  SocketPair s;
  ASSERT_GE(s.a, 0);
  int pipe_fds[2];
  ASSERT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);
  Fds fds;
  fds.add(pipe_fds[0]);
  fds.add(pipe_fds[1]);
  ASSERT_EQ(send_fd(s.a, pipe_fds[0], nullptr, 0), Errc::ok);
  int fd = -1;
  char buf[4] = {1, 1, 1, 1};
  std::size_t len = 0;
  ASSERT_EQ(receive_fd(s.b, &fd, buf, sizeof buf, &len), Errc::ok);
  fds.add(fd);
  EXPECT_EQ(len, 1u);
  EXPECT_EQ(buf[0], 0);
  // With no room for payload, the byte is read and dropped.
  ASSERT_EQ(send_fd(s.a, pipe_fds[0], "xyz", 3), Errc::ok);
  ASSERT_EQ(receive_fd(s.b, &fd, nullptr, 0, &len), Errc::ok);
  fds.add(fd);
  EXPECT_EQ(len, 0u);
  ASSERT_EQ(recv(s.b, buf, sizeof buf, MSG_DONTWAIT), 2) << "a stream keeps the rest";
  EXPECT_EQ(std::string(buf, 2), "yz");
}

TEST(MemfdFdPassing, AForkedChildWritesIntoTheSegmentItReceived) {
  // No thread exists in this test: fork is safe, and the child only makes
  // system calls and _exits.
  SocketPair s;
  ASSERT_GE(s.a, 0);
  SharedSegment seg;
  ASSERT_EQ(SharedSegment::create(64 * 1024, "forked", HugePages::none, &seg), Errc::ok);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(s.a);
    int fd = -1;
    char tag = 0;
    std::size_t len = 0;
    if (receive_fd(s.b, &fd, &tag, 1, &len) != Errc::ok || tag != 'S' || len != 1) _exit(2);
    SharedSegment mine;
    if (SharedSegment::open(fd, 64 * 1024, &mine) != Errc::ok) _exit(3);
    close(fd);
    for (std::size_t i = 0; i < mine.size(); ++i) mine.data()[i] = static_cast<std::byte>(i % 251);
    const char done = 'D';
    _exit(write(s.b, &done, 1) == 1 ? 0 : 4);
  }
  ASSERT_EQ(send_fd(s.a, seg.fd(), "S", 1), Errc::ok);
  char done = 0;
  EXPECT_EQ(read(s.a, &done, 1), 1);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(done, 'D');
  for (std::size_t i = 0; i < seg.size(); ++i) {
    ASSERT_EQ(seg.data()[i], static_cast<std::byte>(i % 251)) << "the child's write, at " << i;
  }
}

TEST(MemfdFdPassing, EndOfStreamAndAMessageWithoutAnFdFailCleanly) {
  SocketPair s;
  ASSERT_GE(s.a, 0);
  int fd = -7;
  char buf[4];
  std::size_t len = 99;
  ASSERT_EQ(write(s.a, "x", 1), 1);
  EXPECT_EQ(receive_fd(s.b, &fd, buf, sizeof buf, &len), Errc::invalid_argument) << "no fd";
  close(s.a);
  s.a = -1;
  EXPECT_EQ(receive_fd(s.b, &fd, buf, sizeof buf, &len), Errc::invalid_argument) << "end of stream";
  EXPECT_EQ(fd, -7) << "outputs untouched";
  EXPECT_EQ(len, 99u);
}

TEST(MemfdFdPassing, ExtraFdsAreClosedAndATruncatedMessageClosesAll) {
  SocketPair s;
  ASSERT_GE(s.a, 0);
  // The probe: a pipe whose read end sees EOF only once every copy of the
  // write end is closed, the ones that travelled included.
  int probe[2];
  ASSERT_EQ(pipe2(probe, O_CLOEXEC | O_NONBLOCK), 0);
  Fds fds;
  fds.add(probe[0]);
  char c = 0;

  ASSERT_TRUE(send_many(s.a, probe[1], 3));
  int fd = -1;
  ASSERT_EQ(receive_fd(s.b, &fd, &c, 1, nullptr), Errc::ok);
  EXPECT_TRUE(is_open(fd));
  EXPECT_EQ(inode(fd), inode(probe[1]));
  close(fd);  // the first copy is ours; the other two receive_fd closed

  ASSERT_TRUE(send_many(s.a, probe[1], 12));  // more than the 8 receive_fd takes
  fd = -7;
  EXPECT_EQ(receive_fd(s.b, &fd, &c, 1, nullptr), Errc::invalid_argument) << "MSG_CTRUNC";
  EXPECT_EQ(fd, -7);

  close(probe[1]);
  EXPECT_EQ(read(probe[0], &c, 1), 0) << "EOF: no copy of the write end is left open";
}

TEST(MemfdFdPassing, RefusesBadArgumentsAndReportsTheSocketsState) {
  SocketPair s;
  ASSERT_GE(s.a, 0);
  SharedSegment seg;
  ASSERT_EQ(SharedSegment::create(1, "args", HugePages::none, &seg), Errc::ok);
  int fd = -1;
  std::size_t len = 0;
  char buf[2];
  EXPECT_EQ(send_fd(-1, seg.fd(), "x", 1), Errc::invalid_argument);
  EXPECT_EQ(send_fd(s.a, -1, "x", 1), Errc::invalid_argument);
  EXPECT_EQ(send_fd(s.a, seg.fd(), nullptr, 1), Errc::invalid_argument);
  EXPECT_EQ(send_fd(seg.fd(), seg.fd(), "x", 1), Errc::invalid_argument) << "not a socket";
  EXPECT_EQ(receive_fd(s.b, nullptr, buf, 2, &len), Errc::invalid_argument);
  EXPECT_EQ(receive_fd(s.b, &fd, nullptr, 2, &len), Errc::invalid_argument);
  EXPECT_EQ(receive_fd(-1, &fd, buf, 2, &len), Errc::invalid_argument);
  EXPECT_EQ(receive_fd(seg.fd(), &fd, buf, 2, &len), Errc::invalid_argument) << "not a socket";

  ASSERT_EQ(fcntl(s.b, F_SETFL, O_NONBLOCK), 0);
  EXPECT_EQ(receive_fd(s.b, &fd, buf, 2, &len), Errc::timeout) << "nothing to receive";
  close(s.b);
  s.b = -1;
  EXPECT_EQ(send_fd(s.a, seg.fd(), "x", 1), Errc::not_supported) << "EPIPE, and no SIGPIPE";
}

TEST(MemfdFdPassing, SeqpacketKeepsMessagesApart) {
  SocketPair s(SOCK_SEQPACKET);
  ASSERT_GE(s.a, 0);
  SharedSegment seg;
  ASSERT_EQ(SharedSegment::create(1, "seq", HugePages::none, &seg), Errc::ok);
  ASSERT_EQ(send_fd(s.a, seg.fd(), "long payload", 12), Errc::ok);
  ASSERT_EQ(send_fd(s.a, seg.fd(), "2", 1), Errc::ok);
  Fds fds;
  int fd = -1;
  char buf[4] = {};
  std::size_t len = 0;
  ASSERT_EQ(receive_fd(s.b, &fd, buf, sizeof buf, &len), Errc::ok);
  fds.add(fd);
  EXPECT_EQ(std::string(buf, len), "long") << "the rest of the message is discarded";
  ASSERT_EQ(receive_fd(s.b, &fd, buf, sizeof buf, &len), Errc::ok);
  fds.add(fd);
  EXPECT_EQ(std::string(buf, len), "2");
}

// ---- the memfd backend --------------------------------------------------------

std::shared_ptr<MemfdBackend> memfd_backend(BackendOptions o = {}) {
  std::shared_ptr<Backend> b;
  EXPECT_EQ(make_backend("memfd", o, &b), Errc::ok);
  return std::dynamic_pointer_cast<MemfdBackend>(b);
}

TEST(MemfdBackend, AllocatesAlignedSharedRegionsAndFreesThem) {
  auto b = memfd_backend();
  ASSERT_NE(b, nullptr);
  EXPECT_STREQ(b->name(), "memfd");
  EXPECT_STREQ(b->describe(), "memfd 4k");
  for (std::size_t align : {std::size_t{64}, kPage, std::size_t{1} << 20, std::size_t{8} << 20}) {
    void* p = nullptr;
    ASSERT_EQ(b->allocate(100000, align, &p), Errc::ok) << align;
    ASSERT_EQ(reinterpret_cast<std::uintptr_t>(p) % align, 0u) << align;
    std::memset(p, 0x3c, 100000);

    int fd = -1;
    std::size_t offset = 0;
    ASSERT_EQ(b->segment_of(static_cast<char*>(p) + 99999, &fd, &offset), Errc::ok);
    SharedSegment other;
    ASSERT_EQ(SharedSegment::open(fd, offset + 1, &other), Errc::ok);
    EXPECT_EQ(other.data()[offset], std::byte{0x3c}) << "the region is the segment's bytes";
    EXPECT_EQ(other.data()[offset - 99999], std::byte{0x3c});

    b->deallocate(p, 100000, align);
    EXPECT_FALSE(is_open(fd)) << "deallocate closes the segment";
    EXPECT_EQ(b->segment_of(p, &fd, &offset), Errc::invalid_argument);
  }
  int fd = -1;
  std::size_t offset = 0;
  EXPECT_EQ(b->segment_of(&fd, nullptr, &offset), Errc::invalid_argument);
  b->deallocate(&fd, 4, 4);  // not a region: ignored
}

TEST(MemfdBackend, PassesThroughArenaWithEveryOption) {
  for (const HugePages hp : {HugePages::none, HugePages::transparent, HugePages::explicit_}) {
    for (const bool populate : {true, false}) {
      BackendOptions o;
      o.huge_pages = hp;
      o.populate = populate;
      auto b = memfd_backend(o);
      ASSERT_NE(b, nullptr);
      Arena arena(b);
      void* p = nullptr;
      const std::size_t bytes = 3 * kPage;
      ASSERT_EQ(arena.allocate(bytes, 64, &p), Errc::ok);
      // Pre-faulted pages are mapped at once; others only when touched
      // (huge pages may map more than the region).
      if (b->hugetlb_allocations() > 0) {
        // Rss does not show hugetlbfs pages.
      } else if (populate) {
        EXPECT_GE(rss_kb(p), static_cast<long long>(bytes / 1024));
      } else {
        EXPECT_EQ(rss_kb(p), 0);
      }
      std::memset(p, 1, bytes);
      EXPECT_EQ(arena.stats().bytes_in_use, bytes);
      arena.deallocate(p, bytes, 64);
      EXPECT_EQ(arena.stats().bytes_in_use, 0u);
      if (hp == HugePages::explicit_) {
        EXPECT_EQ(b->hugetlb_allocations() + b->hugetlb_fallbacks(), 1u);
        if (meminfo("HugePages_Free") == 0) {
          EXPECT_EQ(b->hugetlb_fallbacks(), 1u) << "no pool: fell back";
        }
        EXPECT_STREQ(b->describe(), "memfd hugetlb");
      }
    }
  }
}

TEST(MemfdBackend, LocksWhenAsked) {
  BackendOptions o;
  o.lock = true;
  auto b = memfd_backend(o);
  ASSERT_NE(b, nullptr);
  EXPECT_STREQ(b->describe(), "memfd 4k locked");
  void* p = nullptr;
  const Errc e = b->allocate(64 * 1024, 64, &p);
  if (e == Errc::not_supported) GTEST_SKIP() << "mlock refused here (RLIMIT_MEMLOCK)";
  ASSERT_EQ(e, Errc::ok);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)  // their mlock is a no-op
  const std::string flags = smaps_field(p, "VmFlags");
  EXPECT_NE((" " + flags + " ").find(" lo "), std::string::npos) << flags;
#endif
  b->deallocate(p, 64 * 1024, 64);
}

// With RLIMIT_MEMLOCK at zero and no CAP_IPC_LOCK (a child that drops root
// if it has it), a locked allocation is refused with not_supported and
// leaves no fd and no mapping behind.
TEST(MemfdBackend, LockRefusedCleanlyWithoutPermission) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "the sanitizer runtimes turn mlock into a no-op that succeeds";
#endif
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const rlimit zero{0, 0};
    if (setrlimit(RLIMIT_MEMLOCK, &zero) != 0) _exit(10);
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(11);
    Arena arena(std::make_shared<MemfdBackend>(BackendOptions{true, HugePages::none, true}));
    const int next_fd = dup(0);  // the lowest free fd number, before
    close(next_fd);
    void* p = nullptr;
    const Errc e = arena.allocate(1 << 16, 64, &p);
    if (p != nullptr || arena.stats().bytes_in_use != 0) _exit(12);
    const int after = dup(0);
    if (after != next_fd) _exit(13);  // the segment's fd was closed
    _exit(e == Errc::not_supported ? 0 : 20 + static_cast<int>(e));
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(MemfdBackend, FactoryRefusesBadOptions) {
  std::shared_ptr<Backend> b;
  EXPECT_EQ(make_memfd_backend({}, nullptr), Errc::invalid_argument);
  BackendOptions o;
  o.huge_pages = static_cast<HugePages>(9);
  EXPECT_EQ(make_memfd_backend(o, &b), Errc::invalid_argument);
  EXPECT_EQ(b, nullptr);
}

TEST(MemfdBackend, ConcurrentAllocationsKeepTheirOwnSegments) {
  auto b = memfd_backend(BackendOptions{false, HugePages::none, false});
  ASSERT_NE(b, nullptr);
  auto work = [&b](unsigned char mark, bool* ok) {
    for (int i = 0; i < 50; ++i) {
      void* p = nullptr;
      if (b->allocate(kPage, 64, &p) != Errc::ok) return;
      std::memset(p, mark, kPage);
      int fd = -1;
      std::size_t offset = 1;
      if (b->segment_of(p, &fd, &offset) != Errc::ok || offset != 0) return;
      if (static_cast<unsigned char*>(p)[kPage - 1] != mark) return;
      b->deallocate(p, kPage, 64);
    }
    *ok = true;
  };
  bool ok1 = false, ok2 = false;
  std::thread t1(work, 0x11, &ok1);
  std::thread t2(work, 0x22, &ok2);
  t1.join();
  t2.join();
  EXPECT_TRUE(ok1);
  EXPECT_TRUE(ok2);
}

}  // namespace
}  // namespace samplepool::alloc
