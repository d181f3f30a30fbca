#include "compile/passes/fuse_layer_norm.h"

#include <algorithm>
#include <optional>

#include "ops/op_table.h"

namespace frugal::compile {

namespace {

using Consumers = std::vector<std::vector<NodeId>>;

const Tensor* constant_of(const Graph& g, ValueId v) {
    const Value& val = g.values[size_t(v)];
    return val.is_constant() ? &*val.constant : nullptr;
}

std::optional<double> scalar_of(const Graph& g, ValueId v) {
    const Tensor* t = constant_of(g, v);
    if (!t || t->numel() != 1 || !dtype_is_float(t->dtype)) return std::nullopt;
    return t->double_at(0);
}

// The one node reading v, when v is not a graph output and nothing else reads it.
NodeId sole_reader(const Graph& g, const Consumers& consumers, ValueId v) {
    if (g.is_graph_output(v) || consumers[size_t(v)].size() != 1) return kNoId;
    return consumers[size_t(v)][0];
}

// The other input of a binary node, given one of them.
ValueId other_input(const Node& n, ValueId known) {
    if (n.inputs.size() != 2) return kNoId;
    return n.inputs[0] == known ? n.inputs[1] : n.inputs[1] == known ? n.inputs[0] : kNoId;
}

// ReduceMean over the last axis only, keeping it: axes from the attribute (opset < 18) or a
// constant input (18+).
bool is_mean_over_last_axis(const Graph& g, const Node& n, int64_t rank) {
    if (n.op != OpKind::ReduceMean || n.attrs.get_int("keepdims", 1) != 1) return false;
    std::vector<int64_t> axes;
    if (n.inputs.size() >= 2 && n.inputs[1] != kNoId) {
        const Tensor* t = constant_of(g, n.inputs[1]);
        if (!t || t->dtype != DType::i64) return false;
        for (int64_t i = 0; i < t->numel(); ++i) axes.push_back(t->data<int64_t>()[i]);
    } else {
        axes = n.attrs.get_ints("axes");
    }
    return axes.size() == 1 && (axes[0] == -1 || axes[0] == rank - 1);
}

// A [N] constant (or one with leading 1s) of f32, as [N].
std::optional<Tensor> vector_of(const Graph& g, ValueId v, int64_t n) {
    const Tensor* t = constant_of(g, v);
    if (!t || t->dtype != DType::f32 || t->numel() != n || t->shape.empty() || t->shape.back() != n) return std::nullopt;
    return t->reshaped({n});
}

struct Match {
    ValueId x = kNoId, out = kNoId;
    float epsilon = 0;
    ValueId scale = kNoId, bias = kNoId;  // constants, or kNoId
    std::vector<NodeId> nodes;
};

// Follows the decomposition forward from mean = ReduceMean(x):
//   d = Sub(x, mean); var = ReduceMean(Pow(d, 2) | Mul(d, d)); std = Sqrt(Add(var, eps));
//   n = Div(d, std) | Mul(d, Reciprocal(std)); [Mul(n, gamma)]; [Add(., beta)]
std::optional<Match> match_from_mean(const Graph& g, const Consumers& consumers, NodeId mean_id) {
    const Node& mean = g.nodes[size_t(mean_id)];
    Match m;
    m.x = mean.inputs[0];
    const Value& xv = g.values[size_t(m.x)];
    if (xv.dtype != DType::f32 || !xv.shape.rank_known || xv.shape.rank() == 0) return std::nullopt;
    int64_t rank = int64_t(xv.shape.rank()), n = xv.shape.dims.back();
    if (n <= 0 || !is_mean_over_last_axis(g, mean, rank)) return std::nullopt;
    m.nodes.push_back(mean_id);

    NodeId sub = sole_reader(g, consumers, mean.outputs[0]);
    if (sub == kNoId || g.nodes[size_t(sub)].op != OpKind::Sub || g.nodes[size_t(sub)].inputs != std::vector<ValueId>{m.x, mean.outputs[0]})
        return std::nullopt;
    m.nodes.push_back(sub);
    ValueId d = g.nodes[size_t(sub)].outputs[0];
    // Two readers: the square (Mul(d, d) is listed once per use) and the normalization.
    std::vector<NodeId> readers = consumers[size_t(d)];
    std::sort(readers.begin(), readers.end());
    readers.erase(std::unique(readers.begin(), readers.end()), readers.end());
    if (g.is_graph_output(d) || readers.size() != 2) return std::nullopt;
    NodeId square = kNoId, normalize = kNoId;
    for (NodeId c : readers) {
        const Node& cn = g.nodes[size_t(c)];
        bool is_square = (cn.op == OpKind::Pow && cn.inputs[0] == d && scalar_of(g, cn.inputs[1]) == 2.0) ||
                         (cn.op == OpKind::Mul && cn.inputs.size() == 2 && cn.inputs[0] == d && cn.inputs[1] == d);
        (is_square ? square : normalize) = c;
    }
    if (square == kNoId || normalize == kNoId) return std::nullopt;
    m.nodes.push_back(square);
    NodeId var = sole_reader(g, consumers, g.nodes[size_t(square)].outputs[0]);
    if (var == kNoId || !is_mean_over_last_axis(g, g.nodes[size_t(var)], rank)) return std::nullopt;
    m.nodes.push_back(var);
    NodeId add_eps = sole_reader(g, consumers, g.nodes[size_t(var)].outputs[0]);
    if (add_eps == kNoId || g.nodes[size_t(add_eps)].op != OpKind::Add) return std::nullopt;
    std::optional<double> eps = scalar_of(g, other_input(g.nodes[size_t(add_eps)], g.nodes[size_t(var)].outputs[0]));
    if (!eps || *eps < 0) return std::nullopt;
    m.epsilon = float(*eps);
    m.nodes.push_back(add_eps);
    NodeId sqrt = sole_reader(g, consumers, g.nodes[size_t(add_eps)].outputs[0]);
    if (sqrt == kNoId || g.nodes[size_t(sqrt)].op != OpKind::Sqrt) return std::nullopt;
    m.nodes.push_back(sqrt);
    ValueId std_dev = g.nodes[size_t(sqrt)].outputs[0];

    const Node& nz = g.nodes[size_t(normalize)];
    if (nz.op == OpKind::Div && nz.inputs.size() == 2 && nz.inputs[0] == d && nz.inputs[1] == std_dev) {
        if (sole_reader(g, consumers, std_dev) != normalize) return std::nullopt;
    } else if (nz.op == OpKind::Mul) {
        NodeId recip = sole_reader(g, consumers, std_dev);
        if (recip == kNoId || g.nodes[size_t(recip)].op != OpKind::Reciprocal ||
            other_input(nz, d) != g.nodes[size_t(recip)].outputs[0] || sole_reader(g, consumers, g.nodes[size_t(recip)].outputs[0]) != normalize)
            return std::nullopt;
        m.nodes.push_back(recip);
    } else {
        return std::nullopt;
    }
    m.nodes.push_back(normalize);
    m.out = nz.outputs[0];

    // The affine part, when its operands are [N] constants.
    NodeId next = sole_reader(g, consumers, m.out);
    if (next != kNoId && g.nodes[size_t(next)].op == OpKind::Mul) {
        ValueId gamma = other_input(g.nodes[size_t(next)], m.out);
        if (gamma != kNoId && vector_of(g, gamma, n)) {
            m.scale = gamma;
            m.nodes.push_back(next);
            m.out = g.nodes[size_t(next)].outputs[0];
            next = sole_reader(g, consumers, m.out);
        }
    }
    if (next != kNoId && g.nodes[size_t(next)].op == OpKind::Add) {
        ValueId beta = other_input(g.nodes[size_t(next)], m.out);
        if (beta != kNoId && vector_of(g, beta, n)) {
            m.bias = beta;
            m.nodes.push_back(next);
            m.out = g.nodes[size_t(next)].outputs[0];
        }
    }
    return m;
}

}  // namespace

size_t fuse_layer_norm(Model& model) {
    Graph& g = model.graph;
    auto consumers = g.consumers();
    size_t fused = 0;
    size_t count = g.nodes.size();  // nodes added below are not visited
    for (size_t i = 0; i < count; ++i) {
        if (g.nodes[i].dead || g.nodes[i].op != OpKind::ReduceMean) continue;
        std::optional<Match> m = match_from_mean(g, consumers, NodeId(i));
        if (!m) continue;
        int64_t n = g.values[size_t(m->x)].shape.dims.back();
        const std::string& base = g.nodes[i].name;
        auto vector_input = [&](ValueId v, float fill, const char* what) {
            if (v != kNoId) return g.add_constant(g.unique_value_name(base + "/" + what), *vector_of(g, v, n));
            Tensor t = Tensor::empty(DType::f32, {n});
            for (int64_t k = 0; k < n; ++k) t.mutable_data<float>()[k] = fill;
            return g.add_constant(g.unique_value_name(base + "/" + what), t);
        };
        Node ln;
        ln.name = base + "/layer_norm";
        ln.op = OpKind::LayerNormalization;
        ln.opset = std::max<int64_t>(g.nodes[i].opset, 17);
        ln.inputs = {m->x, vector_input(m->scale, 1.f, "scale"), vector_input(m->bias, 0.f, "bias")};
        ln.outputs = {m->out};
        ln.attrs.set("axis", int64_t(-1));
        ln.attrs.set("epsilon", m->epsilon);
        for (NodeId id : m->nodes) g.nodes[size_t(id)].dead = true;
        g.add_node(std::move(ln));
        fused++;
    }
    if (fused) {
        g.topological_sort();
        g.compact();
    }
    return fused;
}

}  // namespace frugal::compile
