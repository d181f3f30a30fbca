// LayerNormalization (opset 17): each row X[d0..d(axis-1), :] over the dims from `axis` on is
// normalized to zero mean and unit variance, then scaled and shifted. Scale and B broadcast to X
// (normally they have the shape of the normalized dims). The optional outputs Mean and InvStdDev
// have X's leading dims and 1s after, in the type `stash_type` names. Stage one runs in double.
#include <cmath>
#include <optional>
#include <vector>

#include "ops/op_functions.h"
#include "ops/op_util.h"

namespace frugal::ops {

namespace {

// stash_type is an ONNX TensorProto element type: 1 float, 16 bfloat16 (the two the spec allows).
DType stash_dtype(const Node& node) {
    int64_t code = node.attrs.get_int("stash_type", 1);
    if (code == 1) return DType::f32;
    if (code == 16) return DType::bf16;
    fail("stash_type must be 1 (float) or 16 (bfloat16), got " + std::to_string(code));
}

void check_ln_dtypes(DType x, DType scale, std::optional<DType> bias) {
    if (x != DType::undefined && !dtype_is_float(x))
        fail(std::string("X must be floating-point, got ") + dtype_name(x));
    if (x != DType::undefined && scale != DType::undefined && scale != x)
        fail(std::string("Scale has type ") + dtype_name(scale) + ", expected " + dtype_name(x));
    if (bias && x != DType::undefined && *bias != DType::undefined && *bias != x)
        fail(std::string("B has type ") + dtype_name(*bias) + ", expected " + dtype_name(x));
}

// Scale and B must broadcast to X without changing its shape.
void check_param_shape(const Shape& x, const Shape& p, const char* what) {
    if (p.size() > x.size() || broadcast_shapes(x, p) != x)
        fail(std::string(what) + " of shape " + shape_to_string(p) + " does not broadcast to X of shape " +
             shape_to_string(x));
}

// Where a parameter's element for flat X index i lives. The usual case, a parameter shaped like
// the normalized dims, is i % n; anything else goes through the general indexer.
struct ParamIndex {
    bool direct;
    int64_t n;
    BroadcastIndexer ix;
    ParamIndex(const Shape& x, const Shape& p, int64_t axis, int64_t n)
        : direct(shape_numel(p) == n && p.size() <= x.size() - size_t(axis)), n(n), ix(x, p) {
        for (size_t d = 0; direct && d < p.size(); ++d) direct = p[d] == x[x.size() - p.size() + d];
    }
    int64_t at(int64_t i) const { return direct ? i % n : ix.at(i); }
};

template <class T>
void layer_norm_typed(const Tensor& x, const Tensor& scale, const Tensor* bias, int64_t axis, double eps, Tensor& y,
                      Tensor& mean, Tensor& inv_std) {
    int64_t n = 1;
    for (size_t d = size_t(axis); d < x.rank(); ++d) n *= x.shape[d];
    int64_t outer = n ? x.numel() / n : shape_numel(Shape(x.shape.begin(), x.shape.begin() + axis));
    ParamIndex si(x.shape, scale.shape, axis, n);
    std::optional<ParamIndex> bi;
    if (bias) bi.emplace(x.shape, bias->shape, axis, n);
    const T* px = x.data<T>();
    const T* ps = scale.data<T>();
    const T* pb = bias ? bias->data<T>() : nullptr;
    T* py = y.mutable_data<T>();
    for (int64_t o = 0; o < outer; ++o) {
        const T* row = px + o * n;
        double sum = 0;
        for (int64_t i = 0; i < n; ++i) sum += to_double(row[i]);
        double mu = sum / double(n);
        double sq = 0;
        for (int64_t i = 0; i < n; ++i) {
            double dlt = to_double(row[i]) - mu;
            sq += dlt * dlt;
        }
        double inv = 1.0 / std::sqrt(sq / double(n) + eps);
        for (int64_t i = 0; i < n; ++i) {
            int64_t f = o * n + i;
            double v = (to_double(row[i]) - mu) * inv * to_double(ps[si.at(f)]);
            if (pb) v += to_double(pb[bi->at(f)]);
            py[f] = from_double<T>(v);
        }
        visit_dtype(mean.dtype, [&]<class U>() {
            if constexpr (!std::is_integral_v<U>) {
                mean.mutable_data<U>()[o] = from_double<U>(mu);
                inv_std.mutable_data<U>()[o] = from_double<U>(inv);
            }
        });
    }
}

}  // namespace

void infer_layer_normalization(const Node& node, std::span<const ValueType> inputs, std::span<ValueType> outputs) {
    const ValueType& x = require_input(inputs, 0);
    const ValueType& scale = require_input(inputs, 1);
    bool has_bias = inputs.size() > 2 && inputs[2].present;
    check_ln_dtypes(x.dtype, scale.dtype, has_bias ? std::optional<DType>(inputs[2].dtype) : std::nullopt);
    DType stash = stash_dtype(node);
    outputs[0].dtype = x.dtype;
    outputs[0].shape = x.shape;
    PartialShape stats = PartialShape::unknown_rank();
    if (x.shape.rank_known) {
        int64_t r = int64_t(x.shape.rank());
        int64_t axis = normalize_axis(node.attrs.get_int("axis", -1), r, "axis");
        stats = x.shape;
        stats.dim_names.clear();
        for (int64_t d = axis; d < r; ++d) stats.dims[size_t(d)] = 1;
        if (scale.shape.is_static() && x.shape.is_static()) check_param_shape(x.shape.dims, scale.shape.dims, "Scale");
        if (has_bias && inputs[2].shape.is_static() && x.shape.is_static())
            check_param_shape(x.shape.dims, inputs[2].shape.dims, "B");
    }
    for (size_t i = 1; i < outputs.size() && i < 3; ++i) {
        outputs[i].dtype = stash;
        outputs[i].shape = stats;
    }
}

void evaluate_layer_normalization(const Node& node, std::span<const Tensor* const> inputs, std::span<Tensor> outputs) {
    const Tensor& x = require_input(inputs, 0);
    const Tensor& scale = require_input(inputs, 1);
    const Tensor* bias = inputs.size() > 2 ? inputs[2] : nullptr;
    check_ln_dtypes(x.dtype, scale.dtype, bias ? std::optional<DType>(bias->dtype) : std::nullopt);
    DType stash = stash_dtype(node);
    int64_t axis = normalize_axis(node.attrs.get_int("axis", -1), int64_t(x.rank()), "axis");
    double eps = node.attrs.get_float("epsilon", 1e-5f);
    check_param_shape(x.shape, scale.shape, "Scale");
    if (bias) check_param_shape(x.shape, bias->shape, "B");
    Shape stats = x.shape;
    for (size_t d = size_t(axis); d < stats.size(); ++d) stats[d] = 1;
    Tensor y = Tensor::empty(x.dtype, x.shape);
    Tensor mean = Tensor::empty(stash, stats);
    Tensor inv_std = Tensor::empty(stash, stats);
    visit_dtype(x.dtype, [&]<class T>() {
        if constexpr (!std::is_integral_v<T>) layer_norm_typed<T>(x, scale, bias, axis, eps, y, mean, inv_std);
    });
    outputs[0] = std::move(y);
    if (outputs.size() > 1) outputs[1] = std::move(mean);
    if (outputs.size() > 2) outputs[2] = std::move(inv_std);
}

}  // namespace frugal::ops
