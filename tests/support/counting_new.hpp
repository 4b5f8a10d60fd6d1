// Replaces the global operator new/delete with versions that count allocations, for tests that
// prove a path never touches the heap. Include it in exactly one source file of a test binary
// (replacement functions must be defined once, [replacement.functions]); read
// ec20ppp::testsupport::allocations() before and after the code under test.
#pragma once

#include <atomic>
#include <cstdlib>
#include <new>

namespace ec20ppp::testsupport {
inline std::atomic<std::size_t> g_allocations{0};
inline std::size_t allocations() { return g_allocations.load(); }
}  // namespace ec20ppp::testsupport

namespace {
// Out of line, so GCC (with -fsanitize=address) does not pair an inlined new with free() and
// fail the build with -Wmismatched-new-delete.
[[gnu::noinline]] void* counted_malloc(std::size_t size) {
    ec20ppp::testsupport::g_allocations.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(size == 0 ? 1 : size);
}
[[gnu::noinline]] void release(void* p) noexcept { std::free(p); }
}  // namespace

// Only the plain forms are replaced; every other form forwards to them by default.
void* operator new(std::size_t size) {
    if (void* p = counted_malloc(size)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
