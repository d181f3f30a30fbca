// decompose_einsum: graphs for Keras GPT-2's equations (model vs the expected structure, in
// OpenVINO's model / model_ref style), diagonals, unknown dims, modes, and the attention block
// through the offline pipeline. The equivalence fuzz is in test_decompose_einsum_fuzz.cpp.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <random>

#include "einsum_test_graph.h"
#include "ir/dump.h"
#include "ir/error.h"
#include "transform/offline.h"

using namespace frugal;
using namespace frugal::einsum_test;
using frugal::transform::decompose_einsum;
using frugal::transform::EinsumMode;

// Q, K, V projection: x[b,s,768] . W[768,12,64] -> [b,s,12,64]. The weight becomes a
// [768,768] view; x is used as it is (MatMul broadcasts W over b).
TEST(DecomposeEinsum, KerasProjection) {
    std::mt19937 rng(1);
    std::vector<Operand> ops = {activation({2, 3, 768}, {kDynamic, kDynamic, 768}, rng), weight({768, 12, 64}, rng)};
    Model m = einsum_model("abc,cde->abde", ops);
    EXPECT_EQ(decompose_einsum(m, EinsumMode::constant), 1u);
    const Graph& g = m.graph;
    ASSERT_EQ(op_sequence(g), (std::vector<OpKind>{OpKind::Reshape, OpKind::MatMul, OpKind::Reshape})) << ops_text(g);
    const Node& wr = g.nodes[0];
    const Node& mm = g.nodes[1];
    const Node& out = g.nodes[2];
    EXPECT_EQ(g.values[size_t(wr.inputs[0])].name, "in1");  // the weight itself, no Transpose
    EXPECT_EQ(constant_ints(g, wr.inputs[1]), (std::vector<int64_t>{768, 768}));
    EXPECT_EQ(g.values[size_t(mm.inputs[0])].name, "in0");
    EXPECT_EQ(mm.inputs[1], wr.outputs[0]);
    EXPECT_EQ(constant_ints(g, out.inputs[1]), (std::vector<int64_t>{0, 0, 12, 64}));
    EXPECT_EQ(g.values[size_t(out.outputs[0])].name, "out");
    EXPECT_EQ(g.values[size_t(out.outputs[0])].shape.dims, (std::vector<int64_t>{kDynamic, kDynamic, 12, 64}));
    EXPECT_EQ(g.values[size_t(mm.outputs[0])].shape.dims, (std::vector<int64_t>{kDynamic, kDynamic, 768}));
    EXPECT_TRUE(wr.name.starts_with("attn/einsum/")) << wr.name;
    expect_no_noops(g);
    expect_equivalent(einsum_model("abc,cde->abde", ops), "abc,cde->abde", ops, EinsumMode::constant);
}

// Output projection: x[b,s,12,64] . W[12,64,768] -> [b,s,768].
TEST(DecomposeEinsum, KerasOutputProjection) {
    std::mt19937 rng(2);
    std::vector<Operand> ops = {activation({2, 3, 12, 64}, {kDynamic, kDynamic, 12, 64}, rng),
                                weight({12, 64, 768}, rng)};
    Model m = einsum_model("abcd,cde->abe", ops);
    decompose_einsum(m, EinsumMode::constant);
    const Graph& g = m.graph;
    ASSERT_EQ(op_sequence(g), (std::vector<OpKind>{OpKind::Reshape, OpKind::Reshape, OpKind::MatMul})) << ops_text(g);
    const Node& mm = g.nodes[2];
    const Node* xr = producer_of(g, mm.inputs[0]);
    const Node* wr = producer_of(g, mm.inputs[1]);
    ASSERT_TRUE(xr && wr);
    EXPECT_EQ(g.values[size_t(xr->inputs[0])].name, "in0");
    EXPECT_EQ(constant_ints(g, xr->inputs[1]), (std::vector<int64_t>{0, 0, 768}));
    EXPECT_EQ(g.values[size_t(wr->inputs[0])].name, "in1");
    EXPECT_EQ(constant_ints(g, wr->inputs[1]), (std::vector<int64_t>{768, 768}));
    EXPECT_EQ(g.values[size_t(mm.outputs[0])].name, "out");
    expect_no_noops(g);
    expect_equivalent(einsum_model("abcd,cde->abe", ops), "abcd,cde->abe", ops, EinsumMode::constant);
}

