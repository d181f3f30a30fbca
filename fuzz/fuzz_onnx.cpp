// ONNX reader: bytes -> Model (parse, graph checks, shape inference) or frugal::Error.
#include <cstdint>
#include <string_view>

#include "frontend/onnx/read_onnx.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    frugal::fuzz::scratch_dir();  // sets the allocation limit
    try {
        frugal::read_onnx_bytes(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.onnx");
    } catch (const frugal::Error&) {
    }
    return 0;
}
