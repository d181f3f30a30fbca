#pragma once
// A tensor is an element type, a concrete shape and a window of a Buffer. Tensors are cheap
// values: copying one shares the buffer, which is how view ops (Reshape, Squeeze, contiguous
// Slice) fold without copying a weight (memory contract 2).
#include <memory>
#include <span>
#include <vector>

#include "ir/buffer.h"
#include "ir/dtype.h"
#include "ir/shape.h"

namespace frugal {

struct Tensor {
    DType dtype = DType::undefined;
    Shape shape;
    std::shared_ptr<Buffer> buffer;
    size_t offset = 0;  // in bytes, into buffer

    // A new owned, zero-filled tensor.
    static Tensor empty(DType t, const Shape& s);
    // A tensor over existing storage; checks that the bytes fit.
    static Tensor over(DType t, const Shape& s, std::shared_ptr<Buffer> buffer, size_t offset = 0);
    template <class T>
    static Tensor from_vector(const Shape& s, const std::vector<T>& v) {
        Tensor t = empty(dtype_of<T>(), s);
        T* d = t.mutable_data<T>();
        for (size_t i = 0; i < v.size() && i < size_t(t.numel()); ++i) d[i] = v[i];
        return t;
    }
    template <class T>
    static Tensor scalar(T v) {
        return from_vector<T>({}, {v});
    }

    bool valid() const { return buffer != nullptr || numel() == 0; }
    int64_t numel() const { return shape_numel(shape); }
    size_t nbytes() const { return size_t(numel()) * dtype_size(dtype); }
    size_t rank() const { return shape.size(); }

    const std::byte* raw() const { return buffer ? buffer->data() + offset : nullptr; }
    std::byte* mutable_raw() { return buffer ? buffer->mutable_data() + offset : nullptr; }
    template <class T>
    const T* data() const {
        return reinterpret_cast<const T*>(raw());
    }
    template <class T>
    T* mutable_data() {
        return reinterpret_cast<T*>(mutable_raw());
    }

    // Same bytes, another shape with the same element count (no copy).
    Tensor reshaped(const Shape& s) const;
    // A deep copy into an owned buffer (used where an op must write).
    Tensor clone() const;
    // Element i converted to int64 / double (any dtype); for shape inputs and tests.
    int64_t int_at(int64_t i) const;
    double double_at(int64_t i) const;
    // All elements as int64 (for shape-like inputs such as Reshape's shape).
    std::vector<int64_t> to_int_vector() const;
};

}  // namespace frugal
