#include "ir/tensor.h"

#include <cstring>

#include "ir/error.h"
#include "ir/limits.h"

namespace frugal {

Tensor Tensor::empty(DType t, const Shape& s) {
    Tensor r;
    r.dtype = t;
    r.shape = s;
    int64_t n = shape_numel(s);
    size_t es = dtype_size(t);
    if (n > 0 && size_t(n) > SIZE_MAX / es) fail("tensor of shape " + shape_to_string(s) + " is too large");
    size_t bytes = size_t(n) * es;
    if (bytes > allocation_limit())
        fail("tensor of " + std::string(dtype_name(t)) + shape_to_string(s) + " needs " + std::to_string(bytes) +
             " bytes, " + allocation_limit_description());
    r.buffer = Buffer::allocate(bytes);
    return r;
}

Tensor Tensor::over(DType t, const Shape& s, std::shared_ptr<Buffer> buffer, size_t offset) {
    Tensor r;
    r.dtype = t;
    r.shape = s;
    r.buffer = std::move(buffer);
    r.offset = offset;
    size_t need = r.nbytes();
    size_t have = r.buffer ? r.buffer->size() : 0;
    if (offset > have || need > have - offset)
        fail("tensor of " + std::string(dtype_name(t)) + shape_to_string(s) + " needs " + std::to_string(need) +
             " bytes at offset " + std::to_string(offset) + " but its buffer has " + std::to_string(have));
    return r;
}

Tensor Tensor::reshaped(const Shape& s) const {
    if (shape_numel(s) != numel())
        fail("cannot view " + shape_to_string(shape) + " as " + shape_to_string(s) + ": element counts differ");
    Tensor r = *this;
    r.shape = s;
    return r;
}

Tensor Tensor::clone() const {
    Tensor r = empty(dtype, shape);
    if (nbytes()) std::memcpy(r.mutable_raw(), raw(), nbytes());
    return r;
}

int64_t Tensor::int_at(int64_t i) const {
    return visit_dtype(dtype, [&]<class T>() -> int64_t {
        if constexpr (std::is_integral_v<T>) return static_cast<int64_t>(data<T>()[i]);
        else return static_cast<int64_t>(to_double(data<T>()[i]));
    });
}

double Tensor::double_at(int64_t i) const {
    return visit_dtype(dtype, [&]<class T>() -> double { return to_double(data<T>()[i]); });
}

std::vector<int64_t> Tensor::to_int_vector() const {
    std::vector<int64_t> v(static_cast<size_t>(numel()));
    // An empty vector's data() may be null, and memcpy with null is undefined even for 0 bytes
    // (UBSan, found by fuzz_ir: an IR Transpose with an empty order constant).
    if (v.empty()) return v;
    if (dtype == DType::i64) {
        std::memcpy(v.data(), raw(), v.size() * 8);
        return v;
    }
    for (int64_t i = 0; i < numel(); ++i) v[size_t(i)] = int_at(i);
    return v;
}

}  // namespace frugal