// Attention scores: key[b,t,h,d], query[b,s,h,d] -> [b,h,s,t]: two Transposes and a batched
// MatMul whose result is already in output order.
TEST(DecomposeEinsum, KerasScores) {
    std::mt19937 rng(3);
    std::vector<Operand> ops = {activation({2, 5, 3, 4}, {kDynamic, kDynamic, 3, 4}, rng),
                                activation({2, 6, 3, 4}, {kDynamic, kDynamic, 3, 4}, rng)};
    Model m = einsum_model("aecd,abcd->acbe", ops);
    EXPECT_EQ(decompose_einsum(m, EinsumMode::constant), 0u);  // no constant operand
    decompose_einsum(m, EinsumMode::all);
    const Graph& g = m.graph;
    ASSERT_EQ(op_sequence(g), (std::vector<OpKind>{OpKind::Transpose, OpKind::Transpose, OpKind::MatMul})) << ops_text(g);
    const Node& mm = g.nodes[2];
    const Node* q = producer_of(g, mm.inputs[0]);
    const Node* k = producer_of(g, mm.inputs[1]);
    ASSERT_TRUE(q && k);
    EXPECT_EQ(g.values[size_t(q->inputs[0])].name, "in1");
    EXPECT_EQ(q->attrs.get_ints("perm"), (std::vector<int64_t>{0, 2, 1, 3}));
    EXPECT_EQ(g.values[size_t(k->inputs[0])].name, "in0");
    EXPECT_EQ(k->attrs.get_ints("perm"), (std::vector<int64_t>{0, 2, 3, 1}));
    EXPECT_EQ(g.values[size_t(mm.outputs[0])].name, "out");
    EXPECT_EQ(g.values[size_t(mm.outputs[0])].shape.dims, (std::vector<int64_t>{kDynamic, 3, kDynamic, kDynamic}));
    expect_no_noops(g);
    expect_equivalent(einsum_model("aecd,abcd->acbe", ops), "aecd,abcd->acbe", ops, EinsumMode::all);
}

// Attention combine: probs[b,h,s,t], value[b,t,h,d] -> [b,s,h,d].
TEST(DecomposeEinsum, KerasCombine) {
    std::mt19937 rng(4);
    std::vector<Operand> ops = {activation({2, 3, 6, 5}, {kDynamic, 3, kDynamic, kDynamic}, rng),
                                activation({2, 5, 3, 4}, {kDynamic, kDynamic, 3, 4}, rng)};
    Model m = einsum_model("acbe,aecd->abcd", ops);
    decompose_einsum(m, EinsumMode::all);
    const Graph& g = m.graph;
    ASSERT_EQ(op_sequence(g), (std::vector<OpKind>{OpKind::Transpose, OpKind::MatMul, OpKind::Transpose})) << ops_text(g);
    const Node& vt = g.nodes[0];
    const Node& mm = g.nodes[1];
    const Node& out = g.nodes[2];
    EXPECT_EQ(g.values[size_t(vt.inputs[0])].name, "in1");
    EXPECT_EQ(vt.attrs.get_ints("perm"), (std::vector<int64_t>{0, 2, 1, 3}));
    EXPECT_EQ(g.values[size_t(mm.inputs[0])].name, "in0");  // probs as they are
    EXPECT_EQ(mm.inputs[1], vt.outputs[0]);
    EXPECT_EQ(out.attrs.get_ints("perm"), (std::vector<int64_t>{0, 2, 1, 3}));
    EXPECT_EQ(g.values[size_t(out.outputs[0])].name, "out");
    expect_no_noops(g);
    expect_equivalent(einsum_model("acbe,aecd->abcd", ops), "acbe,aecd->abcd", ops, EinsumMode::all);
}

