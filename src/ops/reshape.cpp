// Reshape: a view of the input with another shape (no copy). In the shape input, -1 is inferred
// from the element count and 0 copies the input's dim at that position, unless allowzero=1
// (opset 14), where 0 is a real zero-sized dim.
#include "ops/op_functions.h"
#include "ops/shape_op_util.h"

namespace frugal::ops {

// Works on partial shapes so that inference and evaluate share one set of rules. Dims copied by a
// 0 appear on both sides of the element count equation and cancel, so `[batch, 12, 64]` reshaped
// by `[0, -1]` still infers 768 while batch is unknown.
static PartialShape reshape_output(const PartialShape& in, const std::vector<int64_t>& spec, bool allowzero) {
    PartialShape out;
    out.rank_known = true;
    std::vector<bool> copied(spec.size(), false);
    int64_t infer_at = -1;
    bool has_zero = false;
    for (size_t i = 0; i < spec.size(); ++i) {
        int64_t v = spec[i];
        if (v == -1) {
            if (infer_at >= 0) fail("shape " + shape_to_string(spec) + " has more than one -1");
            infer_at = int64_t(i);
            push_dim(out, kDynamic);
        } else if (v < -1) {
            fail("shape " + shape_to_string(spec) + " has an invalid dim " + std::to_string(v));
        } else if (v == 0 && !allowzero) {
            if (in.rank_known && i >= in.rank())
                fail("shape " + shape_to_string(spec) + " copies input dim " + std::to_string(i) +
                     " (a 0) but the input " + in.to_string() + " has rank " + std::to_string(in.rank()));
            copied[i] = true;
            if (in.rank_known) push_dim_of(out, in, i);
            else push_dim(out, kDynamic);
        } else {
            has_zero = has_zero || v == 0;
            push_dim(out, v);
        }
    }
    if (allowzero && has_zero && infer_at >= 0)
        fail("shape " + shape_to_string(spec) + " has both 0 and -1, which allowzero=1 forbids");
    if (!in.rank_known) return out;

    // Element count of the input without the copied dims, and of the output without the copied
    // dims and the -1; kDynamic when some dim there is unknown.
    int64_t in_rest = 1, out_rest = 1;
    for (size_t i = 0; i < in.rank(); ++i) {
        if (i < copied.size() && copied[i]) continue;
        if (in.dims[i] < 0 || in_rest == kDynamic) in_rest = kDynamic;
        else in_rest = shape_numel({in_rest, in.dims[i]});
    }
    for (size_t i = 0; i < out.rank(); ++i) {
        if (copied[i] || int64_t(i) == infer_at) continue;
        if (out.dims[i] < 0 || out_rest == kDynamic) out_rest = kDynamic;
        else out_rest = shape_numel({out_rest, out.dims[i]});
    }
    if (infer_at >= 0) {
        for (size_t i = 0; i < out.rank(); ++i)
            if (int64_t(i) != infer_at && out.dims[i] == 0)
                fail("cannot infer the -1 in shape " + shape_to_string(spec) + " for input " + in.to_string() +
                     ": the other dims have zero elements");
        if (in_rest == kDynamic || out_rest == kDynamic) return out;
        if (in_rest % out_rest != 0)
            fail("cannot reshape " + in.to_string() + " to " + shape_to_string(spec) + ": " +
                 std::to_string(in_rest) + " elements do not divide by " + std::to_string(out_rest));
        out.dims[size_t(infer_at)] = in_rest / out_rest;
        if (!out.dim_names.empty()) out.dim_names[size_t(infer_at)].clear();
    } else if (in_rest != kDynamic && out_rest != kDynamic && in_rest != out_rest) {
        fail("cannot reshape " + in.to_string() + " to " + shape_to_string(spec) + ": element counts differ");
    }
    return out;
}

static bool reshape_allowzero(const Node& node) { return node.attrs.get_int("allowzero", 0) != 0; }

void infer_reshape(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& in = require_input(inputs, 0);
    const ValueType& shape = require_input(inputs, 1);
    outputs[0].dtype = in.dtype;
    if (auto spec = constant_ints(inputs, 1, "Reshape's shape")) {
        outputs[0].shape = reshape_output(in.shape, *spec, reshape_allowzero(node));
        return;
    }
    int64_t n = known_length(shape);
    outputs[0].shape = n >= 0 ? PartialShape::of_rank(size_t(n)) : PartialShape::unknown_rank();
}

void evaluate_reshape(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& in = require_input(inputs, 0);
    std::vector<int64_t> spec = int_list(require_input(inputs, 1), "Reshape's shape");
    PartialShape out = reshape_output(in.shape, spec, reshape_allowzero(node));
    outputs[0] = in.reshaped(out.dims);
}

}  // namespace frugal::ops
