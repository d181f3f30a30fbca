#include "ops/shape_op_util.h"

#include <cstring>

namespace frugal::ops {

std::vector<int64_t> int_list(const Tensor& t, const char* what) {
    if (!dtype_is_integer(t.dtype))
        fail(std::string(what) + " must be an integer tensor, found " + dtype_name(t.dtype));
    if (t.rank() > 1) fail(std::string(what) + " must be 1-D, found shape " + shape_to_string(t.shape));
    return t.to_int_vector();
}

const Tensor* optional_input(std::span<const Tensor* const> inputs, size_t i) {
    return i < inputs.size() ? inputs[i] : nullptr;
}

bool input_present(std::span<const ValueType> inputs, size_t i) { return i < inputs.size() && inputs[i].present; }

std::optional<std::vector<int64_t>> constant_ints(std::span<const ValueType> inputs, size_t i, const char* what) {
    if (!input_present(inputs, i) || !inputs[i].constant) return std::nullopt;
    return int_list(*inputs[i].constant, what);
}

int64_t known_length(const ValueType& v) {
    if (!v.shape.rank_known) return kDynamic;
    if (v.shape.rank() == 0) return 1;
    if (v.shape.rank() != 1) return kDynamic;
    return v.shape.dims[0];
}

std::vector<int64_t> normalize_axes(const std::vector<int64_t>& axes, int64_t rank, const char* what) {
    std::vector<int64_t> out;
    std::vector<bool> seen(static_cast<size_t>(rank), false);
    for (int64_t a : axes) {
        int64_t n = normalize_axis(a, rank, what);
        if (seen[size_t(n)]) fail(std::string(what) + " " + std::to_string(a) + " is given more than once");
        seen[size_t(n)] = true;
        out.push_back(n);
    }
    return out;
}

std::string dim_name(const PartialShape& p, size_t i) { return i < p.dim_names.size() ? p.dim_names[i] : std::string(); }

void push_dim(PartialShape& out, int64_t d, const std::string& name) {
    out.rank_known = true;
    out.dims.push_back(d);
    if (!name.empty() || !out.dim_names.empty()) {
        out.dim_names.resize(out.dims.size() - 1);
        out.dim_names.push_back(d >= 0 ? std::string() : name);
    }
}

void push_dim_of(PartialShape& out, const PartialShape& in, size_t i) { push_dim(out, in.dims[i], dim_name(in, i)); }

int64_t known_numel(const PartialShape& p) {
    if (!p.is_static()) return kDynamic;
    return shape_numel(p.dims);
}

void strided_copy(const std::byte* src, int64_t start, const std::vector<int64_t>& src_strides,
                  const Shape& out_shape, size_t esize, std::byte* dst) {
    int64_t n = shape_numel(out_shape);
    if (n == 0) return;
    size_t rank = out_shape.size();
    std::vector<int64_t> idx(rank, 0);
    int64_t s = start;
    for (int64_t i = 0; i < n; ++i) {
        std::memcpy(dst + size_t(i) * esize, src + s * int64_t(esize), esize);
        // Advance the output index like an odometer, keeping the source offset in step.
        for (size_t d = rank; d-- > 0;) {
            s += src_strides[d];
            if (++idx[d] < out_shape[d]) break;
            s -= src_strides[d] * out_shape[d];
            idx[d] = 0;
        }
    }
}

}  // namespace frugal::ops
