#pragma once
// Our own packing into oneDNN's "BA16a64b" layout (see gemv_panels.h): B [K, N] as 64-column
// panels, panel p at p * panel_stride floats, holding B[:, 64p : 64p + 64] as a row-major
// [K padded to 16, 64] block; element (k, n) sits at (n / 64) * panel_stride + k * 64 + n % 64.
// oneDNN's reorder into that layout runs at about 140 MB/s here; this is a copy (or a tiled
// transpose for the tied embedding) at memory speed.
//
// The source is consumed front to back in blocks, and after each block `consumed` is told how
// many leading source bytes will not be read again, so the caller can drop those pages while
// the rest is still being packed (memory contract 4: the original goes as the packed copy
// grows, rather than after it is complete). The transposed case writes dst panel after panel,
// in source order; the row-major case writes a slice of every panel per block, so dst's huge
// pages are all touched early and only the source side shrinks progressively.
#include <cstddef>
#include <cstdint>
#include <functional>

namespace frugal::kernels {

// Where the source's bytes come from: read in place from `data`, or, when `read` is set, copied
// a few hundred KB at a time (each thread its own part) into per-thread staging buffers by
// read(offset, bytes, into), offsets in bytes from the source's start: how a mapped file is
// packed (BufferReader). read() runs on the OpenMP threads, so it must not throw: it returns
// false when it could not read, and packing stops.
struct PackSource {
    const float* data = nullptr;
    std::function<bool(size_t offset, size_t bytes, float* into)> read;
};

// src: B as row-major [K, N], or with `transposed` its transpose stored row-major [N, K].
// dst: panel_stride * ceil(N / 64) floats, zero-filled (the padding rows and columns are left
// as they are). panel_stride must be at least K rounded up to 16, times 64. Returns false if
// src.read failed (dst is then incomplete).
bool pack_panels(const PackSource& src, int64_t K, int64_t N, bool transposed, int64_t panel_stride, float* dst,
                 const std::function<void(size_t consumed_bytes)>& consumed = {});
inline void pack_panels(const float* src, int64_t K, int64_t N, bool transposed, int64_t panel_stride, float* dst,
                        const std::function<void(size_t consumed_bytes)>& consumed = {}) {
    pack_panels(PackSource{src, {}}, K, N, transposed, panel_stride, dst, consumed);  // cannot fail
}

}  // namespace frugal::kernels
