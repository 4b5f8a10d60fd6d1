// CHECK(cond) for the fuzz targets: a violated property says which (file, line, condition) and
// abort()s, so libFuzzer and the replay runs (replay_main.cpp) report it as a finding.
#pragma once

#include <cstdio>
#include <cstdlib>

#define CHECK(cond)                                                                             \
    do {                                                                                        \
        if (!(cond)) {                                                                          \
            std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                       \
        }                                                                                       \
    } while (0)
