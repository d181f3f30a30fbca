#pragma once
// Small helpers for tests that build graphs by hand (model / model_ref style).
#include <random>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ops/op_table.h"

namespace frugal::test {

inline ValueId add_input(Graph& g, const std::string& name, DType t, const PartialShape& s) {
    ValueId v = g.add_value(name, t, s);
    g.inputs.push_back(v);
    return v;
}

inline Tensor random_tensor(const Shape& s, uint32_t seed, float scale = 1.0f) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(-scale, scale);
    Tensor t = Tensor::empty(DType::f32, s);
    float* p = t.mutable_data<float>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = d(rng);
    return t;
}

// Token ids uniform in [0, vocab).
inline Tensor random_ids(const Shape& s, int64_t vocab, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<int64_t> v(size_t(shape_numel(s)));
    for (auto& x : v) x = int64_t(rng() % uint32_t(vocab));
    return Tensor::from_vector<int64_t>(s, v);
}

// Appends a node with one output whose type is inferred from its inputs.
inline ValueId add_op(Graph& g, OpKind op, std::vector<ValueId> inputs, Attributes attrs = {}, const std::string& name = "",
                      int64_t opset = 17) {
    Node n;
    n.name = name.empty() ? std::string(op_name(op)) + "_" + std::to_string(g.nodes.size()) : name;
    n.op = op;
    n.opset = opset;
    n.inputs = std::move(inputs);
    n.attrs = std::move(attrs);
    ValueId out = g.add_value(g.unique_value_name(n.name + "_out"));
    n.outputs = {out};
    std::vector<ValueType> in(n.inputs.size());
    for (size_t i = 0; i < n.inputs.size(); ++i) {
        const Value& v = g.values[size_t(n.inputs[i])];
        in[i].dtype = v.dtype;
        in[i].shape = v.shape;
        in[i].constant = v.constant ? &*v.constant : nullptr;
    }
    std::vector<ValueType> o(1);
    infer_node(n, in, o);
    g.values[size_t(out)].dtype = o[0].dtype;
    g.values[size_t(out)].shape = o[0].shape;
    g.add_node(std::move(n));
    return out;
}

inline Attributes attrs_ints(const std::string& k, std::vector<int64_t> v) {
    Attributes a;
    a.set(k, std::move(v));
    return a;
}

inline size_t count_ops(const Graph& g, OpKind op) {
    size_t c = 0;
    for (const Node& n : g.nodes) c += !n.dead && n.op == op;
    return c;
}

inline double max_relative_error(const Tensor& a, const Tensor& b) {
    double worst = 0;
    for (int64_t i = 0; i < a.numel(); ++i) {
        double x = a.double_at(i), y = b.double_at(i);
        double e = std::abs(x - y) / std::max(1e-6, std::abs(y));
        worst = std::max(worst, e);
    }
    return worst;
}

// Largest difference relative to the largest magnitude of the expected tensor: the measure for
// outputs like logits, where elementwise relative error is meaningless near zero.
inline double max_error_over_range(const Tensor& got, const Tensor& want) {
    double worst = 0, range = 1e-12;
    for (int64_t i = 0; i < want.numel(); ++i) {
        worst = std::max(worst, std::abs(got.double_at(i) - want.double_at(i)));
        range = std::max(range, std::abs(want.double_at(i)));
    }
    return worst / range;
}

}  // namespace frugal::test
