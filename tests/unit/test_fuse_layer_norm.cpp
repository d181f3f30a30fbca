// fuse_layer_norm: the spellings exporters use for a layer norm become one LayerNormalization with
// the same outputs, and near misses are left alone.
#include <gtest/gtest.h>

#include "compile/passes/fuse_layer_norm.h"
#include "graph_builder.h"
#include "runtime/reference_executor.h"

using namespace frugal;
using namespace frugal::test;

namespace {

constexpr int64_t kN = 24;

struct Spelling {
    bool pow_square = true;     // Pow(d, 2), else Mul(d, d)
    bool reciprocal = false;    // d * Reciprocal(std), else d / std
    bool affine = true;         // * gamma + beta
    bool axes_as_input = false; // ReduceMean-18: axes from an input
    int64_t axis = -1;
    bool extra_reader_of_d = false;
};

ValueId mean_last(Graph& g, ValueId x, const Spelling& s) {
    if (s.axes_as_input) {
        ValueId axes = g.add_constant(g.unique_value_name("axes"), Tensor::from_vector<int64_t>({1}, {s.axis}));
        return add_op(g, OpKind::ReduceMean, {x, axes}, {}, "", 18);
    }
    return add_op(g, OpKind::ReduceMean, {x}, attrs_ints("axes", {s.axis}));
}

Model layer_norm_model(const Spelling& s) {
    Model m;
    Graph& g = m.graph;
    ValueId x = add_input(g, "x", DType::f32, PartialShape({2, 3, kN}));
    ValueId d = add_op(g, OpKind::Sub, {x, mean_last(g, x, s)});
    ValueId sq = s.pow_square ? add_op(g, OpKind::Pow, {d, g.add_constant("two", Tensor::scalar<float>(2.f))})
                              : add_op(g, OpKind::Mul, {d, d});
    ValueId var = mean_last(g, sq, s);
    ValueId sd = add_op(g, OpKind::Sqrt, {add_op(g, OpKind::Add, {var, g.add_constant("eps", Tensor::scalar<float>(1e-5f))})});
    ValueId y = s.reciprocal ? add_op(g, OpKind::Mul, {d, add_op(g, OpKind::Reciprocal, {sd})}) : add_op(g, OpKind::Div, {d, sd});
    if (s.affine) {
        y = add_op(g, OpKind::Mul, {y, g.add_constant("gamma", random_tensor({kN}, 3))});
        y = add_op(g, OpKind::Add, {y, g.add_constant("beta", random_tensor({kN}, 4))});
    }
    g.outputs.push_back(y);
    if (s.extra_reader_of_d) g.outputs.push_back(add_op(g, OpKind::Neg, {d}));
    return m;
}

// Fuses a copy and checks the count, and that the outputs are the unfused graph's.
void expect_fused(const Spelling& s, size_t want) {
    SCOPED_TRACE(testing::Message() << "pow " << s.pow_square << " reciprocal " << s.reciprocal << " affine " << s.affine
                                    << " axes input " << s.axes_as_input << " axis " << s.axis);
    Model plain = layer_norm_model(s), fused = layer_norm_model(s);
    EXPECT_EQ(compile::fuse_layer_norm(fused), want);
    EXPECT_EQ(count_ops(fused.graph, OpKind::LayerNormalization), want);
    if (want) {
        EXPECT_EQ(count_ops(fused.graph, OpKind::ReduceMean), 0u);
    }
    // Rows of very different scales: a wrong epsilon or axis would show.
    Tensor x = random_tensor({2, 3, kN}, 9, 5.f);
    for (int64_t i = 0; i < kN; ++i) x.mutable_data<float>()[i] *= 1e-3f;
    TensorMap want_out = run_reference(plain, {{"x", x}}), got = run_reference(fused, {{"x", x}});
    for (const auto& [name, t] : want_out) EXPECT_LT(max_error_over_range(got.at(name), t), 1e-5) << name;
}

TEST(FuseLayerNorm, FusesTheSpellingsExportersUse) {
    expect_fused({}, 1);
    expect_fused({.pow_square = false}, 1);
    expect_fused({.reciprocal = true}, 1);
    expect_fused({.affine = false}, 1);
    expect_fused({.axes_as_input = true}, 1);
    expect_fused({.axis = 2}, 1);
}

TEST(FuseLayerNorm, LeavesNearMissesAlone) {
    expect_fused({.axis = 1}, 0);                     // not the last axis
    expect_fused({.extra_reader_of_d = true}, 0);     // the centered input is read elsewhere too
}

}  // namespace
