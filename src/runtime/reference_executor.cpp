#include "runtime/reference_executor.h"

#include "ir/error.h"
#include "ops/op_table.h"

namespace frugal {

void check_inputs(const Model& model, const TensorMap& inputs) {
    const Graph& g = model.graph;
    const std::string where = model.path.empty() ? std::string("model") : model.path;
    for (ValueId id : g.inputs) {
        const Value& v = g.values[size_t(id)];
        auto it = inputs.find(v.name);
        if (it == inputs.end())
            fail(where + ": missing input '" + v.name + "' (" + dtype_name(v.dtype) + v.shape.to_string() + ")");
        const Tensor& t = it->second;
        if (t.dtype != v.dtype)
            fail(where + ": input '" + v.name + "' must be " + dtype_name(v.dtype) + ", got " + dtype_name(t.dtype));
        if (v.shape.rank_known && t.rank() != v.shape.rank())
            fail(where + ": input '" + v.name + "' must have rank " + std::to_string(v.shape.rank()) + " " +
                 v.shape.to_string() + ", got " + shape_to_string(t.shape));
        if (!v.shape.admits(t.shape))
            fail(where + ": input '" + v.name + "' must have shape " + v.shape.to_string() + ", got " + shape_to_string(t.shape));
    }
    for (const auto& [name, t] : inputs) {
        bool known = false;
        for (ValueId id : g.inputs) known |= g.values[size_t(id)].name == name;
        if (!known) fail(where + ": the model has no input named '" + name + "'");
    }
}

TensorMap run_reference(const Model& model, const TensorMap& inputs) {
    check_inputs(model, inputs);
    const Graph& g = model.graph;
    std::vector<Tensor> slots(g.values.size());
    std::vector<char> ready(g.values.size(), 0);
    for (size_t i = 0; i < g.values.size(); ++i)
        if (g.values[i].is_constant()) {
            slots[i] = *g.values[i].constant;
            ready[i] = 1;
        }
    for (ValueId id : g.inputs) {
        slots[size_t(id)] = inputs.at(g.values[size_t(id)].name);
        ready[size_t(id)] = 1;
    }
    // Remaining uses per value, so that a tensor is dropped after its last consumer.
    std::vector<int> uses(g.values.size(), 0);
    for (const Node& n : g.nodes)
        if (!n.dead)
            for (ValueId v : n.inputs)
                if (v != kNoId) uses[size_t(v)]++;
    for (ValueId v : g.outputs) uses[size_t(v)]++;

    std::vector<const Tensor*> in;
    std::vector<Tensor> out;
    for (const Node& n : g.nodes) {
        if (n.dead) continue;
        in.assign(n.inputs.size(), nullptr);
        for (size_t i = 0; i < n.inputs.size(); ++i) {
            ValueId v = n.inputs[i];
            if (v == kNoId) continue;
            if (!ready[size_t(v)]) fail(n.context() + ": input '" + g.values[size_t(v)].name + "' has not been computed");
            in[i] = &slots[size_t(v)];
        }
        out.assign(n.outputs.size(), Tensor{});
        evaluate_node(n, in, out);
        for (size_t i = 0; i < n.outputs.size(); ++i) {
            ValueId v = n.outputs[i];
            if (v == kNoId) continue;
            slots[size_t(v)] = std::move(out[i]);
            ready[size_t(v)] = 1;
        }
        for (ValueId v : n.inputs)
            if (v != kNoId && --uses[size_t(v)] == 0 && !g.values[size_t(v)].is_constant()) slots[size_t(v)] = Tensor{};
    }
    TensorMap result;
    for (ValueId v : g.outputs) {
        if (!ready[size_t(v)]) fail("graph output '" + g.values[size_t(v)].name + "' was not computed");
        result[g.values[size_t(v)].name] = slots[size_t(v)];
    }
    return result;
}

}  // namespace frugal
