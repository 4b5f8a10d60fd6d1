// Literal packets in tests: hex("01 00 00 04") with spaces ignored.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "common/bytes.hpp"

namespace ec20ppp::testsupport {

inline Bytes hex(std::string_view text) {
    std::string compact;
    for (char c : text)
        if (c != ' ') compact += c;
    Bytes b;
    EXPECT_TRUE(from_hex(compact, b)) << "bad hex literal: " << text;
    return b;
}

inline Bytes operator+(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace ec20ppp::testsupport
