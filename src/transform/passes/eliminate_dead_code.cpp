#include "transform/passes/eliminate_dead_code.h"

namespace frugal::transform {

size_t eliminate_dead_code(Model& model) {
    Graph& g = model.graph;
    std::vector<char> live_value(g.values.size(), 0);
    for (ValueId v : g.outputs) live_value[size_t(v)] = 1;
    size_t removed = 0;
    // Walk backwards: nodes are in topological order, so every reader of a node's outputs has
    // already been decided when the node itself is reached.
    for (size_t i = g.nodes.size(); i-- > 0;) {
        Node& n = g.nodes[i];
        if (n.dead) continue;
        bool needed = false;
        for (ValueId o : n.outputs) needed |= o != kNoId && live_value[size_t(o)];
        if (!needed) {
            n.dead = true;
            removed++;
            continue;
        }
        for (ValueId v : n.inputs)
            if (v != kNoId) live_value[size_t(v)] = 1;
    }
    g.compact();  // also drops constants that only dead nodes read
    return removed;
}

}  // namespace frugal::transform
