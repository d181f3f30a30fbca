#include "ops/op_util.h"

#include <algorithm>

namespace frugal {

Shape broadcast_shapes(const Shape& a, const Shape& b) {
    size_t r = std::max(a.size(), b.size());
    Shape out(r);
    for (size_t i = 0; i < r; ++i) {
        int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
        int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
        if (da != db && da != 1 && db != 1)
            fail("shapes " + shape_to_string(a) + " and " + shape_to_string(b) + " do not broadcast");
        out[i] = da == 1 ? db : da;
    }
    return out;
}

PartialShape broadcast_partial(const PartialShape& a, const PartialShape& b) {
    if (!a.rank_known || !b.rank_known) return PartialShape::unknown_rank();
    size_t r = std::max(a.rank(), b.rank());
    PartialShape out = PartialShape::of_rank(r);
    for (size_t i = 0; i < r; ++i) {
        int64_t da = i < r - a.rank() ? 1 : a.dims[i - (r - a.rank())];
        int64_t db = i < r - b.rank() ? 1 : b.dims[i - (r - b.rank())];
        if (da == 1) out.dims[i] = db;
        else if (db == 1) out.dims[i] = da;
        else if (da == kDynamic) out.dims[i] = db;  // db is either dynamic or the size both must have
        else if (db == kDynamic) out.dims[i] = da;
        else if (da != db)
            fail("shapes " + a.to_string() + " and " + b.to_string() + " do not broadcast");
        else out.dims[i] = da;
    }
    return out;
}

BroadcastIndexer::BroadcastIndexer(const Shape& out, const Shape& in) {
    out_strides_ = shape_strides(out);
    in_strides_.assign(out.size(), 0);
    std::vector<int64_t> s = shape_strides(in);
    size_t off = out.size() - in.size();
    for (size_t i = 0; i < in.size(); ++i) in_strides_[off + i] = in[i] == 1 ? 0 : s[i];
}

int64_t BroadcastIndexer::at(int64_t flat) const {
    int64_t idx = 0;
    for (size_t d = 0; d < out_strides_.size(); ++d) {
        int64_t q = flat / out_strides_[d];
        flat -= q * out_strides_[d];
        idx += q * in_strides_[d];
    }
    return idx;
}

const Tensor& require_input(std::span<const Tensor* const> inputs, size_t i) {
    if (i >= inputs.size() || !inputs[i]) fail("missing required input " + std::to_string(i));
    return *inputs[i];
}

const ValueType& require_input(std::span<const ValueType> inputs, size_t i) {
    if (i >= inputs.size() || !inputs[i].present) fail("missing required input " + std::to_string(i));
    return inputs[i];
}

void infer_broadcast_same_type(std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& first = require_input(inputs, 0);
    PartialShape s = first.shape;
    for (size_t i = 1; i < inputs.size(); ++i)
        if (inputs[i].present) s = broadcast_partial(s, inputs[i].shape);
    outputs[0].dtype = first.dtype;
    outputs[0].shape = s;
}

void infer_same_as_first(std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& first = require_input(inputs, 0);
    outputs[0].dtype = first.dtype;
    outputs[0].shape = first.shape;
}

}  // namespace frugal
