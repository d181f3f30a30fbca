// Slice (opset 10+): inputs data, starts, ends, axes (optional, default 0..n-1) and steps
// (optional, default 1). Per axis, as the ONNX spec clamps: negative start/end add the dim; for a
// positive step both clamp to [0, dim], for a negative step start clamps to [0, dim-1] and end to
// [-1, dim-1]. The result is a view when it is one contiguous range of the input.
#include <algorithm>

#include "ops/op_functions.h"
#include "ops/shape_op_util.h"

namespace frugal::ops {

struct SliceArgs {
    std::vector<int64_t> starts, ends, axes, steps;  // axes normalized
};

static SliceArgs slice_args(std::vector<int64_t> starts, std::vector<int64_t> ends,
                            std::optional<std::vector<int64_t>> axes, std::optional<std::vector<int64_t>> steps,
                            int64_t rank) {
    size_t n = starts.size();
    if (ends.size() != n)
        fail("starts has " + std::to_string(n) + " entries but ends has " + std::to_string(ends.size()));
    if (!axes) {
        if (int64_t(n) > rank) fail("starts has " + std::to_string(n) + " entries for rank " + std::to_string(rank));
        axes.emplace(n);
        for (size_t i = 0; i < n; ++i) (*axes)[i] = int64_t(i);
    }
    if (axes->size() != n)
        fail("starts has " + std::to_string(n) + " entries but axes has " + std::to_string(axes->size()));
    if (!steps) steps.emplace(n, 1);
    if (steps->size() != n)
        fail("starts has " + std::to_string(n) + " entries but steps has " + std::to_string(steps->size()));
    for (int64_t s : *steps)
        if (s == 0) fail("slice steps cannot be 0");
    return {std::move(starts), std::move(ends), normalize_axes(*axes, rank, "axis"), std::move(*steps)};
}

// The clamped first index and the element count along one axis of size dim.
static void slice_axis(int64_t start, int64_t end, int64_t step, int64_t dim, int64_t& first, int64_t& count) {
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    if (dim == 0) {
        first = 0;
        count = 0;
        return;
    }
    if (step > 0) {
        start = std::max<int64_t>(0, std::min(start, dim));
        end = std::max<int64_t>(0, std::min(end, dim));
        count = end > start ? (end - start - 1) / step + 1 : 0;
    } else {
        start = std::max<int64_t>(0, std::min(start, dim - 1));
        end = std::max<int64_t>(-1, std::min(end, dim - 1));
        // ceil((start - end) / -step) without negating step, which may be INT64_MIN.
        count = start > end ? 1 - (start - end - 1) / step : 0;
    }
    first = start;
}

void infer_slice(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& in = require_input(inputs, 0);
    require_input(inputs, 1);
    require_input(inputs, 2);
    outputs[0].dtype = in.dtype;
    if (!in.shape.rank_known) {
        outputs[0].shape = PartialShape::unknown_rank();
        return;
    }
    int64_t rank = int64_t(in.shape.rank());
    auto starts = constant_ints(inputs, 1, "Slice's starts");
    auto ends = constant_ints(inputs, 2, "Slice's ends");
    auto axes = constant_ints(inputs, 3, "Slice's axes");
    auto steps = constant_ints(inputs, 4, "Slice's steps");
    bool axes_known = !input_present(inputs, 3) || axes;
    bool steps_known = !input_present(inputs, 4) || steps;
    PartialShape out = in.shape;
    if (starts && ends && axes_known && steps_known) {
        SliceArgs a = slice_args(*starts, *ends, axes, steps, rank);
        for (size_t i = 0; i < a.axes.size(); ++i) {
            size_t ax = size_t(a.axes[i]);
            int64_t dim = in.shape.dims[ax], first = 0, count = kDynamic;
            if (dim >= 0) slice_axis(a.starts[i], a.ends[i], a.steps[i], dim, first, count);
            out.dims[ax] = count;
            if (ax < out.dim_names.size()) out.dim_names[ax].clear();
        }
    } else if (axes) {
        // Only the listed axes change, by amounts unknown here.
        for (int64_t ax : normalize_axes(*axes, rank, "axis")) {
            out.dims[size_t(ax)] = kDynamic;
            if (size_t(ax) < out.dim_names.size()) out.dim_names[size_t(ax)].clear();
        }
    } else {
        out = PartialShape::of_rank(size_t(rank));
    }
    outputs[0].shape = out;
}

void evaluate_slice(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& in = require_input(inputs, 0);
    int64_t rank = int64_t(in.rank());
    std::optional<std::vector<int64_t>> axes, steps;
    if (const Tensor* t = optional_input(inputs, 3)) axes = int_list(*t, "Slice's axes");
    if (const Tensor* t = optional_input(inputs, 4)) steps = int_list(*t, "Slice's steps");
    SliceArgs a = slice_args(int_list(require_input(inputs, 1), "Slice's starts"),
                             int_list(require_input(inputs, 2), "Slice's ends"), axes, steps, rank);

    // Full range by default; the sliced axes override.
    std::vector<int64_t> first(static_cast<size_t>(rank), 0), step(size_t(rank), 1);
    Shape out_shape = in.shape;
    for (size_t i = 0; i < a.axes.size(); ++i) {
        size_t ax = size_t(a.axes[i]);
        slice_axis(a.starts[i], a.ends[i], a.steps[i], in.shape[ax], first[ax], out_shape[ax]);
        step[ax] = a.steps[i];
    }
    if (shape_numel(out_shape) == 0) {
        outputs[0] = Tensor::empty(in.dtype, out_shape);
        return;
    }

    std::vector<int64_t> in_strides = shape_strides(in.shape);
    int64_t start = 0;
    std::vector<int64_t> src_strides(static_cast<size_t>(rank), 0);
    for (size_t d = 0; d < size_t(rank); ++d) {
        start += first[d] * in_strides[d];
        src_strides[d] = step[d] * in_strides[d];
    }
    // Contiguous when, from the innermost axis out: some axes are whole, then at most one axis is
    // a step-1 range, and every axis further out takes a single index.
    bool contiguous = true, inside_range = false;
    for (size_t d = size_t(rank); d-- > 0;) {
        int64_t n = out_shape[d];
        if (inside_range) {
            if (n != 1) contiguous = false;
        } else if (n == in.shape[d] && (n == 1 || step[d] == 1)) {
            continue;
        } else {
            if (n != 1 && step[d] != 1) contiguous = false;
            inside_range = true;
        }
    }
    size_t esize = dtype_size(in.dtype);
    if (contiguous) {
        outputs[0] = Tensor::over(in.dtype, out_shape, in.buffer, in.offset + size_t(start) * esize);
        return;
    }
    Tensor out = Tensor::empty(in.dtype, out_shape);
    strided_copy(in.raw(), start, src_strides, out_shape, esize, out.mutable_raw());
    outputs[0] = out;
}

}  // namespace frugal::ops