TEST(DecomposeEinsum, ModesChooseWhichEinsums) {
    std::mt19937 rng(5);
    std::vector<Operand> ops = {activation({2, 3}, {2, 3}, rng), weight({3, 4}, rng)};
    Model m = einsum_model("ij,jk->ik", ops);
    EXPECT_EQ(decompose_einsum(m, EinsumMode::none), 0u);
    EXPECT_EQ(op_sequence(m.graph), (std::vector<OpKind>{OpKind::Einsum}));
    EXPECT_EQ(decompose_einsum(m, EinsumMode::constant), 1u);
    EXPECT_EQ(op_sequence(m.graph), (std::vector<OpKind>{OpKind::MatMul}));
}

// x @ W^T with W[out,in]: transposing the weight once (it folds) beats transposing activations
// at every run.
TEST(DecomposeEinsum, TransposesTheWeightRatherThanActivations) {
    std::mt19937 rng(6);
    std::vector<Operand> ops = {activation({2, 3, 8}, {kDynamic, kDynamic, 8}, rng), weight({5, 8}, rng)};
    Model m = einsum_model("abc,dc->abd", ops);
    decompose_einsum(m, EinsumMode::constant);
    const Graph& g = m.graph;
    ASSERT_EQ(op_sequence(g), (std::vector<OpKind>{OpKind::Transpose, OpKind::MatMul})) << ops_text(g);
    EXPECT_EQ(g.values[size_t(g.nodes[0].inputs[0])].name, "in1");
    expect_equivalent(einsum_model("abc,dc->abd", ops), "abc,dc->abd", ops, EinsumMode::constant);
}

TEST(DecomposeEinsum, DiagonalOfConstantIsComputedAndOfTensorIsAStridedSlice) {
    std::mt19937 rng(7);
    std::vector<Operand> ops = {weight({3, 4, 3}, rng), activation({2, 4}, {kDynamic, 4}, rng)};
    Model m = einsum_model("iji,bj->bi", ops);
    decompose_einsum(m, EinsumMode::constant);
    for (const Node& n : m.graph.nodes) EXPECT_NE(n.op, OpKind::Slice) << ops_text(m.graph);
    expect_equivalent(einsum_model("iji,bj->bi", ops), "iji,bj->bi", ops, EinsumMode::constant);

    std::vector<Operand> act = {activation({3, 4, 3}, {3, 4, 3}, rng), activation({2, 4}, {kDynamic, 4}, rng)};
    Model t = einsum_model("iji,bj->bi", act);
    decompose_einsum(t, EinsumMode::all);
    const Node* slice = nullptr;
    for (const Node& n : t.graph.nodes)
        if (n.op == OpKind::Slice) slice = &n;
    ASSERT_TRUE(slice) << ops_text(t.graph);
    EXPECT_EQ(constant_ints(t.graph, slice->inputs[4]), (std::vector<int64_t>{4}));  // step n+1 over [i*i]
    expect_equivalent(einsum_model("iji,bj->bi", act), "iji,bj->bi", act, EinsumMode::all);
}

TEST(DecomposeEinsum, OpsetBefore13PutsReduceSumAxesInAnAttribute) {
    std::mt19937 rng(8);
    std::vector<Operand> ops = {activation({2, 3, 4}, {2, 3, 4}, rng), weight({4, 5}, rng)};
    Model m = einsum_model("abc,cd->d", ops, 12);
    decompose_einsum(m, EinsumMode::constant);
    bool found = false;
    for (const Node& n : m.graph.nodes) {
        if (n.op != OpKind::ReduceSum) continue;
        found = true;
        EXPECT_EQ(n.inputs.size(), 1u);
        EXPECT_TRUE(n.attrs.has("axes"));
    }
    EXPECT_TRUE(found) << ops_text(m.graph);
    expect_equivalent(einsum_model("abc,cd->d", ops, 12), "abc,cd->d", ops, EinsumMode::constant);
}

TEST(DecomposeEinsum, InvalidEquationNamesTheNode) {
    std::mt19937 rng(9);
    std::vector<Operand> ops = {activation({2, 3}, {2, 3}, rng), weight({3, 5}, rng)};
    Model m = einsum_model("ij,jk->ik", ops);
    m.graph.nodes[0].attrs.set("equation", std::string("ij,k->ik"));
    try {
        decompose_einsum(m, EinsumMode::all);
        ADD_FAILURE() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("node 'attn/einsum' (Einsum)"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("has 1 labels but operand 1 has rank 2"), std::string::npos) << e.what();
    }
}


