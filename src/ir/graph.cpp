#include "ir/graph.h"

#include <unordered_map>
#include <unordered_set>

#include "ir/error.h"

namespace frugal {

std::string Node::context() const { return node_context(name, std::string(op_name(op))); }

ValueId Graph::add_value(const std::string& name, DType t, PartialShape s) {
    Value v;
    v.name = name;
    v.dtype = t;
    v.shape = std::move(s);
    values.push_back(std::move(v));
    return ValueId(values.size() - 1);
}

ValueId Graph::add_constant(const std::string& name, Tensor t) {
    ValueId id = add_value(name, t.dtype, PartialShape(t.shape));
    values[size_t(id)].constant = std::move(t);
    return id;
}

NodeId Graph::add_node(Node n) {
    NodeId id = NodeId(nodes.size());
    for (ValueId o : n.outputs)
        if (o != kNoId) values[size_t(o)].producer = id;
    nodes.push_back(std::move(n));
    return id;
}

std::string Graph::unique_value_name(const std::string& base) {
    std::unordered_set<std::string> used;
    for (const Value& v : values) used.insert(v.name);
    if (!used.count(base)) return base;
    for (int i = 1;; ++i) {
        std::string n = base + "_" + std::to_string(i);
        if (!used.count(n)) return n;
    }
}

std::optional<ValueId> Graph::find_value(const std::string& name) const {
    for (size_t i = 0; i < values.size(); ++i)
        if (values[i].name == name) return ValueId(i);
    return std::nullopt;
}

std::vector<std::vector<NodeId>> Graph::consumers() const {
    std::vector<std::vector<NodeId>> c(values.size());
    for (size_t n = 0; n < nodes.size(); ++n) {
        if (nodes[n].dead) continue;
        for (ValueId v : nodes[n].inputs)
            if (v != kNoId) c[size_t(v)].push_back(NodeId(n));
    }
    return c;
}

bool Graph::is_graph_output(ValueId v) const {
    for (ValueId o : outputs)
        if (o == v) return true;
    return false;
}

void Graph::topological_sort() {
    // Kahn's algorithm, stable: among ready nodes the earlier one goes first.
    std::vector<int> pending(nodes.size(), 0);
    std::vector<std::vector<NodeId>> users(nodes.size());
    for (size_t n = 0; n < nodes.size(); ++n) {
        if (nodes[n].dead) continue;
        for (ValueId v : nodes[n].inputs) {
            if (v == kNoId) continue;
            NodeId p = values[size_t(v)].producer;
            if (p == kNoId || nodes[size_t(p)].dead) continue;
            pending[n]++;
            users[size_t(p)].push_back(NodeId(n));
        }
    }
    std::vector<NodeId> order;
    std::vector<NodeId> ready;
    for (size_t n = nodes.size(); n-- > 0;)
        if (!nodes[n].dead && pending[n] == 0) ready.push_back(NodeId(n));
    // `ready` is a stack kept in descending id order so the smallest id pops first.
    while (!ready.empty()) {
        NodeId n = ready.back();
        ready.pop_back();
        order.push_back(n);
        std::vector<NodeId> now_ready;
        for (NodeId u : users[size_t(n)])
            if (--pending[size_t(u)] == 0) now_ready.push_back(u);
        for (NodeId u : now_ready) {
            auto it = ready.begin();
            while (it != ready.end() && *it > u) ++it;
            ready.insert(it, u);
        }
    }
    size_t live = live_node_count();
    if (order.size() != live) {
        for (size_t n = 0; n < nodes.size(); ++n)
            if (!nodes[n].dead && pending[n] > 0) fail("the graph has a cycle through " + nodes[n].context());
    }
    std::vector<Node> sorted;
    sorted.reserve(order.size());
    for (NodeId n : order) sorted.push_back(std::move(nodes[size_t(n)]));
    nodes = std::move(sorted);
    for (Value& v : values) v.producer = kNoId;
    for (size_t n = 0; n < nodes.size(); ++n)
        for (ValueId o : nodes[n].outputs)
            if (o != kNoId) values[size_t(o)].producer = NodeId(n);
}

void Graph::compact() {
    std::vector<char> used(values.size(), 0);
    for (ValueId v : inputs) used[size_t(v)] = 1;
    for (ValueId v : outputs) used[size_t(v)] = 1;
    for (const Node& n : nodes) {
        if (n.dead) continue;
        for (ValueId v : n.inputs)
            if (v != kNoId) used[size_t(v)] = 1;
        for (ValueId v : n.outputs)
            if (v != kNoId) used[size_t(v)] = 1;
    }
    std::vector<ValueId> remap(values.size(), kNoId);
    std::vector<Value> kept;
    for (size_t i = 0; i < values.size(); ++i) {
        if (!used[i]) continue;
        remap[i] = ValueId(kept.size());
        kept.push_back(std::move(values[i]));
    }
    values = std::move(kept);
    std::vector<Node> live;
    for (Node& n : nodes) {
        if (n.dead) continue;
        for (ValueId& v : n.inputs)
            if (v != kNoId) v = remap[size_t(v)];
        for (ValueId& v : n.outputs)
            if (v != kNoId) v = remap[size_t(v)];
        live.push_back(std::move(n));
    }
    nodes = std::move(live);
    for (ValueId& v : inputs) v = remap[size_t(v)];
    for (ValueId& v : outputs) v = remap[size_t(v)];
    for (Value& v : values) v.producer = kNoId;
    for (size_t n = 0; n < nodes.size(); ++n)
        for (ValueId o : nodes[n].outputs)
            if (o != kNoId) values[size_t(o)].producer = NodeId(n);
}

void Graph::replace_all_uses(ValueId from, ValueId to) {
    for (Node& n : nodes) {
        if (n.dead) continue;
        for (ValueId& v : n.inputs)
            if (v == from) v = to;
    }
    for (ValueId& v : outputs)
        if (v == from) v = to;
}

size_t Graph::live_node_count() const {
    size_t c = 0;
    for (const Node& n : nodes) c += !n.dead;
    return c;
}

int64_t Model::default_opset() const {
    auto it = opsets.find("");
    if (it != opsets.end()) return it->second;
    it = opsets.find("ai.onnx");
    return it != opsets.end() ? it->second : 21;
}

}  // namespace frugal
