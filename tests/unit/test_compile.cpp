// The compiled path against the reference executor, the fusion passes for the graph they make
// and the numbers they compute, and the activation memory plan's invariants.
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "compile/compile.h"
#include "compile/memory_plan.h"
#include "compile/passes/fuse_gelu.h"
#include "compile/passes/fuse_matmul.h"
#include "graph_builder.h"
#include "models/keras_gpt2.h"
#include "runtime/reference_executor.h"
#include "runtime/session.h"
#include "transform/offline.h"

using namespace frugal;
using namespace frugal::test;

namespace {

TEST(Compile, TinyGpt2MatchesTheReference) {
    Gpt2Config config = gpt2_config("tiny");
    Model reference = make_keras_gpt2(config, 7, false);
    Model compiled_from = make_keras_gpt2(config, 7, false);
    transform::offline(compiled_from);
    auto compiled = compile::compile_model(std::move(compiled_from));
    Session session(compiled);
    for (int64_t seq : {1, 5, 16, 5}) {  // a new length re-plans; back to 5 re-plans again
        Tensor ids = random_ids({2, seq}, config.vocab, uint32_t(seq));
        Tensor want = run_reference(reference, {{"token_ids", ids}}).at("logits");
        Tensor got = session.run({{"token_ids", ids}}).at("logits");
        ASSERT_EQ(got.shape, want.shape);
        EXPECT_LT(max_error_over_range(got, want), 1e-5) << "seq " << seq;
    }
    EXPECT_GT(session.kernel_steps(), session.reference_steps());
}

TEST(Compile, SessionsShareOneCompiledModelAcrossThreads) {
    Gpt2Config config = gpt2_config("tiny");
    Model m = make_keras_gpt2(config, 3, false);
    Model reference = make_keras_gpt2(config, 3, false);
    transform::offline(m);
    auto compiled = compile::compile_model(std::move(m));
    Tensor ids = random_ids({1, 9}, config.vocab, 11);
    Tensor want = run_reference(reference, {{"token_ids", ids}}).at("logits");
    std::vector<double> errors(4, 1.0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            Session s(compiled);
            double worst = 0;
            for (int r = 0; r < 3; ++r) worst = std::max(worst, max_error_over_range(s.run({{"token_ids", ids}}).at("logits"), want));
            errors[size_t(t)] = worst;
        });
    for (auto& th : threads) th.join();
    for (double e : errors) EXPECT_LT(e, 1e-5);
}

TEST(Compile, PackingHoldsEachWeightOnce) {
    Gpt2Config config = gpt2_config("tiny");
    Model m = make_keras_gpt2(config, 5, false);
    transform::offline(m);
    size_t weights = 0;
    for (const Value& v : m.graph.values)
        if (v.is_constant()) weights += v.constant->nbytes();
    auto compiled = compile::compile_model(std::move(m));
    // Packed layouts pad N and K up to their blocks; nothing is held twice.
    EXPECT_LE(compiled->weight_bytes(), weights + weights / 4);
    EXPECT_FALSE(compiled->packed.empty());
    for (size_t i = 0; i < compiled->model.graph.nodes.size(); ++i) {
        const Node& n = compiled->model.graph.nodes[i];
        if (compiled->node_packed[i] < 0) continue;
        EXPECT_FALSE(compiled->model.graph.values[size_t(n.inputs[n.op == OpKind::Gather ? 0 : 1])].is_constant());
    }
}

// GELU spelled three ways must all become one Gelu node and compute the same numbers.
Model gelu_model(int spelling) {
    Model m;
    Graph& g = m.graph;
    ValueId x = add_input(g, "x", DType::f32, Shape{4, 33});
    auto c = [&](float v) { return g.add_constant(g.unique_value_name("c"), Tensor::scalar<float>(v)); };
    ValueId y;
    if (spelling == 0) {  // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
        ValueId cube = add_op(g, OpKind::Pow, {x, c(3)});
        ValueId inner = add_op(g, OpKind::Add, {x, add_op(g, OpKind::Mul, {cube, c(0.044715f)})});
        ValueId t = add_op(g, OpKind::Tanh, {add_op(g, OpKind::Mul, {inner, c(0.7978845608f)})});
        y = add_op(g, OpKind::Mul, {add_op(g, OpKind::Mul, {x, c(0.5f)}), add_op(g, OpKind::Add, {t, c(1)})});
    } else if (spelling == 1) {  // x * 0.5 * (1 + tanh(...)) with x*x*x
        ValueId cube = add_op(g, OpKind::Mul, {add_op(g, OpKind::Mul, {x, x}), x});
        ValueId inner = add_op(g, OpKind::Add, {add_op(g, OpKind::Mul, {c(0.044715f), cube}), x});
        ValueId t = add_op(g, OpKind::Tanh, {add_op(g, OpKind::Mul, {c(0.7978845608f), inner})});
        y = add_op(g, OpKind::Mul, {x, add_op(g, OpKind::Mul, {c(0.5f), add_op(g, OpKind::Add, {c(1), t})})});
    } else {  // the exact form: 0.5 * x * (1 + erf(x / sqrt(2)))
        ValueId e = add_op(g, OpKind::Erf, {add_op(g, OpKind::Div, {x, c(1.4142135f)})});
        y = add_op(g, OpKind::Mul, {add_op(g, OpKind::Mul, {c(0.5f), x}), add_op(g, OpKind::Add, {e, c(1)})});
    }
    g.outputs = {add_op(g, OpKind::Relu, {y})};
    return m;
}

