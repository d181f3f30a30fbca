// fuse_attention: the graph it makes (one FusedAttention per attention, the Transposes, scale and
// masks absorbed) and the numbers it computes (the fused graph's outputs against the unfused
// one's, through the reference executor and through a Session's kernel), on our Keras GPT-2 and
// on a PyTorch-style GPT-2 attention; and the graphs it must leave alone.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "compile/compile.h"
#include "compile/passes/fuse_attention.h"
#include "graph_builder.h"
#include "models/keras_gpt2.h"
#include "runtime/attention_step.h"
#include "runtime/reference_executor.h"
#include "runtime/session.h"
#include "transform/offline.h"
#include "transform/passes/eliminate_dead_code.h"

using namespace frugal;
using namespace frugal::test;

namespace {

const Node* find_op(const Graph& g, OpKind op) {
    for (const Node& n : g.nodes)
        if (!n.dead && n.op == op) return &n;
    return nullptr;
}

TEST(FuseAttention, KerasGpt2WithoutCache) {
    Gpt2Config config = gpt2_config("tiny");
    Model reference = make_keras_gpt2(config, 7, false);
    Model m = make_keras_gpt2(config, 7, false);
    transform::offline(m);
    auto compiled = compile::compile_model(std::move(m));
    const Graph& g = compiled->model.graph;
    EXPECT_EQ(count_ops(g, OpKind::FusedAttention), size_t(config.layers));
    EXPECT_EQ(count_ops(g, OpKind::Softmax), 0u);
    EXPECT_EQ(count_ops(g, OpKind::Where), 0u);
    const Node* f = find_op(g, OpKind::FusedAttention);
    ASSERT_NE(f, nullptr);
    // Q, K and V are read as Keras makes them, [batch, seq, heads, head_dim], and the output is
    // written in that layout for the output projection; the query's scale is folded in.
    EXPECT_EQ(f->attrs.get_ints("q_perm"), (std::vector<int64_t>{0, 2, 1, 3}));
    EXPECT_EQ(f->attrs.get_ints("k_perm"), (std::vector<int64_t>{0, 2, 1, 3}));
    EXPECT_EQ(f->attrs.get_ints("v_perm"), (std::vector<int64_t>{0, 2, 1, 3}));
    EXPECT_EQ(f->attrs.get_ints("out_perm"), (std::vector<int64_t>{0, 2, 1, 3}));
    EXPECT_NEAR(f->attrs.get_float("scale", 0), 1.0 / std::sqrt(double(config.head_dim())), 1e-7);
    EXPECT_EQ(f->attrs.get_string("mask_kind", ""), "bool");
    EXPECT_EQ(count_ops(g, OpKind::Transpose), 0u);
    Session session(compiled);
    for (int64_t seq : {1, 6, 17}) {
        Tensor ids = random_ids({2, seq}, config.vocab, uint32_t(seq));
        Tensor want = run_reference(reference, {{"token_ids", ids}}).at("logits");
        Tensor got = session.run({{"token_ids", ids}}).at("logits");
        EXPECT_LT(max_error_over_range(got, want), 1e-5) << "seq " << seq;
    }
}

TEST(FuseAttention, KerasGpt2WithCache) {
    Gpt2Config config = gpt2_config("tiny");
    Model reference = make_keras_gpt2(config, 7, true);
    Model m = make_keras_gpt2(config, 7, true);
    transform::offline(m);
    compile::CompileOptions options;
    options.manager.verify = true;  // the graph verifier and type inference pass after every pass
    auto compiled = compile::compile_model(std::move(m), options);
    const Graph& g = compiled->model.graph;
    EXPECT_EQ(count_ops(g, OpKind::FusedAttention), size_t(config.layers));
    EXPECT_EQ(count_ops(g, OpKind::Softmax), 0u);
    const Node* f = find_op(g, OpKind::FusedAttention);
    ASSERT_NE(f, nullptr);
    // K and V straight from the present concatenation, [batch, heads, total, head_dim].
    EXPECT_EQ(f->attrs.get_ints("k_perm"), (std::vector<int64_t>{0, 1, 2, 3}));
    EXPECT_EQ(f->attrs.get_ints("v_perm"), (std::vector<int64_t>{0, 1, 2, 3}));
    Session session(compiled);
    for (auto [past, seq] : {std::pair<int64_t, int64_t>{0, 5}, {5, 1}, {9, 3}}) {
        TensorMap in = {{"token_ids", random_ids({1, seq}, config.vocab, uint32_t(past + seq))}};
        for (int64_t l = 0; l < config.layers; ++l) {
            Shape s = {1, config.heads, past, config.head_dim()};
            in["past_key_values." + std::to_string(l) + ".key"] = random_tensor(s, uint32_t(10 * l + 1));
            in["past_key_values." + std::to_string(l) + ".value"] = random_tensor(s, uint32_t(10 * l + 2));
        }
        TensorMap want = run_reference(reference, in);
        TensorMap got = session.run(in);
        for (const auto& [name, t] : want) EXPECT_LT(max_error_over_range(got.at(name), t), 1e-5) << name << " past " << past;
    }
}

// PyTorch's GPT-2 attention as exporters write it: MatMul(q, Transpose(k)), Div by sqrt(d),
// Where(causal, s, finfo.min), Add(padding mask), Softmax, MatMul with v, Transpose to
// [batch, seq, heads, head_dim]. With causal_input the causal mask is a graph input (the kernel
// reads it); otherwise a constant (the kernel's causal flag).
Model torch_attention(int64_t B, int64_t H, int64_t S, int64_t D, bool causal_input) {
    Model m;
    Graph& g = m.graph;
    ValueId q = add_input(g, "q", DType::f32, Shape{B, H, S, D});
    ValueId k = add_input(g, "k", DType::f32, Shape{B, H, S, D});
    ValueId v = add_input(g, "v", DType::f32, Shape{B, H, S, D});
    ValueId pad = add_input(g, "attention_mask", DType::f32, Shape{B, 1, 1, S});
    ValueId causal;
    if (causal_input) {
        causal = add_input(g, "causal", DType::boolean, Shape{1, 1, S, S});
    } else {
        Tensor c = Tensor::empty(DType::boolean, {1, 1, S, S});
        for (int64_t i = 0; i < S; ++i)
            for (int64_t j = 0; j < S; ++j) c.mutable_data<bool>()[i * S + j] = j <= i;
        causal = g.add_constant("causal", c);
    }
    ValueId kt = add_op(g, OpKind::Transpose, {k}, attrs_ints("perm", {0, 1, 3, 2}));
    ValueId s = add_op(g, OpKind::MatMul, {q, kt});
    s = add_op(g, OpKind::Div, {s, g.add_constant("sqrt_d", Tensor::scalar<float>(std::sqrt(float(D))))});
    s = add_op(g, OpKind::Where, {causal, s, g.add_constant("min", Tensor::scalar<float>(std::numeric_limits<float>::lowest()))});
    s = add_op(g, OpKind::Add, {s, pad});
    Attributes axis;
    axis.set("axis", int64_t(-1));
    ValueId p = add_op(g, OpKind::Softmax, {s}, axis);
    ValueId o = add_op(g, OpKind::MatMul, {p, v});
    g.outputs = {add_op(g, OpKind::Transpose, {o}, attrs_ints("perm", {0, 2, 1, 3}))};
    return m;
}

// With causal_input the mask is the causal one, or with random_mask random bits.
TensorMap torch_inputs(int64_t B, int64_t H, int64_t S, int64_t D, bool causal_input, bool random_mask = false) {
    TensorMap in = {{"q", random_tensor({B, H, S, D}, 1, 2.f)}, {"k", random_tensor({B, H, S, D}, 2, 2.f)},
                    {"v", random_tensor({B, H, S, D}, 3)}};
    // The last batch has its last two positions padded (key 0 is always seen).
    Tensor pad = Tensor::empty(DType::f32, {B, 1, 1, S});
    for (int64_t j = 0; j < S; ++j) pad.mutable_data<float>()[(B - 1) * S + j] = j >= S - 2 ? std::numeric_limits<float>::lowest() : 0.f;
    in["attention_mask"] = pad;
    if (causal_input) {
        Tensor c = Tensor::empty(DType::boolean, {1, 1, S, S});
        for (int64_t i = 0; i < S; ++i)
            for (int64_t j = 0; j < S; ++j) c.mutable_data<bool>()[i * S + j] = random_mask ? j == 0 || (i * 5 + j * 3) % 4 != 0 : j <= i;
        in["causal"] = c;
    }
    return in;
}

TEST(FuseAttention, TorchGpt2Attention) {
    const int64_t B = 2, H = 3, S = 11, D = 16;
    for (int variant = 0; variant < 3; ++variant) {
        // The causal mask as a constant (known at plan time), as an input (known at run time),
        // and an input mask that is not causal.
        bool causal_input = variant > 0;
        Model m = torch_attention(B, H, S, D, causal_input);
        TensorMap in = torch_inputs(B, H, S, D, causal_input, variant == 2);
        Tensor want = run_reference(m, in).begin()->second;
        EXPECT_EQ(compile::fuse_attention(m), 1u);
        transform::eliminate_dead_code(m);
        EXPECT_EQ(m.graph.live_node_count(), 1u) << "the K Transpose and the output Transpose are absorbed";
        const Node& f = m.graph.nodes[0];
        ASSERT_EQ(f.op, OpKind::FusedAttention);
        EXPECT_EQ(f.attrs.get_ints("k_perm"), (std::vector<int64_t>{0, 1, 2, 3}));
        EXPECT_EQ(f.attrs.get_ints("out_perm"), (std::vector<int64_t>{0, 2, 1, 3}));
        EXPECT_NEAR(f.attrs.get_float("scale", 0), 0.25, 1e-7);
        EXPECT_EQ(f.attrs.get_string("mask_kind", ""), "bool");
        EXPECT_EQ(f.inputs.size(), 5u);
        EXPECT_LT(max_error_over_range(run_reference(m, in).begin()->second, want), 1e-5) << "reference, variant " << variant;
        // Through the kernel: with the causal mask as a constant the Session uses the causal flag.
        Model again = torch_attention(B, H, S, D, causal_input);
        Session session(compile::compile_model(std::move(again)));
        Tensor got = session.run(in).begin()->second;
        EXPECT_LT(max_error_over_range(got, want), 1e-5) << "kernel, variant " << variant;
        EXPECT_EQ(session.reference_steps(), 0u);
    }
}

TEST(FuseAttention, ScaledKeyAndAdditiveMaskOnly) {
    // Scale on K instead of Q, a Mul after the MatMul, and an additive mask without a Where.
    Model m;
    Graph& g = m.graph;
    ValueId q = add_input(g, "q", DType::f32, Shape{1, 5, 2, 8});  // [b, s, h, d]
    ValueId k = add_input(g, "k", DType::f32, Shape{1, 2, 8, 7});  // K^T already: [b, h, d, s]
    ValueId v = add_input(g, "v", DType::f32, Shape{1, 7, 2, 4});
    ValueId mask = add_input(g, "mask", DType::f32, Shape{5, 7});
    ValueId qt = add_op(g, OpKind::Transpose, {q}, attrs_ints("perm", {0, 2, 1, 3}));
    ValueId ks = add_op(g, OpKind::Mul, {g.add_constant("half", Tensor::scalar<float>(0.5f)), k});
    ValueId s = add_op(g, OpKind::Mul, {add_op(g, OpKind::MatMul, {qt, ks}), g.add_constant("three", Tensor::scalar<float>(3.f))});
    s = add_op(g, OpKind::Add, {mask, s});
    ValueId p = add_op(g, OpKind::Softmax, {s});
    ValueId vt = add_op(g, OpKind::Transpose, {v}, attrs_ints("perm", {0, 2, 1, 3}));
    g.outputs = {add_op(g, OpKind::MatMul, {p, vt})};
    TensorMap in = {{"q", random_tensor({1, 5, 2, 8}, 4)}, {"k", random_tensor({1, 2, 8, 7}, 5)}, {"v", random_tensor({1, 7, 2, 4}, 6)},
                    {"mask", random_tensor({5, 7}, 7, 3.f)}};
    Tensor want = run_reference(m, in).begin()->second;
    EXPECT_EQ(compile::fuse_attention(m), 1u);
    transform::eliminate_dead_code(m);
    const Node* f = find_op(m.graph, OpKind::FusedAttention);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(m.graph.live_node_count(), 1u);
    EXPECT_NEAR(f->attrs.get_float("scale", 0), 1.5, 1e-7);
    EXPECT_EQ(f->attrs.get_string("mask_kind", ""), "additive");
    EXPECT_EQ(f->attrs.get_ints("q_perm"), (std::vector<int64_t>{0, 2, 1, 3}));
    EXPECT_EQ(f->attrs.get_ints("k_perm"), (std::vector<int64_t>{0, 1, 3, 2}));
    EXPECT_EQ(f->attrs.get_ints("v_perm"), (std::vector<int64_t>{0, 2, 1, 3}));
    EXPECT_LT(max_error_over_range(run_reference(m, in).begin()->second, want), 1e-5);
    Model again = m;
    Session session(compile::compile_model(std::move(again)));
    EXPECT_LT(max_error_over_range(session.run(in).begin()->second, want), 1e-5);
}

// The glue a KV-cache state will use: K and V given as the filled rows of a [1, H, capacity, D]
// buffer through their physical strides, and the causal mask known at plan time as the flag.
TEST(AttentionStep, ReadsKAndVFromACacheWithRoom) {
    const int64_t H = 3, Sq = 4, Sk = 9, D = 16, capacity = 32;
    Node n;
    n.op = OpKind::FusedAttention;
    n.attrs.set("mask_kind", std::string("bool"));
    n.attrs.set("mask_fill", -1e9f);
    Tensor q = random_tensor({1, H, Sq, D}, 11, 2.f);
    Tensor k_cache = random_tensor({1, H, capacity, D}, 12, 2.f), v_cache = random_tensor({1, H, capacity, D}, 13);
    Tensor mask = Tensor::empty(DType::boolean, {Sq, Sk});
    for (int64_t i = 0; i < Sq; ++i)
        for (int64_t j = 0; j < Sk; ++j) mask.mutable_data<bool>()[i * Sk + j] = j <= Sk - Sq + i;
    ASSERT_TRUE(is_plain_causal_mask(mask, Sq, Sk));
    AttentionLayout l{.q = {1, H, Sq, D}, .k = {1, H, Sk, D}, .v = {1, H, Sk, D}, .out = {1, H, Sq, D}, .mask = {Sq, Sk}};
    l.k_strides = l.v_strides = shape_strides(k_cache.shape);
    l.has_mask = true;
    l.causal = true;
    kernels::AttentionArgs args = plan_attention(n, l);
    EXPECT_TRUE(args.causal);
    EXPECT_EQ(args.past, Sk - Sq);
    EXPECT_EQ(args.k_stride[1], capacity * D);
    Tensor out = Tensor::empty(DType::f32, {1, H, Sq, D});
    run_attention(args, q, k_cache, v_cache, &mask, nullptr, out);

    // The reference on dense copies of the filled rows.
    auto filled = [&](const Tensor& cache) {
        Tensor t = Tensor::empty(DType::f32, {1, H, Sk, D});
        for (int64_t h = 0; h < H; ++h)
            for (int64_t r = 0; r < Sk * D; ++r) t.mutable_data<float>()[h * Sk * D + r] = cache.data<float>()[h * capacity * D + r];
        return t;
    };
    Tensor k = filled(k_cache), v = filled(v_cache);
    std::vector<Tensor> want(1);
    std::vector<const Tensor*> in = {&q, &k, &v, &mask};
    evaluate_node(n, in, want);
    EXPECT_LT(max_error_over_range(out, want[0]), 1e-5);
}

// Variations of the PyTorch attention that must not be fused.
TEST(FuseAttention, LeavesAloneWhatItCannotFuse) {
    const int64_t B = 1, H = 2, S = 4, D = 8;
    auto build = [&](int variant) {
        Model m;
        Graph& g = m.graph;
        ValueId q = add_input(g, "q", DType::f32, Shape{B, H, S, D});
        ValueId k = add_input(g, "k", DType::f32, Shape{B, H, S, D});
        ValueId v = add_input(g, "v", DType::f32, Shape{B, H, S, D});
        ValueId mask = add_input(g, "mask", DType::f32, Shape{B, 1, 1, S});
        ValueId s = add_op(g, OpKind::MatMul, {q, add_op(g, OpKind::Transpose, {k}, attrs_ints("perm", {0, 1, 3, 2}))});
        ValueId extra = kNoId;
        if (variant == 0) extra = s;  // the scores are also an output
        if (variant == 1) s = add_op(g, OpKind::Mul, {s, g.add_constant("w", random_tensor({S}, 9))});  // not a scalar
        if (variant == 2) {
            // The mask added before the scale: (s + m) * c cannot fold c into the scale.
            s = add_op(g, OpKind::Add, {s, mask});
            s = add_op(g, OpKind::Mul, {s, g.add_constant("c", Tensor::scalar<float>(0.5f))});
        }
        Attributes axis;
        axis.set("axis", int64_t(variant == 3 ? 2 : -1));  // variant 3: not over the keys
        ValueId p = add_op(g, OpKind::Softmax, {s}, axis);
        if (variant == 4) extra = p;  // the probabilities are also an output
        g.outputs = {add_op(g, OpKind::MatMul, {p, v})};
        if (extra != kNoId) g.outputs.push_back(extra);
        return m;
    };
    for (int variant = 0; variant < 5; ++variant) {
        Model m = build(variant);
        EXPECT_EQ(compile::fuse_attention(m), 0u) << "variant " << variant;
        EXPECT_EQ(count_ops(m.graph, OpKind::Softmax), 1u);
    }
}

}  // namespace
