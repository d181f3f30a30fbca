// Einsum-12: the reference evaluate walks every combination of label values, so it handles any
// number of operands, diagonals, summed labels and broadcast ellipsis dims the same way. It is
// slow on purpose; decompose_einsum turns real models' Einsums into MatMuls before they run.
#include <algorithm>
#include <type_traits>

#include "ops/einsum_equation.h"
#include "ops/op_functions.h"
#include "ops/op_util.h"

namespace frugal::ops {

namespace {

std::string label_text(const EinsumSpec& spec, int label) {
    return spec.is_ellipsis_label(label) ? "ellipsis dim " + std::to_string(label) : "label '" + spec.label_names[size_t(label)] + "'";
}

// The size of every label. Letter labels must agree exactly; ellipsis dims broadcast (a size of
// 1 stretches to the others).
Shape label_sizes(const EinsumSpec& spec, std::span<const Tensor* const> inputs) {
    Shape sizes(size_t(spec.label_count()), 1);
    std::vector<bool> known(sizes.size(), false);
    for (size_t k = 0; k < spec.inputs.size(); ++k) {
        for (size_t axis = 0; axis < spec.inputs[k].size(); ++axis) {
            int label = spec.inputs[k][axis];
            int64_t d = inputs[k]->shape[axis];
            size_t l = size_t(label);
            if (!known[l]) {
                sizes[l] = d;
                known[l] = true;
            } else if (d != sizes[l]) {
                if (spec.is_ellipsis_label(label) && (d == 1 || sizes[l] == 1)) {
                    sizes[l] = std::max(d, sizes[l]);
                    if (d == 0 || sizes[l] == 0) sizes[l] = 0;
                } else {
                    fail(label_text(spec, label) + " has size " + std::to_string(sizes[l]) + " in one place but " +
                         std::to_string(d) + " in operand " + std::to_string(k) + " axis " + std::to_string(axis));
                }
            }
        }
    }
    return sizes;
}

template <class T>
void einsum_loop(const EinsumSpec& spec, const Shape& sizes, std::span<const Tensor* const> inputs, Tensor& out) {
    // Walk order: output labels (slowest) then summed labels, so each output element is the sum
    // of one contiguous run of `inner` steps.
    std::vector<int> order = spec.output;
    std::vector<bool> in_output(sizes.size(), false);
    for (int l : spec.output) in_output[size_t(l)] = true;
    for (int l = 0; l < spec.label_count(); ++l)
        if (!in_output[size_t(l)]) order.push_back(l);
    int64_t inner = 1;
    for (size_t p = spec.output.size(); p < order.size(); ++p) inner *= sizes[size_t(order[p])];

    // strides[k][p]: how far operand k's offset moves when label order[p] grows by one. A label
    // repeated in a term (a diagonal) moves along all its axes at once; a broadcast axis of size 1
    // does not move.
    size_t n = inputs.size();
    std::vector<std::vector<int64_t>> strides(n, std::vector<int64_t>(order.size(), 0));
    for (size_t k = 0; k < n; ++k) {
        std::vector<int64_t> st = shape_strides(inputs[k]->shape);
        for (size_t p = 0; p < order.size(); ++p)
            for (size_t axis = 0; axis < spec.inputs[k].size(); ++axis)
                if (spec.inputs[k][axis] == order[p] && inputs[k]->shape[axis] != 1) strides[k][p] += st[axis];
    }

    using Acc = std::conditional_t<std::is_integral_v<T>, uint64_t, double>;
    auto load = [](const T* p, int64_t i) -> Acc {
        if constexpr (std::is_integral_v<T>) return static_cast<Acc>(static_cast<int64_t>(p[i]));
        else return to_double(p[i]);
    };
    std::vector<const T*> data(n);
    for (size_t k = 0; k < n; ++k) data[k] = inputs[k]->data<T>();
    T* dst = out.mutable_data<T>();
    int64_t total_out = out.numel();
    if (total_out == 0) return;
    if (inner == 0) {
        for (int64_t o = 0; o < total_out; ++o) dst[o] = from_double<T>(0.0);
        return;
    }

    std::vector<int64_t> idx(order.size(), 0);
    std::vector<int64_t> off(n, 0);
    for (int64_t o = 0; o < total_out; ++o) {
        Acc acc = 0;
        for (int64_t s = 0; s < inner; ++s) {
            Acc prod = 1;
            for (size_t k = 0; k < n; ++k) prod *= load(data[k], off[k]);
            acc += prod;
            // Odometer step over all labels, last one fastest.
            for (size_t p = order.size(); p-- > 0;) {
                size_t l = size_t(order[p]);
                for (size_t k = 0; k < n; ++k) off[k] += strides[k][p];
                if (++idx[p] < sizes[l]) break;
                for (size_t k = 0; k < n; ++k) off[k] -= strides[k][p] * sizes[l];
                idx[p] = 0;
            }
        }
        if constexpr (std::is_integral_v<T>) dst[o] = static_cast<T>(acc);  // wraps like numpy
        else dst[o] = from_double<T>(acc);
    }
}

void check_dtypes(std::span<const DType> dtypes) {
    for (size_t i = 0; i < dtypes.size(); ++i) {
        if (dtypes[i] != dtypes[0])
            fail("operand " + std::to_string(i) + " is " + dtype_name(dtypes[i]) + " but operand 0 is " +
                 dtype_name(dtypes[0]) + "; all operands must have one type");
    }
    if (!dtypes.empty() && !dtype_is_float(dtypes[0]) && !dtype_is_integer(dtypes[0]))
        fail(std::string("operands of type ") + dtype_name(dtypes[0]) + " are not supported (numbers only)");
}

}  // namespace

void infer_einsum(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    std::string equation = node.attrs.get_string("equation");
    std::vector<DType> dtypes;
    std::vector<size_t> ranks;
    bool ranks_known = true;
    for (size_t i = 0; i < inputs.size(); ++i) {
        const ValueType& in = require_input(inputs, i);
        dtypes.push_back(in.dtype);
        ranks.push_back(in.shape.rank());
        ranks_known = ranks_known && in.shape.rank_known;
    }
    if (dtypes.empty()) fail("needs at least one operand");
    if (dtypes[0] != DType::undefined) check_dtypes(dtypes);
    outputs[0].dtype = dtypes[0];
    if (!ranks_known) {
        outputs[0].shape = PartialShape::unknown_rank();
        return;
    }
    EinsumSpec spec = parse_einsum(equation, ranks);

    // Merge what is known of each label's size, with the same rules as evaluate.
    std::vector<int64_t> sizes(size_t(spec.label_count()), kDynamic);
    std::vector<bool> seen(sizes.size(), false);
    for (size_t k = 0; k < spec.inputs.size(); ++k) {
        for (size_t axis = 0; axis < spec.inputs[k].size(); ++axis) {
            int label = spec.inputs[k][axis];
            size_t l = size_t(label);
            int64_t d = inputs[k].shape.dims[axis];
            if (!seen[l]) {
                sizes[l] = d;
                seen[l] = true;
                continue;
            }
            int64_t s = sizes[l];
            if (spec.is_ellipsis_label(label)) {
                if (s == 1) sizes[l] = d;
                else if (d == 1 || d == kDynamic) continue;
                else if (s == kDynamic) sizes[l] = d;
                else if (s != d)
                    fail(label_text(spec, label) + " has sizes " + std::to_string(s) + " and " + std::to_string(d) +
                         " that do not broadcast");
            } else if (s == kDynamic) {
                sizes[l] = d;
            } else if (d != kDynamic && d != s) {
                fail(label_text(spec, label) + " has size " + std::to_string(s) + " in one place but " +
                     std::to_string(d) + " in operand " + std::to_string(k) + " axis " + std::to_string(axis));
            }
        }
    }
    PartialShape out = PartialShape::of_rank(spec.output.size());
    for (size_t i = 0; i < spec.output.size(); ++i) out.dims[i] = sizes[size_t(spec.output[i])];
    outputs[0].shape = out;
}

void evaluate_einsum(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    std::string equation = node.attrs.get_string("equation");
    std::vector<DType> dtypes;
    std::vector<size_t> ranks;
    for (size_t i = 0; i < inputs.size(); ++i) {
        const Tensor& t = require_input(inputs, i);
        dtypes.push_back(t.dtype);
        ranks.push_back(t.rank());
    }
    if (dtypes.empty()) fail("needs at least one operand");
    check_dtypes(dtypes);
    EinsumSpec spec = parse_einsum(equation, ranks);
    Shape sizes = label_sizes(spec, inputs);
    Shape out_shape;
    for (int l : spec.output) out_shape.push_back(sizes[size_t(l)]);
    Tensor out = Tensor::empty(dtypes[0], out_shape);
    visit_dtype(dtypes[0], [&]<class T>() {
        if constexpr (!std::is_same_v<T, bool>) einsum_loop<T>(spec, sizes, inputs, out);
    });
    outputs[0] = std::move(out);
}

}  // namespace frugal::ops
