#include "compile/passes/fuse_gelu.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "ops/op_table.h"

namespace frugal::compile {

namespace {

bool is_elementwise(OpKind k) {
    switch (k) {
        case OpKind::Add: case OpKind::Sub: case OpKind::Mul: case OpKind::Div: case OpKind::Pow:
        case OpKind::Tanh: case OpKind::Erf: case OpKind::Neg: case OpKind::Sqrt: case OpKind::Reciprocal:
            return true;
        default: return false;
    }
}

bool is_scalar_constant(const Graph& g, ValueId v) {
    const Value& val = g.values[size_t(v)];
    return val.is_constant() && val.constant->numel() == 1 && dtype_is_float(val.dtype);
}

struct Region {
    ValueId x = kNoId;
    std::set<NodeId> nodes;
    ValueId output = kNoId;
};

// Grows the region backwards from `start`, stopping at x: every non-constant leaf must be x.
bool grow_backwards(const Graph& g, NodeId start, Region& r) {
    std::vector<NodeId> stack{start};
    while (!stack.empty()) {
        NodeId n = stack.back();
        stack.pop_back();
        if (!r.nodes.insert(n).second) continue;
        if (r.nodes.size() > 16) return false;  // GELU takes about ten ops in any spelling
        for (ValueId v : g.nodes[size_t(n)].inputs) {
            if (v == kNoId) return false;
            if (v == r.x || is_scalar_constant(g, v)) continue;
            NodeId p = g.values[size_t(v)].producer;
            if (p == kNoId || !is_elementwise(g.nodes[size_t(p)].op)) return false;
            stack.push_back(p);
        }
    }
    return true;
}

// Values that could be GELU's input: those reachable backwards from the Tanh/Erf through
// elementwise ops, nearest first.
std::vector<ValueId> candidate_inputs(const Graph& g, NodeId start) {
    std::vector<ValueId> out;
    std::vector<NodeId> frontier{start};
    for (int depth = 0; depth < 8 && !frontier.empty(); ++depth) {
        std::vector<NodeId> next;
        for (NodeId n : frontier)
            for (ValueId v : g.nodes[size_t(n)].inputs) {
                if (v == kNoId || is_scalar_constant(g, v) || std::find(out.begin(), out.end(), v) != out.end()) continue;
                out.push_back(v);
                NodeId p = g.values[size_t(v)].producer;
                if (p != kNoId && is_elementwise(g.nodes[size_t(p)].op)) next.push_back(p);
            }
        frontier = std::move(next);
    }
    return out;
}

// Extends the region forwards over consumers whose inputs are all region values, x or scalars.
void grow_forwards(const Graph& g, const std::vector<std::vector<NodeId>>& consumers, Region& r) {
    bool grew = true;
    while (grew) {
        grew = false;
        std::set<ValueId> inside{r.x};
        for (NodeId n : r.nodes) inside.insert(g.nodes[size_t(n)].outputs[0]);
        // Readers of x count too: GELU multiplies x itself by the tanh branch.
        std::vector<ValueId> sources{r.x};
        for (NodeId n : r.nodes) sources.push_back(g.nodes[size_t(n)].outputs[0]);
        for (ValueId src : sources) {
            for (NodeId c : consumers[size_t(src)]) {
                const Node& cn = g.nodes[size_t(c)];
                if (r.nodes.count(c) || !is_elementwise(cn.op) || cn.op == OpKind::Tanh || cn.op == OpKind::Erf) continue;
                bool ok = true;
                for (ValueId v : cn.inputs) ok &= v != kNoId && (inside.count(v) || is_scalar_constant(g, v));
                if (ok) {
                    r.nodes.insert(c);
                    grew = true;
                }
            }
        }
    }
}

// Exactly one region value may be read outside the region (or be a graph output): the result.
bool find_output(const Graph& g, const std::vector<std::vector<NodeId>>& consumers, Region& r) {
    for (NodeId n : r.nodes) {
        ValueId v = g.nodes[size_t(n)].outputs[0];
        bool outside = g.is_graph_output(v);
        for (NodeId c : consumers[size_t(v)]) outside |= !r.nodes.count(c);
        if (!outside) continue;
        if (r.output != kNoId) return false;
        r.output = v;
    }
    return r.output != kNoId;
}

// Evaluates the region on sample points; returns "tanh", "none" or "" when it is not GELU.
std::string classify(const Graph& g, const Region& r) {
    constexpr int kPoints = 121;
    std::vector<float> xs(kPoints);
    for (int i = 0; i < kPoints; ++i) xs[size_t(i)] = -6.0f + 12.0f * float(i) / float(kPoints - 1);
    std::map<ValueId, Tensor> vals;
    vals[r.x] = Tensor::from_vector<float>({kPoints}, xs);
    for (NodeId n : r.nodes) {  // NodeIds follow topological order
        const Node& node = g.nodes[size_t(n)];
        std::vector<const Tensor*> in;
        for (ValueId v : node.inputs) in.push_back(vals.count(v) ? &vals[v] : &*g.values[size_t(v)].constant);
        std::vector<Tensor> out(1);
        try {
            evaluate_node(node, in, out);
        } catch (const std::exception&) {
            return "";
        }
        vals[node.outputs[0]] = out[0];
    }
    const Tensor& y = vals[r.output];
    if (y.numel() != kPoints || y.dtype != DType::f32) return "";
    auto close_to = [&](auto f) {
        for (int i = 0; i < kPoints; ++i) {
            double want = f(double(xs[size_t(i)]));
            if (std::fabs(y.data<float>()[i] - want) > 1e-5 + 1e-4 * std::fabs(want)) return false;
        }
        return true;
    };
    if (close_to([](double v) { return 0.5 * v * (1 + std::tanh(0.7978845608028654 * (v + 0.044715 * v * v * v))); })) return "tanh";
    if (close_to([](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); })) return "none";
    return "";
}

}  // namespace

size_t fuse_gelu(Model& model) {
    Graph& g = model.graph;
    size_t fused = 0;
    auto consumers = g.consumers();
    std::vector<Node> added;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const Node& t = g.nodes[i];
        if (t.dead || (t.op != OpKind::Tanh && t.op != OpKind::Erf)) continue;
        Region r;
        std::string approximate;
        for (ValueId x : candidate_inputs(g, NodeId(i))) {
            r = Region{};
            r.x = x;
            if (g.values[size_t(x)].dtype != DType::f32 || !grow_backwards(g, NodeId(i), r)) continue;
            grow_forwards(g, consumers, r);
            if (!find_output(g, consumers, r)) continue;
            approximate = classify(g, r);
            if (!approximate.empty()) break;
        }
        if (approximate.empty()) continue;
        bool any_dead = false;
        for (NodeId n : r.nodes) any_dead |= g.nodes[size_t(n)].dead;
        if (any_dead) continue;
        for (NodeId n : r.nodes) g.nodes[size_t(n)].dead = true;
        Node gelu;
        gelu.name = g.nodes[size_t(g.values[size_t(r.output)].producer)].name + "/gelu";
        gelu.op = OpKind::Gelu;
        gelu.opset = 20;
        gelu.inputs = {r.x};
        gelu.outputs = {r.output};
        gelu.attrs.set("approximate", approximate);
        added.push_back(std::move(gelu));
        fused++;
    }
    for (Node& n : added) g.add_node(std::move(n));
    if (fused) {
        g.topological_sort();
        g.compact();
    }
    return fused;
}

}  // namespace frugal::compile
