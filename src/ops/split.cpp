// Split: cuts the input along `axis` into outputs.size() parts. Sizes come from the split input
// (opset 13+) or attribute (before 13); otherwise the parts are equal, and with num_outputs
// (opset 18) an uneven dim gives every part ceil(dim / n) and the last part the rest.
// Parts that are contiguous in the input (nothing but 1s before the axis) are views.
#include <cstring>

#include "ops/op_functions.h"
#include "ops/shape_op_util.h"

namespace frugal::ops {

// Part sizes along the axis; entries are kDynamic when the dim is unknown and no sizes are given.
static std::vector<int64_t> split_sizes(const Node& node, const std::optional<std::vector<int64_t>>& given,
                                        int64_t dim, size_t n_outputs) {
    if (given) {
        if (given->size() != n_outputs)
            fail("split has " + std::to_string(given->size()) + " sizes for " + std::to_string(n_outputs) + " outputs");
        int64_t sum = 0;
        for (int64_t s : *given) {
            if (s < 0) fail("split sizes " + shape_to_string(*given) + " have a negative entry");
            sum += s;
        }
        if (dim >= 0 && sum != dim)
            fail("split sizes " + shape_to_string(*given) + " add up to " + std::to_string(sum) +
                 " but the axis has size " + std::to_string(dim));
        return *given;
    }
    bool has_num = node.attrs.has("num_outputs");
    int64_t n = has_num ? node.attrs.get_int("num_outputs") : int64_t(n_outputs);
    if (n <= 0 || size_t(n) != n_outputs)
        fail("num_outputs is " + std::to_string(n) + " but the node has " + std::to_string(n_outputs) + " outputs");
    std::vector<int64_t> sizes(n_outputs, kDynamic);
    if (dim < 0) return sizes;
    if (dim % n == 0) {
        sizes.assign(n_outputs, dim / n);
        return sizes;
    }
    if (!has_num)
        fail("an axis of size " + std::to_string(dim) + " does not split into " + std::to_string(n) + " equal parts");
    int64_t chunk = (dim + n - 1) / n;
    int64_t last = dim - chunk * (n - 1);
    if (last < 0)
        fail("an axis of size " + std::to_string(dim) + " does not split into " + std::to_string(n) +
             " parts of " + std::to_string(chunk));
    sizes.assign(n_outputs, chunk);
    sizes.back() = last;
    return sizes;
}

static std::optional<std::vector<int64_t>> split_attr(const Node& node) {
    if (node.attrs.has("split")) return node.attrs.get_ints("split");
    return std::nullopt;
}

void infer_split(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& in = require_input(inputs, 0);
    for (ValueType& o : outputs) {
        o.dtype = in.dtype;
        o.shape = PartialShape::unknown_rank();
    }
    if (!in.shape.rank_known) return;
    size_t axis = size_t(normalize_axis(node.attrs.get_int("axis", 0), int64_t(in.shape.rank())));
    std::optional<std::vector<int64_t>> given;
    bool sizes_unknown = false;
    if (input_present(inputs, 1)) {
        given = constant_ints(inputs, 1, "Split's split");
        sizes_unknown = !given;
    } else {
        given = split_attr(node);
    }
    std::vector<int64_t> sizes(outputs.size(), kDynamic);
    if (!sizes_unknown) sizes = split_sizes(node, given, in.shape.dims[axis], outputs.size());
    for (size_t k = 0; k < outputs.size(); ++k) {
        PartialShape s;
        for (size_t i = 0; i < in.shape.rank(); ++i) {
            if (i == axis) push_dim(s, sizes[k]);
            else push_dim_of(s, in.shape, i);
        }
        outputs[k].shape = s;
    }
}

void evaluate_split(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& in = require_input(inputs, 0);
    size_t axis = size_t(normalize_axis(node.attrs.get_int("axis", 0), int64_t(in.rank())));
    std::optional<std::vector<int64_t>> given;
    if (const Tensor* t = optional_input(inputs, 1)) given = int_list(*t, "Split's split");
    else given = split_attr(node);
    std::vector<int64_t> sizes = split_sizes(node, given, in.shape[axis], outputs.size());

    size_t esize = dtype_size(in.dtype);
    int64_t outer = 1, inner = 1;
    for (size_t i = 0; i < axis; ++i) outer *= in.shape[i];
    for (size_t i = axis + 1; i < in.rank(); ++i) inner *= in.shape[i];
    size_t in_row = size_t(in.shape[axis] * inner) * esize;  // bytes of one outer row of the input
    int64_t begin = 0;
    for (size_t k = 0; k < outputs.size(); ++k) {
        Shape s = in.shape;
        s[axis] = sizes[k];
        size_t block = size_t(sizes[k] * inner) * esize;
        size_t at = size_t(begin * inner) * esize;
        if (outer == 1 && block > 0) {
            outputs[k] = Tensor::over(in.dtype, s, in.buffer, in.offset + at);
        } else {
            Tensor out = Tensor::empty(in.dtype, s);
            for (int64_t o = 0; o < outer && block > 0; ++o)
                std::memcpy(out.mutable_raw() + size_t(o) * block, in.raw() + size_t(o) * in_row + at, block);
            outputs[k] = out;
        }
        begin += sizes[k];
    }
}

}  // namespace frugal::ops
