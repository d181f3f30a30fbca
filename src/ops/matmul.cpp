// MatMul with numpy matmul semantics: a 1-D first operand is a row [1,K] and a 1-D second operand a
// column [K,1], and the dim added for it is removed from the result; leading (batch) dims
// broadcast.
#include <algorithm>
#include <type_traits>
#include <vector>

#include "ops/op_functions.h"
#include "ops/op_util.h"

namespace frugal::ops {

namespace {

bool matmul_dtype_ok(DType t) { return t != DType::boolean && t != DType::undefined; }

// The type products are summed in: float for f32/f16/bf16 (in k order, like a plain loop), double
// for f64, and 64-bit unsigned for integers, whose wrap-around gives the same low bits as
// two's-complement arithmetic in the narrower type.
template <class T>
using MatMulAcc = std::conditional_t<std::is_same_v<T, double>, double,
                                     std::conditional_t<std::is_integral_v<T>, uint64_t, float>>;

template <class T>
MatMulAcc<T> load(T v) {
    if constexpr (std::is_integral_v<T>) return static_cast<uint64_t>(static_cast<int64_t>(v));
    else return static_cast<MatMulAcc<T>>(to_double(v));
}
template <>
float load<float>(float v) { return v; }

template <class T>
T store(MatMulAcc<T> v) {
    if constexpr (std::is_integral_v<T>) return static_cast<T>(v);
    else return from_double<T>(v);
}

// One [M,K] x [K,N] product. i-k-j order: the inner loop walks a row of B and a row of the
// accumulator contiguously, and each output still sums its products in increasing k.
template <class T>
void matmul_2d(const T* a, const T* b, T* y, int64_t m, int64_t k, int64_t n, std::vector<MatMulAcc<T>>& row) {
    using A = MatMulAcc<T>;
    for (int64_t i = 0; i < m; ++i) {
        std::fill(row.begin(), row.end(), A(0));
        A* acc = row.data();
        for (int64_t p = 0; p < k; ++p) {
            A av = load(a[i * k + p]);
            const T* brow = b + p * n;
            for (int64_t j = 0; j < n; ++j) acc[j] += av * load(brow[j]);
        }
        for (int64_t j = 0; j < n; ++j) y[i * n + j] = store<T>(acc[j]);
    }
}

struct MatMulDims {
    Shape a3, b3;  // operands as [batch..., rows, cols] after promoting 1-D
    Shape batch;   // broadcast batch dims
    Shape out;     // result shape with the promoted dims removed
    int64_t m = 0, k = 0, n = 0;
};

MatMulDims matmul_dims(const Shape& a, const Shape& b) {
    if (a.empty() || b.empty())
        fail("MatMul needs operands of rank 1 or more, got " + shape_to_string(a) + " and " + shape_to_string(b));
    MatMulDims d;
    d.a3 = a.size() == 1 ? Shape{1, a[0]} : a;
    d.b3 = b.size() == 1 ? Shape{b[0], 1} : b;
    d.m = d.a3[d.a3.size() - 2];
    d.k = d.a3.back();
    d.n = d.b3.back();
    if (d.b3[d.b3.size() - 2] != d.k)
        fail("inner dimensions do not match: " + shape_to_string(a) + " x " + shape_to_string(b) + " (" +
             std::to_string(d.k) + " vs " + std::to_string(d.b3[d.b3.size() - 2]) + ")");
    Shape ab(d.a3.begin(), d.a3.end() - 2), bb(d.b3.begin(), d.b3.end() - 2);
    d.batch = broadcast_shapes(ab, bb);
    d.out = d.batch;
    if (a.size() != 1) d.out.push_back(d.m);
    if (b.size() != 1) d.out.push_back(d.n);
    return d;
}

}  // namespace

void infer_matmul(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& a = require_input(inputs, 0);
    const ValueType& b = require_input(inputs, 1);
    if (a.dtype != DType::undefined && b.dtype != DType::undefined && a.dtype != b.dtype)
        fail(std::string("operands have different types: ") + dtype_name(a.dtype) + " and " + dtype_name(b.dtype));
    if (a.dtype != DType::undefined && !matmul_dtype_ok(a.dtype))
        fail(std::string("MatMul does not take ") + dtype_name(a.dtype));
    outputs[0].dtype = a.dtype;
    if (!a.shape.rank_known || !b.shape.rank_known) {
        outputs[0].shape = PartialShape::unknown_rank();
        return;
    }
    if (a.shape.rank() == 0 || b.shape.rank() == 0)
        fail("MatMul needs operands of rank 1 or more, got " + a.shape.to_string() + " and " + b.shape.to_string());
    PartialShape pa = a.shape, pb = b.shape;
    if (pa.rank() == 1) pa = PartialShape(Shape{1, a.shape.dims[0]});
    if (pb.rank() == 1) pb = PartialShape(Shape{b.shape.dims[0], 1});
    int64_t ka = pa.dims.back(), kb = pb.dims[pb.rank() - 2];
    if (ka != kDynamic && kb != kDynamic && ka != kb)
        fail("inner dimensions do not match: " + a.shape.to_string() + " x " + b.shape.to_string() + " (" +
             std::to_string(ka) + " vs " + std::to_string(kb) + ")");
    PartialShape ab = PartialShape::of_rank(pa.rank() - 2), bb = PartialShape::of_rank(pb.rank() - 2);
    std::copy(pa.dims.begin(), pa.dims.end() - 2, ab.dims.begin());
    std::copy(pb.dims.begin(), pb.dims.end() - 2, bb.dims.begin());
    PartialShape out = broadcast_partial(ab, bb);
    if (a.shape.rank() != 1) out.dims.push_back(pa.dims[pa.rank() - 2]);
    if (b.shape.rank() != 1) out.dims.push_back(pb.dims.back());
    outputs[0].shape = out;
}

void evaluate_matmul(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& a = require_input(inputs, 0);
    const Tensor& b = require_input(inputs, 1);
    if (a.dtype != b.dtype)
        fail(std::string("operands have different types: ") + dtype_name(a.dtype) + " and " + dtype_name(b.dtype));
    if (!matmul_dtype_ok(a.dtype)) fail(std::string("MatMul does not take ") + dtype_name(a.dtype));
    MatMulDims d = matmul_dims(a.shape, b.shape);
    Tensor y = Tensor::empty(a.dtype, d.out);
    int64_t batches = shape_numel(d.batch);
    Shape ab(d.a3.begin(), d.a3.end() - 2), bb(d.b3.begin(), d.b3.end() - 2);
    BroadcastIndexer ia(d.batch, ab), ib(d.batch, bb);
    visit_dtype(a.dtype, [&]<class T>() {
        if constexpr (!std::is_same_v<T, bool>) {
            std::vector<MatMulAcc<T>> row(size_t(d.n));
            const T* pa = a.data<T>();
            const T* pb = b.data<T>();
            T* py = y.mutable_data<T>();
            for (int64_t bi = 0; bi < batches; ++bi)
                matmul_2d<T>(pa + ia.at(bi) * d.m * d.k, pb + ib.at(bi) * d.k * d.n, py + bi * d.m * d.n, d.m, d.k,
                             d.n, row);
        }
    });
    outputs[0] = std::move(y);
}

}  // namespace frugal::ops
