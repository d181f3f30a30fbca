#include "ir/limits.h"

#include <unistd.h>

#include <atomic>

#include "ir/error.h"

namespace frugal {

static std::atomic<size_t> allocation_limit_set{0};

size_t allocation_limit() {
    size_t set = allocation_limit_set.load();
    if (set) return set;
    static const size_t physical = [] {
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        return pages > 0 && page > 0 ? size_t(pages) * size_t(page) : SIZE_MAX;
    }();
    return physical;
}

void set_allocation_limit(size_t bytes) { allocation_limit_set = bytes; }

std::string allocation_limit_description() {
    return "more than the " + std::to_string(allocation_limit()) + " bytes " +
           (allocation_limit_set.load() ? "a tensor may use here" : "of memory this machine has");
}

int64_t checked_mul(int64_t a, int64_t b, const std::string& what) {
    if (a < 0 || b < 0) fail(what + ": negative size " + std::to_string(a < 0 ? a : b));
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r)) fail(what + ": " + std::to_string(a) + " * " + std::to_string(b) + " overflows 64 bits");
    return r;
}

size_t checked_tensor_bytes(DType dtype, const Shape& shape, const std::string& what) {
    int64_t n = 1;
    for (int64_t d : shape) {
        if (d < 0) fail(what + ": shape " + shape_to_string(shape) + " has a negative dimension");
        if (__builtin_mul_overflow(n, d, &n))
            fail(what + ": shape " + shape_to_string(shape) + " has more elements than fit in 64 bits");
    }
    int64_t bytes;
    if (__builtin_mul_overflow(n, int64_t(dtype_size(dtype)), &bytes))
        fail(what + ": " + dtype_name(dtype) + shape_to_string(shape) + " needs more bytes than fit in 64 bits");
    if (uint64_t(bytes) > allocation_limit())
        fail(what + ": " + dtype_name(dtype) + shape_to_string(shape) + " needs " + std::to_string(bytes) + " bytes, " +
             allocation_limit_description());
    return size_t(bytes);
}

void check_value_sizes(const Graph& g) {
    for (const Value& v : g.values) {
        if (v.dtype == DType::undefined || !v.shape.is_static() || v.is_constant()) continue;
        std::string what = "value '" + v.name + "'";
        if (v.producer != kNoId && size_t(v.producer) < g.nodes.size()) what = g.nodes[size_t(v.producer)].context() + ": output '" + v.name + "'";
        checked_tensor_bytes(v.dtype, v.shape.dims, what);
    }
}

}  // namespace frugal
