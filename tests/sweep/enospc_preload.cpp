// A full disk for tests, without privileges: LD_PRELOAD this library and set
// CALCIKIN_TEST_ENOSPC_BYTES=N; writes to regular files (not stdin/stdout/stderr) succeed until N
// new bytes in all have been added to files, then fail with ENOSPC as on a full file system (a
// write that crosses the limit is short, the next one fails; rewriting existing bytes succeeds,
// unless CALCIKIN_TEST_ENOSPC_COW is set: a copy-on-write file system such as btrfs or ZFS needs
// new space for every write). Used by tests/sweep/disk_full_test.sh.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>

namespace {

std::atomic<long long>& budget() {
  static std::atomic<long long> left{[] {
    const char* text = std::getenv("CALCIKIN_TEST_ENOSPC_BYTES");
    return text != nullptr ? std::atoll(text) : -1LL;
  }()};
  return left;
}

// How many of n bytes at `offset` (-1: the file position) may be written to fd now; -1 (errno
// ENOSPC) when none. As on a full file system, only bytes past the end of the file need space:
// rewriting what the file holds already always succeeds.
long long allowance(int fd, size_t n, long long offset) {
  if (fd <= 2 || n == 0) return static_cast<long long>(n);
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return static_cast<long long>(n);
  auto& left = budget();
  long long now = left.load();
  if (now < 0) return static_cast<long long>(n);  // no limit set
  static const bool copy_on_write = std::getenv("CALCIKIN_TEST_ENOSPC_COW") != nullptr;
  if (offset < 0) offset = static_cast<long long>(lseek(fd, 0, SEEK_CUR));
  const long long inside = copy_on_write ? 0 : offset < st.st_size ? st.st_size - offset : 0;
  if (inside >= static_cast<long long>(n)) return static_cast<long long>(n);
  const long long beyond = static_cast<long long>(n) - inside;
  for (;;) {
    if (now == 0) {
      if (inside > 0) return inside;
      errno = ENOSPC;
      return -1;
    }
    const long long take = beyond < now ? beyond : now;
    if (left.compare_exchange_weak(now, now - take)) return inside + take;
  }
}

template <class F>
F next(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

ssize_t write(int fd, const void* buf, size_t n) {
  static auto real = next<ssize_t (*)(int, const void*, size_t)>("write");
  const long long k = allowance(fd, n, -1);
  if (k < 0) return -1;
  return real(fd, buf, static_cast<size_t>(k));
}

ssize_t pwrite(int fd, const void* buf, size_t n, off_t offset) {
  static auto real = next<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite");
  const long long k = allowance(fd, n, static_cast<long long>(offset));
  if (k < 0) return -1;
  return real(fd, buf, static_cast<size_t>(k), offset);
}

ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t offset) {
  static auto real = next<ssize_t (*)(int, const void*, size_t, off64_t)>("pwrite64");
  const long long k = allowance(fd, n, static_cast<long long>(offset));
  if (k < 0) return -1;
  return real(fd, buf, static_cast<size_t>(k), offset);
}

}  // extern "C"
