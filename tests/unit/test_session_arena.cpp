// The Session's arena against ops that return views: a reference op (Split) whose outputs are
// views of an arena value must not see those bytes reused by later steps before its outputs are
// read. Found on an HF-style decoder, where q = Reshape(Split(qkv)) is read by the attention after
// the arena bytes of qkv had been given to other values.
#include <gtest/gtest.h>

#include "compile/compile.h"
#include "graph_builder.h"
#include "runtime/reference_executor.h"
#include "runtime/session.h"

using namespace frugal;
using namespace frugal::test;

namespace {

TEST(SessionArena, ViewsOfArenaValuesSurviveTheReuseOfTheirBytes) {
    Model m;
    Graph& g = m.graph;
    ValueId a = add_input(g, "a", DType::f32, PartialShape({1, 96}));
    ValueId b = add_input(g, "b", DType::f32, PartialShape({1, 96}));
    ValueId sum = add_op(g, OpKind::Add, {a, b});  // a kernel step: lives in the arena
    Node split;
    split.name = "split";
    split.op = OpKind::Split;
    split.opset = 17;
    split.inputs = {sum, g.add_constant("sizes", Tensor::from_vector<int64_t>({3}, {32, 32, 32}))};
    split.attrs.set("axis", int64_t(1));
    for (int i = 0; i < 3; ++i) split.outputs.push_back(g.add_value("part" + std::to_string(i), DType::f32, PartialShape({1, 32})));
    ValueId part0 = split.outputs[0];
    g.add_node(split);
    // Split along the last axis of a [1, N] value: its parts are views. Values made after the
    // Split, as large as `sum`, take its bytes once `sum` is dead.
    ValueId other = add_op(g, OpKind::Add, {a, a});
    ValueId other2 = add_op(g, OpKind::Add, {other, b});
    ValueId tail = add_op(g, OpKind::Mul, {part0, add_op(g, OpKind::Add, {part0, part0})});
    g.outputs = {tail, other2};
    TensorMap in = {{"a", random_tensor({1, 96}, 1)}, {"b", random_tensor({1, 96}, 2)}};
    TensorMap want = run_reference(m, in);
    Session session(compile::compile_model(std::move(m)));
    TensorMap got = session.run(in);
    for (const auto& [name, t] : want) EXPECT_LT(max_error_over_range(got.at(name), t), 1e-6) << name;
}

}  // namespace

namespace {

// An elementwise chain writes each result over its input when nothing else reads the input: one
// tensor's bytes for the whole chain, and the reference's numbers.
TEST(SessionArena, ElementwiseChainsRunInPlace) {
    Model m;
    Graph& g = m.graph;
    const int64_t rows = 8, n = 64;
    ValueId a = add_input(g, "a", DType::f32, PartialShape({rows, n}));
    ValueId b = add_input(g, "b", DType::f32, PartialShape({rows, n}));
    ValueId x = add_op(g, OpKind::Add, {a, b});
    ValueId gelu_out = add_op(g, OpKind::Gelu, {x});
    ValueId scaled = add_op(g, OpKind::Mul, {gelu_out, g.add_constant("two", Tensor::scalar<float>(2.f))});
    ValueId biased = add_op(g, OpKind::Add, {scaled, g.add_constant("bias", random_tensor({n}, 3))});
    g.outputs = {add_op(g, OpKind::Add, {biased, a})};
    TensorMap in = {{"a", random_tensor({rows, n}, 1)}, {"b", random_tensor({rows, n}, 2)}};
    TensorMap want = run_reference(m, in);
    Session session(compile::compile_model(std::move(m)));
    TensorMap got = session.run(in);
    EXPECT_LT(max_error_over_range(got.begin()->second, want.begin()->second), 1e-6);
    EXPECT_EQ(session.kernel_steps(), 5u);
    EXPECT_EQ(session.arena_bytes(), size_t(rows * n) * sizeof(float));
}

}  // namespace
