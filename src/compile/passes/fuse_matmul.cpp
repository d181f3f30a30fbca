#include "compile/passes/fuse_matmul.h"

namespace frugal::compile {

namespace {

const Value& value(const Graph& g, ValueId v) { return g.values[size_t(v)]; }

// The only live consumer of v, when v has exactly one and is not a graph output.
NodeId sole_consumer(const Graph& g, const std::vector<std::vector<NodeId>>& consumers, ValueId v) {
    if (g.is_graph_output(v) || consumers[size_t(v)].size() != 1) return kNoId;
    return consumers[size_t(v)][0];
}

// A constant with N values laid out along the last dims only ([N], [1, N], [a, b] with a*b = N
// matching the trailing output dims): usable as a [N] bias through a view.
bool is_bias_for(const Value& c, int64_t n, const PartialShape& out) {
    if (!c.is_constant() || c.dtype != DType::f32 || c.constant->numel() != n) return false;
    const Shape& s = c.constant->shape;
    if (s.size() > out.rank() || !out.rank_known) return false;
    // Every bias dim must match the output's trailing dim (or be a leading 1).
    size_t off = out.rank() - s.size();
    bool leading_ones = true;
    for (size_t i = 0; i < s.size(); ++i) {
        if (leading_ones && s[i] == 1 && out.dims[off + i] != 1) continue;
        leading_ones = false;
        if (s[i] != out.dims[off + i]) return false;
    }
    return true;
}

// Reshape whose output ends in [a, b] with a*b = N, the input's last dim. Row-major order maps
// each contiguous N-chunk of the input onto one [a, b] block, so a bias over the last dim commutes
// with the Reshape whatever the leading dims become.
bool splits_last_dim(const PartialShape& in, const PartialShape& out) {
    if (!in.rank_known || !out.rank_known || in.rank() < 1 || out.rank() < 2) return false;
    int64_t n = in.dims.back(), a = out.dims[out.rank() - 2], b = out.dims.back();
    return n > 0 && a > 0 && b > 0 && a * b == n;
}

// A residual must have the output's shape: same rank, and dims equal where both are known. Dims
// unknown here are checked by the kernel at run time.
bool same_shape_as(const PartialShape& a, const PartialShape& b) {
    if (!a.rank_known || !b.rank_known || a.rank() != b.rank()) return false;
    for (size_t i = 0; i < a.rank(); ++i)
        if (a.dims[i] != b.dims[i]) return false;
    return true;
}

}  // namespace

size_t fuse_matmul(Model& model) {
    Graph& g = model.graph;
    size_t fused = 0;
    auto consumers = g.consumers();
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        Node& mm = g.nodes[i];
        if (mm.dead || mm.op != OpKind::MatMul) continue;
        ValueId x = mm.inputs[0], w = mm.inputs[1];
        const Value& xv = value(g, x);
        if (xv.dtype != DType::f32 || !xv.shape.rank_known || xv.shape.rank() < 1) continue;
        bool transpose_b = false;
        if (!value(g, w).is_constant()) {
            // The tied embedding: MatMul(x, Transpose(W)) reads W as stored.
            NodeId t = value(g, w).producer;
            if (t == kNoId || g.nodes[size_t(t)].op != OpKind::Transpose) continue;
            const Node& tn = g.nodes[size_t(t)];
            if (!value(g, tn.inputs[0]).is_constant() || tn.attrs.get_ints("perm", {1, 0}) != std::vector<int64_t>{1, 0}) continue;
            w = tn.inputs[0];
            transpose_b = true;
        }
        const Value& wv = value(g, w);
        if (wv.dtype != DType::f32 || wv.constant->rank() != 2) continue;
        int64_t n = transpose_b ? wv.constant->shape[0] : wv.constant->shape[1];

        ValueId out = mm.outputs[0];      // the value the fused node will produce
        ValueId bias = kNoId, residual = kNoId;
        std::string activation = "none";
        NodeId reshape = kNoId;           // a last-dim split moved after the fused node
        std::vector<NodeId> absorbed;

        NodeId c = sole_consumer(g, consumers, out);
        if (c != kNoId && g.nodes[size_t(c)].op == OpKind::Reshape &&
            splits_last_dim(value(g, out).shape, value(g, g.nodes[size_t(c)].outputs[0]).shape)) {
            ValueId r_out = g.nodes[size_t(c)].outputs[0];
            NodeId add = sole_consumer(g, consumers, r_out);
            if (add != kNoId && g.nodes[size_t(add)].op == OpKind::Add) {
                const Node& an = g.nodes[size_t(add)];
                ValueId other = an.inputs[0] == r_out ? an.inputs[1] : an.inputs[0];
                if (is_bias_for(value(g, other), n, value(g, r_out).shape)) {
                    bias = other;
                    reshape = c;
                    absorbed.push_back(add);
                }
            }
        }
        if (reshape == kNoId) {
            if (c != kNoId && g.nodes[size_t(c)].op == OpKind::Add) {
                const Node& an = g.nodes[size_t(c)];
                ValueId other = an.inputs[0] == out ? an.inputs[1] : an.inputs[0];
                if (is_bias_for(value(g, other), n, value(g, out).shape)) {
                    bias = other;
                    absorbed.push_back(c);
                    out = an.outputs[0];
                }
            }
            NodeId a = sole_consumer(g, consumers, out);
            if (a != kNoId && g.nodes[size_t(a)].op == OpKind::Gelu) {
                activation = g.nodes[size_t(a)].attrs.get_string("approximate", "none") == "tanh" ? "gelu_tanh" : "gelu_erf";
                absorbed.push_back(a);
                out = g.nodes[size_t(a)].outputs[0];
            }
            NodeId r = sole_consumer(g, consumers, out);
            if (r != kNoId && g.nodes[size_t(r)].op == OpKind::Add) {
                const Node& rn = g.nodes[size_t(r)];
                ValueId other = rn.inputs[0] == out ? rn.inputs[1] : rn.inputs[0];
                const Value& ov = value(g, other);
                if (!ov.is_constant() && ov.dtype == DType::f32 && same_shape_as(ov.shape, value(g, out).shape) &&
                    same_shape_as(value(g, rn.outputs[0]).shape, value(g, out).shape)) {
                    residual = other;
                    absorbed.push_back(r);
                    out = rn.outputs[0];
                }
            }
        }

        Node f;
        f.name = mm.name;
        f.op = OpKind::FusedMatMul;
        f.inputs = {x, w};
        if (bias != kNoId || residual != kNoId) f.inputs.push_back(bias);
        if (residual != kNoId) f.inputs.push_back(residual);
        if (transpose_b) f.attrs.set("transpose_b", int64_t(1));
        if (activation != "none") f.attrs.set("activation", activation);
        if (bias != kNoId && value(g, bias).constant->rank() != 1) {
            // A view of the same bytes as [N].
            ValueId flat = g.add_constant(g.unique_value_name(value(g, bias).name + "/flat"), value(g, bias).constant->reshaped({n}));
            f.inputs[2] = flat;
        }
        if (reshape != kNoId) {
            // FusedMatMul(x, W, bias) -> the original Reshape, whose output the bias Add produced.
            Node& rs = g.nodes[size_t(reshape)];
            ValueId add_out = g.nodes[size_t(absorbed[0])].outputs[0];
            f.outputs = {mm.outputs[0]};
            rs.outputs = {add_out};
            g.values[size_t(add_out)].producer = reshape;
        } else {
            f.outputs = {out};
        }
        mm.dead = true;
        for (NodeId a : absorbed) g.nodes[size_t(a)].dead = true;
        g.add_node(std::move(f));
        fused++;
    }
    if (fused) {
        g.topological_sort();
        g.compact();
    }
    return fused;
}

}  // namespace frugal::compile
