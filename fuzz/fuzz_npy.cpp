// .npy reader: a file -> Tensor or frugal::Error.
#include <cstdint>
#include <string_view>

#include "frontend/npy/npy.h"
#include "fuzz_util.h"
#include "ir/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string path = frugal::fuzz::write_file("input.npy", {reinterpret_cast<const char*>(data), size}).string();
    try {
        frugal::read_npy(path);
    } catch (const frugal::Error&) {
    }
    return 0;
}
