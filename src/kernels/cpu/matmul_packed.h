#pragma once
// y = act(x @ B + bias) + residual with a constant B held in oneDNN's packed (blocked) layout.
//
// oneDNN reaches memory bandwidth on decode-sized matmuls (M = 1) only with its own weight layout
// (DESIGN.md, "Measuring"); on this machine's AVX-512 that is "BA16a64b": B [K, N] cut into 64-wide
// column panels, each panel stored as 16-row blocks with the 16 rows of a column interleaved.
// The layout does not depend on M, so it is chosen once (from the primitive for M = 1) and every
// M gets its own primitive, cached, over the same packed bytes.
//
// Memory contract 4: pack() moves the weight into the packed layout and releases the original as
// it goes (block by block for the BA16a64b layout, whole otherwise), so a model never holds a
// weight in both layouts for longer than one weight's packing. A weight
// with two consumers (the tied token embedding, read by Gather and by the logits matmul) stays
// held once: gather_rows() reads rows of the original tensor back out of the packed bytes.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "ir/tensor.h"

namespace frugal::kernels {

enum class Activation { none, gelu_tanh, gelu_erf };

struct MatmulOptions {
    // The weight tensor is [N, K] and B is its transpose (logits = x @ embedding^T). The packing
    // reads it through strides; no transposed copy is made.
    bool transposed_b = false;
    Activation activation = Activation::none;
    // run() adds a [M, N] tensor after the activation (a oneDNN binary post-op).
    bool residual = false;
    // M = 1 goes through our own gemv_panels when the layout is BA16a64b (10-25% faster than
    // oneDNN's brgemm on the GPT-2 medium shapes, bench BM_MatmulPacked); false keeps oneDNN.
    bool single_row_gemv = true;
    // pack() writes the BA16a64b layout with our own loop (pack_panels.h, memory speed) and keeps
    // oneDNN's reorder for any other layout; false takes the reorder always (tests compare them).
    bool own_packing = true;
};

class PackedMatmul {
public:
    // weight: f32 [K, N], or [N, K] with transposed_b. bias: empty or f32 with N elements; it is
    // shared, not copied. Only the shape of weight is read here; pack() takes its bytes.
    PackedMatmul(const Tensor& weight, MatmulOptions options = {}, Tensor bias = {});
    // The same from B's dimensions alone (a compiled file's weight, packed already).
    PackedMatmul(int64_t K, int64_t N, MatmulOptions options = {}, Tensor bias = {});
    ~PackedMatmul();
    PackedMatmul(PackedMatmul&&) noexcept;
    PackedMatmul& operator=(PackedMatmul&&) noexcept;

    // Reorders weight into a new packed buffer, then releases the original: a mapped file's pages
    // are dropped (Buffer::release_pages) and `weight` is reset, so the caller's reference is
    // gone. The bytes are freed when no other Tensor shares the buffer. Call once.
    //
    // With our own packing the source is consumed in blocks of rows and each block's pages are
    // dropped as soon as it is packed (Buffer::release_range: a mapped file, or owned memory that
    // no other Tensor shares), so the original shrinks while the packed copy grows.
    void pack(Tensor& weight);
    // Takes bytes that are already in this object's packed layout (from a compiled file: a view
    // into the mapped file, not copied). Throws unless they are packed_bytes() long and 64-byte
    // aligned; the caller vouches that the layout is geometry() (the file records it).
    void adopt_packed(std::shared_ptr<const Buffer> bytes);
    bool packed() const;
    // The packed bytes (null before pack), for writing a compiled file.
    const std::shared_ptr<const Buffer>& packed_buffer() const;

    int64_t k() const;
    int64_t n() const;
    const MatmulOptions& options() const;
    // Bytes of the packed weight (N and K padded up to the block sizes).
    size_t packed_bytes() const;
    // The blocked layout as oneDNN describes it, e.g. "BA16a64b" (outer dims, then inner blocks).
    std::string layout() const;
    // layout() with the padded dims, strides and offset: everything that must be equal for packed
    // bytes written by one process to be read by another, e.g.
    // "BA16a64b dims 1024x4096 padded 1024x4096 strides 1024,65536 offset 0 bytes 16777216".
    std::string geometry() const;

    // x [M, K] row-major -> y [M, N] row-major. residual [M, N] is required exactly when the
    // options ask for it; it must not overlap y. Not for concurrent calls on one object (the
    // per-M primitive cache is unguarded).
    void run(const float* x, int64_t M, float* y, const float* residual = nullptr);

    // Rows of the original weight tensor, read from the packed bytes: with transposed_b a row is
    // [K] (a column of B; the embedding row of a token), otherwise [N]. ids may be negative
    // (counting from the end, as ONNX Gather); out of range throws. out is [count, row length].
    void gather_rows(const int64_t* ids, int64_t count, float* out) const;
    int64_t rows() const;  // rows of the original weight tensor: N with transposed_b, else K

private:
    void finish(std::shared_ptr<const Buffer> packed);
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// What packed layouts depend on, for a compiled file's header: oneDNN's version and the ISA it
// dispatches to, and the cpuid features frugal's own kernels were built for, e.g.
// "onednn 2.6.3 isa avx512_core_bf16; kernels avx512f avx512bw avx512vl avx512vnni avx512bf16".
std::string packing_cpu_signature();

}  // namespace frugal::kernels
