// Shape: the input's dims as an int64 vector; from opset 15 only dims [start, end), where negative
// bounds add the rank and both then clamp to [0, rank].
#include <algorithm>

#include "ops/op_functions.h"
#include "ops/shape_op_util.h"

namespace frugal::ops {

static void shape_range(const Node& node, int64_t rank, int64_t& begin, int64_t& end) {
    begin = node.attrs.get_int("start", 0);
    end = node.attrs.get_int("end", rank);
    if (begin < 0) begin += rank;
    if (end < 0) end += rank;
    begin = std::clamp<int64_t>(begin, 0, rank);
    end = std::clamp<int64_t>(end, 0, rank);
}

void infer_shape(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& in = require_input(inputs, 0);
    outputs[0].dtype = DType::i64;
    if (!in.shape.rank_known) {
        outputs[0].shape = PartialShape::of_rank(1);
        return;
    }
    int64_t begin = 0, end = 0;
    shape_range(node, int64_t(in.shape.rank()), begin, end);
    outputs[0].shape = Shape{std::max<int64_t>(end - begin, 0)};
}

void evaluate_shape(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& in = require_input(inputs, 0);
    int64_t begin = 0, end = 0;
    shape_range(node, int64_t(in.rank()), begin, end);
    std::vector<int64_t> dims;
    for (int64_t i = begin; i < end; ++i) dims.push_back(in.shape[size_t(i)]);
    outputs[0] = Tensor::from_vector<int64_t>({int64_t(dims.size())}, dims);
}

}  // namespace frugal::ops
