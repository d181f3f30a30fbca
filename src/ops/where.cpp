// Where(condition, X, Y): X where condition is true, else Y, with numpy broadcasting of all three.
#include "ops/elementwise.h"
#include "ops/op_functions.h"

namespace frugal::ops {

void infer_where(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& c = require_input(inputs, 0);
    const ValueType& x = require_input(inputs, 1);
    const ValueType& y = require_input(inputs, 2);
    require_bool(c.dtype, "condition");
    require_same_dtype(x.dtype, y.dtype, "input X", "input Y");
    outputs[0].dtype = x.dtype;
    outputs[0].shape = broadcast_partial(broadcast_partial(c.shape, x.shape), y.shape);
}

void evaluate_where(const Node&, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& c = require_input(inputs, 0);
    const Tensor& x = require_input(inputs, 1);
    const Tensor& y = require_input(inputs, 2);
    require_bool(c.dtype, "condition");
    require_same_dtype(x.dtype, y.dtype, "input X", "input Y");
    Tensor out = Tensor::empty(x.dtype, broadcast_tensor_shapes(inputs));
    BroadcastIndexer ic(out.shape, c.shape), ix(out.shape, x.shape), iy(out.shape, y.shape);
    // Elements are copied as raw bytes: Where never looks at X and Y's values.
    size_t es = dtype_size(x.dtype);
    const bool* pc = c.data<bool>();
    const std::byte* px = x.raw();
    const std::byte* py = y.raw();
    std::byte* po = out.mutable_raw();
    for (int64_t i = 0; i < out.numel(); ++i) {
        const std::byte* src = pc[ic.at(i)] ? px + size_t(ix.at(i)) * es : py + size_t(iy.at(i)) * es;
        std::memcpy(po + size_t(i) * es, src, es);
    }
    outputs[0] = std::move(out);
}

}  // namespace frugal::ops
