// Trilu: keeps the upper (upper=1, default) or lower triangle of the last two dims and zeroes the
// rest. With diagonal offset k (optional int64 scalar input), upper keeps j - i >= k and lower
// keeps j - i <= k.
#include <cstring>

#include "ops/op_functions.h"
#include "ops/shape_op_util.h"

namespace frugal::ops {

void infer_trilu(const Node&, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& in = require_input(inputs, 0);
    if (in.shape.rank_known && in.shape.rank() < 2)
        fail("Trilu needs a tensor of rank >= 2, found " + in.shape.to_string());
    outputs[0].dtype = in.dtype;
    outputs[0].shape = in.shape;
}

void evaluate_trilu(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& in = require_input(inputs, 0);
    if (in.rank() < 2) fail("Trilu needs a tensor of rank >= 2, found " + shape_to_string(in.shape));
    int64_t k = 0;
    if (const Tensor* kt = optional_input(inputs, 1)) {
        std::vector<int64_t> kv = int_list(*kt, "Trilu's k");
        if (kv.size() != 1) fail("Trilu's k must be a scalar, found shape " + shape_to_string(kt->shape));
        k = kv[0];
    }
    bool upper = node.attrs.get_int("upper", 1) != 0;
    Tensor out = in.clone();
    int64_t rows = in.shape[in.rank() - 2], cols = in.shape[in.rank() - 1];
    int64_t matrices = rows * cols == 0 ? 0 : in.numel() / (rows * cols);
    size_t esize = dtype_size(in.dtype);
    std::byte* p = out.mutable_raw();
    // All-zero bytes are zero for every element type (0.0, 0, false).
    for (int64_t m = 0; m < matrices; ++m)
        for (int64_t i = 0; i < rows; ++i)
            for (int64_t j = 0; j < cols; ++j) {
                bool keep = upper ? j - i >= k : j - i <= k;
                if (!keep) std::memset(p + size_t((m * rows + i) * cols + j) * esize, 0, esize);
            }
    outputs[0] = out;
}

}  // namespace frugal::ops
