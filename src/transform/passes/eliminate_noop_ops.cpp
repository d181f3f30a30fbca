#include "transform/passes/eliminate_noop_ops.h"

namespace frugal::transform {

namespace {

bool same_static_shape(const Value& a, const Value& b) {
    return a.shape.is_static() && b.shape.is_static() && a.shape.dims == b.shape.dims;
}

bool is_noop(const Graph& g, const Node& n) {
    if (!n.has_input(0) || n.outputs.size() != 1 || n.outputs[0] == kNoId) return false;
    const Value& in = g.values[size_t(n.inputs[0])];
    const Value& out = g.values[size_t(n.outputs[0])];
    if (in.dtype != out.dtype) return false;
    switch (n.op) {
        case OpKind::Identity: return true;
        case OpKind::Cast: case OpKind::CastLike: return in.dtype != DType::undefined;
        case OpKind::Reshape: case OpKind::Flatten: case OpKind::Squeeze: case OpKind::Unsqueeze:
        case OpKind::Expand: case OpKind::Tile:
            return same_static_shape(in, out);
        case OpKind::Transpose: {
            std::vector<int64_t> perm = n.attrs.get_ints("perm");
            if (perm.empty()) return in.shape.rank_known && in.shape.rank() <= 1;
            for (size_t i = 0; i < perm.size(); ++i)
                if (perm[i] != int64_t(i)) return false;
            return true;
        }
        default: return false;
    }
}

}  // namespace

size_t eliminate_noop_ops(Model& model) {
    Graph& g = model.graph;
    size_t removed = 0;
    for (Node& n : g.nodes) {
        if (n.dead || !is_noop(g, n)) continue;
        ValueId out = n.outputs[0];
        if (g.is_graph_output(out)) continue;
        n.dead = true;
        g.replace_all_uses(out, n.inputs[0]);
        removed++;
    }
    if (removed) g.compact();
    return removed;
}

}  // namespace frugal::transform
