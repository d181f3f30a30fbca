// Each pass is checked for the graph it makes and for the numbers it computes: the model runs
// before and after the pass on the same inputs and must agree.
#include <gtest/gtest.h>

#include "graph_builder.h"
#include "runtime/reference_executor.h"
#include "transform/offline.h"
#include "transform/passes/eliminate_dead_code.h"
#include "transform/passes/eliminate_noop_ops.h"
#include "transform/passes/fold_constants.h"
#include "transform/passes/merge_duplicates.h"

using namespace frugal;
using namespace frugal::test;
using namespace frugal::transform;

namespace {

Tensor run_single_output(const Model& m, const Tensor& x) {
    TensorMap out = run_reference(m, {{"x", x}});
    return out.begin()->second;
}

TEST(FoldConstants, ReshapeOfWeightIsAViewOfTheSameBuffer) {
    Model m;
    Graph& g = m.graph;
    ValueId x = add_input(g, "x", DType::f32, Shape{2, 12});
    ValueId w = g.add_constant("w", random_tensor({3, 4, 5}, 1));
    const Buffer* original = g.values[size_t(w)].constant->buffer->root();
    ValueId shape = g.add_constant("shape", Tensor::from_vector<int64_t>({2}, {12, 5}));
    ValueId w2 = add_op(g, OpKind::Reshape, {w, shape});
    g.outputs = {add_op(g, OpKind::MatMul, {x, w2})};
    Tensor input = random_tensor({2, 12}, 2);
    Tensor before = run_single_output(m, input);

    EXPECT_EQ(fold_constants(m), 1u);
    ASSERT_EQ(g.live_node_count(), 1u);
    const Value& folded = g.values[size_t(g.nodes[0].inputs[1])];
    ASSERT_TRUE(folded.is_constant());
    EXPECT_EQ(folded.constant->buffer->root(), original);
    EXPECT_EQ(folded.constant->shape, (Shape{12, 5}));
    EXPECT_EQ(max_relative_error(run_single_output(m, input), before), 0.0);
}

TEST(FoldConstants, TransposeOfAnOnlyConsumedWeightReleasesTheOriginal) {
    Model m;
    Graph& g = m.graph;
    ValueId x = add_input(g, "x", DType::f32, Shape{2, 512});
    ValueId w = g.add_constant("w", random_tensor({1024, 512}, 3));  // 2 MiB: mmap-allocated
    ValueId wt = add_op(g, OpKind::Transpose, {w}, attrs_ints("perm", {1, 0}));
    g.outputs = {add_op(g, OpKind::MatMul, {x, wt})};
    Tensor input = random_tensor({2, 512}, 4);
    Tensor before = run_single_output(m, input);
    size_t weights = size_t(1024 * 512 * 4);
    size_t live_before = Buffer::live_owned_bytes();

    EXPECT_EQ(fold_constants(m), 1u);
    // The transposed copy replaced the original: the same bytes are live as before, not twice.
    EXPECT_EQ(Buffer::live_owned_bytes(), live_before);
    EXPECT_EQ(g.live_node_count(), 1u);
    size_t constant_bytes = 0;
    for (const Value& v : g.values)
        if (v.is_constant()) constant_bytes += v.constant->nbytes();
    EXPECT_EQ(constant_bytes, weights);
    EXPECT_EQ(max_relative_error(run_single_output(m, input), before), 0.0);
}

TEST(FoldConstants, LeavesACopyOfASharedWeightUnfolded) {
    // The tied embedding: one weight read by a Gather and by a Transpose for the logits.
    Model m;
    Graph& g = m.graph;
    ValueId x = add_input(g, "x", DType::f32, Shape{2, 64});
    ValueId ids = add_input(g, "ids", DType::i64, Shape{2});
    ValueId w = g.add_constant("w", random_tensor({256, 64}, 5));  // 64 KiB: small, still held once
    ValueId rows = add_op(g, OpKind::Gather, {w, ids});
    ValueId wt = add_op(g, OpKind::Transpose, {w}, attrs_ints("perm", {1, 0}));
    ValueId logits = add_op(g, OpKind::MatMul, {x, wt});
    g.outputs = {logits, rows};
    size_t live_before = Buffer::live_owned_bytes();
    fold_constants(m);
    EXPECT_EQ(count_ops(g, OpKind::Transpose), 1u) << "folding would hold the weight twice";
    EXPECT_LT(Buffer::live_owned_bytes(), live_before + 64 * 1024);
}

TEST(FoldConstants, DoesNotMaterializeABroadcastOfAWeight) {
    Model m;
    Graph& g = m.graph;
    ValueId x = add_input(g, "x", DType::f32, Shape{64, 1024, 1024});
    ValueId bias = g.add_constant("bias", random_tensor({1024}, 6));
    ValueId shape = g.add_constant("shape", Tensor::from_vector<int64_t>({3}, {64, 1024, 1024}));
    ValueId big = add_op(g, OpKind::Expand, {bias, shape});  // would be 256 MiB
    g.outputs = {add_op(g, OpKind::Add, {x, big})};
    fold_constants(m);
    EXPECT_EQ(count_ops(g, OpKind::Expand), 1u);
}

TEST(FoldConstants, ShapeOfAStaticValueFoldsWithoutItsData) {
    Model m;
    Graph& g = m.graph;
    ValueId x = add_input(g, "x", DType::f32, Shape{2, 3, 4});
    ValueId s = add_op(g, OpKind::Shape, {x});
    ValueId idx = g.add_constant("idx", Tensor::scalar<int64_t>(2));
    ValueId last = add_op(g, OpKind::Gather, {s, idx});
    g.outputs = {add_op(g, OpKind::Add, {last, g.add_constant("one", Tensor::scalar<int64_t>(1))})};
    EXPECT_EQ(fold_constants(m), 3u);
    EXPECT_EQ(g.live_node_count(), 0u);
    ASSERT_TRUE(g.values[size_t(g.outputs[0])].is_constant());
    EXPECT_EQ(g.values[size_t(g.outputs[0])].constant->int_at(0), 5);
}

TEST(EliminateNoopOps, RemovesIdentityPermutationButKeepsGraphOutputs) {
    Model m;
    Graph& g = m.graph;
    ValueId x = add_input(g, "x", DType::f32, Shape{2, 3});
    ValueId t = add_op(g, OpKind::Transpose, {x}, attrs_ints("perm", {0, 1}));
    ValueId r = add_op(g, OpKind::Relu, {t});
    ValueId id = add_op(g, OpKind::Identity, {r});
    g.outputs = {id};
    Tensor input = random_tensor({2, 3}, 7);
    Tensor before = run_single_output(m, input);
    EXPECT_EQ(eliminate_noop_ops(m), 1u);
    EXPECT_EQ(count_ops(g, OpKind::Transpose), 0u);
    EXPECT_EQ(count_ops(g, OpKind::Identity), 1u);  // its output is the model's output
    EXPECT_EQ(max_relative_error(run_single_output(m, input), before), 0.0);
}

TEST(EliminateDeadCode, DropsUnreadNodesAndTheirConstants) {
    Model m;
    Graph& g = m.graph;
    ValueId x = add_input(g, "x", DType::f32, Shape{4});
    ValueId w = g.add_constant("unused_weight", random_tensor({4}, 8));
    add_op(g, OpKind::Mul, {x, w});
    g.outputs = {add_op(g, OpKind::Relu, {x})};
    EXPECT_EQ(eliminate_dead_code(m), 1u);
    EXPECT_EQ(g.live_node_count(), 1u);
    EXPECT_FALSE(g.find_value("unused_weight").has_value());
}

TEST(MergeDuplicates, MergesEqualConstantsAndEqualNodes) {
    Model m;
    Graph& g = m.graph;
    ValueId x = add_input(g, "x", DType::f32, PartialShape::of_rank(2));
    ValueId a = g.add_constant("a", Tensor::from_vector<float>({2}, {1, 2}));
    ValueId b = g.add_constant("b", Tensor::from_vector<float>({2}, {1, 2}));
    ValueId s1 = add_op(g, OpKind::Shape, {x});
    ValueId s2 = add_op(g, OpKind::Shape, {x});
    ValueId sum = add_op(g, OpKind::Add, {s1, s2});
    ValueId p = add_op(g, OpKind::Add, {x, a});
    ValueId q = add_op(g, OpKind::Add, {x, b});
    g.outputs = {sum, add_op(g, OpKind::Mul, {p, q})};
    Tensor input = random_tensor({3, 2}, 9);
    TensorMap before = run_reference(m, {{"x", input}});
    // b -> a, then the second Shape and the second Add(x, a) are duplicates.
    EXPECT_EQ(merge_duplicates(m), 3u);
    EXPECT_EQ(count_ops(g, OpKind::Shape), 1u);
    EXPECT_EQ(count_ops(g, OpKind::Add), 2u);
    TensorMap after = run_reference(m, {{"x", input}});
    for (auto& [name, t] : before) EXPECT_EQ(max_relative_error(after.at(name), t), 0.0) << name;
}

}  // namespace
