#include "ir/verifier.h"

#include "ir/error.h"
#include "ops/op_table.h"

namespace frugal {

void verify_graph(const Graph& g, bool types_known) {
    std::vector<char> available(g.values.size(), 0);
    auto check_id = [&](ValueId v, const std::string& where) {
        if (v < 0 || size_t(v) >= g.values.size()) fail(where + ": refers to value id " + std::to_string(v) + ", which does not exist");
    };
    for (ValueId v : g.inputs) {
        check_id(v, "graph input");
        available[size_t(v)] = 1;
    }
    for (size_t i = 0; i < g.values.size(); ++i)
        if (g.values[i].is_constant()) available[i] = 1;
    std::vector<char> produced(g.values.size(), 0);
    for (size_t n = 0; n < g.nodes.size(); ++n) {
        const Node& node = g.nodes[n];
        if (node.dead) continue;
        const OpInfo& info = op_info(node.op);
        int given = int(node.inputs.size());
        if (given < info.min_inputs || (info.max_inputs >= 0 && given > info.max_inputs))
            fail(node.context() + ": has " + std::to_string(given) + " inputs; the op takes " + std::to_string(info.min_inputs) +
                 (info.max_inputs < 0 ? " or more" : " to " + std::to_string(info.max_inputs)));
        for (ValueId v : node.inputs) {
            if (v == kNoId) continue;
            check_id(v, node.context());
            if (!available[size_t(v)])
                fail(node.context() + ": input '" + g.values[size_t(v)].name +
                     "' is not a graph input, a constant or the output of an earlier node (missing initializer or cycle)");
        }
        for (ValueId v : node.outputs) {
            if (v == kNoId) continue;
            check_id(v, node.context());
            if (produced[size_t(v)] || g.values[size_t(v)].is_constant())
                fail(node.context() + ": output '" + g.values[size_t(v)].name + "' is produced more than once");
            produced[size_t(v)] = 1;
            available[size_t(v)] = 1;
            if (types_known && g.values[size_t(v)].dtype == DType::undefined)
                fail(node.context() + ": output '" + g.values[size_t(v)].name + "' has no element type");
        }
    }
    for (ValueId v : g.outputs) {
        check_id(v, "graph output");
        if (!available[size_t(v)]) fail("graph output '" + g.values[size_t(v)].name + "' is not produced by any node");
    }
}

}  // namespace frugal
