#pragma once
// The message of the frugal::Error that f() throws, or "" when it throws none: tests of bad input
// assert on what the message names.
#include <string>

#include "ir/error.h"

namespace frugal::test {

template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace frugal::test