// A Keras-style attention block through the whole offline pipeline (with the graph verified and
// re-inferred after every pass): every Einsum lowers, every weight-side Reshape folds to a view
// of the weight (no weight byte is copied), and the numbers do not change.
TEST(DecomposeEinsum, KerasAttentionBlockThroughOfflinePipeline) {
    std::mt19937 rng(10);
    Model m;
    m.opsets[""] = 17;
    Graph& g = m.graph;
    PartialShape xs = PartialShape::of_rank(3);
    xs.dims = {kDynamic, kDynamic, 8};
    xs.dim_names = {"batch", "sequence", ""};
    ValueId x = g.add_value("x", DType::f32, xs);
    g.inputs = {x};
    std::vector<ValueId> weights;
    auto add_weight = [&](const std::string& name, const Shape& s) {
        weights.push_back(g.add_constant(name, random_tensor(DType::f32, s, rng)));
        return weights.back();
    };
    auto einsum = [&](const std::string& name, const std::string& eq, std::vector<ValueId> in) {
        Node n;
        n.name = name;
        n.op = OpKind::Einsum;
        n.opset = 17;
        n.attrs.set("equation", eq);
        n.inputs = std::move(in);
        ValueId out = g.add_value(name + "_out");
        n.outputs = {out};
        g.add_node(n);
        return out;
    };
    ValueId q = einsum("query", "abc,cde->abde", {x, add_weight("wq", {8, 2, 4})});
    ValueId k = einsum("key", "abc,cde->abde", {x, add_weight("wk", {8, 2, 4})});
    ValueId v = einsum("value", "abc,cde->abde", {x, add_weight("wv", {8, 2, 4})});
    ValueId scores = einsum("scores", "aecd,abcd->acbe", {k, q});
    ValueId combined = einsum("combine", "acbe,aecd->abcd", {scores, v});
    ValueId out = einsum("output", "abcd,cde->abe", {combined, add_weight("wo", {2, 4, 8})});
    g.outputs = {out};
    infer_graph(g);
    std::vector<const Buffer*> weight_roots;
    for (ValueId w : weights) weight_roots.push_back(g.values[size_t(w)].constant->buffer->root());

    Tensor input = random_tensor(DType::f32, {2, 5, 8}, rng);
    Model original = m;
    Tensor want = run_graph(original.graph, {input});

    transform::OfflineOptions options;
    options.einsum = EinsumMode::all;
    options.manager.verify = true;
    options.manager.measure_memory = false;
    transform::offline(m, options);

    std::string text = ops_text(m.graph);
    if (std::getenv("FRUGAL_FUZZ_VERBOSE")) std::printf("%s\n", dump_model(m).c_str());
    EXPECT_EQ(einsum_count(m.graph), 0u) << text;
    size_t matmuls = 0, transposes = 0;
    for (const Node& n : m.graph.nodes) {
        matmuls += n.op == OpKind::MatMul;
        transposes += n.op == OpKind::Transpose;
    }
    EXPECT_EQ(matmuls, 6u) << text;
    EXPECT_EQ(transposes, 4u) << text;  // key, query and value for the two batched MatMuls, and the combine's result
    for (const Value& val : m.graph.values) {
        if (!val.is_constant() || val.constant->nbytes() < 64) continue;  // shape constants
        const Buffer* root = val.constant->buffer->root();
        EXPECT_NE(std::find(weight_roots.begin(), weight_roots.end(), root), weight_roots.end())
            << val.name << " holds weight bytes of its own";
    }
    expect_no_noops(m.graph);
    EXPECT_LE(max_relative_error(run_graph(m.graph, {input}), want), 1e-5);
}

