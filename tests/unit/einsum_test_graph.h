#pragma once
// Shared by the decompose_einsum tests: one-Einsum models, a node-by-node runner that checks
// the declared type and shape of every value, structure checks and the reference Einsum.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/verifier.h"
#include "ops/op_table.h"
#include "transform/passes/decompose_einsum.h"

namespace frugal::einsum_test {

using transform::EinsumMode;

struct Operand {
    Tensor value;
    bool constant = false;
    PartialShape declared;  // for a graph input: its shape as the model declares it
};

// A model with one Einsum node "attn/einsum" whose operands are graph inputs or constants.
inline Model einsum_model(const std::string& equation, const std::vector<Operand>& operands, int64_t opset = 17) {
    Model m;
    m.opsets[""] = opset;
    Graph& g = m.graph;
    Node n;
    n.name = "attn/einsum";
    n.op = OpKind::Einsum;
    n.opset = opset;
    n.attrs.set("equation", equation);
    for (size_t i = 0; i < operands.size(); ++i) {
        const Operand& o = operands[i];
        std::string name = "in" + std::to_string(i);
        if (o.constant) {
            n.inputs.push_back(g.add_constant(name, o.value));
        } else {
            PartialShape s = o.declared.rank_known ? o.declared : PartialShape(o.value.shape);
            ValueId v = g.add_value(name, o.value.dtype, s);
            g.inputs.push_back(v);
            n.inputs.push_back(v);
        }
    }
    ValueId out = g.add_value("out", operands.empty() ? DType::f32 : operands[0].value.dtype);
    n.outputs = {out};
    g.add_node(n);
    g.outputs = {out};
    infer_graph(g);
    return m;
}

inline std::vector<OpKind> op_sequence(const Graph& g) {
    std::vector<OpKind> ops;
    for (const Node& n : g.nodes)
        if (!n.dead) ops.push_back(n.op);
    return ops;
}

inline std::string ops_text(const Graph& g) {
    std::string s;
    for (const Node& n : g.nodes)
        if (!n.dead) s += std::string(op_name(n.op)) + " ";
    return s;
}

inline const Node* producer_of(const Graph& g, ValueId v) {
    NodeId p = g.values[size_t(v)].producer;
    return p == kNoId ? nullptr : &g.nodes[size_t(p)];
}

inline std::vector<int64_t> constant_ints(const Graph& g, ValueId v) {
    const Value& val = g.values[size_t(v)];
    EXPECT_TRUE(val.is_constant()) << val.name;
    return val.is_constant() ? val.constant->to_int_vector() : std::vector<int64_t>{};
}

// Runs the graph node by node with the reference kernels, checking on the way that every value
// the pass created holds a tensor of the type and shape the pass declared for it.
inline Tensor run_graph(const Graph& g, const std::vector<Tensor>& inputs) {
    std::vector<Tensor> slots(g.values.size());
    for (size_t i = 0; i < g.values.size(); ++i)
        if (g.values[i].is_constant()) slots[i] = *g.values[i].constant;
    for (size_t i = 0; i < g.inputs.size(); ++i) slots[size_t(g.inputs[i])] = inputs[i];
    for (const Node& n : g.nodes) {
        if (n.dead) continue;
        std::vector<const Tensor*> in;
        for (ValueId v : n.inputs) in.push_back(v == kNoId ? nullptr : &slots[size_t(v)]);
        std::vector<Tensor> out(n.outputs.size());
        evaluate_node(n, in, out);
        for (size_t i = 0; i < n.outputs.size(); ++i) {
            const Value& v = g.values[size_t(n.outputs[i])];
            EXPECT_EQ(out[i].dtype, v.dtype) << v.name;
            EXPECT_TRUE(v.shape.admits(out[i].shape))
                << v.name << " declared " << v.shape.to_string() << " holds " << shape_to_string(out[i].shape);
            slots[size_t(n.outputs[i])] = std::move(out[i]);
        }
    }
    return slots[size_t(g.outputs[0])];
}

// No Transpose with an identity perm, no Reshape to the shape it already has, no Reshape of a
// Reshape, no Transpose of a Transpose, never a Broadcast (Expand).
inline void expect_no_noops(const Graph& g, bool allow_einsum = false) {
    for (const Node& n : g.nodes) {
        if (n.dead) continue;
        EXPECT_NE(n.op, OpKind::Expand) << n.name;
        if (!allow_einsum) {
            EXPECT_NE(n.op, OpKind::Einsum) << n.name;
        }
        if (n.inputs.empty()) continue;
        const Node* p = producer_of(g, n.inputs[0]);
        if (n.op == OpKind::Transpose) {
            std::vector<int64_t> perm = n.attrs.get_ints("perm");
            bool identity = true;
            for (size_t i = 0; i < perm.size(); ++i) identity = identity && perm[i] == int64_t(i);
            EXPECT_FALSE(identity) << n.name;
            EXPECT_TRUE(!p || p->op != OpKind::Transpose) << n.name << " transposes a Transpose";
        }
        if (n.op == OpKind::Reshape) {
            const PartialShape& in = g.values[size_t(n.inputs[0])].shape;
            const PartialShape& out = g.values[size_t(n.outputs[0])].shape;
            EXPECT_FALSE(in.is_static() && out.is_static() && in.dims == out.dims) << n.name << " is a no-op";
            EXPECT_TRUE(!p || p->op != OpKind::Reshape) << n.name << " reshapes a Reshape";
        }
    }
}

inline void expect_no_noops_except_einsum(const Graph& g) { expect_no_noops(g, true); }

inline Tensor random_tensor(DType t, const Shape& s, std::mt19937& rng) {
    Tensor r = Tensor::empty(t, s);
    for (int64_t i = 0; i < r.numel(); ++i) {
        if (t == DType::f32) r.mutable_data<float>()[i] = std::uniform_real_distribution<float>(-1, 1)(rng);
        else if (t == DType::f64) r.mutable_data<double>()[i] = std::uniform_real_distribution<double>(-1, 1)(rng);
        else if (t == DType::i64) r.mutable_data<int64_t>()[i] = std::uniform_int_distribution<int64_t>(-3, 3)(rng);
        else r.mutable_data<int32_t>()[i] = std::uniform_int_distribution<int32_t>(-3, 3)(rng);
    }
    return r;
}

inline Tensor reference_einsum(const std::string& equation, const std::vector<Operand>& operands) {
    Node n;
    n.name = "reference";
    n.op = OpKind::Einsum;
    n.opset = 12;
    n.attrs.set("equation", equation);
    std::vector<const Tensor*> in;
    for (const Operand& o : operands) {
        in.push_back(&o.value);
        n.inputs.push_back(0);
    }
    std::vector<Tensor> out(1);
    evaluate_node(n, in, out);
    return out[0];
}

// Largest |got - want| relative to the largest |want| (at least 1).
inline double max_relative_error(const Tensor& got, const Tensor& want) {
    EXPECT_EQ(got.shape, want.shape);
    if (got.shape != want.shape) return INFINITY;
    double scale = 1;
    for (int64_t i = 0; i < want.numel(); ++i) scale = std::max(scale, std::fabs(want.double_at(i)));
    double err = 0;
    for (int64_t i = 0; i < want.numel(); ++i) err = std::max(err, std::fabs(got.double_at(i) - want.double_at(i)) / scale);
    return err;
}

inline Operand weight(const Shape& s, std::mt19937& rng) { return {random_tensor(DType::f32, s, rng), true, {}}; }
inline Operand activation(const Shape& s, std::vector<int64_t> declared, std::mt19937& rng) {
    PartialShape d = PartialShape::of_rank(s.size());
    d.dims = std::move(declared);
    return {random_tensor(DType::f32, s, rng), false, d};
}

// Lowers a copy of the model and checks it computes what the Einsum computes.
inline void expect_equivalent(const Model& model, const std::string& equation, const std::vector<Operand>& operands,
                       EinsumMode mode, double tol = 1e-5) {
    Model lowered = model;
    transform::decompose_einsum(lowered, mode);
    verify_graph(lowered.graph);
    std::vector<Tensor> inputs;
    for (const Operand& o : operands)
        if (!o.constant) inputs.push_back(o.value);
    Tensor got = run_graph(lowered.graph, inputs);
    EXPECT_LE(max_relative_error(got, reference_einsum(equation, operands)), tol) << equation << ": " << ops_text(lowered.graph);
}

inline size_t einsum_count(const Graph& g) {
    size_t k = 0;
    for (const Node& n : g.nodes) k += !n.dead && n.op == OpKind::Einsum;
    return k;
}

}  // namespace frugal::einsum_test
