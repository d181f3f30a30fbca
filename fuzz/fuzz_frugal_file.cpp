// The compiled .frugal file loader: bytes -> CompiledModel or frugal::Error.
// The loader comes with the compile-and-run work (branch `packing`, compile/compiled_file.h,
// load_compiled_bytes); until that is merged this target accepts every input and does nothing,
// so that the build and `make fuzz` work on either side of the merge.
#include <cstdint>
#include <cstring>

#if __has_include("compile/compiled_file.h")
#include "compile/compiled_file.h"
#include "fuzz_util.h"
#include "ir/buffer.h"
#include "ir/error.h"
#define FRUGAL_HAS_COMPILED_FILE 1
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
#ifdef FRUGAL_HAS_COMPILED_FILE
    frugal::fuzz::scratch_dir();  // sets the allocation limit
    // An owned, 64-byte aligned copy, as a mapped file would be aligned.
    auto file = frugal::Buffer::allocate(size);
    if (size) std::memcpy(file->mutable_data(), data, size);
    try {
        frugal::compile::load_compiled_bytes(file, "fuzz.frugal");
    } catch (const frugal::Error&) {
    }
#else
    (void)data;
    (void)size;
#endif
    return 0;
}
