// The general transpose first drops size-1 dims and merges dims that stay neighbours (so 0213 on
// [b, s, h, d] becomes a 4-D copy with d-long runs, and a batch of rows collapses to one dim);
// when the last output dim is contiguous in the input, rows are copied with memcpy, otherwise
// elements are gathered with the input stride.
#include "kernels/cpu/transpose.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "ir/error.h"
#include "kernels/cpu/parallel_for.h"

namespace frugal::kernels {

namespace {

struct Dim {
    int64_t size;
    int64_t in_stride;  // in elements
};

// Output dims, merged where possible, with their input strides.
std::vector<Dim> simplify(const Shape& shape, std::span<const int64_t> perm) {
    std::vector<int64_t> axes;
    for (int64_t p : perm)
        if (shape[size_t(p)] != 1) axes.push_back(p);
    // Group runs of consecutive input axes; a group is (first axis, last axis).
    std::vector<std::pair<int64_t, int64_t>> groups;
    for (int64_t a : axes) {
        if (!groups.empty() && groups.back().second + 1 == a) groups.back().second = a;
        else groups.push_back({a, a});
    }
    std::vector<int64_t> in_strides(shape.size(), 1);
    for (int64_t d = int64_t(shape.size()) - 2; d >= 0; --d) in_strides[size_t(d)] = in_strides[size_t(d + 1)] * shape[size_t(d + 1)];
    std::vector<Dim> dims;
    for (auto [first, last] : groups) {
        int64_t size = 1;
        for (int64_t a = first; a <= last; ++a) size *= shape[size_t(a)];
        dims.push_back({size, in_strides[size_t(last)]});
    }
    if (dims.empty()) dims.push_back({1, 1});
    return dims;
}

template <class T>
void transpose_typed(const T* x, T* y, const std::vector<Dim>& dims) {
    const Dim inner = dims.back();
    int64_t outer = 1;
    for (size_t d = 0; d + 1 < dims.size(); ++d) outer *= dims[d].size;
    parallel_for(outer, outer * inner.size >= (1 << 15), [&](int64_t o) {
        int64_t src = 0, rest = o;
        for (size_t d = dims.size() - 1; d-- > 0;) {
            src += rest % dims[d].size * dims[d].in_stride;
            rest /= dims[d].size;
        }
        T* dst = y + o * inner.size;
        if (inner.in_stride == 1) {
            std::memcpy(dst, x + src, size_t(inner.size) * sizeof(T));
        } else {
            const T* s = x + src;
            for (int64_t i = 0; i < inner.size; ++i) dst[i] = s[i * inner.in_stride];
        }
    });
}

}  // namespace

void transpose_0213(const float* x, float* y, int64_t d0, int64_t d1, int64_t d2, int64_t d3) {
    size_t run = size_t(d3) * sizeof(float);
    parallel_for(d0 * d2, d0 * d1 * d2 * d3 >= (1 << 15), [&](int64_t ac) {
        int64_t a = ac / d2, c = ac % d2;
        for (int64_t b = 0; b < d1; ++b)
            std::memcpy(y + ((a * d2 + c) * d1 + b) * d3, x + ((a * d1 + b) * d2 + c) * d3, run);
    });
}

void transpose(const void* x, void* y, const Shape& shape, std::span<const int64_t> perm, size_t elem_size) {
    std::vector<bool> seen(shape.size(), false);
    bool ok = perm.size() == shape.size();
    for (size_t i = 0; ok && i < perm.size(); ++i) {
        ok = perm[i] >= 0 && perm[i] < int64_t(shape.size()) && !seen[size_t(perm[i])];
        if (ok) seen[size_t(perm[i])] = true;
    }
    if (!ok) {
        std::string message = "transpose: perm [";
        for (size_t i = 0; i < perm.size(); ++i) {
            if (i) message += ",";
            message += std::to_string(perm[i]);
        }
        message += "] is not a permutation of the dims of " + shape_to_string(shape);
        fail(message);
    }
    if (shape_numel(shape) == 0) return;
    std::vector<Dim> dims = simplify(shape, perm);
    switch (elem_size) {
        case 1: return transpose_typed(static_cast<const uint8_t*>(x), static_cast<uint8_t*>(y), dims);
        case 2: return transpose_typed(static_cast<const uint16_t*>(x), static_cast<uint16_t*>(y), dims);
        case 4: return transpose_typed(static_cast<const uint32_t*>(x), static_cast<uint32_t*>(y), dims);
        case 8: return transpose_typed(static_cast<const uint64_t*>(x), static_cast<uint64_t*>(y), dims);
        default: fail("transpose: element size " + std::to_string(elem_size) + " is not 1, 2, 4 or 8");
    }
}

}  // namespace frugal::kernels
