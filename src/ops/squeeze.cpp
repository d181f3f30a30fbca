// Squeeze: a view without the listed size-1 axes, or without every size-1 axis when no axes are
// given. Axes are an attribute before opset 13 and an int64 input from 13.
#include "ops/op_functions.h"
#include "ops/shape_op_util.h"

namespace frugal::ops {

// The axes to remove: the input (opset 13) or the attribute (older models), if either is given.
static std::optional<std::vector<int64_t>> squeeze_axes_attr(const Node& node) {
    if (node.attrs.has("axes")) return node.attrs.get_ints("axes");
    return std::nullopt;
}

static PartialShape squeezed(const PartialShape& in, const std::vector<int64_t>& axes) {
    std::vector<int64_t> norm = normalize_axes(axes, int64_t(in.rank()), "axis");
    std::vector<bool> drop(in.rank(), false);
    for (int64_t a : norm) {
        int64_t d = in.dims[size_t(a)];
        if (d >= 0 && d != 1)
            fail("cannot squeeze axis " + std::to_string(a) + " of " + in.to_string() + ": its size is " +
                 std::to_string(d) + ", not 1");
        drop[size_t(a)] = true;
    }
    PartialShape out;
    out.rank_known = true;
    for (size_t i = 0; i < in.rank(); ++i)
        if (!drop[i]) push_dim_of(out, in, i);
    return out;
}

void infer_squeeze(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& in = require_input(inputs, 0);
    outputs[0].dtype = in.dtype;
    std::optional<std::vector<int64_t>> axes;
    if (input_present(inputs, 1)) {
        axes = constant_ints(inputs, 1, "Squeeze's axes");
        if (!axes) {
            // Unknown axes: the rank is known only if the input's rank and the axes' count are.
            int64_t n = known_length(inputs[1]);
            outputs[0].shape = in.shape.rank_known && n >= 0 && n <= int64_t(in.shape.rank())
                                   ? PartialShape::of_rank(in.shape.rank() - size_t(n))
                                   : PartialShape::unknown_rank();
            return;
        }
    } else {
        axes = squeeze_axes_attr(node);
    }
    if (!in.shape.rank_known) {
        outputs[0].shape = PartialShape::unknown_rank();
        return;
    }
    if (axes) {
        outputs[0].shape = squeezed(in.shape, *axes);
        return;
    }
    // No axes: every size-1 dim goes, which is only known when no dim is dynamic.
    std::vector<int64_t> ones;
    for (size_t i = 0; i < in.shape.rank(); ++i) {
        if (in.shape.dims[i] < 0) {
            outputs[0].shape = PartialShape::unknown_rank();
            return;
        }
        if (in.shape.dims[i] == 1) ones.push_back(int64_t(i));
    }
    outputs[0].shape = squeezed(in.shape, ones);
}

void evaluate_squeeze(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& in = require_input(inputs, 0);
    std::optional<std::vector<int64_t>> axes;
    if (const Tensor* t = optional_input(inputs, 1)) axes = int_list(*t, "Squeeze's axes");
    else axes = squeeze_axes_attr(node);
    if (!axes) {
        axes.emplace();
        for (size_t i = 0; i < in.rank(); ++i)
            if (in.shape[i] == 1) axes->push_back(int64_t(i));
    }
    outputs[0] = in.reshaped(squeezed(in.shape, *axes).dims);
}

}  // namespace frugal::ops