// Merged dims of unknown size are split again with a shape read at run time: Shape of the
// operand that has them, Gather, Concat with the known part.
TEST(DecomposeEinsum, UnknownDimsAreReadAtRunTime) {
    std::mt19937 rng(11);
    std::vector<Operand> ops = {activation({2, 3, 4}, {kDynamic, kDynamic, 4}, rng),
                                activation({5, 6, 4}, {kDynamic, kDynamic, 4}, rng)};
    ops[0].declared.dim_names = {"a", "b", ""};
    ops[1].declared.dim_names = {"c", "d", ""};
    Model m = einsum_model("abk,cdk->abcd", ops);
    decompose_einsum(m, EinsumMode::all);
    const Graph& g = m.graph;
    ASSERT_EQ(op_sequence(g), (std::vector<OpKind>{OpKind::Transpose, OpKind::Reshape, OpKind::MatMul, OpKind::Shape,
                                                   OpKind::Gather, OpKind::Concat, OpKind::Reshape}))
        << ops_text(g);
    EXPECT_EQ(constant_ints(g, g.nodes[1].inputs[1]), (std::vector<int64_t>{4, -1}));
    EXPECT_EQ(g.values[size_t(g.nodes[3].inputs[0])].name, "in1");
    EXPECT_EQ(constant_ints(g, g.nodes[4].inputs[1]), (std::vector<int64_t>{1}));  // d
    EXPECT_EQ(constant_ints(g, g.nodes[5].inputs[0]), (std::vector<int64_t>{0, 0, -1}));
    EXPECT_EQ(g.nodes[6].inputs[1], g.nodes[5].outputs[0]);
    const Value& out = g.values[size_t(g.outputs[0])];
    EXPECT_EQ(out.shape.dim_names, (std::vector<std::string>{"a", "b", "c", "d"}));
    expect_no_noops(g);
    expect_equivalent(einsum_model("abk,cdk->abcd", ops), "abk,cdk->abcd", ops, EinsumMode::all);
}

// Ellipsis dims unknown in both operands may broadcast at run time (1 against 2 here): they stay
// MatMul batch axes, which broadcast, and nothing reads their size.
TEST(DecomposeEinsum, UnknownEllipsisDimsBroadcastAtRunTime) {
    std::mt19937 rng(12);
    std::vector<Operand> ops = {activation({1, 3, 4}, {kDynamic, 3, 4}, rng),
                                activation({2, 4, 5}, {kDynamic, 4, 5}, rng)};
    Model m = einsum_model("...ij,...jk->...ik", ops);
    EXPECT_EQ(decompose_einsum(m, EinsumMode::all), 1u);
    EXPECT_EQ(op_sequence(m.graph), (std::vector<OpKind>{OpKind::MatMul})) << ops_text(m.graph);
    expect_equivalent(einsum_model("...ij,...jk->...ik", ops), "...ij,...jk->...ik", ops, EinsumMode::all);

    // A merge: x[?, 2, 3] . y[?, 3] over the ellipsis dim and i: only -1 may stand for it.
    std::vector<Operand> merge = {activation({2, 2, 3}, {kDynamic, 2, 3}, rng), activation({1, 3}, {kDynamic, 3}, rng)};
    Model mm = einsum_model("...ij,...j->...i", merge);
    decompose_einsum(mm, EinsumMode::all);
    for (const Node& n : mm.graph.nodes) EXPECT_NE(n.op, OpKind::Gather) << ops_text(mm.graph);
    expect_equivalent(einsum_model("...ij,...j->...i", merge), "...ij,...j->...i", merge, EinsumMode::all);
}

TEST(DecomposeEinsum, DiagonalOfUnknownSizeComputesItsStep) {
    std::mt19937 rng(13);
    std::vector<Operand> ops = {activation({4, 2, 4}, {kDynamic, 2, kDynamic}, rng)};
    Model m = einsum_model("iji->ji", ops);
    decompose_einsum(m, EinsumMode::all);
    const Graph& g = m.graph;
    const Node* slice = nullptr;
    for (const Node& n : g.nodes)
        if (n.op == OpKind::Slice) slice = &n;
    ASSERT_TRUE(slice) << ops_text(g);
    const Node* step = producer_of(g, slice->inputs[4]);
    ASSERT_TRUE(step) << ops_text(g);
    EXPECT_EQ(step->op, OpKind::Add);  // n + 1
    expect_no_noops(g);
    expect_equivalent(einsum_model("iji->ji", ops), "iji->ji", ops, EinsumMode::all);
    std::vector<Operand> three = {activation({3, 3, 2, 3}, {kDynamic, kDynamic, 2, kDynamic}, rng)};
    expect_equivalent(einsum_model("iiji->ij", three), "iiji->ij", three, EinsumMode::all);
}
