// Max and Min: elementwise over one or more inputs with numpy broadcasting. NaN propagates (as
// numpy.maximum / numpy.minimum, the ONNX reference).
#include <cmath>
#include <string>
#include <vector>

#include "ops/elementwise.h"
#include "ops/op_functions.h"

namespace frugal::ops {

namespace {

void infer_variadic(std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& first = require_input(inputs, 0);
    require_numeric(first.dtype, "input 0");
    PartialShape s = first.shape;
    for (size_t i = 1; i < inputs.size(); ++i) {
        const ValueType& in = require_input(inputs, i);
        std::string what = "input " + std::to_string(i);
        require_same_dtype(first.dtype, in.dtype, "input 0", what.c_str());
        s = broadcast_partial(s, in.shape);
    }
    outputs[0].dtype = first.dtype;
    outputs[0].shape = s;
}

// pick(x, y) returns the one of the two to keep (in the compute type).
template <class Pick>
Tensor evaluate_variadic(std::span<const Tensor* const> inputs, Pick pick) {
    const Tensor& first = require_input(inputs, 0);
    require_numeric(first.dtype, "input 0");
    for (size_t i = 1; i < inputs.size(); ++i) {
        std::string what = "input " + std::to_string(i);
        require_same_dtype(first.dtype, require_input(inputs, i).dtype, "input 0", what.c_str());
    }
    Tensor out = Tensor::empty(first.dtype, broadcast_tensor_shapes(inputs));
    std::vector<BroadcastIndexer> ix;
    for (const Tensor* t : inputs) ix.emplace_back(out.shape, t->shape);
    visit_dtype(first.dtype, [&]<class T>() {
        if constexpr (!std::is_same_v<T, bool>) {
            T* po = out.mutable_data<T>();
            for (int64_t i = 0; i < out.numel(); ++i) {
                calc_t<T> acc = load(first.data<T>()[ix[0].at(i)]);
                for (size_t k = 1; k < inputs.size(); ++k) acc = pick(acc, load(inputs[k]->data<T>()[ix[k].at(i)]));
                po[i] = store<T>(acc);
            }
        }
    });
    return out;
}

template <class C>
bool is_nan(C v) {
    if constexpr (std::is_floating_point_v<C>) return std::isnan(v);
    else return false;
}

}  // namespace

void infer_max(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_variadic(inputs, outputs);
}
void infer_min(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    infer_variadic(inputs, outputs);
}

void evaluate_max(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = evaluate_variadic(inputs, []<class C>(C x, C y) -> C {
        if (is_nan(x)) return x;
        return (y > x || is_nan(y)) ? y : x;
    });
}

void evaluate_min(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    outputs[0] = evaluate_variadic(inputs, []<class C>(C x, C y) -> C {
        if (is_nan(x)) return x;
        return (y < x || is_nan(y)) ? y : x;
    });
}

}  // namespace frugal::ops
