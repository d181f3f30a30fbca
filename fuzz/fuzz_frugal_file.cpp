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

#ifdef FRUGAL_HAS_COMPILED_FILE
namespace {

// The header's file size and checksum made to match the mutated bytes (layout in
// compile/compiled_file.h), so that mutations of the section table, GRAPH and PACKED reach the
// decoder and its structural checks instead of stopping at the checksum. Inputs whose last byte
// is even are left as they are, for the header and checksum checks themselves.
void fix_up_header(std::byte* b, size_t size) {
    if (size < 256 + 24 || (uint8_t(b[size - 1]) & 1) == 0 || std::memcmp(b, "FRUGALCM", 8) != 0) return;
    uint64_t file_size = size;
    std::memcpy(b + 16, &file_size, 8);
    uint32_t count = 0;
    std::memcpy(&count, b + 24, 4);
    if (count == 0 || count > 8 || 256 + size_t(count) * 24 > size) return;
    uint64_t h = 0xcbf29ce484222325ull;
    auto fnv = [&](size_t from, size_t n) {
        for (size_t i = from; i < from + n; ++i) h = (h ^ uint8_t(b[i])) * 0x100000001b3ull;
    };
    fnv(256, size_t(count) * 24);
    for (uint32_t kind : {2u, 3u}) {  // GRAPH, then PACKED, as the loader sums them
        bool found = false;
        for (uint32_t i = 0; i < count && !found; ++i) {
            uint32_t k = 0;
            uint64_t offset = 0, length = 0;
            std::memcpy(&k, b + 256 + i * 24, 4);
            std::memcpy(&offset, b + 256 + i * 24 + 8, 8);
            std::memcpy(&length, b + 256 + i * 24 + 16, 8);
            if (k != kind) continue;
            if (offset > size || length > size - offset) return;
            fnv(size_t(offset), size_t(length));
            found = true;
        }
        if (!found) return;
    }
    std::memcpy(b + 32, &h, 8);
}

}  // namespace
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
#ifdef FRUGAL_HAS_COMPILED_FILE
    frugal::fuzz::scratch_dir();  // sets the allocation limit
    // An owned, 64-byte aligned copy, as a mapped file would be aligned.
    auto file = frugal::Buffer::allocate(size);
    if (size) std::memcpy(file->mutable_data(), data, size);
    fix_up_header(file->mutable_data(), size);
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