TEST(FuseGelu, RecognizesGeluWhateverItsSpelling) {
    for (int spelling = 0; spelling < 3; ++spelling) {
        Model m = gelu_model(spelling);
        Tensor x = random_tensor({4, 33}, 42, 5.0f);
        Tensor before = run_reference(m, {{"x", x}}).begin()->second;
        EXPECT_EQ(compile::fuse_gelu(m), 1u) << spelling;
        EXPECT_EQ(count_ops(m.graph, OpKind::Gelu), 1u);
        EXPECT_EQ(m.graph.live_node_count(), 2u);  // Gelu and the Relu after it
        EXPECT_EQ(m.graph.nodes[0].attrs.get_string("approximate", ""), spelling == 2 ? "none" : "tanh");
        EXPECT_LT(max_relative_error(run_reference(m, {{"x", x}}).begin()->second, before), 1e-5);
    }
}

TEST(FuseGelu, LeavesOtherTanhFunctionsAlone) {
    Model m;
    Graph& g = m.graph;
    ValueId x = add_input(g, "x", DType::f32, Shape{8});
    ValueId half = g.add_constant("half", Tensor::scalar<float>(0.5f));
    ValueId t = add_op(g, OpKind::Tanh, {x});
    g.outputs = {add_op(g, OpKind::Mul, {add_op(g, OpKind::Mul, {x, half}), t})};  // 0.5 x tanh(x): not GELU
    EXPECT_EQ(compile::fuse_gelu(m), 0u);
    EXPECT_EQ(count_ops(g, OpKind::Tanh), 1u);
}

TEST(FuseMatmul, BiasGeluAndResidualFoldIntoOneNode) {
    Model m;
    Graph& g = m.graph;
    ValueId x = add_input(g, "x", DType::f32, Shape{3, 16});
    ValueId w = g.add_constant("w", random_tensor({16, 16}, 1));
    ValueId b = g.add_constant("b", random_tensor({16}, 2));
    ValueId h = add_op(g, OpKind::Add, {add_op(g, OpKind::MatMul, {x, w}), b});
    Attributes tanh_attr;
    tanh_attr.set("approximate", std::string("tanh"));
    ValueId a = add_op(g, OpKind::Gelu, {h}, tanh_attr);
    g.outputs = {add_op(g, OpKind::Add, {a, x})};
    Tensor in = random_tensor({3, 16}, 3);
    Tensor before = run_reference(m, {{"x", in}}).begin()->second;
    EXPECT_EQ(compile::fuse_matmul(m), 1u);
    ASSERT_EQ(g.live_node_count(), 1u);
    const Node& f = g.nodes[0];
    EXPECT_EQ(f.op, OpKind::FusedMatMul);
    EXPECT_EQ(f.inputs.size(), 4u);
    EXPECT_EQ(f.attrs.get_string("activation", ""), "gelu_tanh");
    EXPECT_LT(max_relative_error(run_reference(m, {{"x", in}}).begin()->second, before), 1e-5);
}

TEST(FuseMatmul, KerasEinsumDenseBiasMovesBeforeTheHeadSplit) {
    Model m;
    Graph& g = m.graph;
    ValueId x = add_input(g, "x", DType::f32, Shape{2, 3, 8});
    ValueId w = g.add_constant("w", random_tensor({8, 8}, 4));
    ValueId b = g.add_constant("b", random_tensor({2, 4}, 5));
    const Buffer* bias_bytes = g.values[size_t(b)].constant->buffer->root();
    ValueId shape = g.add_constant("shape", Tensor::from_vector<int64_t>({4}, {2, 3, 2, 4}));
    ValueId r = add_op(g, OpKind::Reshape, {add_op(g, OpKind::MatMul, {x, w}), shape});
    g.outputs = {add_op(g, OpKind::Add, {r, b})};
    Tensor in = random_tensor({2, 3, 8}, 6);
    Tensor before = run_reference(m, {{"x", in}}).begin()->second;
    EXPECT_EQ(compile::fuse_matmul(m), 1u);
    EXPECT_EQ(count_ops(g, OpKind::FusedMatMul), 1u);
    EXPECT_EQ(count_ops(g, OpKind::Reshape), 1u);
    EXPECT_EQ(count_ops(g, OpKind::Add), 0u);
    const Node& f = g.nodes[0];
    EXPECT_EQ(g.values[size_t(f.inputs[2])].constant->buffer->root(), bias_bytes) << "the bias is a view";
    EXPECT_LT(max_relative_error(run_reference(m, {{"x", in}}).begin()->second, before), 1e-5);
}

TEST(MemoryPlan, TensorsAliveTogetherNeverOverlap) {
    std::mt19937 rng(9);
    for (int trial = 0; trial < 50; ++trial) {
        std::vector<compile::Lifetime> ls(40);
        for (auto& l : ls) {
            l.bytes = 1 + rng() % 5000;
            l.first = int(rng() % 30);
            l.last = l.first + int(rng() % 8);
        }
        compile::MemoryPlan p = compile::plan_memory(ls);
        size_t total = 0;
        for (size_t i = 0; i < ls.size(); ++i) {
            total += ls[i].bytes;
            EXPECT_EQ(p.offsets[i] % 64, 0u);
            EXPECT_LE(p.offsets[i] + ls[i].bytes, p.arena_bytes);
            for (size_t j = i + 1; j < ls.size(); ++j) {
                bool together = !(ls[i].last < ls[j].first || ls[j].last < ls[i].first);
                bool overlap = p.offsets[i] < p.offsets[j] + ls[j].bytes && p.offsets[j] < p.offsets[i] + ls[i].bytes;
                EXPECT_FALSE(together && overlap) << i << " and " << j;
            }
        }
        EXPECT_LT(p.arena_bytes, total + 64 * ls.size());  // reuse happens
    }
}

}  // namespace
