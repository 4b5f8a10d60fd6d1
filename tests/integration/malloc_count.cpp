// LD_PRELOAD helper for the integration tests: counts the process's heap allocations (malloc,
// calloc, realloc and the aligned forms; operator new ends in malloc) in an 8-octet counter
// shared with the file named by $EC20PPP_MALLOC_COUNT, which a case reads before and after a
// transfer to show that the real binary's data path allocates nothing per packet. Forwards to
// glibc's own functions.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
}

namespace {
std::uint64_t* counter = nullptr;

__attribute__((constructor)) void open_counter() {
    const char* path = std::getenv("EC20PPP_MALLOC_COUNT");
    if (!path) return;
    const int fd = ::open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return;
    if (::ftruncate(fd, sizeof(std::uint64_t)) == 0) {
        void* p = ::mmap(nullptr, sizeof(std::uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p != MAP_FAILED) counter = static_cast<std::uint64_t*>(p);
    }
    ::close(fd);
}

void count() {
    if (counter) __atomic_add_fetch(counter, 1, __ATOMIC_RELAXED);
}
}  // namespace

extern "C" {
void* malloc(std::size_t n) {
    count();
    return __libc_malloc(n);
}
void* calloc(std::size_t a, std::size_t b) {
    count();
    return __libc_calloc(a, b);
}
void* realloc(void* p, std::size_t n) {
    count();
    return __libc_realloc(p, n);
}
void* memalign(std::size_t a, std::size_t n) {
    count();
    return __libc_memalign(a, n);
}
void* aligned_alloc(std::size_t a, std::size_t n) {
    count();
    return __libc_memalign(a, n);
}
int posix_memalign(void** out, std::size_t a, std::size_t n) {
    count();
    void* p = __libc_memalign(a, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
}
