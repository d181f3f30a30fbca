#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "ir/error.h"
#include "ir/verifier.h"
#include "models/keras_gpt2.h"
#include "models/seeded_normal.h"

using namespace frugal;

namespace {

std::map<OpKind, int> op_counts(const Graph& g) {
    std::map<OpKind, int> c;
    for (const Node& n : g.nodes) c[n.op]++;
    return c;
}

const Value& value_named(const Graph& g, const std::string& name) {
    auto id = g.find_value(name);
    if (!id) throw std::runtime_error("no value named " + name);
    return g.values[size_t(*id)];
}

bool same_bytes(const Tensor& a, const Tensor& b) {
    return a.dtype == b.dtype && a.shape == b.shape && std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

double stddev_of(const Tensor& t) {
    const float* d = t.data<float>();
    double sum = 0, sq = 0;
    for (int64_t i = 0; i < t.numel(); ++i) {
        sum += d[i];
        sq += double(d[i]) * d[i];
    }
    double mean = sum / double(t.numel());
    return std::sqrt(sq / double(t.numel()) - mean * mean);
}

// Every weight of a GPT-2 by name, with its shape (hand-written from keras-hub's layers).
std::map<std::string, Shape> expected_weights(const Gpt2Config& c) {
    int64_t h = c.hidden, n = c.heads, d = c.head_dim();
    std::map<std::string, Shape> w;
    w["token_embedding/embeddings"] = {c.vocab, h};
    w["position_embedding/embeddings"] = {c.max_positions, h};
    for (int64_t i = 0; i < c.layers; ++i) {
        std::string p = "transformer_layer_" + std::to_string(i) + "/";
        for (const char* ln : {"self_attention_layer_norm", "feedforward_layer_norm"}) {
            w[p + ln + "/gamma"] = {h};
            w[p + ln + "/beta"] = {h};
        }
        for (const char* proj : {"query", "key", "value"}) {
            w[p + "self_attention/" + proj + "/kernel"] = {h, n, d};
            w[p + "self_attention/" + proj + "/bias"] = {n, d};
        }
        w[p + "self_attention/attention_output/kernel"] = {n, d, h};
        w[p + "self_attention/attention_output/bias"] = {h};
        w[p + "feedforward_intermediate_dense/kernel"] = {h, c.ffn};
        w[p + "feedforward_intermediate_dense/bias"] = {c.ffn};
        w[p + "feedforward_output_dense/kernel"] = {c.ffn, h};
        w[p + "feedforward_output_dense/bias"] = {h};
    }
    w["layer_norm/gamma"] = {h};
    w["layer_norm/beta"] = {h};
    return w;
}

}  // namespace

TEST(KerasGpt2, ParameterCounts) {
    EXPECT_EQ(gpt2_parameter_count(gpt2_config("base")), 124439808);
    EXPECT_EQ(gpt2_parameter_count(gpt2_config("medium")), 354823168);
    // tiny by hand: 1000*64 + 1024*64 + 2 * (4 * (64*64 + 64) + (64*256 + 256) + (256*64 + 64) + 4*64) + 2*64
    EXPECT_EQ(gpt2_parameter_count(gpt2_config("tiny")), 64000 + 65536 + 2 * (16640 + 16640 + 16448 + 256) + 128);
    // The formula agrees with the list of keras-hub's weights.
    for (const char* size : {"tiny", "base", "medium"}) {
        int64_t total = 0;
        for (const auto& [name, shape] : expected_weights(gpt2_config(size))) total += shape_numel(shape);
        EXPECT_EQ(total, gpt2_parameter_count(gpt2_config(size))) << size;
    }
}

TEST(KerasGpt2, Configs) {
    Gpt2Config b = gpt2_config("base");
    EXPECT_EQ(b.layers, 12);
    EXPECT_EQ(b.hidden, 768);
    EXPECT_EQ(b.heads, 12);
    EXPECT_EQ(b.ffn, 3072);
    EXPECT_EQ(b.vocab, 50257);
    EXPECT_EQ(b.max_positions, 1024);
    Gpt2Config m = gpt2_config("medium");
    EXPECT_EQ(m.layers, 24);
    EXPECT_EQ(m.hidden, 1024);
    EXPECT_EQ(m.heads, 16);
    EXPECT_EQ(m.ffn, 4096);
    Gpt2Config t = gpt2_config("tiny");
    EXPECT_EQ(t.layers, 2);
    EXPECT_EQ(t.hidden, 64);
    EXPECT_EQ(t.heads, 4);
    EXPECT_EQ(t.ffn, 256);
    EXPECT_EQ(t.vocab, 1000);
    EXPECT_EQ(t.max_positions, 1024);
    EXPECT_THROW(gpt2_config("large"), Error);
}

TEST(KerasGpt2, TinyGraphOps) {
    Gpt2Config c = gpt2_config("tiny");
    Model m = make_keras_gpt2(c, 7, false);
    const Graph& g = m.graph;
    EXPECT_NO_THROW(verify_graph(g, true));
    EXPECT_EQ(m.opsets.at(""), 17);
    EXPECT_EQ(m.ir_version, 8);
    auto n = op_counts(g);
    int64_t L = c.layers;
    EXPECT_EQ(n[OpKind::Einsum], 6 * L);  // query, key, value, scores, combine, attention_output
    EXPECT_EQ(n[OpKind::LayerNormalization], 2 * L + 1);
    EXPECT_EQ(n[OpKind::MatMul], 2 * L + 1);  // two feed-forward Dense layers, the logits
    EXPECT_EQ(n[OpKind::Softmax], L);
    EXPECT_EQ(n[OpKind::Where], L);
    EXPECT_EQ(n[OpKind::Tanh], L);
    EXPECT_EQ(n[OpKind::Pow], L);
    EXPECT_EQ(n[OpKind::Mul], 5 * L);  // query scale, four in GELU
    // Biases (6 per layer), residuals (2), GELU (2), embeddings_add.
    EXPECT_EQ(n[OpKind::Add], 10 * L + 1);
    EXPECT_EQ(n[OpKind::Gather], 3);  // sequence length, token and position embeddings
    EXPECT_EQ(n[OpKind::Range], 1);
    EXPECT_EQ(n[OpKind::Transpose], 1);  // the tied embedding, for the logits
    EXPECT_EQ(n[OpKind::Concat], 0);
    EXPECT_EQ(n[OpKind::Gelu], 0);  // opset 17 has none
    // 29 per layer; 9 for positions, mask and embeddings; final LayerNorm, Transpose, MatMul.
    EXPECT_EQ(g.nodes.size(), size_t(29 * L + 12));

    // The einsums of each layer, in order, with Keras's equations.
    std::vector<std::string> equations;
    for (const Node& node : g.nodes)
        if (node.op == OpKind::Einsum) equations.push_back(node.attrs.get_string("equation"));
    std::vector<std::string> layer = {"abc,cde->abde", "abc,cde->abde", "abc,cde->abde", "aecd,abcd->acbe", "acbe,aecd->abcd", "abcd,cde->abe"};
    for (int64_t i = 0; i < L; ++i)
        for (size_t k = 0; k < layer.size(); ++k) EXPECT_EQ(equations[size_t(i) * 6 + k], layer[k]);
    for (const Node& node : g.nodes) {
        if (node.op == OpKind::LayerNormalization) {
            EXPECT_FLOAT_EQ(node.attrs.get_float("epsilon", 0), 1e-5f);
            EXPECT_EQ(node.attrs.get_int("axis", 0), -1);
        }
        if (node.op == OpKind::Softmax) {
            EXPECT_EQ(node.attrs.get_int("axis", 0), -1);
        }
        EXPECT_EQ(node.opset, 17);
    }
    // The scores einsum reads the key first and the scaled query second.
    const Node& scores = g.nodes[size_t(value_named(g, "transformer_layer_0/self_attention/scores").producer)];
    EXPECT_EQ(g.values[size_t(scores.inputs[0])].name, "transformer_layer_0/self_attention/key/add_bias");
    EXPECT_EQ(g.values[size_t(scores.inputs[1])].name, "transformer_layer_0/self_attention/scale_query");
    const Value& scale = value_named(g, "query_scale");
    EXPECT_FLOAT_EQ(scale.constant->data<float>()[0], 1.0f / std::sqrt(16.0f));
}

TEST(KerasGpt2, TinyInputsOutputsAndShapes) {
    Gpt2Config c = gpt2_config("tiny");
    Model m = make_keras_gpt2(c, 7, false);
    const Graph& g = m.graph;
    ASSERT_EQ(g.inputs.size(), 1u);
    const Value& tokens = g.values[size_t(g.inputs[0])];
    EXPECT_EQ(tokens.name, "token_ids");
    EXPECT_EQ(tokens.dtype, DType::i64);
    EXPECT_EQ(tokens.shape.to_string(), "[batch,seq]");
    ASSERT_EQ(g.outputs.size(), 1u);
    const Value& logits = g.values[size_t(g.outputs[0])];
    EXPECT_EQ(logits.name, "logits");
    EXPECT_EQ(logits.dtype, DType::f32);
    EXPECT_EQ(logits.shape.to_string(), "[batch,seq,1000]");
    EXPECT_EQ(value_named(g, "transformer_layer_1/self_attention/scores").shape.to_string(), "[batch,4,seq,seq]");
    EXPECT_EQ(value_named(g, "causal_mask").dtype, DType::boolean);
}

TEST(KerasGpt2, TinyWeights) {
    Gpt2Config c = gpt2_config("tiny");
    Model m = make_keras_gpt2(c, 7, false);
    const Graph& g = m.graph;
    auto expected = expected_weights(c);
    int64_t params = 0;
    std::set<const Buffer*> buffers;
    for (const Value& v : g.values) {
        if (!v.is_constant() || v.constant->dtype != DType::f32 || v.constant->rank() == 0) continue;
        ASSERT_TRUE(expected.count(v.name)) << "unexpected weight " << v.name;
        EXPECT_EQ(v.constant->shape, expected[v.name]) << v.name;
        params += v.constant->numel();
        EXPECT_TRUE(buffers.insert(v.constant->buffer->root()).second) << v.name << " shares a buffer";
        if (v.name.find("gamma") != std::string::npos) {
            for (int64_t i = 0; i < v.constant->numel(); ++i) ASSERT_EQ(v.constant->data<float>()[i], 1.0f);
        } else if (v.name.find("beta") != std::string::npos) {
            for (int64_t i = 0; i < v.constant->numel(); ++i) ASSERT_EQ(v.constant->data<float>()[i], 0.0f);
        } else if (v.constant->numel() >= 4096) {
            EXPECT_NEAR(stddev_of(*v.constant), 0.02, 0.001) << v.name;
        }
    }
    EXPECT_EQ(size_t(buffers.size()), expected.size());
    EXPECT_EQ(params, gpt2_parameter_count(c));

    // Tied: one token embedding constant feeds the Gather and the Transpose for the logits.
    ValueId wte = *g.find_value("token_embedding/embeddings");
    auto consumers = g.consumers()[size_t(wte)];
    ASSERT_EQ(consumers.size(), 2u);
    EXPECT_EQ(g.nodes[size_t(consumers[0])].op, OpKind::Gather);
    EXPECT_EQ(g.nodes[size_t(consumers[1])].op, OpKind::Transpose);
    const Node& logits = g.nodes[size_t(g.values[size_t(g.outputs[0])].producer)];
    EXPECT_EQ(logits.op, OpKind::MatMul);
    EXPECT_EQ(logits.inputs[1], g.nodes[size_t(consumers[1])].outputs[0]);
}

TEST(KerasGpt2, TinyKvCache) {
    Gpt2Config c = gpt2_config("tiny");
    Model m = make_keras_gpt2(c, 7, true);
    const Graph& g = m.graph;
    EXPECT_NO_THROW(verify_graph(g, true));
    ASSERT_EQ(g.inputs.size(), size_t(1 + 2 * c.layers));
    ASSERT_EQ(g.outputs.size(), size_t(1 + 2 * c.layers));
    for (int64_t i = 0; i < c.layers; ++i) {
        for (int k = 0; k < 2; ++k) {
            std::string which = k == 0 ? "key" : "value";
            const Value& past = g.values[size_t(g.inputs[size_t(1 + 2 * i + k)])];
            EXPECT_EQ(past.name, "past_key_values." + std::to_string(i) + "." + which);
            EXPECT_EQ(past.dtype, DType::f32);
            EXPECT_EQ(past.shape.to_string(), "[batch,4,past_seq,16]");
            const Value& present = g.values[size_t(g.outputs[size_t(1 + 2 * i + k)])];
            EXPECT_EQ(present.name, "present." + std::to_string(i) + "." + which);
            EXPECT_EQ(present.shape.to_string(), "[batch,4,total_seq,16]");
            const Node& concat = g.nodes[size_t(present.producer)];
            EXPECT_EQ(concat.op, OpKind::Concat);
            EXPECT_EQ(concat.attrs.get_int("axis"), 2);
            EXPECT_EQ(concat.inputs[0], g.inputs[size_t(1 + 2 * i + k)]);
        }
    }
    auto n = op_counts(g);
    EXPECT_EQ(n[OpKind::Einsum], 6 * c.layers);
    EXPECT_EQ(n[OpKind::Concat], 2 * c.layers);
    EXPECT_EQ(n[OpKind::Transpose], 4 * c.layers + 1);
    EXPECT_EQ(n[OpKind::Range], 2);
    EXPECT_EQ(g.nodes.size(), size_t(35 * c.layers + 16));
    EXPECT_EQ(value_named(g, "transformer_layer_0/self_attention/scores").shape.to_string(), "[batch,4,seq,total_seq]");
}

TEST(KerasGpt2, SeedDecidesWeights) {
    Gpt2Config c = gpt2_config("tiny");
    Model a = make_keras_gpt2(c, 1, false);
    Model b = make_keras_gpt2(c, 1, true);
    Model other = make_keras_gpt2(c, 2, false);
    int compared = 0;
    for (const Value& v : a.graph.values) {
        if (!v.is_constant() || v.constant->rank() == 0 || v.constant->dtype != DType::f32) continue;
        EXPECT_TRUE(same_bytes(*v.constant, *value_named(b.graph, v.name).constant)) << v.name;
        bool constant_init = v.name.find("gamma") != std::string::npos || v.name.find("beta") != std::string::npos;
        if (!constant_init) {
            EXPECT_FALSE(same_bytes(*v.constant, *value_named(other.graph, v.name).constant)) << v.name;
        }
        ++compared;
    }
    EXPECT_EQ(compared, 2 + 16 * c.layers + 2);
}

namespace {
uint64_t bits_hash(const std::vector<float>& v) {
    uint64_t h = 1469598103934665603ull;
    for (float f : v) {
        uint32_t u;
        std::memcpy(&u, &f, 4);
        h = (h ^ u) * 1099511628211ull;
    }
    return h;
}
}  // namespace

TEST(SeededNormal, DeterministicAndStatistics) {
    std::vector<float> big(3'000'000), again(3'000'000), small(1000), other(1000), seed2(1000);
    fill_seeded_normal(big.data(), int64_t(big.size()), 5, "w", 1.0f);  // on several threads
    fill_seeded_normal(again.data(), int64_t(again.size()), 5, "w", 1.0f);
    EXPECT_EQ(big, again);
    // Pinned: chunks have their own generators, so the thread count cannot change this.
    EXPECT_EQ(bits_hash(big), 0xf42b1c68d057da62ull);
    fill_seeded_normal(small.data(), 1000, 5, "w", 1.0f);
    fill_seeded_normal(other.data(), 1000, 5, "v", 1.0f);
    fill_seeded_normal(seed2.data(), 1000, 6, "w", 1.0f);
    EXPECT_NE(small, other);
    EXPECT_NE(small, seed2);
    // Moments of 3 M draws: mean 0, variance 1, about 2.7 per mille beyond 3 sigma.
    double sum = 0, sq = 0;
    int64_t beyond3 = 0;
    for (float x : big) {
        sum += x;
        sq += double(x) * x;
        beyond3 += std::fabs(x) > 3.0f;
    }
    double mean = sum / double(big.size());
    EXPECT_NEAR(mean, 0.0, 0.003);
    EXPECT_NEAR(sq / double(big.size()) - mean * mean, 1.0, 0.005);
    EXPECT_NEAR(double(beyond3) / double(big.size()), 0.0027, 0.0003);
    // Odd lengths fill every element.
    std::vector<float> odd(7, NAN);
    fill_seeded_normal(odd.data(), 7, 1, "odd", 0.5f);
    for (float x : odd) EXPECT_TRUE(std::isfinite(x));
}

TEST(SeededNormal, SameBitsEverywhere) {
    // The generator uses no libm and no fused multiply-add, so these bits are the same for every
    // compiler, optimization level and CPU (checked with gcc and clang, -O0 and -O3 -march=native).
    // A change here changes every model's weights.
    std::vector<float> v(100001);
    fill_seeded_normal(v.data(), int64_t(v.size()), 42, "token_embedding/embeddings", 0.02f);
    EXPECT_EQ(bits_hash(v), 0x63e0a0bdfdb81bb8ull);
}
